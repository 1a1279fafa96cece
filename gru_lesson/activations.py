"""Activations, and their derivatives taken from the *outputs* as the seed does.

The seed writes ``sigmoid(x) = 1 ./ (1 + exp(-x))`` and ``outTanh(x) = 1 - 2 ./ (1 + exp(2x))``.
Both overflow ``exp`` for large |x| (NumPy then warns and, for outTanh, may return NaN).
Here the sigmoid is computed as ``0.5 * tanh(x / 2) + 0.5``, which is the same function,
never overflows and agrees with the seed's formula to rounding (about 1e-16).

    sigmoid'(x) = f (1 - f)     where f = sigmoid(x)
    tanh'(x)    = 1 - g^2       where g = tanh(x)
"""

import numpy as np


def sigmoid(x):
    """Logistic function 1 / (1 + e^-x), stable for any finite x (no RuntimeWarning)."""
    f = np.multiply(x, 0.5)
    np.tanh(f, out=f)
    f *= 0.5
    f += 0.5
    return f


def tanh(x):
    """Hyperbolic tangent; NumPy's is already stable for large |x|."""
    return np.tanh(x)


def dsigmoid_from_output(f):
    """sigmoid'(x) written with the output f = sigmoid(x): f (1 - f). The seed's diffsigmoid."""
    return f * (1.0 - f)


def dtanh_from_output(g):
    """tanh'(x) written with the output g = tanh(x): 1 - g^2. The seed's diffoutTanh."""
    return 1.0 - g * g


def log_sigmoid(a):
    """log(sigmoid(a)) = -log(1 + e^-a), stable for any finite a."""
    return -np.logaddexp(0.0, -a)
