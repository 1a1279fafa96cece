"""The plain RNN: forward by hand, backward against centred differences, clear errors."""

import numpy as np
import pytest

import gru_lesson as gl
from gru_lesson.engine.gradcheck import numerical_gradient, rel_error
from gru_lesson.engine.rnn import (
    RNNCache,
    rnn_backward_from_logits,
    rnn_loss_and_grads,
    rnn_validate_params,
)

T, N, D, H, O = 5, 3, 2, 4, 3       # non-square everywhere


def _problem(bias=True, seed=0):
    rng = np.random.default_rng(seed)
    params = gl.rnn_init_params(D, H, O, bias=bias, rng=rng)
    params = {k: 0.5 * v for k, v in params.items()}     # keep tanh out of saturation
    x = rng.normal(size=(T, N, D))
    d = rng.uniform(size=(T, N, O))
    h0 = rng.normal(scale=0.5, size=(N, H))
    return params, x, d, h0


def test_init_shapes_and_nonzero_biases():
    p = gl.rnn_init_params(D, H, O, rng=0)
    assert {k: v.shape for k, v in p.items()} == {
        "Wx": (D, H), "Wh": (H, H), "Wy": (H, O), "bh": (H,), "by": (O,)}
    assert np.all(p["bh"] != 0) and np.all(np.abs(p["Wh"]) <= 1)
    assert set(gl.rnn_init_params(D, H, O, bias=False, rng=0)) == {"Wx", "Wh", "Wy"}
    assert rnn_validate_params(p) == (D, H, O)


def test_forward_matches_the_equations_step_by_step():
    params, x, _, h0 = _problem()
    y, cache = gl.rnn_forward(params, x, h0)
    assert isinstance(cache, RNNCache)
    h_prev = h0
    for t in range(T):
        h_t = np.tanh(x[t] @ params["Wx"] + h_prev @ params["Wh"] + params["bh"])
        logits_t = h_t @ params["Wy"] + params["by"]
        np.testing.assert_allclose(cache.h[t], h_t, rtol=0, atol=1e-15)
        np.testing.assert_allclose(cache.logits[t], logits_t, rtol=0, atol=1e-14)
        np.testing.assert_allclose(y[t], 1 / (1 + np.exp(-logits_t)), rtol=0, atol=1e-15)
        h_prev = h_t
    np.testing.assert_array_equal(cache.h_prev[0], h0)
    np.testing.assert_array_equal(cache.h_prev[1:], cache.h[:-1])


@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("loss", ["half_squared_error", "bce"])
def test_gradients_agree_with_centred_differences(bias, loss):
    params, x, d, h0 = _problem(bias=bias, seed=1)
    _, grads = rnn_loss_and_grads(params, x, d, loss=loss, h0=h0)
    assert list(grads) == list(params)

    def E():
        return rnn_loss_and_grads(params, x, d, loss=loss, h0=h0)[0]

    for name, p in params.items():
        numeric = numerical_gradient(E, p).reshape(p.shape)
        assert rel_error(grads[name], numeric) < 1e-7, name


def test_dh_and_dh0_agree_with_centred_differences():
    params, x, d, h0 = _problem(seed=2)
    y, cache = gl.rnn_forward(params, x, h0)
    grads, dh, dh0 = gl.rnn_backward(params, cache, y - d, return_dh=True)
    assert dh.shape == (T, N, H) and dh0.shape == (N, H)
    h0_var = h0.copy()

    def E():
        return 0.5 * np.sum((gl.rnn_forward(params, x, h0_var)[0] - d) ** 2)

    assert rel_error(dh0, numerical_gradient(E, h0_var).reshape(N, H)) < 1e-7
    # dE/dh_T is only the output's contribution: delta_y Wy^T
    dlogits = (y - d) * y * (1 - y)
    np.testing.assert_allclose(dh[-1], dlogits[-1] @ params["Wy"].T, rtol=1e-13)
    # and going back one step multiplies by diag(1 - h^2) Wh^T, plus that step's output term
    np.testing.assert_allclose(
        dh[-2], dlogits[-2] @ params["Wy"].T + (dh[-1] * (1 - cache.h[-1] ** 2)) @ params["Wh"].T,
        rtol=1e-12)
    # the same grads without return_dh
    for k, g in gl.rnn_backward(params, cache, y - d).items():
        np.testing.assert_array_equal(g, grads[k])


def test_backward_from_logits_equals_backward_through_the_sigmoid():
    params, x, d, _ = _problem(seed=3)
    y, cache = gl.rnn_forward(params, x)
    a = gl.rnn_backward(params, cache, y - d)
    b = rnn_backward_from_logits(params, cache, (y - d) * y * (1 - y))
    for k in params:
        np.testing.assert_allclose(a[k], b[k], rtol=1e-13, atol=1e-15)


def test_bad_inputs_give_clear_errors():
    params, x, d, _ = _problem()
    with pytest.raises(ValueError, match="dict of arrays"):
        gl.rnn_forward([1, 2], x)
    with pytest.raises(ValueError, match="GRU params"):
        gl.rnn_forward(gl.init_params(D, H, O, rng=0), x)
    with pytest.raises(ValueError, match="missing Wh"):
        gl.rnn_forward({k: v for k, v in params.items() if k != "Wh"}, x)
    with pytest.raises(ValueError, match="both biases or none"):
        gl.rnn_forward({k: v for k, v in params.items() if k != "by"}, x)
    with pytest.raises(ValueError, match="unknown entries"):
        gl.rnn_forward({**params, "Wz": params["Wx"]}, x)
    with pytest.raises(ValueError, match=r"params\['Wh'\] has shape"):
        gl.rnn_forward({**params, "Wh": np.zeros((H, H + 1))}, x)
    with pytest.raises(ValueError, match="float numpy array"):
        gl.rnn_forward({**params, "Wx": np.ones((D, H), dtype=int)}, x)
    with pytest.raises(ValueError, match="NaN or inf"):
        gl.rnn_forward({**params, "bh": np.full(H, np.nan)}, x)
    with pytest.raises(ValueError, match=r"\(T, N, D\)"):
        gl.rnn_forward(params, x[:, 0, :])
    with pytest.raises(ValueError, match="features per step"):
        gl.rnn_forward(params, np.zeros((T, N, D + 1)))
    with pytest.raises(ValueError, match="h0 has shape"):
        gl.rnn_forward(params, x, h0=np.zeros((N, H + 1)))
    _, cache = gl.rnn_forward(params, x)
    with pytest.raises(ValueError, match="nothing is broadcast"):
        gl.rnn_backward(params, cache, np.zeros((T, N, 1)))
    with pytest.raises(ValueError, match="loss must be one of"):
        rnn_loss_and_grads(params, x, d, loss="mse")
    with pytest.raises(ValueError, match="hidden_size must be a positive integer"):
        gl.rnn_init_params(D, 0, O)
