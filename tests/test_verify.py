"""gl.hardest_sums and gl.verify_exhaustive against a brute force that shares none of their code:
every pair run through gl.forward (the fast engine) and judged by gl.add's own decoding."""

import numpy as np
import pytest

import gru_lesson as gl
from gru_lesson.addition.adder import exact
from gru_lesson.addition.verify import EXHAUSTIVE_MAX_BITS, HARDEST_MAX_BITS, MAX_BEAM, MAX_N


def brute_force(params, bits):
    """(a, b, margin, correct) for every pair a, b < 2^bits, each on its own max(bit length) + 1
    steps: margins from gl.forward's logits, correctness from gl.add's decoding (PairScorer)."""
    a, b = (v.ravel() for v in np.meshgrid(np.arange(1 << bits), np.arange(1 << bits),
                                           indexing="ij"))
    x, d = gl.addition_batch(a, b, bits=bits + 1)
    _, cache = gl.forward(params, x)
    logits = cache.logits[:, :, 0]
    signed = np.where(d[:, :, 0] == 1, logits, -logits)
    steps = np.maximum(np.frexp(np.maximum(a, b))[1], 0) + 1        # bit length + 1
    margin = np.where(np.arange(bits + 1)[:, None] < steps[None, :], signed, np.inf).min(axis=0)
    return a, b, margin, exact(params, a, b)


@pytest.fixture(scope="module")
def pretrained():
    return gl.load_pretrained()


@pytest.fixture(scope="module")
def small_net():
    """Non-square (H = 5), biases on and non-zero: wrong on most sums, right on some."""
    return gl.init_params(2, 5, 1, rng=3)


def planted(params, bits, k):
    """The shipped net with its output bias lowered just enough that the k sums of operands
    below 2^bits with the smallest logit on a 1-bit start to fail (longer sums fail with them)."""
    a, b, _, _ = brute_force(params, bits)
    x, d = gl.addition_batch(a, b, bits=bits + 1)
    _, cache = gl.forward(params, x)
    steps = np.maximum(np.frexp(np.maximum(a, b))[1], 0) + 1
    ones = (d[:, :, 0] == 1) & (np.arange(bits + 1)[:, None] < steps[None, :])
    lowest_one = np.where(ones, cache.logits[:, :, 0], np.inf).min(axis=0)   # per sum
    cut = np.sort(lowest_one)[k - 1:k + 1].mean()
    broken = {name: v.copy() for name, v in params.items()}
    broken["by"] = broken["by"] - cut
    return broken


# ------------------------------------------------------------------------------ exhaustive

@pytest.mark.parametrize("bits", [1, 3, 5])
def test_exhaustive_matches_brute_force_on_a_bad_net(small_net, bits):
    a, b, margin, ok = brute_force(small_net, bits)
    v = gl.verify_exhaustive(small_net, bits)
    assert v.checked == 4 ** bits == a.size
    assert v.n_wrong == int((~ok).sum()) > 0
    assert not v.exact
    lengths = np.maximum(np.frexp(np.maximum(a, b))[1], 0)
    order = np.lexsort((b, a, lengths))                    # shortest first, then by a, b
    want = [(int(a[i]), int(b[i])) for i in order if not ok[i]][:100]
    assert v.wrong == want
    assert v.margin == pytest.approx(margin.min(), abs=1e-12)
    assert margin[(a == v.hardest[0]) & (b == v.hardest[1])][0] == pytest.approx(v.margin)


def test_exhaustive_finds_planted_failures_and_only_those(pretrained):
    bits = 6
    broken = planted(pretrained, bits, k=5)
    a, b, margin, ok = brute_force(broken, bits)
    assert 5 <= (~ok).sum() < 50                            # a handful of sums, not all
    v = gl.verify_exhaustive(broken, bits)
    assert v.n_wrong == int((~ok).sum())
    assert set(v.wrong) == {(int(p), int(q)) for p, q in zip(a[~ok], b[~ok], strict=True)}
    assert v.margin < 0
    for p, q in v.wrong:
        assert gl.add(broken, p, q) != p + q                # never a correct sum called wrong


def test_exhaustive_on_the_shipped_net_finds_nothing_wrong(pretrained):
    v = gl.verify_exhaustive(pretrained, 7)
    assert (v.checked, v.n_wrong, v.wrong, v.exact) == (4 ** 7, 0, [], True)
    assert v.margin > 0 and "are right" in v.summary()
    a, b = v.hardest
    assert gl.add(pretrained, a, b) == a + b


def test_exhaustive_lists_at_most_100_wrong_sums_but_counts_all(small_net):
    v = gl.verify_exhaustive(small_net, 6)
    assert v.n_wrong > 100 and len(v.wrong) == 100
    assert all(gl.add(small_net, p, q) != p + q for p, q in v.wrong[::9])
    assert "WRONG" in v.summary()


def test_exhaustive_reset_after_variant():
    params = gl.init_params(2, 4, 1, rng=11)
    params["bhn"] = np.random.default_rng(12).uniform(-1, 1, 4)
    a, b, margin, ok = brute_force(params, 4)
    v = gl.verify_exhaustive(params, 4)
    assert v.n_wrong == int((~ok).sum())
    assert v.margin == pytest.approx(margin.min(), abs=1e-12)


# ------------------------------------------------------------------------------ hardest sums

def test_hardest_sums_is_exact_while_the_beam_holds_the_whole_tree(small_net):
    bits = 4
    a, b, margin, _ = brute_force(small_net, bits)
    hs = gl.hardest_sums(small_net, bits, n=5, beam=4 ** bits)
    assert [h.margin for h in hs] == sorted(h.margin for h in hs)
    assert hs[0].margin == pytest.approx(margin.min(), abs=1e-12)
    for h in hs:                      # each record's margin is that sum's margin
        i = np.flatnonzero((a == h.a) & (b == h.b))[0]
        assert h.margin == pytest.approx(margin[i], abs=1e-12)


def test_hardest_sums_lists_a_sum_only_if_harder_than_its_shorter_starts(small_net):
    hs = gl.hardest_sums(small_net, 5, n=40, beam=4 ** 5)
    for h in hs:                      # no listed sum begins with another listed sum's steps
        T = max(h.a.bit_length(), h.b.bit_length())
        for g in hs:
            Tg = max(g.a.bit_length(), g.b.bit_length())
            if Tg < T and (h.a % (1 << Tg), h.b % (1 << Tg)) == (g.a, g.b):
                assert h.margin < g.margin


def test_hardest_sums_finds_planted_failures(pretrained):
    broken = planted(pretrained, 6, k=3)
    hs = gl.hardest_sums(broken, 16, n=10)
    wrong = [h for h in hs if not h.correct]
    assert wrong and hs[0].margin < 0
    for h in hs:                      # its verdicts are gl.add's
        assert (gl.add(broken, h.a, h.b) == h.a + h.b) == h.correct


def test_hardest_sums_of_the_shipped_net_are_right(pretrained):
    hs = gl.hardest_sums(pretrained, 64, n=3, beam=512)
    assert len(hs) == 3 and all(h.correct and h.margin > 0 for h in hs)
    assert any(max(h.a, h.b) >= 1 << 8 for h in gl.hardest_sums(pretrained, 20, n=20, beam=64))
    for h in hs:
        assert gl.add(pretrained, h.a, h.b) == h.a + h.b


def test_hardest_sums_n_larger_than_the_tree(small_net):
    hs = gl.hardest_sums(small_net, 1, n=50)
    assert {(h.a, h.b) for h in hs} <= {(0, 0), (0, 1), (1, 0), (1, 1)}


# ------------------------------------------------------------------------------ bad input

@pytest.mark.parametrize("bits", [0, -1, EXHAUSTIVE_MAX_BITS + 1, 2.0, True, "8", None])
def test_exhaustive_refuses_bad_bits(pretrained, bits):
    with pytest.raises(ValueError, match=f"bits must be an integer from 1 to "
                                         f"{EXHAUSTIVE_MAX_BITS}"):
        gl.verify_exhaustive(pretrained, bits)


@pytest.mark.parametrize("kwargs, limit", [
    ({"bits": 0}, f"bits must be an integer from 1 to {HARDEST_MAX_BITS:,}"),
    ({"bits": HARDEST_MAX_BITS + 1}, f"from 1 to {HARDEST_MAX_BITS:,}"),
    ({"n": 0}, f"n must be an integer from 1 to {MAX_N:,}"),
    ({"n": -3}, "n must be"),
    ({"n": MAX_N + 1}, f"from 1 to {MAX_N:,}"),
    ({"beam": 0}, f"beam must be an integer from 1 to {MAX_BEAM:,}"),
    ({"beam": MAX_BEAM + 1}, f"from 1 to {MAX_BEAM:,}"),
    ({"beam": 2.5}, "beam must be"),
])
def test_hardest_sums_refuses_bad_arguments(pretrained, kwargs, limit):
    with pytest.raises(ValueError, match=limit):
        gl.hardest_sums(pretrained, **kwargs)


@pytest.mark.parametrize("shape", [(3, 4, 1), (2, 4, 2)])
def test_both_refuse_a_net_of_the_wrong_shape(shape):
    params = gl.init_params(*shape, rng=0)
    for check in (gl.verify_exhaustive, gl.hardest_sums):
        with pytest.raises(ValueError, match="an adder net has 2 inputs and 1 output"):
            check(params, 4)


def test_both_refuse_what_is_not_a_net():
    with pytest.raises(ValueError, match="params must be a dict"):
        gl.verify_exhaustive([1, 2, 3], 4)


# ------------------------------------------------------------------------------ the shipped net

def _train_pretrained_script(monkeypatch):
    import importlib.util
    import pathlib

    path = pathlib.Path(__file__).resolve().parents[1] / "scripts" / "train_pretrained.py"
    spec = importlib.util.spec_from_file_location("train_pretrained", path)
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    monkeypatch.setattr(script, "EXHAUSTIVE_BITS", 5)     # 12 in the real run (~15 s)
    monkeypatch.setattr(script, "HARD_BITS", 16)
    return script


def test_train_pretrained_refuses_weights_that_fail_a_check(pretrained, monkeypatch, tmp_path):
    script = _train_pretrained_script(monkeypatch)
    assert script.verified(pretrained)
    assert not script.verified(planted(pretrained, 5, k=2))
    # a net exact on every sampled set but wrong on one small sum is not written
    broken = planted(pretrained, 5, k=1)
    monkeypatch.setattr(script, "check", lambda params: dict.fromkeys(
        ("held_out_16bit", "random_256bit", "carry_chain", "random_1024bit"), 1.0))
    _, history = gl.train(max_steps=1, progress=False)
    monkeypatch.setattr(script.gl, "train", lambda **kw: (broken, history))
    out = tmp_path / "w.npz"
    assert script.main(["--output", str(out)]) == 1 and not out.exists()


# ------------------------------------------------------------------------------ bound and boxes

def test_failure_rate_bound_is_the_rule_of_three():
    for n in (1000, 100_000, 4 ** 12):
        p = gl.failure_rate_bound(n)
        assert (1 - p) ** n == pytest.approx(0.05, rel=1e-6)       # its definition
        assert p * n == pytest.approx(3.0, abs=0.01)                # about 3 / n
    assert gl.failure_rate_bound(1000, 0.99) > gl.failure_rate_bound(1000)
    for bad in ({"n": 0}, {"n": 10, "confidence": 1.0}, {"n": 10, "confidence": 0}):
        with pytest.raises(ValueError, match="must be"):
            gl.failure_rate_bound(**bad)


def test_box_step_bounds_every_state_in_the_box(pretrained):
    """The interval step is sound: real steps from random states inside a box land inside."""
    from gru_lesson.addition.adder import _Stepper
    from gru_lesson.addition.verify import _box_step

    rng = np.random.default_rng(5)
    for params in (pretrained, gl.init_params(2, 5, 1, rng=8)):
        H = params["Uz"].shape[0]
        b = {k: params[k] for k in ("bz", "br", "b", "by")}
        step = _Stepper(params)
        for code in range(4):
            x = np.array([code & 1, code >> 1], dtype=float)
            centre = rng.uniform(-0.8, 0.8, H)
            lo, hi = centre - rng.uniform(0, 0.2, H), centre + rng.uniform(0, 0.2, H)
            s_lo, s_hi = _box_step(params, b, x, lo, hi)
            h = rng.uniform(lo, hi, size=(500, H))
            with np.errstate(over="ignore", under="ignore"):
                h_next = step(np.full(500, code), h)
            assert (h_next >= s_lo - 1e-12).all() and (h_next <= s_hi + 1e-12).all()


def test_boxes_prove_a_hand_built_adder_but_not_the_shipped_net(pretrained):
    from test_analysis import exact_adder  # saturated gates: a contraction

    built = gl.box_abstraction(exact_adder())
    assert built.proven and built.undecided_at is None
    shipped = gl.box_abstraction(pretrained)
    assert not shipped.proven and shipped.undecided_at is not None
    assert shipped.widths[-1].min() > 1.99                  # every unit spans [-1, 1]
    params = dict(pretrained, bhn=np.zeros(16))
    with pytest.raises(ValueError, match="reset-after"):
        gl.box_abstraction(params)



def test_boxes_split_by_input_history(pretrained):
    from test_analysis import exact_adder

    assert gl.box_abstraction(exact_adder(), history=2).proven
    for k in (1, 3):
        run = gl.box_abstraction(pretrained, iterations=8, history=k)
        assert run.lo.shape == (2, (4 ** (k + 1) - 1) // 3, 16)
        assert not run.proven and run.undecided_at is not None
    # the history boxes refine the single box: never wider, unit by unit
    one = gl.box_abstraction(pretrained, iterations=2)
    split = gl.box_abstraction(pretrained, iterations=2, history=2)
    for c in (0, 1):
        full = split.lo[c, :, 0] <= split.hi[c, :, 0]
        assert (split.lo[c, full] >= one.lo[c, 0] - 1e-12).all()
        assert (split.hi[c, full] <= one.hi[c, 0] + 1e-12).all()
    for bad in (-1, 9, 1.5):
        with pytest.raises(ValueError, match="history must be an integer from 0 to 8"):
            gl.box_abstraction(pretrained, history=bad)


# ------------------------------------------------------------------------------ notebook 5's check

@pytest.mark.parametrize("answer, passed, mistake", [
    (..., False, "not_attempted"), (2_995_731, True, None), (3_000_000, True, None),
    (2_995_730, False, "too_few"),
    (1_000_000, False, "forgot_the_three"), (3e-6, False, "rate_not_count"),
    (500_000, False, "too_few"), (10 ** 8, False, "more_than_needed"),
    ("3e6", False, "not_a_number"), (True, False, "not_a_number"),
])
def test_tests_needed_checker_names_the_mistake(answer, passed, mistake, capsys):
    from gru_lesson.exercises import inline

    result = inline.check_tests_needed(answer)
    assert (result.passed, result.mistake) == (passed, mistake)
    assert capsys.readouterr().out.strip() == result.message.strip()
    if passed:                       # the smallest n that works is what the library computes
        n = 2_995_731
        assert gl.failure_rate_bound(n) < 1e-6 <= gl.failure_rate_bound(n - 1)


def test_box_growth_separates_a_contraction_from_the_shipped_net(pretrained):
    from test_analysis import exact_adder

    shipped = gl.box_growth(pretrained, n_states=200)
    assert shipped.shape == (800,) and shipped.min() > 1.0       # every box comes out bigger
    assert gl.box_growth(exact_adder(), n_states=100).max() < 1e-3   # saturated: boxes vanish
    with pytest.raises(ValueError, match="n_states must be an integer from 1"):
        gl.box_growth(pretrained, n_states=0)
