"""gl.train stops on a validation set (random pairs, small sums, carry chains, hardest-sum margin)
and reports a separate test set it never uses to stop."""

import math

import pytest

import gru_lesson as gl
from gru_lesson.addition import train as train_module
from gru_lesson.addition.train import CHECKS, MARGIN_BEAM, MARGIN_BITS, MIN_MARGIN, _scorer


@pytest.fixture(scope="module")
def run():
    return gl.train(seed=2, progress=False)


def test_stops_at_the_first_checkpoint_where_every_check_passes(run):
    params, history = run
    assert history.solved_step == history.checkpoints[-1] == history.steps
    assert len(history.margin) == len(history.checkpoints)
    for name, values in history.accuracy.items():
        assert values[-1] == 1.0 and len(values) == len(history.checkpoints), name
    assert history.margin[-1] >= MIN_MARGIN
    # the margin it recorded is what gl.hardest_sums says of the returned net
    again = gl.hardest_sums(params, MARGIN_BITS, n=1, beam=MARGIN_BEAM)[0].margin
    assert again == pytest.approx(history.margin[-1], abs=1e-9)
    # every earlier checkpoint failed a check (NaN: not run because an earlier one failed)
    for i in range(len(history.checkpoints) - 1):
        accs = [history.accuracy[k][i] for k in ("random", "small", "carry")]
        margin = history.margin[i]
        assert any(a != 1.0 for a in accs) or not margin >= MIN_MARGIN


def test_the_stopped_net_is_right_where_it_was_checked(run):
    params, _ = run
    assert gl.verify_exhaustive(params, 6).exact                      # the small sums
    assert gl.accuracy(params, *gl.carry_chain_pairs()) == 1.0
    assert all(h.correct for h in gl.hardest_sums(params, 16, n=5, beam=64))


def test_test_set_is_separate_and_measured_once_at_the_end(run):
    params, history = run
    assert set(history.test_accuracy) == {"random", "long"}
    assert history.test_accuracy["random"] == gl.accuracy(params, *gl.held_out_pairs())
    long_pairs = gl.random_pairs(1000, train_module.TEST_LONG_BITS, train_module.TEST_LONG_SEED)
    assert history.test_accuracy["long"] == gl.accuracy(params, *long_pairs)
    validation = _scorer("random")
    held = _scorer("held_out")
    assert validation.size == held.size == 1000
    va, vb = gl.random_pairs(1000, 16, train_module.VALIDATION_SEED)
    ha, hb = gl.held_out_pairs()
    assert not set(zip(va.tolist(), vb.tolist(), strict=True)) & \
        set(zip(ha.tolist(), hb.tolist(), strict=True))


def test_a_weaker_rule_stops_no_later_and_skips_the_margin(run):
    _, full = run
    _, weak = gl.train(seed=2, checks=("random",), progress=False)
    assert weak.solved_step <= full.solved_step
    assert all(math.isnan(m) for m in weak.margin)
    assert weak.final_accuracy["random"] == 1.0


def test_min_margin_is_the_bar():
    _, history = gl.train(seed=2, min_margin=50.0, max_steps=300, progress=False)
    assert history.solved_step is None
    measured = [m for m in history.margin if m == m]
    assert measured and max(measured) < 50.0


@pytest.mark.parametrize("checks", [("nope",), (), 3, ("random", "margins")])
def test_bad_checks_are_refused(checks):
    with pytest.raises(ValueError, match="checks must name some of " + ", ".join(CHECKS)):
        gl.train(checks=checks, max_steps=1, progress=False)


@pytest.mark.parametrize("m", [0, -1.0, float("nan"), float("inf"), True, "2"])
def test_bad_min_margin_is_refused(m):
    with pytest.raises(ValueError, match="min_margin must be a positive number"):
        gl.train(min_margin=m, max_steps=1, progress=False)


def test_small_validation_set_is_every_pair_below_64():
    scorer = _scorer("small")
    net = gl.init_params(2, 5, 1, rng=1)                  # wrong on some sums, right on others
    ok = scorer.exact(net)["threshold"]
    assert scorer.size == 4096 and 0 < ok.sum() < 4096
    v = gl.verify_exhaustive(net, 6)                      # the same 4,096 sums, another way
    assert int((~ok).sum()) == v.n_wrong
