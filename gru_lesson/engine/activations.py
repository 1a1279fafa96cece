"""Activations, and their derivatives taken from the *outputs* as the seed does.

The seed writes ``sigmoid(x) = 1 ./ (1 + exp(-x))`` and ``outTanh(x) = 1 - 2 ./ (1 + exp(2x))``.
Here the sigmoid is the seed's very formula, with one guard: for x < -709, ``exp(-x)``
overflows to inf. That inf is harmless (1 / (1 + inf) = 0, the right limit), so the overflow
warning is silenced for that one ``exp`` and nowhere else. The hyperbolic tangent is NumPy's,
which is stable for any x (the seed's outTanh returns NaN-free values too, but warns).

    sigmoid'(x) = f (1 - f)     where f = sigmoid(x)
    tanh'(x)    = 1 - g^2       where g = tanh(x)

``sigmoid`` and ``tanh`` take an optional ``out=`` array (it may be ``x`` itself) so the engine
can work in place in its inner loop.
"""

import numpy as np


def sigmoid(x, out=None):
    """Logistic function 1 / (1 + e^-x), stable for any finite x (no RuntimeWarning)."""
    x = np.asarray(x, dtype=np.float64)
    if out is None:
        out = np.empty(x.shape)
    np.negative(x, out=out)                     # -x
    with np.errstate(over="ignore", under="ignore"):
        np.exp(out, out=out)                    # e^-x  (inf when x < -709: fine, see above)
    out += 1.0                                  # 1 + e^-x
    np.divide(1.0, out, out=out)                # 1 / (1 + e^-x)
    return out if out.ndim else out[()]


def tanh(x, out=None):
    """Hyperbolic tangent; NumPy's is already stable for large |x|."""
    return np.tanh(x, out=out)


def dsigmoid_from_output(f, out=None):
    """sigmoid'(x) written with the output f = sigmoid(x): f (1 - f). The seed's diffsigmoid."""
    out = np.subtract(1.0, f, out=out)
    out *= f
    return out


def dtanh_from_output(g, out=None):
    """tanh'(x) written with the output g = tanh(x): 1 - g^2. The seed's diffoutTanh."""
    out = np.multiply(g, g, out=out)
    np.subtract(1.0, out, out=out)
    return out
