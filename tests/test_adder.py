"""The net as an adder: add, add_details, accuracy, and MATLAB's rounding rule."""

import numpy as np
import pytest

import gru_lesson as gl
from gru_lesson.addition.adder import PairScorer, decode_bits, exact, predict


@pytest.fixture(scope="module")
def pretrained():
    return gl.load_pretrained()


@pytest.fixture(scope="module")
def noisy(pretrained):
    """A damaged adder: right on some sums, wrong on others (to test the bookkeeping)."""
    rng = np.random.default_rng(7)
    return {k: v + 0.6 * rng.standard_normal(v.shape) for k, v in pretrained.items()}


def test_matlab_round_rounds_halves_away_from_zero():
    y = np.array([0.5, 1.5, 2.5, -0.5, -2.5, 0.49999999999999994, 0.5000000000000001, 0.0, -0.2])
    assert gl.matlab_round(y).tolist() == [1, 2, 3, -1, -3, 0, 1, 0, -0.0]
    assert np.round(0.5) == 0.0 and gl.matlab_round(0.5) == 1.0     # the trap it avoids


def test_decodings_differ_only_at_one_half():
    y = np.array([0.0, 0.3, 0.4999999, 0.5, 0.5000001, 0.9, 1.0])
    t = decode_bits(y, "threshold")
    m = decode_bits(y, "matlab_round")
    assert t.tolist() == [0, 0, 0, 0, 1, 1, 1]
    assert m.tolist() == [0, 0, 0, 1, 1, 1, 1]
    with pytest.raises(ValueError, match="decode must be one of"):
        decode_bits(y, "round")


@pytest.mark.parametrize("a, b", [(0, 0), (6, 3), (65535, 1), (99999, 1), (1, 65535),
                                  (2 ** 255, 2 ** 255), (2 ** 256 - 1, 1),
                                  (2 ** 256 - 1, 2 ** 256 - 1), (12345678901234567890, 98765)])
def test_pretrained_adds(pretrained, a, b):
    assert gl.add(pretrained, a, b) == a + b


def test_add_accepts_numpy_ints_and_returns_python_int(pretrained):
    out = gl.add(pretrained, np.int64(40000), np.uint16(30000))
    assert out == 70000 and type(out) is int


def test_add_details_fields(pretrained):
    det = gl.add_details(pretrained, 6, 3)
    assert (det.a, det.b, det.answer, det.true_sum, det.correct, det.T) == (6, 3, 9, 9, True, 4)
    assert det.a_bits.tolist() == [0, 1, 1, 0] and det.b_bits.tolist() == [1, 1, 0, 0]
    assert det.true_bits.tolist() == [1, 0, 0, 1]
    assert det.carry.tolist() == [0, 1, 1, 0]                     # carry OUT of each position
    assert det.out_bits.tolist() == [1, 0, 0, 1]
    assert det.prob.shape == (4,) and det.x.shape == (4, 1, 2)
    assert det.cache.z.shape == (4, 1, 16) and det.cache.h.shape == (4, 1, 16)
    y, _ = gl.forward(pretrained, det.x)
    assert np.array_equal(det.prob, y[:, 0, 0])
    table = det.table()
    assert len(table.splitlines()) == 2 + 4 and "wrong" not in table
    assert [row.split()[0] for row in table.splitlines()[2:]] == ["1", "2", "3", "4"]   # t = 1..T


def test_carry_out_matches_long_hand():
    p = gl.init_params(2, 4, 1, rng=0)
    rng = np.random.default_rng(1)
    for _ in range(20):
        a, b = (int(v) for v in rng.integers(0, 2 ** 12, size=2))
        det = gl.add_details(p, a, b)
        carry, want = 0, []
        for t in range(det.T):
            carry = (((a >> t) & 1) + ((b >> t) & 1) + carry) >> 1
            want.append(carry)
        assert det.carry.tolist() == want
        assert det.T == max(a.bit_length(), b.bit_length()) + 1
        assert det.answer == gl.bits_to_int(det.out_bits)
        assert det.correct == (det.answer == a + b)


@pytest.mark.parametrize("variant", ["bias", "no_bias", "reset_after"])
def test_predict_equals_forward(variant):
    p = gl.init_params(2, 7, 1, bias=variant != "no_bias", rng=3)
    if variant == "reset_after":
        p["bhn"] = np.random.default_rng(4).uniform(-1, 1, 7)
    a, b = gl.random_pairs(30, 40, rng=2)
    x, _ = gl.addition_batch(a, b)
    y, _ = gl.forward(p, x)
    np.testing.assert_allclose(predict(p, x), y[:, :, 0], rtol=0, atol=1e-14)


def test_accuracy_agrees_with_add_pair_by_pair(noisy):
    # mixed lengths, so the length buckets and each pair's own step count are exercised
    rng = np.random.default_rng(3)
    a = [int(v) for v in rng.integers(0, 2 ** 8, size=30)] + [2 ** k - 1 for k in range(1, 80, 3)]
    b = [int(v) for v in rng.integers(0, 2 ** 8, size=30)] + [1] * len(range(1, 80, 3))
    want = [gl.add(noisy, p, q) == p + q for p, q in zip(a, b, strict=True)]
    assert 0 < sum(want) < len(want)                              # a mix of right and wrong
    assert exact(noisy, a, b).tolist() == want
    assert gl.accuracy(noisy, a, b) == pytest.approx(np.mean(want))


def _exact_by_forward(params, a, b, decode):
    """Reference verdicts: every pair run in full by gl.forward, judged on its own steps."""
    steps = np.array([max(int(p).bit_length(), int(q).bit_length()) + 1
                      for p, q in zip(a, b, strict=True)])
    x, d = gl.addition_batch(a, b)                                 # padded to the longest pair
    y, _ = gl.forward(params, x)
    own = np.arange(x.shape[0])[:, None] < steps[None, :]
    return ~((decode_bits(y[:, :, 0], decode) != d[:, :, 0]) & own).any(axis=0)


@pytest.fixture(scope="module")
def nets():
    """Nets that get all, none or some of the sums right, with and without biases."""
    nets = {"pretrained": gl.load_pretrained()}
    for s in range(3):
        nets[f"random {s}"] = gl.init_params(2, 16, 1, rng=s)
        nets[f"random, no bias {s}"] = gl.init_params(2, 16, 1, bias=False, rng=s)
    p = gl.init_params(2, 5, 1, rng=9)
    p["bhn"] = np.random.default_rng(9).uniform(-1, 1, 5)
    nets["reset-after"] = p
    for steps in (150, 250):                                      # partly trained
        nets[f"train {steps}"] = gl.train(seed=8, max_steps=steps, check_every=0,
                                          progress=False)[0]
    nets["seed net"] = gl.train_seed(iterations=800, seed=0, check_every=0, progress=False)[0]
    return nets


@pytest.mark.parametrize("name", ["held_out", "carry_chain", "mixed"])
def test_prefix_tree_scorer_matches_running_every_pair(name, nets):
    if name == "held_out":
        a, b = gl.held_out_pairs()
    elif name == "carry_chain":
        a, b = gl.carry_chain_pairs()
    else:                                 # duplicates, 0 + 0, one pair a prefix of another
        ra, rb = gl.random_pairs(40, 70, 1)
        a = [0, 0, 1, 1, 3, 3, 7, 2 ** 70 - 1, 5, 5] + [int(v) for v in ra]
        b = [0, 0, 0, 1, 1, 1, 1, 1, 5, 5] + [int(v) for v in rb]
    scorer = PairScorer(a, b)
    assert scorer.nodes <= scorer.steps
    mixed = 0
    for net, params in nets.items():
        got = scorer.exact(params, ("threshold", "matlab_round"))
        for decode, verdicts in got.items():
            want = _exact_by_forward(params, a, b, decode)
            assert verdicts.tolist() == want.tolist(), (net, decode)
            mixed += 0 < want.sum() < want.size
    assert mixed >= 2                          # some nets get some pairs right and some wrong


def test_carry_chain_set_shares_most_prefixes():
    scorer = PairScorer(*gl.carry_chain_pairs())
    assert scorer.steps == 161_240 and scorer.nodes == 19_742


def test_seed_net_fails_matlab_round_on_even_pairs():
    p = gl.init_params(2, 16, 1, bias=False, rng=0)
    det = gl.add_details(p, 4, 8)                                 # starts with two (0, 0) pairs
    assert det.prob[0] == 0.5 and det.prob[1] == 0.5              # exactly: all inputs zero
    assert gl.add_details(p, 4, 8, decode="matlab_round").out_bits[:2].tolist() == [1, 1]
    assert det.out_bits[:2].tolist() == [0, 0]


def test_pretrained_exact_on_held_out_random_pairs(pretrained):
    assert gl.accuracy(pretrained, *gl.held_out_pairs()) == 1.0


def test_pretrained_exact_on_random_256_bit_pairs(pretrained):
    a, b = gl.random_pairs(1000, 256, rng=2024)
    assert gl.accuracy(pretrained, a, b) == 1.0


def test_pretrained_exact_on_carry_chain_set(pretrained):
    assert gl.accuracy(pretrained, *gl.carry_chain_pairs()) == 1.0


@pytest.mark.parametrize("a, b", [(-1, 2), (2, -1), (1.0, 2), (True, 1), ("3", 4), (None, 1)])
def test_add_rejects_bad_operands(pretrained, a, b):
    with pytest.raises(ValueError):
        gl.add(pretrained, a, b)


def test_adder_rejects_wrong_nets():
    with pytest.raises(ValueError, match="2 inputs and 1 output"):
        gl.add(gl.init_params(3, 4, 1, rng=0), 1, 2)
    with pytest.raises(ValueError, match="2 inputs and 1 output"):
        gl.accuracy(gl.init_params(2, 4, 2, rng=0), [1], [2])
    with pytest.raises(ValueError):
        gl.add({"Wz": np.zeros((2, 2))}, 1, 2)


def test_accuracy_rejects_bad_input(pretrained):
    with pytest.raises(ValueError):
        gl.accuracy(pretrained, [1, 2], [3])
    with pytest.raises(ValueError):
        gl.accuracy(pretrained, [1], [3], decode="banker")
    with pytest.raises(ValueError):
        gl.accuracy(pretrained, [], [])
