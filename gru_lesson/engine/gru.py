"""The GRU, one equation a line: the reading engine. Read this file; gl.forward runs fast.py.

Shapes: x_t (N, D) and h_t (N, H) are rows, N sequences at once; x (T, N, D); y (T, N, O).

    z_t       = sigmoid(x_t Wz + h_{t-1} Uz + bz)               update gate
    r_t       = sigmoid(x_t Wr + h_{t-1} Ur + br)               reset gate
    h_tilde_t = tanh(x_t W + (r_t * h_{t-1}) U + b)             candidate (the seed's)
    h_t       = (1 - z_t) * h_{t-1} + z_t * h_tilde_t           blend
    y_t       = sigmoid(h_t Wy + by)                            output

``*`` is the Hadamard (element-wise) product. Without biases this is the seed's net. When
params has ``bhn`` the candidate is PyTorch's "reset-after" one instead:

    hn_t      = h_{t-1} U + bhn
    h_tilde_t = tanh(x_t W + b + r_t * hn_t)

Backward names follow the derivation (notebook 02): dh_t = dE/dh_t from every path, and
dz, delta, dr the gradients with respect to the pre-activations of z_t, h_tilde_t and r_t.
fast.py computes the same numbers, arranged for speed; the tests prove the two equal.
"""

from dataclasses import dataclass

import numpy as np

from .activations import sigmoid, tanh
from .checks import check_h0, check_inputs, float_array
from .params import validate_params


@dataclass
class StepCache:
    """What step_backward needs from one step_forward."""

    x_t: np.ndarray        # (N, D) input
    h_prev: np.ndarray     # (N, H) h_{t-1}
    z: np.ndarray          # (N, H) update gate
    r: np.ndarray          # (N, H) reset gate
    h_tilde: np.ndarray    # (N, H) candidate
    hn: np.ndarray | None  # (N, H) h_{t-1} U + bhn, reset-after only


@dataclass
class Cache:
    """What backward needs from forward: every step's StepCache, the states and outputs."""

    steps: list            # T StepCaches
    h: np.ndarray          # (T, N, H) h_1 .. h_T
    y: np.ndarray          # (T, N, O)


def step_forward(x_t, h_prev, params):
    """One GRU step: h_t (N, H) from x_t (N, D) and h_{t-1} (N, H). Returns (h_t, cache)."""
    x_t, h_prev = _check_step(x_t, h_prev, params)
    p = params
    z = sigmoid(x_t @ p["Wz"] + h_prev @ p["Uz"] + p.get("bz", 0.0))
    r = sigmoid(x_t @ p["Wr"] + h_prev @ p["Ur"] + p.get("br", 0.0))
    hn = None
    if "bhn" in p:                                   # PyTorch: r applied after the matmul
        hn = h_prev @ p["U"] + p["bhn"]
        h_tilde = tanh(x_t @ p["W"] + p.get("b", 0.0) + r * hn)
    else:                                            # the seed: r applied before the matmul
        h_tilde = tanh(x_t @ p["W"] + (r * h_prev) @ p["U"] + p.get("b", 0.0))
    h_t = (1 - z) * h_prev + z * h_tilde
    return h_t, StepCache(x_t, h_prev, z, r, h_tilde, hn)


def step_backward(dh_t, cache, params):
    """Back through one step, given dh_t = dE/dh_t (N, H) from every path.

    Returns (dx_t, dh_prev, grads): dE/dx_t (N, D), dE/dh_{t-1} (N, H), and this step's
    gradients of the gate parameters (Wz, Uz, Wr, Ur, W, U, and bz, br, b, bhn when present).
    """
    p, c = params, _check_cache(cache, StepCache, params)
    x_t, h_prev, z, r, h_tilde = c.x_t, c.h_prev, c.z, c.r, c.h_tilde
    dh_t = float_array(dh_t, "dh_t", h_prev.shape, what="h_prev")
    dz = dh_t * (h_tilde - h_prev) * z * (1 - z)             # through the blend, into z
    delta = dh_t * z * (1 - h_tilde ** 2)                    # through the blend, into h_tilde
    if c.hn is not None:                                     # reset-after
        dhn = delta * r
        dr = delta * c.hn * r * (1 - r)
        dh_prev_candidate = dhn @ p["U"].T
        dU = h_prev.T @ dhn
    else:                                                    # the seed
        d_rh = delta @ p["U"].T                              # dE/d(r * h_prev)
        dr = h_prev * d_rh * r * (1 - r)
        dh_prev_candidate = d_rh * r                         # term (3)
        dU = (r * h_prev).T @ delta
    dh_prev = (dz @ p["Uz"].T                                # term (2), update gate
               + dh_prev_candidate                           # term (3), candidate
               + dr @ p["Ur"].T                              # term (4), reset gate
               + dh_t * (1 - z))                             # term (5), direct path
    dx_t = dz @ p["Wz"].T + dr @ p["Wr"].T + delta @ p["W"].T
    grads = {"Wz": x_t.T @ dz, "Uz": h_prev.T @ dz,
             "Wr": x_t.T @ dr, "Ur": h_prev.T @ dr,
             "W": x_t.T @ delta, "U": dU}
    if "bz" in p:
        grads.update(bz=dz.sum(axis=0), br=dr.sum(axis=0), b=delta.sum(axis=0))
    if c.hn is not None:
        grads["bhn"] = dhn.sum(axis=0)
    return dx_t, dh_prev, grads


def forward(params, x, h0=None):
    """Run the GRU over x (T, N, D) from h0 (zeros when None). Returns (y (T, N, O), Cache)."""
    D, H, _ = validate_params(params)
    x = check_inputs(x, D)
    h = check_h0(h0, x.shape[1], H)
    steps, hs = [], []
    for x_t in x:                                             # t = 1 .. T
        h, step = step_forward(x_t, h, params)
        steps.append(step)
        hs.append(h)
    h = np.stack(hs)
    y = sigmoid(h @ params["Wy"] + params.get("by", 0.0))     # y_t = sigmoid(h_t Wy + by)
    return y, Cache(steps, h, y)


def backward(params, cache, dy):
    """Gradients of E for every parameter (same keys as params), given dy = dE/dy (T, N, O)."""
    _check_cache(cache, Cache, params)
    dy = float_array(dy, "dy", cache.y.shape, what="y")
    dlogits = dy * cache.y * (1 - cache.y)                    # delta_y = dE/d(h_t Wy + by)
    grads = {k: np.zeros_like(v) for k, v in params.items()}
    grads["Wy"] = np.einsum("tnh,tno->ho", cache.h, dlogits)  # sum_t h_t^T delta_y_t
    if "by" in params:
        grads["by"] = dlogits.sum(axis=(0, 1))
    dh_next = np.zeros_like(cache.h[0])                       # nothing comes from step T + 1
    for t in reversed(range(len(cache.steps))):               # t = T .. 1
        dh_t = dlogits[t] @ params["Wy"].T + dh_next          # term (1) + what t + 1 sent
        _, dh_next, step_grads = step_backward(dh_t, cache.steps[t], params)
        for k, g in step_grads.items():
            grads[k] += g                                     # weights are shared: sum over t
    return grads


def _check_step(x_t, h_prev, params):
    """x_t (N, D) and h_prev (N, H) as float arrays that fit params, or a ValueError."""
    D, H, _ = validate_params(params)
    x_t = float_array(x_t, "x_t")
    if x_t.ndim != 2 or x_t.shape[1] != D:
        raise ValueError(f"x_t must have shape (N, D) = (sequences, {D}), got {x_t.shape}")
    h_prev = float_array(h_prev, "h_prev", (x_t.shape[0], H))
    return x_t, h_prev


def _check_cache(cache, kind, params):
    """cache, when this file's forward made it (a ``kind``) for a GRU of params' sizes and
    variant; else a ValueError: never the gradient of another GRU. A whole Cache also has its
    params checked (once: a step's check is cheap, as backward runs it T times)."""
    if kind is Cache or not isinstance(params, dict) or "W" not in params:
        validate_params(params)
    if not isinstance(cache, kind):
        raise ValueError(f"cache must be the {kind.__name__} that engine.gru's "
                         f"{'forward' if kind is Cache else 'step_forward'} returned, "
                         f"got {type(cache).__name__}")
    step = cache if kind is StepCache else cache.steps[0]
    made = (step.x_t.shape[1], step.h_prev.shape[1], step.hn is not None)
    if made != (*params["W"].shape, "bhn" in params) or (
            kind is Cache and cache.y.shape[2] != params["Wy"].shape[1]):
        raise ValueError("the cache comes from another GRU (other sizes, or the other variant: "
                         "one has 'bhn'); use the params you ran forward with")
    return cache
