"""Bad input to the engine: one clear ValueError naming the problem (and the fix), never a
traceback from deep inside NumPy and never a silent broadcast."""

import numpy as np
import pytest

import gru_lesson as gl

T, N, D, H, O = 4, 3, 2, 5, 2


@pytest.fixture
def params():
    return gl.init_params(D, H, O, rng=0)


def x_ok():
    return np.random.default_rng(1).normal(size=(T, N, D))


def d_ok():
    return np.random.default_rng(2).uniform(size=(T, N, O))


def raises(call, *pieces):
    with pytest.raises(ValueError) as info:
        call()
    message = str(info.value)
    assert "\n" not in message, message
    for piece in pieces:
        assert piece in message, (piece, message)
    return message


def with_value(a, index, value):
    a = a.copy()
    a[index] = value
    return a


@pytest.mark.parametrize("x, pieces", [
    (np.zeros((T, N, 3)), ["x has 3 features per step but Wz expects 2",
                           "give x shape (T, N, 2)", "input_size=3"]),
    (np.zeros((T, N)), ["x must have shape (T, N, D)", "ndim=2", "x[:, None, :]"]),
    (np.zeros((T, N, D, 1)), ["x must have shape (T, N, D)", "ndim=4"]),
    (np.zeros(T), ["ndim=1"]),
    (np.zeros((0, N, D)), ["x has shape (0, 3, 2)", "at least one step and one sequence"]),
    (np.zeros((T, 0, D)), ["at least one step and one sequence"]),
    (with_value(x_ok(), (1, 2, 0), np.nan), ["x contains NaN or inf", "clean the inputs"]),
    (with_value(x_ok(), (0, 0, 1), np.inf), ["x contains NaN or inf"]),
    ([["a", "b"]], ["x must be a numeric array of shape (T, N, D)"]),
    (np.zeros((T, N, D), dtype=complex), ["x must be numeric, got dtype complex128"]),
    (np.array([[["1", "0"]]]), ["x must be numeric, got dtype <U1"]),
])
def test_bad_x(params, x, pieces):
    raises(lambda: gl.forward(params, x), *pieces)
    raises(lambda: gl.loss_and_grads(params, x, d_ok()), *pieces)
    raises(lambda: gl.check_gradients(params, x, d_ok()), *pieces)


@pytest.mark.parametrize("d, pieces", [
    (np.zeros((T, N, 1)), ["d has shape (4, 3, 1) but y (T, N, O) has shape (4, 3, 2)",
                           "nothing is broadcast"]),
    (np.zeros((N, O)), ["d has shape (3, 2)"]),                   # would broadcast silently
    (np.zeros((T, 1, O)), ["d has shape (4, 1, 2)"]),             # so would this
    (np.zeros((T - 1, N, O)), ["d has shape (3, 3, 2)"]),
    (with_value(d_ok(), (0, 1, 1), np.nan), ["d contains NaN or inf"]),
    (with_value(d_ok(), (2, 0, 0), -np.inf), ["d contains NaN or inf"]),
    ([["x"]], ["d must be a numeric array of shape (4, 3, 2)"]),
])
def test_bad_targets(params, d, pieces):
    for loss in ("half_squared_error", "bce"):
        raises(lambda loss=loss: gl.loss_and_grads(params, x_ok(), d, loss=loss), *pieces)
    raises(lambda: gl.check_gradients(params, x_ok(), d), *pieces)


@pytest.mark.parametrize("h0, pieces", [
    (np.zeros((N, H + 1)), ["h0 has shape (3, 6) but must be (N, H) = (3, 5)"]),
    (np.zeros(H), ["h0 has shape (5,)"]),                         # would broadcast silently
    (np.zeros((1, H)), ["h0 has shape (1, 5)"]),
    (with_value(np.zeros((N, H)), (1, 1), np.nan), ["h0 contains NaN or inf"]),
    (with_value(np.zeros((N, H)), (0, 4), np.inf), ["h0 contains NaN or inf"]),
    ("zeros", ["h0 must be a numeric array of shape (N, H) = (3, 5)"]),
])
def test_bad_h0(params, h0, pieces):
    raises(lambda: gl.forward(params, x_ok(), h0), *pieces)
    raises(lambda: gl.loss_and_grads(params, x_ok(), d_ok(), h0=h0), *pieces)
    raises(lambda: gl.check_gradients(params, x_ok(), d_ok(), h0=h0), *pieces)


@pytest.mark.parametrize("loss", ["mse", "BCE", "cross_entropy", None])
def test_unknown_loss(params, loss):
    pieces = ["loss must be one of half_squared_error, bce", f"got {loss!r}"]
    raises(lambda: gl.loss_and_grads(params, x_ok(), d_ok(), loss=loss), *pieces)
    raises(lambda: gl.check_gradients(params, x_ok(), d_ok(), loss=loss), *pieces)


def test_bad_dy_and_dlogits(params):
    y, cache = gl.forward(params, x_ok())
    raises(lambda: gl.backward(params, cache, np.zeros((T, N, 1))),
           "dy has shape (4, 3, 1) but y has shape (4, 3, 2)", "nothing is broadcast")
    raises(lambda: gl.backward(params, cache, 0.5), "dy has shape ()")
    raises(lambda: gl.backward(params, cache, with_value(y, (0, 0, 0), np.nan)),
           "dy contains NaN or inf")
    raises(lambda: gl.backward_from_logits(params, cache, np.zeros((T, N))),
           "dlogits has shape (4, 3) but the logits has shape (4, 3, 2)")
    raises(lambda: gl.backward_from_logits(params, cache, with_value(y, (1, 1, 1), np.inf)),
           "dlogits contains NaN or inf")


def test_cache_from_another_gru(params):
    _, cache = gl.forward(params, x_ok())
    other = gl.init_params(D, H + 1, O, rng=1)
    raises(lambda: gl.backward(other, cache, np.zeros((T, N, O))),
           "the cache comes from a GRU with D, H, O = 2, 5, 2 but params have 2, 6, 2",
           "use the params you ran forward with")
    reset_after = dict(params, bhn=np.zeros(H))
    raises(lambda: gl.backward(reset_after, cache, np.zeros((T, N, O))),
           "different GRU variants")
    raises(lambda: gl.backward(params, (cache.x, cache.h), np.zeros((T, N, O))),
           "cache must be the GRUCache returned by gl.forward, got tuple")


def test_a_bad_call_leaves_nothing_half_done(params):
    before = {k: v.copy() for k, v in params.items()}
    with pytest.raises(ValueError):
        gl.loss_and_grads(params, x_ok(), np.zeros((N, O)))
    for k in params:
        np.testing.assert_array_equal(params[k], before[k])


def test_check_gradients_validates_even_with_its_own_grad_fn(params):
    def zeros(p, x_, d_):
        return 0.0, {k: np.zeros_like(v) for k, v in p.items()}

    raises(lambda: gl.check_gradients(params, x_ok(), np.zeros((N, O)), grad_fn=zeros),
           "d has shape (3, 2)", "nothing is broadcast")
    raises(lambda: gl.check_gradients(params, x_ok(), d_ok(), h0=np.zeros(H), grad_fn=zeros),
           "h0 has shape (5,)")
