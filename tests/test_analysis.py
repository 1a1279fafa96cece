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
    assert np.all(np.abs(np.delete(corr, CARRY_UNIT)) < corr[CARRY_UNIT])
    units = gl.carry_units(p, top=1)
    assert units.tolist() == [CARRY_UNIT]
    top3 = gl.carry_units(p, top=3)
    assert top3[0] == CARRY_UNIT
    np.testing.assert_array_equal(top3, np.argsort(-np.abs(corr), kind="stable")[:3])


def test_negative_correlation_counts_as_carrying():
    p = carrying_net()
    j = CARRY_UNIT              # flip the unit's code: h' = -h needs W -> -W, b -> K + K/4
    p["W"][:, j] *= -1          # (U stays: -(K/2) h_prev = (K/2) h'_prev)
    p["b"][j] *= -1
    corr = analysis.carry_correlations(p, n_pairs=300)
    assert corr[j] < -0.999
    assert gl.carry_units(p, top=1).tolist() == [j]


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
])
def test_bad_arguments_are_clear(kwargs, match):
    with pytest.raises(ValueError, match=match):
        gl.carry_units(carrying_net(), **kwargs)


def test_not_an_adder_is_rejected():
    with pytest.raises(ValueError, match="adder net"):
        gl.carry_units(gl.init_params(3, 4, 1, rng=0))
    with pytest.raises(ValueError, match="units must be"):
        analysis.gate_by_pair_and_carry(carrying_net(), units=[7])


def test_shipped_adder_has_one_strong_carry_unit():
    # notebook 4 tells its story around this unit; retraining the shipped net must keep it true
    params = gl.load_pretrained()
    corr = analysis.carry_correlations(params)
    best = gl.carry_units(params, top=1)[0]
    assert abs(corr[best]) > 0.9
    m = analysis.gate_by_pair_and_carry(params, units=[best])
    h = np.sign(corr[best]) * m["h"][:, :, 0]           # oriented: positive = carry
    carry_out = np.array([[0, 0], [0, 1], [1, 1]])      # by (a_t + b_t, carry in)
    assert np.all((h > 0) == (carry_out == 1))
