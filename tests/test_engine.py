"""The engine computes the seed's GRU: against the literal MATLAB transcription, batched,
golden values worked out by hand, dE/dh checked numerically, and the reset-after variant."""

import math

import numpy as np
import pytest

import gru_lesson as gl
from gru_lesson.engine import activations as act
from gru_lesson.engine import gru as reading
from gru_lesson.engine.gradcheck import numerical_gradient, rel_error
from gru_lesson.engine.seed_reference import SEED_ORDER, seed_args, seed_backward, seed_forward

SEED_TOL = 1e-12

# (D, H, O, T, weight scale): non-square everywhere; the last two saturate the gates.
SEED_CASES = [
    (2, 16, 1, 16, 1.0),     # the seed's own sizes
    (3, 5, 2, 7, 1.0),
    (1, 4, 3, 5, 1.0),
    (4, 3, 6, 9, 1.0),
    (5, 7, 3, 12, 1.0),
    (3, 5, 2, 8, 25.0),      # |pre-activations| up to ~200: z, r at 0/1, h_tilde at +-1
    (2, 6, 3, 6, 300.0),     # beyond exp's range (|a| > 709): the seed's exp overflows
]


def close(a, b, tol=SEED_TOL):
    """max |a - b| <= tol * max(1, max |b|): absolute near 1, relative for large gradients."""
    a, b = np.asarray(a), np.asarray(b)
    assert a.shape == b.shape, (a.shape, b.shape)
    err = float(np.max(np.abs(a - b))) if a.size else 0.0
    assert err <= tol * max(1.0, float(np.max(np.abs(b)))), f"max |diff| {err:.3e}"


def seed_case(D, H, O, T, scale, seed):
    rng = np.random.default_rng(seed)
    params = {k: scale * v for k, v in gl.init_params(D, H, O, bias=False, rng=rng).items()}
    x = rng.integers(0, 2, size=(T, D)).astype(np.float64)
    x[:, 0] = rng.normal(size=T)          # not only bits: a column of real inputs
    d = rng.integers(0, 2, size=(T, O)).astype(np.float64)
    return params, x, d


def run_seed(params, x, d):
    with np.errstate(over="ignore"):      # the seed's exp(-x) overflows for |x| > 709
        r, z, hbar, h, y = seed_forward(*seed_args(params), x)
        grads = seed_backward(*seed_args(params), x, d, r, z, hbar, h, y)
    return (r, z, hbar, h, y), dict(zip(SEED_ORDER, grads, strict=True))


@pytest.mark.parametrize("D, H, O, T, scale", SEED_CASES)
def test_forward_equals_the_seed_transcription(D, H, O, T, scale):
    params, x, d = seed_case(D, H, O, T, scale, seed=D * 100 + H)
    (r, z, hbar, h, y), _ = run_seed(params, x, d)
    y_engine, cache = gl.forward(params, x[:, None, :])        # N = 1, no biases, h0 = 0
    close(y_engine[:, 0], y)
    close(cache.y[:, 0], y)
    close(cache.h[:, 0], h)
    close(cache.h_tilde[:, 0], hbar)
    close(cache.z[:, 0], z[:T])           # the seed's z, r have a spare zero row T + 1
    close(cache.r[:, 0], r[:T])
    assert not np.any(z[T]) and not np.any(r[T])
    if scale > 10:                        # the case really saturates the gates
        saturated = np.mean((cache.z < 1e-9) | (cache.z > 1 - 1e-9))
        assert saturated > 0.3, f"only {saturated:.0%} of z saturated"
        assert np.mean(np.abs(cache.h_tilde) > 1 - 1e-9) > 0.3


@pytest.mark.parametrize("D, H, O, T, scale", SEED_CASES)
def test_gradients_equal_the_seed_transcription(D, H, O, T, scale):
    params, x, d = seed_case(D, H, O, T, scale, seed=D * 100 + H + 1)
    (*_, y), seed_grads = run_seed(params, x, d)
    E, grads = gl.loss_and_grads(params, x[:, None, :], d[:, None, :])
    assert list(grads) == list(params)
    close(E, 0.5 * np.sum((y - d) ** 2))
    for k in params:
        close(grads[k], seed_grads[k])
        assert grads[k].shape == params[k].shape


def test_seed_comparison_can_fail():
    # The comparison is sharp: one weight nudged by 1e-9 is already detected.
    params, x, d = seed_case(3, 5, 2, 7, 1.0, seed=5)
    (*_, y), seed_grads = run_seed(params, x, d)
    nudged = {k: v.copy() for k, v in params.items()}
    nudged["Ur"][1, 2] += 1e-9
    _, grads = gl.loss_and_grads(nudged, x[:, None, :], d[:, None, :])
    with pytest.raises(AssertionError):
        close(grads["Ur"], seed_grads["Ur"], tol=1e-14)


def test_batched_columns_are_each_the_seed():
    # Every sequence of a batch (N = 4) is the seed's sequence on its own.
    params, _, _ = seed_case(3, 5, 2, 6, 1.0, seed=11)
    rng = np.random.default_rng(12)
    x = rng.normal(size=(6, 4, 3))
    d = rng.uniform(size=(6, 4, 2))
    E, grads = gl.loss_and_grads(params, x, d)
    y, _ = gl.forward(params, x)
    total = {k: np.zeros_like(v) for k, v in params.items()}
    for n in range(4):
        (*_, y_seed), g = run_seed(params, x[:, n], d[:, n])
        close(y[:, n], y_seed)
        for k in total:
            total[k] += g[k]
    for k in params:
        close(grads[k], total[k])


def random_problem(D, H, O, T, N, *, seed, bias=True, reset_after=False, h0=True):
    rng = np.random.default_rng(seed)
    params = gl.init_params(D, H, O, bias=bias, rng=rng)
    if reset_after:
        params["bhn"] = rng.uniform(-1, 1, size=H)
    x = rng.normal(size=(T, N, D))
    d = rng.uniform(size=(T, N, O))
    h0 = rng.uniform(-1, 1, size=(N, H)) if h0 else None
    return params, x, d, h0


@pytest.mark.parametrize("reset_after", [False, True])
@pytest.mark.parametrize("loss", ["half_squared_error", "bce"])
def test_batch_equals_separate_sequences(reset_after, loss):
    params, x, d, h0 = random_problem(3, 5, 2, 7, 6, seed=3, reset_after=reset_after)
    y, cache = gl.forward(params, x, h0)
    E, grads = gl.loss_and_grads(params, x, d, loss=loss, h0=h0)
    E_sum = 0.0
    g_sum = {k: np.zeros_like(v) for k, v in params.items()}
    for n in range(x.shape[1]):
        y_n, cache_n = gl.forward(params, x[:, n:n + 1], h0[n:n + 1])
        close(y[:, n:n + 1], y_n, tol=1e-15)
        for field in ("z", "r", "h_tilde", "h", "logits"):
            close(getattr(cache, field)[:, n:n + 1], getattr(cache_n, field), tol=1e-15)
        E_n, g_n = gl.loss_and_grads(params, x[:, n:n + 1], d[:, n:n + 1], loss=loss,
                                     h0=h0[n:n + 1])
        E_sum += E_n
        for k in g_sum:
            g_sum[k] += g_n[k]
    close(E, E_sum)
    for k in params:
        close(grads[k], g_sum[k])


def test_forward_follows_the_reading_engines_step_with_biases_and_h0():
    # gl.forward's cache holds, at every t, what engine/gru.py's step_forward computes.
    params, x, _, h0 = random_problem(3, 5, 2, 4, 3, seed=21)
    y, cache = gl.forward(params, x, h0)
    h_prev = h0
    for t in range(x.shape[0]):
        h, step = reading.step_forward(x[t], h_prev, params)
        logits = h @ params["Wy"] + params["by"]
        for name, value in (("z", step.z), ("r", step.r), ("h_tilde", step.h_tilde), ("h", h),
                            ("logits", logits), ("y", act.sigmoid(logits))):
            close(getattr(cache, name)[t], value, tol=1e-14)
        h_prev = h
    np.testing.assert_array_equal(cache.h_prev[0], h0)
    np.testing.assert_array_equal(cache.h_prev[1:], cache.h[:-1])
    np.testing.assert_array_equal(y, cache.y)
    np.testing.assert_array_equal(cache.x, x)
    np.testing.assert_array_equal(cache.h0, h0)
    assert cache.hn is None


def test_reset_after_follows_the_reading_engines_step():
    params, x, _, h0 = random_problem(3, 5, 2, 4, 3, seed=22, reset_after=True)
    _, cache = gl.forward(params, x, h0)
    h_prev = h0
    for t in range(x.shape[0]):
        h, step = reading.step_forward(x[t], h_prev, params)
        close(cache.hn[t], step.hn, tol=1e-14)
        close(cache.h_tilde[t], step.h_tilde, tol=1e-14)
        close(cache.h[t], h, tol=1e-14)
        h_prev = h
    # The variants really differ (r before vs. after the matmul).
    seed_params = {k: v for k, v in params.items() if k != "bhn"}
    seed_params["b"] = params["b"] + params["bhn"]
    _, seed_cache = gl.forward(seed_params, x, h0)
    assert np.max(np.abs(seed_cache.h - cache.h)) > 1e-3


def test_reset_after_matches_torch_when_installed():
    torch = pytest.importorskip("torch")
    params, x, d, h0 = random_problem(3, 5, 2, 6, 4, seed=23, reset_after=True)
    gru, _ = gl.to_torch(params)          # torch orders gates (r, z, n); its z is our 1 - z
    h_torch, _ = gru(torch.as_tensor(x), torch.as_tensor(h0[None]))
    _, cache = gl.forward(params, x, h0)
    close(cache.h, h_torch.detach().numpy(), tol=1e-13)


@pytest.mark.parametrize("reset_after", [False, True])
def test_dh_is_the_gradient_of_E_with_respect_to_every_state(reset_after):
    # backward(..., return_dh=True): dh[t] = dE/dh_t and dh0 = dE/dh_0, checked numerically
    # by restarting the GRU from a perturbed state h_t.
    params, x, d, h0 = random_problem(2, 4, 3, 6, 2, seed=31, reset_after=reset_after)
    y, cache = gl.forward(params, x, h0)
    grads, dh, dh0 = gl.backward(params, cache, y - d, return_dh=True)
    assert dh.shape == cache.h.shape and dh0.shape == h0.shape
    np.testing.assert_array_equal(grads["Wy"], gl.backward(params, cache, y - d)["Wy"])

    def E_after(t, h_t):
        """E of steps t..T-1 given h_t (t = -1: the whole sequence from h0)."""
        logits = h_t @ params["Wy"] + params["by"]
        E = 0.0 if t < 0 else 0.5 * np.sum((act.sigmoid(logits) - d[t]) ** 2)
        if t + 1 < x.shape[0]:
            y_rest, _ = gl.forward(params, x[t + 1:], h_t)
            E += 0.5 * np.sum((y_rest - d[t + 1:]) ** 2)
        return E

    for t in (-1, 0, 2, 5):
        h_t = (h0 if t < 0 else cache.h[t]).copy()
        numeric = numerical_gradient(lambda t=t, h_t=h_t: E_after(t, h_t), h_t)
        analytic = dh0 if t < 0 else dh[t]
        assert rel_error(analytic.ravel(), numeric) < 1e-7, t


def test_backward_from_logits_equals_backward_through_the_sigmoid():
    params, x, d, h0 = random_problem(3, 4, 2, 5, 3, seed=41)
    y, cache = gl.forward(params, x, h0)
    dy = y - d
    g1 = gl.backward(params, cache, dy)
    g2 = gl.backward_from_logits(params, cache, dy * y * (1 - y))
    for k in params:
        close(g1[k], g2[k], tol=1e-15)


def test_bce_gradient_is_y_minus_d_on_the_logits():
    params, x, d, h0 = random_problem(3, 4, 2, 5, 3, seed=42)
    y, cache = gl.forward(params, x, h0)
    E, grads = gl.loss_and_grads(params, x, d, loss="bce", h0=h0)
    close(E, -np.sum(d * np.log(y) + (1 - d) * np.log(1 - y)))
    expected = gl.backward_from_logits(params, cache, y - d)
    for k in params:
        close(grads[k], expected[k], tol=1e-14)


def test_bce_is_finite_when_outputs_saturate():
    # y rounds to exactly 0 or 1 here; log(y) would be -inf, the logits path is not.
    params = {k: 200 * v for k, v in gl.init_params(2, 3, 1, rng=0).items()}
    x = np.ones((3, 2, 2))
    d = np.zeros((3, 2, 1))
    y, cache = gl.forward(params, x)
    assert np.any((y == 0) | (y == 1))
    E, grads = gl.loss_and_grads(params, x, d, loss="bce")
    assert np.isfinite(E) and E > 100
    assert all(np.all(np.isfinite(g)) for g in grads.values())


def test_the_engine_does_not_modify_its_inputs():
    params, x, d, h0 = random_problem(3, 4, 2, 5, 3, seed=43, reset_after=True)
    before = ({k: v.copy() for k, v in params.items()}, x.copy(), d.copy(), h0.copy())
    gl.loss_and_grads(params, x, d, h0=h0)
    gl.loss_and_grads(params, x, d, loss="bce", h0=h0)
    for k in params:
        np.testing.assert_array_equal(params[k], before[0][k])
    np.testing.assert_array_equal(x, before[1])
    np.testing.assert_array_equal(d, before[2])
    np.testing.assert_array_equal(h0, before[3])


def test_integer_and_list_inputs_are_accepted_as_float64():
    params, x, d, _ = random_problem(2, 3, 1, 4, 2, seed=44)
    xi = (x > 0).astype(np.int64)
    y_int, cache = gl.forward(params, xi)
    y_float, _ = gl.forward(params, xi.astype(np.float64))
    y_list, _ = gl.forward(params, xi.tolist())
    assert cache.x.dtype == np.float64 and y_int.dtype == np.float64
    np.testing.assert_array_equal(y_int, y_float)
    np.testing.assert_array_equal(y_list, y_float)


def test_one_step_and_one_sequence():
    params, x, d, h0 = random_problem(3, 4, 2, 1, 1, seed=45, reset_after=True)
    report = gl.check_gradients(params, x, d, h0=h0)
    assert report.passed, report.table()


# ---- golden values: D = H = O = 1, no biases, T = 2, worked out by hand ---------------------
#
#   Wz = 0.5, Uz = -0.3, Wr = -0.4, Ur = 0.2, W = 0.8, U = -0.6, Wy = 1.5;  x = (1, -1), d = (1, 0)
#   s is the sigmoid 1 / (1 + e^-a).
#
#   t = 1 (h_0 = 0):  z1 = s(0.5) = 0.62245933      r1 = s(-0.4) = 0.40131234
#                     h~1 = tanh(0.8) = 0.66403677  h1 = z1 h~1 = 0.41333588
#                     y1 = s(1.5 h1) = 0.65021942
#   t = 2:            z2 = s(-0.5 - 0.3 h1) = 0.34887209    r2 = s(0.4 + 0.2 h1) = 0.61837749
#                     h~2 = tanh(-0.8 - 0.6 r2 h1) = -0.74129977
#                     h2 = (1 - z2) h1 + z2 h~2 = 0.01051573     y2 = s(1.5 h2) = 0.50394332
#   E = ((y1 - 1)^2 + y2^2) / 2 = 0.18815266
#
#   Backward, step 2 first (h_0 = 0, so step 1 contributes nothing to U or Uz):
#     dy_t = (y_t - d_t) y_t (1 - y_t)        dE/dWy = dy1 h1 + dy2 h2 = -0.03155696
#     dh2 = 1.5 dy2                           delta2 = dh2 z2 (1 - h~2^2)
#     dE/dU  = r2 h1 delta2 = 0.00759066      dE/dUz = h1 dh2 (h~2 - h1) z2 (1 - z2) = -0.02048644
#
# The full-precision constants come from these lines run with the math module (the first
# test repeats that computation, so a typo in either is caught), never from the engine.
GOLDEN = dict(
    z1=0.6224593312018546, r1=0.401312339887548, h_tilde1=0.6640367702678491,
    h1=0.41333588391436493, y1=0.6502194187080796,
    z2=0.34887208757930777, r2=0.6183774916198724, h_tilde2=-0.7412997698112306,
    h2=0.0105157330056177, y2=0.5039433181172, E=0.18815266146194354,
    dWy=-0.03155696219305379, dU=0.007590656010592421, dUz=-0.020486442851970082,
)


def golden_by_hand():
    def s(a):
        return 1 / (1 + math.exp(-a))

    z1, r1, h_tilde1 = s(0.5), s(-0.4), math.tanh(0.8)
    h1 = z1 * h_tilde1
    y1 = s(1.5 * h1)
    z2, r2 = s(-0.5 - 0.3 * h1), s(0.4 + 0.2 * h1)
    h_tilde2 = math.tanh(-0.8 - 0.6 * r2 * h1)
    h2 = (1 - z2) * h1 + z2 * h_tilde2
    y2 = s(1.5 * h2)
    E = ((y1 - 1) ** 2 + y2 ** 2) / 2
    dy1, dy2 = (y1 - 1) * y1 * (1 - y1), y2 * y2 * (1 - y2)
    dh2 = 1.5 * dy2
    delta2 = dh2 * z2 * (1 - h_tilde2 ** 2)
    return dict(z1=z1, r1=r1, h_tilde1=h_tilde1, h1=h1, y1=y1, z2=z2, r2=r2,
                h_tilde2=h_tilde2, h2=h2, y2=y2, E=E,
                dWy=dy1 * h1 + dy2 * h2, dU=r2 * h1 * delta2,
                dUz=h1 * dh2 * (h_tilde2 - h1) * z2 * (1 - z2))


def test_golden_constants_are_the_hand_computation():
    by_hand = golden_by_hand()
    for k, v in GOLDEN.items():
        assert by_hand[k] == pytest.approx(v, rel=1e-14, abs=1e-17), k


def test_engine_reproduces_the_golden_values():
    params = {k: np.array([[v]]) for k, v in
              dict(Wz=0.5, Uz=-0.3, Wr=-0.4, Ur=0.2, W=0.8, U=-0.6, Wy=1.5).items()}
    x = np.array([1.0, -1.0]).reshape(2, 1, 1)
    d = np.array([1.0, 0.0]).reshape(2, 1, 1)
    y, cache = gl.forward(params, x)
    E, grads = gl.loss_and_grads(params, x, d)
    got = dict(z1=cache.z[0], r1=cache.r[0], h_tilde1=cache.h_tilde[0], h1=cache.h[0], y1=y[0],
               z2=cache.z[1], r2=cache.r[1], h_tilde2=cache.h_tilde[1], h2=cache.h[1], y2=y[1],
               E=E, dWy=grads["Wy"], dU=grads["U"], dUz=grads["Uz"])
    for k, v in GOLDEN.items():
        assert float(np.squeeze(got[k])) == pytest.approx(v, rel=1e-13, abs=1e-16), k
    assert grads["Ur"][0, 0] != 0      # r2 sees Ur through h1 (r1 does not: h_0 = 0)
