"""analysis: the carry units of a net built by hand to carry, and the statistics behind them."""

import numpy as np
import pytest

import gru_lesson as gl
from gru_lesson.addition import analysis

CARRY_UNIT = 3


def carrying_net(H=5, K=20.0, rng=0):
    """A GRU whose unit CARRY_UNIT computes the carry by construction, other units noise.

    z = r = 1 (huge biases), so h_t = tanh(K (a_t + b_t - 1) + K/2 h_{t-1} - K/4): positive
    exactly when at least two of a_t, b_t and the carry in (h_{t-1} > 0) are 1.
    """
    p = gl.init_params(2, H, 1, rng=rng)
    for k in p:
        p[k] *= 0.3                                   # small random weights elsewhere
    j = CARRY_UNIT
    p["Wz"][:, j] = 0.0
    p["Uz"][:, j] = 0.0
    p["bz"][j] = 40.0
    p["Wr"][:, j] = 0.0
    p["Ur"][:, j] = 0.0
    p["br"][j] = 40.0
    p["W"][:, j] = K
    p["U"][:, j] = 0.0
    p["U"][j, j] = K / 2
    p["b"][j] = -K - K / 4
    return p


def test_carry_signals_match_integer_arithmetic():
    p = gl.init_params(2, 4, 1, rng=1)
    cache, carry_in, carry_out, pair_sum = analysis.carry_signals(p, n_pairs=50, bits=8, rng=3)
    a, b = gl.random_pairs(50, 8, rng=3)
    T = 9
    assert carry_out.shape == carry_in.shape == pair_sum.shape == (T, 50)
    assert cache.h.shape == (T, 50, 4)
    for n in range(50):
        for t in range(T):
            low = (1 << (t + 1)) - 1
            expect_out = ((int(a[n]) & low) + (int(b[n]) & low)) >> (t + 1) & 1
            expect_in = ((int(a[n]) & (low >> 1)) + (int(b[n]) & (low >> 1))) >> t & 1
            assert carry_out[t, n] == expect_out
            assert carry_in[t, n] == expect_in
            assert pair_sum[t, n] == (int(a[n]) >> t & 1) + (int(b[n]) >> t & 1)


def test_correlations_equal_numpy_corrcoef():
    p = gl.init_params(2, 6, 1, rng=2)
    corr = analysis.carry_correlations(p, n_pairs=40, bits=10, rng=5)
    cache, _, carry_out, _ = analysis.carry_signals(p, n_pairs=40, bits=10, rng=5)
    h = cache.h.reshape(-1, 6)
    c = carry_out.reshape(-1)
    expect = [np.corrcoef(h[:, j], c)[0, 1] for j in range(6)]
    np.testing.assert_allclose(corr, expect, rtol=1e-12, atol=1e-12)


def test_hand_built_carry_unit_is_found():
    p = carrying_net()
    corr = analysis.carry_correlations(p, n_pairs=300)
    assert corr[CARRY_UNIT] > 0.999
    assert np.all(np.abs(np.delete(corr, CARRY_UNIT)) < 0.9)
    assert gl.carry_units(p, n_pairs=300).tolist() == [CARRY_UNIT]      # |corr| >= 0.9 only
    order = np.argsort(-np.abs(corr), kind="stable")
    low = float(np.abs(corr[order[2]])) - 1e-9                           # a threshold for 3
    np.testing.assert_array_equal(gl.carry_units(p, n_pairs=300, threshold=low), order[:3])
    assert gl.carry_units(p, n_pairs=300, threshold=low, top=2).tolist() == order[:2].tolist()


def test_a_net_without_carry_units_gets_none():
    p = gl.init_params(2, 6, 1, rng=11)                  # untrained: nothing follows the carry
    corr = analysis.carry_correlations(p)
    assert np.abs(corr).max() < analysis.CARRY_THRESHOLD
    units = gl.carry_units(p)
    assert units.shape == (0,) and units.dtype.kind == "i"


def test_negative_correlation_counts_as_carrying():
    p = carrying_net()
    j = CARRY_UNIT              # flip the unit's code: h' = -h needs W -> -W, b -> K + K/4
    p["W"][:, j] *= -1          # (U stays: -(K/2) h_prev = (K/2) h'_prev)
    p["b"][j] *= -1
    corr = analysis.carry_correlations(p, n_pairs=300)
    assert corr[j] < -0.999
    assert gl.carry_units(p, n_pairs=300).tolist() == [j]


def test_gate_by_pair_and_carry_reads_the_hand_built_unit():
    p = carrying_net()
    m = analysis.gate_by_pair_and_carry(p, units=[CARRY_UNIT], n_pairs=300)
    h = m["h"][:, :, 0]
    assert h[0, 0] < -0.99 and h[0, 1] < -0.99        # 0 + 0: carry dies
    assert h[1, 0] < -0.99 and h[1, 1] > 0.99         # 0 + 1: carry passes on
    assert h[2, 0] > 0.99 and h[2, 1] > 0.99          # 1 + 1: carry is born
    np.testing.assert_allclose(m["z"][:, :, 0], 1.0, atol=1e-12)
    assert m["count"].sum() == 300 * 17


def test_constant_unit_gets_zero_correlation():
    p = carrying_net()
    for k in ("Wz", "Wr", "W"):
        p[k][:, 0] = 0.0
    for k in ("Uz", "Ur", "U"):
        p[k][:, 0] = 0.0
    corr = analysis.carry_correlations(p, n_pairs=20)
    assert np.isfinite(corr).all()


@pytest.mark.parametrize("kwargs, match", [
    ({"top": 0}, "top must be a positive integer"),
    ({"top": 6}, "only 5 hidden units"),
    ({"n_pairs": 0}, "n_pairs must be a positive integer"),
    ({"top": 1.5}, "top must be a positive integer"),
    ({"threshold": 0}, r"threshold must be a number in \(0, 1\]"),
    ({"threshold": 1.5}, r"threshold must be a number in \(0, 1\]"),
    ({"threshold": "0.9"}, r"threshold must be a number in \(0, 1\]"),
    ({"threshold": True}, r"threshold must be a number in \(0, 1\]"),
])
def test_bad_arguments_are_clear(kwargs, match):
    with pytest.raises(ValueError, match=match):
        gl.carry_units(carrying_net(), **kwargs)


def test_not_an_adder_is_rejected():
    with pytest.raises(ValueError, match="adder net"):
        gl.carry_units(gl.init_params(3, 4, 1, rng=0))
    with pytest.raises(ValueError, match="units must be"):
        analysis.gate_by_pair_and_carry(carrying_net(), units=[7])


def test_shipped_adder_has_carry_units_by_the_threshold_and_the_best_encodes_the_carry():
    # notebook 4 tells its story around this unit; retraining the shipped net must keep it true
    params = gl.load_pretrained()
    corr = analysis.carry_correlations(params)
    units = gl.carry_units(params)
    assert units.size >= 1
    np.testing.assert_array_equal(np.sort(units), np.flatnonzero(np.abs(corr) >= 0.9))
    best = units[0]
    m = analysis.gate_by_pair_and_carry(params, units=[best])
    h = np.sign(corr[best]) * m["h"][:, :, 0]           # oriented: positive = carry
    carry_out = np.array([[0, 0], [0, 1], [1, 1]])      # by (a_t + b_t, carry in)
    assert np.all((h > 0) == (carry_out == 1))


# --------------------------------------------------------------------------- interventions

ADDER_CARRY = 3            # the carry the recurrence reads: a copy of unit 1 the output ignores


def exact_adder(K=40.0, L=20.0):
    """A GRU that adds exactly, built by hand (z = r = 1, so h_t = tanh(x_t W + h_{t-1} U + b)).

    With n = a_t + b_t + carry_in and carry_in = (h_{t-1}[3] + 1) / 2 (0.5 at t = 1, where
    h_0 = 0, hence thresholds 0.75, 1.75, 2.75 rather than 0.5, 1.5, 2.5), units 0..2 test
    n >= 1, 2, 3 and unit 3 repeats the n >= 2 test (the carry out). The sum bit is odd(n), and
    [n >= 1] - [n >= 2] + [n >= 3] is odd(n) for n = 0..3, so y_t = sigmoid(L (u0 - u1 + u2)).
    Only unit 3 feeds the next step, only units 0..2 feed the output: holding unit 3 must drop
    exactly the carries from then on. Unit 4 idles.
    """
    p = {k: np.zeros_like(v) for k, v in gl.init_params(2, 5, 1, rng=0).items()}
    p["bz"][:] = 40.0
    p["br"][:] = 40.0
    for j, theta in zip((0, 1, 2, ADDER_CARRY), (0.75, 1.75, 2.75, 1.75), strict=True):
        p["W"][:, j] = K
        p["U"][ADDER_CARRY, j] = K / 2
        p["b"][j] = K * (0.5 - theta)
    p["Wy"][:3, 0] = [L, -L, L]
    return p


def dropped_carry_sum(a, b, start, T):
    """a + b over T steps with the carry out of every step t >= start thrown away."""
    total, carry = 0, 0
    for t in range(1, T + 1):
        bit_a, bit_b = a >> (t - 1) & 1, b >> (t - 1) & 1
        total |= (bit_a ^ bit_b ^ carry) << (t - 1)
        carry = 0 if t >= start else int(bit_a + bit_b + carry >= 2)
    return total


def test_hand_built_adder_adds_and_its_carry_unit_is_found():
    p = exact_adder()
    a, b = gl.random_pairs(200, 12, rng=4)
    assert gl.accuracy(p, a, b) == 1.0
    assert gl.add(p, 65535, 1) == 65536
    assert ADDER_CARRY in gl.carry_units(p).tolist()


def test_run_clamped_holds_nothing_after_the_last_step_and_equals_forward():
    p = gl.init_params(2, 7, 1, rng=5)                    # non-zero biases everywhere
    x, _ = gl.addition_batch([5, 300, 77], [9, 1, 200])
    y, h = analysis.run_clamped(p, x, [2, 5], [0.3, -0.7], start=x.shape[0] + 1)
    y_ref, cache = gl.forward(p, x)
    np.testing.assert_allclose(y, y_ref, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(h, cache.h, rtol=1e-12, atol=1e-14)


def test_run_clamped_holds_the_units_and_the_rest_of_the_net_sees_it():
    p = gl.init_params(2, 7, 1, rng=6)
    x, _ = gl.addition_batch([5, 300, 77], [9, 1, 200])
    k = 4
    y, h = analysis.run_clamped(p, x, [2, 5], [0.3, -0.7], start=k)
    _, free = gl.forward(p, x)
    np.testing.assert_allclose(h[:k - 1], free.h[:k - 1], rtol=1e-12)   # before step k: free
    assert np.abs(h[k - 1] - free.h[k - 1]).max() > 0
    assert np.all(h[k - 1:, :, 2] == 0.3) and np.all(h[k - 1:, :, 5] == -0.7)
    # step k + 1 starts from the held state: the other units move as a GRU from there does
    _, after = gl.forward(p, x[k:k + 1], h0=h[k - 1])
    others = [0, 1, 3, 4, 6]
    np.testing.assert_allclose(after.h[0][:, others], h[k][:, others], rtol=1e-12)
    logits = h[k - 1] @ p["Wy"] + p["by"]                                 # y_k reads the held h_k
    np.testing.assert_allclose(y[k - 1], 1 / (1 + np.exp(-logits)), rtol=1e-12)


@pytest.mark.parametrize("start", [1, 2, 5, 9, 12])
def test_holding_the_carry_drops_exactly_the_carries_from_then_on(start):
    p = exact_adder()
    a, b = gl.random_pairs(150, 12, rng=start)
    T = 13
    got = analysis.clamped_sums(p, a, b, [ADDER_CARRY], start=start, values=[-1.0], bits=T)
    expect = [dropped_carry_sum(int(p_), int(q), start, T) for p_, q in zip(a, b, strict=True)]
    assert got.tolist() == expect
    broken = got != a + b
    np.testing.assert_array_equal(broken, analysis.carry_from(a, b, start))
    assert broken.any() and (start == 1 or not broken.all())          # both kinds of sum occur
    chain = analysis.clamped_sums(p, [4095], [1], [ADDER_CARRY], start=start, values=-1.0)
    assert chain.tolist() == [4096 - 2 ** start]                       # off by the lost carry


def test_no_carry_values_are_what_the_unit_writes_without_a_carry():
    p = exact_adder()
    values = analysis.no_carry_values(p, [ADDER_CARRY, 0])
    assert values[0] < -0.999                                          # "no carry" is -1
    cache, _, carry_out, _ = analysis.carry_signals(p)
    np.testing.assert_allclose(values[1], cache.h[carry_out == 0][:, 0].mean(), rtol=1e-12)
    sums = analysis.clamped_sums(p, [3, 12], [5, 3], [ADDER_CARRY], start=2)
    assert sums.tolist() == [4, 15]        # default values: the no-carry ones; 3 + 5 loses a 4


def test_carry_from_matches_the_bits():
    a, b = [1, 6, 8, 255, 0], [1, 3, 8, 1, 0]
    # carries out of steps: 1+1 -> 1; 6+3 -> 2, 3; 8+8 -> 4; 255+1 -> 1..8; 0+0 none
    assert analysis.carry_from(a, b, 1).tolist() == [True, True, True, True, False]
    assert analysis.carry_from(a, b, 2).tolist() == [False, True, True, True, False]
    assert analysis.carry_from(a, b, 4).tolist() == [False, False, True, True, False]
    assert analysis.carry_from(a, b, 5).tolist() == [False, False, False, True, False]
    assert analysis.carry_from(a, b, 9).tolist() == [False] * 5


def test_shipped_adder_breaks_where_its_carry_units_say():
    # notebook 4's checked cells: holding every carry unit breaks exactly the sums that carry
    p = gl.load_pretrained()
    units = gl.carry_units(p)
    a, b = gl.random_pairs(200, 16, rng=7)
    for start in (5, 12):
        got = analysis.clamped_sums(p, a, b, units, start=start, bits=17)
        np.testing.assert_array_equal(got != a + b, analysis.carry_from(a, b, start))
    assert analysis.clamped_sums(p, a, b, units, start=18, bits=17).tolist() == (a + b).tolist()


@pytest.mark.parametrize("call, match", [
    (lambda p, x: analysis.run_clamped(p, x, [9], [0.0]), "units must be distinct indices"),
    (lambda p, x: analysis.run_clamped(p, x, [1, 1], [0.0, 0.0]), "units must be distinct"),
    (lambda p, x: analysis.run_clamped(p, x, [], []), "units must be distinct"),
    (lambda p, x: analysis.run_clamped(p, x, [0.5], [0.0]), "units must be distinct"),
    (lambda p, x: analysis.run_clamped(p, x, [1], [0.0], start=0), "start must be a positive"),
    (lambda p, x: analysis.run_clamped(p, x[:, :, :1], [1], [0.0]), r"shape \(T, N, 2\)"),
    (lambda p, x: analysis.run_clamped(p, x, [1, 2], [0.0, 1.0, 2.0]), "one value per unit"),
    (lambda p, x: analysis.carry_from([1], [1, 2], 1), "one b per a"),
])
def test_intervention_arguments_are_checked(call, match):
    p = exact_adder()
    x, _ = gl.addition_batch([5], [9])
    with pytest.raises(ValueError, match=match):
        call(p, x)
