"""Numerical gradient check: centred finite differences in float64, per parameter.

    dE/dp  ~=  (E(p + eps) - E(p - eps)) / (2 eps)        error O(eps^2)

For each parameter we report the relative error

    rel = ||g_analytic - g_numeric|| / max(||g_analytic|| + ||g_numeric||, 1e-12)

(norms over all its entries). With eps = 1e-6 a correct backward gives about 1e-9 or less;
the check passes when rel < tol (default 1e-6). A missing term or a transposed weight
typically gives 1e-2 to 1.
"""

from dataclasses import dataclass

import numpy as np

from .checks import check_h0, check_inputs, float_array, positive_float, positive_int
from .fast import forward
from .losses import LOSSES, bce_with_logits, half_squared_error, loss_and_grads
from .params import as_generator, validate_params

DEFAULT_EPS = 1e-6
DEFAULT_TOL = 1e-6


@dataclass
class GradCheckRow:
    name: str
    shape: tuple
    checked: int              # entries perturbed
    max_abs_diff: float
    rel_error: float
    passed: bool


@dataclass
class GradCheckReport:
    rows: list
    tol: float
    eps: float

    @property
    def passed(self):
        return all(row.passed for row in self.rows)

    def __getitem__(self, name):
        for row in self.rows:
            if row.name == name:
                return row
        raise KeyError(name)

    def table(self):
        """The report as fixed-width text, one row per parameter."""
        lines = [f"{'param':<6} {'shape':<10} {'checked':>7} {'max |diff|':>11} "
                 f"{'rel. error':>11}  verdict",
                 "-" * 56]
        for row in self.rows:
            lines.append(f"{row.name:<6} {str(row.shape):<10} {row.checked:>7} "
                         f"{row.max_abs_diff:>11.2e} {row.rel_error:>11.2e}  "
                         f"{'ok' if row.passed else 'FAIL'}")
        verdict = "all gradients agree" if self.passed else "some gradients DISAGREE"
        lines.append(f"{verdict} (tolerance {self.tol:g}, centred differences, eps {self.eps:g})")
        return "\n".join(lines)

    __str__ = table

    def _repr_html_(self):
        head = "".join(f"<th>{h}</th>" for h in
                       ("param", "shape", "checked", "max |diff|", "rel. error", "verdict"))
        body = "".join(
            f"<tr><td>{r.name}</td><td>{r.shape}</td><td>{r.checked}</td>"
            f"<td>{r.max_abs_diff:.2e}</td><td>{r.rel_error:.2e}</td>"
            f"<td>{'ok' if r.passed else '<b>FAIL</b>'}</td></tr>" for r in self.rows)
        return (f"<table><tr>{head}</tr>{body}</table>"
                f"<p>tolerance {self.tol:g}: {'pass' if self.passed else 'FAIL'}</p>")


def rel_error(a, b):
    """||a - b|| / max(||a|| + ||b||, 1e-12)."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return float(np.linalg.norm(a - b) / max(np.linalg.norm(a) + np.linalg.norm(b), 1e-12))


def numerical_gradient(f, p, eps=DEFAULT_EPS, index=None):
    """Centred differences of the scalar function f() w.r.t. the array p, perturbed in place.

    index: the flat indices to perturb (default all). Returns the gradient at those indices.
    """
    flat = p.reshape(-1)
    index = np.arange(flat.size) if index is None else index
    g = np.empty(len(index))
    for k, i in enumerate(index):
        old = flat[i]
        flat[i] = old + eps
        f_plus = f()
        flat[i] = old - eps
        f_minus = f()
        flat[i] = old
        g[k] = (f_plus - f_minus) / (2 * eps)
    return g


def check_gradients(params, x, d, *, loss="half_squared_error", h0=None, grad_fn=None,
                    eps=DEFAULT_EPS, tol=DEFAULT_TOL, max_checks=None, rng=0):
    """Compare analytic gradients with centred differences, parameter by parameter.

    grad_fn(params, x, d) -> (E, grads) is the gradient to test (default gl.loss_and_grads with
    this loss); grads must hold an array of each parameter's shape. eps: the step, in (0, 0.1];
    tol: the largest relative error that passes, in (0, 1] (the error is at most 1).
    max_checks: perturb at most this many random entries per parameter (default all).
    Returns a GradCheckReport: print it for a table, ``report.passed`` for the verdict.
    """
    eps = positive_float(eps, "eps", "1e-6")
    if eps > 0.1:
        raise ValueError(f"eps must be at most 0.1 (a small step such as 1e-6), got {eps!r}")
    tol = positive_float(tol, "tol", "1e-6")
    if tol > 1:
        raise ValueError(f"tol must be at most 1 (the relative error never exceeds 1), "
                         f"got {tol!r}")
    if max_checks is not None:
        max_checks = positive_int(max_checks, "max_checks")
    if grad_fn is not None and not callable(grad_fn):
        raise ValueError(f"grad_fn must be a function (params, x, d) -> (E, grads), "
                         f"got {type(grad_fn).__name__}")
    D, H, O = validate_params(params)
    x = check_inputs(x, D)
    d = float_array(d, "d", x.shape[:2] + (O,), what="y (T, N, O)")
    h0 = check_h0(h0, x.shape[1], H)
    if loss not in LOSSES:
        raise ValueError(f"loss must be one of {', '.join(LOSSES)}, got {loss!r}")
    params = {k: np.array(v, dtype=np.float64) for k, v in params.items()}   # private copy
    if grad_fn is None:
        def grad_fn(p, x_, d_):
            return loss_and_grads(p, x_, d_, loss=loss, h0=h0)
    grads = _checked_grads(grad_fn(params, x, d), params)
    rng = as_generator(rng)

    def E():                       # the loss alone: forward, no backward
        y, cache = forward(params, x, h0)
        if loss == "half_squared_error":
            return half_squared_error(y, d)[0]
        return bce_with_logits(cache.logits, d)[0]

    rows = []
    for name, p in params.items():
        n = p.size
        index = np.arange(n) if max_checks is None or max_checks >= n else \
            np.sort(rng.choice(n, size=max_checks, replace=False))
        numeric = numerical_gradient(E, p, eps, index)
        analytic = np.asarray(grads[name], dtype=np.float64).reshape(-1)[index]
        err = rel_error(analytic, numeric)
        rows.append(GradCheckRow(name, p.shape, len(index),
                                 float(np.max(np.abs(analytic - numeric))), err, err < tol))
    return GradCheckReport(rows, tol, eps)


def _checked_grads(result, params):
    """The grads of grad_fn's (E, grads), each a finite float array of its parameter's shape."""
    how = "grad_fn must return (E, grads) with grads a dict holding one array per parameter"
    if not isinstance(result, tuple) or len(result) != 2 or not isinstance(result[1], dict):
        raise ValueError(f"{how}, got {type(result).__name__}")
    grads = result[1]
    missing = [k for k in params if k not in grads]
    if missing:
        raise ValueError(f"{how}; it has no gradient for {', '.join(missing)}")
    return {k: float_array(grads[k], f"grad_fn's grads['{k}']", params[k].shape,
                           what=f"params['{k}']") for k in params}
