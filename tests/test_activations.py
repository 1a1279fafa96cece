"""Activations: stable for huge pre-activations, the seed's values for ordinary ones."""

import math
import warnings

import numpy as np
import pytest

import gru_lesson as gl
from gru_lesson.engine import activations as act
from gru_lesson.engine import seed_reference

sigmoid, tanh = act.sigmoid, act.tanh
dsigmoid_from_output, dtanh_from_output = act.dsigmoid_from_output, act.dtanh_from_output

EXTREMES = np.array([-1e4, -3e3, -800.0, -710.0, -40.0, 0.0, 40.0, 710.0, 800.0, 3e3, 1e4])


def test_no_warning_and_the_right_limits_for_huge_pre_activations():
    with warnings.catch_warnings(), np.errstate(all="raise"):
        warnings.simplefilter("error")
        s = sigmoid(EXTREMES)
        g = tanh(EXTREMES)
        ds = dsigmoid_from_output(s)
        dg = dtanh_from_output(g)
    assert s[0] == 0.0 and s[-1] == 1.0 and s[5] == 0.5
    assert g[0] == -1.0 and g[-1] == 1.0 and g[5] == 0.0
    assert np.all((s >= 0) & (s <= 1)) and np.all(np.diff(s) >= 0)
    assert np.all(ds >= 0) and np.all(dg >= 0)
    assert ds[0] == 0 and ds[-1] == 0 and dg[0] == 0 and dg[-1] == 0


def test_the_naive_formulas_do_warn_there():
    # What the stable versions protect against (so the test above could fail).
    with np.errstate(all="raise"), pytest.raises(FloatingPointError):
        seed_reference.sigmoid(np.array([-1e4]))
    with np.errstate(all="raise"), pytest.raises(FloatingPointError):
        seed_reference.outTanh(np.array([1e4]))


def test_in_place_out_and_scalars():
    a = np.array([[-1e4, -1.0], [0.5, 1e4]])
    expected = sigmoid(a.copy())
    out = sigmoid(a, out=a)
    assert out is a
    np.testing.assert_array_equal(a, expected)
    b = np.array([-2.0, 0.0, 3.0])
    assert tanh(b, out=b) is b
    np.testing.assert_array_equal(b, np.tanh([-2.0, 0.0, 3.0]))
    assert sigmoid(0) == 0.5 and np.ndim(sigmoid(2.0)) == 0
    assert sigmoid(2.0) == pytest.approx(1 / (1 + math.exp(-2.0)), rel=1e-15)
    assert sigmoid(np.arange(3)).dtype == np.float64     # integers in, float64 out


def test_sigmoid_is_the_seeds_to_the_last_digits():
    a = np.linspace(-30, 30, 6001)
    np.testing.assert_allclose(sigmoid(a), seed_reference.sigmoid(a), rtol=0, atol=1e-15)
    assert np.max(np.abs(sigmoid(a) - seed_reference.sigmoid(a))) < 1e-15


def test_tanh_is_the_seeds_outTanh_to_rounding():
    a = np.linspace(-15, 15, 3001)
    np.testing.assert_allclose(tanh(a), seed_reference.outTanh(a), rtol=0, atol=1e-15)


def test_against_the_math_module():
    for a in (-700.0, -50.0, -3.5, -1e-8, 0.0, 0.25, 2.0, 36.0, 700.0):
        assert sigmoid(a) == pytest.approx(1 / (1 + math.exp(-a)), rel=1e-15, abs=1e-300)
        assert tanh(a) == pytest.approx(math.tanh(a), rel=1e-15)
    assert sigmoid(-745.0) == pytest.approx(math.exp(-745.0), rel=1e-6, abs=1e-323)


def test_symmetry():
    a = np.linspace(-40, 40, 801)
    np.testing.assert_allclose(sigmoid(-a), 1 - sigmoid(a), rtol=0, atol=2.3e-16)
    np.testing.assert_array_equal(tanh(-a), -tanh(a))


def test_derivatives_from_outputs_match_centred_differences():
    a = np.linspace(-6, 6, 121)
    eps = 1e-6
    numeric_s = (sigmoid(a + eps) - sigmoid(a - eps)) / (2 * eps)
    numeric_t = (tanh(a + eps) - tanh(a - eps)) / (2 * eps)
    np.testing.assert_allclose(dsigmoid_from_output(sigmoid(a)), numeric_s, rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(dtanh_from_output(tanh(a)), numeric_t, rtol=1e-8, atol=1e-10)
    # The seed's diffsigmoid and diffoutTanh, exactly.
    f, g = sigmoid(a), tanh(a)
    np.testing.assert_array_equal(dsigmoid_from_output(f), seed_reference.diffsigmoid(f))
    np.testing.assert_allclose(dtanh_from_output(g), seed_reference.diffoutTanh(g),
                               rtol=0, atol=1e-16)


def test_derivatives_out_argument():
    f = np.array([0.1, 0.5, 0.9])
    out = np.empty(3)
    assert dsigmoid_from_output(f, out=out) is out
    np.testing.assert_allclose(out, f * (1 - f), rtol=1e-15)
    assert dtanh_from_output(f, out=out) is out
    np.testing.assert_allclose(out, 1 - f ** 2, rtol=1e-15)


def test_engine_forward_backward_raise_no_warning_on_saturating_weights():
    rng = np.random.default_rng(0)
    params = {k: 1e3 * v for k, v in gl.init_params(3, 4, 2, rng=rng).items()}
    x = rng.normal(size=(5, 3, 3)) * 10
    d = rng.integers(0, 2, size=(5, 3, 2)).astype(np.float64)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        y, cache = gl.forward(params, x)
        E, grads = gl.loss_and_grads(params, x, d)
        E_bce, grads_bce = gl.loss_and_grads(params, x, d, loss="bce")
    assert np.max(np.abs(cache.logits)) > 1e3        # pre-activations really are huge
    assert np.all((y >= 0) & (y <= 1))
    for value in (E, E_bce, *grads.values(), *grads_bce.values()):
        assert np.all(np.isfinite(value))
