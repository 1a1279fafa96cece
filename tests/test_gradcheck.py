"""Gradient checks: every parameter agrees with centred differences, and the check can fail."""

import numpy as np
import pytest

import gru_lesson as gl
from gru_lesson.engine.gradcheck import GradCheckReport, numerical_gradient, rel_error

TOL = 1e-6


def problem(D, H, O, T, N, *, seed, bias=True, reset_after=False, h0=True):
    rng = np.random.default_rng(seed)
    params = gl.init_params(D, H, O, bias=bias, rng=rng)
    if reset_after:
        params["bhn"] = rng.uniform(-1, 1, size=H)
    x = rng.normal(size=(T, N, D))
    d = rng.integers(0, 2, size=(T, N, O)).astype(np.float64)
    h0 = rng.uniform(-1, 1, size=(N, H)) if h0 else None
    return params, x, d, h0


# (D, H, O, T, N): non-square everywhere, with one square case for contrast.
SHAPES = [(3, 5, 2, 6, 4), (2, 7, 1, 9, 3), (4, 3, 5, 4, 2), (1, 6, 3, 5, 1), (4, 4, 4, 3, 2)]


@pytest.mark.parametrize("reset_after", [False, True], ids=["seed", "reset-after"])
@pytest.mark.parametrize("loss", ["half_squared_error", "bce"])
@pytest.mark.parametrize("shape", SHAPES, ids=lambda s: "D{}H{}O{}T{}N{}".format(*s))
def test_every_parameter_passes_the_gradient_check(shape, loss, reset_after):
    params, x, d, h0 = problem(*shape, seed=sum(shape), reset_after=reset_after)
    assert all(np.all(params[k] != 0) for k in ("bz", "br", "b", "by"))
    report = gl.check_gradients(params, x, d, loss=loss, h0=h0)
    assert [row.name for row in report.rows] == list(params)
    for row in report.rows:
        assert row.checked == params[row.name].size
        assert row.rel_error < TOL, report.table()
        assert row.passed
    assert report.passed


@pytest.mark.parametrize("loss", ["half_squared_error", "bce"])
def test_the_seeds_net_without_biases_and_h0(loss):
    params, x, d, _ = problem(2, 16, 1, 8, 3, seed=7, bias=False, h0=False)
    report = gl.check_gradients(params, x, d, loss=loss)
    assert set(params) == {"Wz", "Uz", "Wr", "Ur", "W", "U", "Wy"}
    assert report.passed, report.table()
    assert max(row.rel_error for row in report.rows) < TOL


def test_large_weights_still_check():
    # Gates near saturation: small derivatives, but still exact.
    params, x, d, h0 = problem(3, 5, 2, 6, 2, seed=8)
    params = {k: 3.0 * v for k, v in params.items()}
    report = gl.check_gradients(params, x, d, h0=h0)
    assert report.passed, report.table()


def half_squared_error_grads(params, x, d, h0=None):
    y, _ = gl.forward(params, x, h0)
    return 0.5 * float(np.sum((y - d) ** 2)), gl.loss_and_grads(params, x, d, h0=h0)[1]


def test_a_transposed_gradient_is_caught_and_named():
    params, x, d, h0 = problem(3, 5, 2, 6, 4, seed=9)

    def transposed_Uz(p, x_, d_):
        E, grads = half_squared_error_grads(p, x_, d_, h0)
        grads["Uz"] = grads["Uz"].T.copy()        # the classic mistake
        return E, grads

    report = gl.check_gradients(params, x, d, h0=h0, grad_fn=transposed_Uz)
    assert not report.passed
    assert not report["Uz"].passed and report["Uz"].rel_error > 1e-2
    assert [row.name for row in report.rows if not row.passed] == ["Uz"]
    table = report.table()
    assert "some gradients DISAGREE" in table
    uz_line = next(line for line in table.splitlines() if line.startswith("Uz"))
    assert uz_line.endswith("FAIL")
    assert "<b>FAIL</b>" in report._repr_html_()


def dU_by_hand(params, x, d, h0, *, with_r):
    """E and grads, with dE/dU recomputed from dh: sum_t (r_t * h_{t-1})^T delta_t."""
    y, cache = gl.forward(params, x, h0)
    grads, dh, _ = gl.backward(params, cache, y - d, return_dh=True)
    delta = dh * cache.z * (1 - cache.h_tilde ** 2)
    inputs = cache.r * cache.h_prev if with_r else cache.h_prev    # forgetting r_t: a dropped term
    grads["U"] = np.einsum("tni,tnj->ij", inputs, delta)
    return 0.5 * float(np.sum((y - d) ** 2)), grads


def test_a_dropped_factor_is_caught_and_the_right_one_passes():
    params, x, d, h0 = problem(3, 5, 2, 6, 4, seed=10)
    right = gl.check_gradients(
        params, x, d, h0=h0, grad_fn=lambda p, a, b: dU_by_hand(p, a, b, h0, with_r=True))
    assert right.passed, right.table()
    wrong = gl.check_gradients(
        params, x, d, h0=h0, grad_fn=lambda p, a, b: dU_by_hand(p, a, b, h0, with_r=False))
    assert [row.name for row in wrong.rows if not row.passed] == ["U"]
    assert wrong["U"].rel_error > 1e-2


def test_gradients_of_the_other_loss_fail_everywhere():
    params, x, d, h0 = problem(3, 5, 2, 6, 4, seed=11)

    def bce_grads(p, x_, d_):
        return gl.loss_and_grads(p, x_, d_, loss="bce", h0=h0)

    report = gl.check_gradients(params, x, d, loss="half_squared_error", h0=h0, grad_fn=bce_grads)
    assert not any(row.passed for row in report.rows)


def test_a_tiny_error_below_the_tolerance_passes_and_above_fails():
    params, x, d, h0 = problem(3, 5, 2, 6, 4, seed=12)

    def nudged(scale):
        def grad_fn(p, x_, d_):
            E, grads = half_squared_error_grads(p, x_, d_, h0)
            grads["W"] = grads["W"] * (1 + scale)
            return E, grads
        return grad_fn

    assert gl.check_gradients(params, x, d, h0=h0, grad_fn=nudged(1e-9)).passed
    report = gl.check_gradients(params, x, d, h0=h0, grad_fn=nudged(1e-4))
    assert [row.name for row in report.rows if not row.passed] == ["W"]


def test_max_checks_samples_entries_and_the_report_reads_well():
    params, x, d, h0 = problem(2, 6, 1, 5, 3, seed=13)
    report = gl.check_gradients(params, x, d, h0=h0, max_checks=4, rng=1)
    assert isinstance(report, GradCheckReport)
    assert report.passed
    sizes = {row.name: row.checked for row in report.rows}
    assert sizes["Uz"] == 4 and sizes["by"] == 1 and sizes["Wz"] == 4
    assert report.tol == TOL and report.eps == 1e-6
    assert str(report) == report.table()
    assert "all gradients agree" in report.table()
    assert report.table().count("\n") == len(report.rows) + 2
    assert "<table>" in report._repr_html_()
    with pytest.raises(KeyError):
        report["nope"]


def test_check_gradients_leaves_params_unchanged():
    params, x, d, h0 = problem(2, 4, 1, 3, 2, seed=14)
    before = {k: v.copy() for k, v in params.items()}
    gl.check_gradients(params, x, d, h0=h0)
    for k in params:
        np.testing.assert_array_equal(params[k], before[k])


def test_numerical_gradient_of_a_known_function():
    p = np.array([[0.5, -1.0, 2.0], [3.0, 0.1, -0.7]])
    before = p.copy()
    g = numerical_gradient(lambda: float(np.sum(p ** 3)), p)
    np.testing.assert_allclose(g, 3 * before.ravel() ** 2, rtol=1e-7, atol=1e-8)
    np.testing.assert_array_equal(p, before)                 # restored after each perturbation
    g2 = numerical_gradient(lambda: float(np.sum(p ** 3)), p, index=[1, 4])
    np.testing.assert_allclose(g2, 3 * before.ravel()[[1, 4]] ** 2, rtol=1e-7, atol=1e-8)


def test_rel_error():
    a = np.array([1.0, 2.0, 3.0])
    assert rel_error(a, a) == 0
    assert rel_error(a, -a) == pytest.approx(1.0)
    assert rel_error(a, a * (1 + 1e-8)) == pytest.approx(0.5e-8, rel=1e-3)
    assert rel_error(np.zeros(3), np.zeros(3)) == 0       # no 0/0
    assert rel_error(a, 2 * a) == rel_error(2 * a, a)
