"""Losses on the GRU's outputs, summed over all T, N, O (the seed's E is a sum, not a mean).

    half_squared_error:  E = 1/2 sum (y - d)^2            dE/dy      = y - d
    bce (on the logits): E = sum log(1 + e^a) - d a       dE/dlogits = sigmoid(a) - d = y - d

The cross-entropy is computed from the logits a (never from log(y)), so it stays finite
even when y rounds to exactly 0 or 1.
"""

import numpy as np

from .activations import dsigmoid_from_output
from .checks import check_h0, check_inputs, float_array
from .fast import _backward_from_logits, _forward
from .params import validate_params

LOSSES = ("half_squared_error", "bce")


def half_squared_error(y, d):
    """The seed's E = 1/2 * sum of (y - d)^2, and dE/dy."""
    diff = y - d
    return 0.5 * float(np.sum(diff * diff)), diff


def bce_with_logits(logits, d):
    """Binary cross-entropy summed over everything, from the logits; and dE/dlogits."""
    E = float(np.sum(np.logaddexp(0.0, logits) - d * logits))
    y = 0.5 * np.tanh(0.5 * logits) + 0.5
    return E, y - d


def loss_and_grads(params, x, d, loss="half_squared_error", h0=None):
    """Forward, loss and backward in one call. Returns (E, grads).

    d: targets with the shape of y, (T, N, O). loss: "half_squared_error" (the seed's) or "bce".
    """
    if loss not in LOSSES:
        raise ValueError(f"loss must be one of {', '.join(LOSSES)}, got {loss!r}")
    D, H, O = validate_params(params)                   # checked once, here
    x = check_inputs(x, D)
    d = float_array(d, "d", x.shape[:2] + (O,), what="y (T, N, O)")
    h0 = check_h0(h0, x.shape[1], H)
    y, cache = _forward(params, x, h0)
    if loss == "half_squared_error":
        E, dy = half_squared_error(y, d)
        dlogits = dy * dsigmoid_from_output(y)          # delta_y, as in gl.backward
    else:
        E, dlogits = bce_with_logits(cache.logits, d)
    return E, _backward_from_logits(params, cache, dlogits, return_dh=False)
