"""The plain (Elman) RNN, with the GRU's API shape: the baseline that shows why gates matter.

Shapes: x (T, N, D); h (T, N, H); y (T, N, O). Row vectors, as in the GRU and the seed.

Equations (h_0 = 0 unless given):

    a_t = x_t Wx + h_{t-1} Wh + bh          pre-activation
    h_t = tanh(a_t)                         hidden state
    y_t = sigmoid(h_t Wy + by)              output

Backward (everything at T+1 is zero):

    dh_t      = dlogits_t Wy^T + [what step t+1 sends back to h_t]
    da_t      = dh_t * (1 - h_t^2)
    dh_{t-1}  = da_t Wh^T                   <- the only path back in time
    dWx = sum_t x_t^T da_t    dWh = sum_t h_{t-1}^T da_t    dbh = sum_t da_t

Every step back multiplies the gradient by diag(1 - h_t^2) Wh^T. Compare the GRU, whose
dh_{t-1} also gets ``dh_t * (1 - z_t)``: a path with no weight matrix and no tanh' on it.
"""

from dataclasses import dataclass

import numpy as np

from .activations import dsigmoid_from_output, dtanh_from_output, sigmoid, tanh
from .checks import all_finite, check_h0, check_inputs, float_array
from .losses import LOSSES, bce_with_logits, half_squared_error
from .params import random_params

RNN_WEIGHTS = ("Wx", "Wh", "Wy")
RNN_BIASES = ("bh", "by")


@dataclass
class RNNCache:
    """Everything rnn_backward needs, by name."""

    x: np.ndarray          # (T, N, D) inputs
    h0: np.ndarray         # (N, H) initial state
    h: np.ndarray          # (T, N, H) hidden states
    logits: np.ndarray     # (T, N, O) h_t Wy + by
    y: np.ndarray          # (T, N, O) sigmoid(logits)

    @property
    def h_prev(self):
        """h_{t-1} for every t: h0 followed by h_1 .. h_{T-1}, shape (T, N, H)."""
        return np.concatenate([self.h0[None], self.h[:-1]], axis=0)


def rnn_init_params(input_size, hidden_size, output_size, *, bias=True, rng=None):
    """Random RNN parameters, every entry uniform in [-1, 1] (as gl.init_params does for the GRU).

    Returns {Wx (D, H), Wh (H, H), Wy (H, O)} and, with ``bias=True``, {bh (H,), by (O,)}.
    ``rng`` is a numpy Generator or an int seed (None: a fresh Generator).
    """
    return random_params(rnn_expected_shapes, "RNN", input_size, hidden_size, output_size,
                         bias, rng)


def rnn_expected_shapes(D, H, O, *, bias=True):
    """The {name: shape} an RNN with these sizes has."""
    shapes = {"Wx": (D, H), "Wh": (H, H), "Wy": (H, O)}
    if bias:
        shapes.update({"bh": (H,), "by": (O,)})
    return shapes


def rnn_validate_params(params):
    """(D, H, O), or a ValueError naming the problem and the fix."""
    if not isinstance(params, dict):
        raise ValueError(f"params must be a dict of arrays (as from gl.rnn_init_params), "
                         f"got {type(params).__name__}")
    if "Wz" in params and "Wx" not in params:
        raise ValueError("these look like GRU params (they have Wz); use gl.forward for them, "
                         "or build RNN params with gl.rnn_init_params(D, H, O)")
    missing = [k for k in RNN_WEIGHTS if k not in params]
    if missing:
        raise ValueError(f"params is missing {', '.join(missing)}; "
                         f"build it with gl.rnn_init_params(D, H, O)")
    present_b = [k for k in RNN_BIASES if k in params]
    if len(present_b) == 1:
        absent = [k for k in RNN_BIASES if k not in params]
        raise ValueError(f"params has {present_b[0]} but not {absent[0]}; "
                         "give both biases or none")
    known = set(RNN_WEIGHTS) | set(RNN_BIASES)
    unknown = sorted(k for k in params if k not in known)
    if unknown:
        raise ValueError(f"params has unknown entries {unknown}; "
                         f"expected only {', '.join(sorted(known))}")
    for k, v in params.items():
        if not isinstance(v, np.ndarray) or v.dtype.kind != "f":
            what = type(v).__name__ if not isinstance(v, np.ndarray) else f"dtype {v.dtype}"
            raise ValueError(f"params['{k}'] must be a float numpy array, got {what}")
    for k in ("Wx", "Wy"):
        if params[k].ndim != 2:
            raise ValueError(f"params['{k}'] must be 2-D, got shape {params[k].shape}")
    D, H = params["Wx"].shape
    O = params["Wy"].shape[1]
    for k, shape in rnn_expected_shapes(D, H, O, bias=bool(present_b)).items():
        if params[k].shape != shape:
            raise ValueError(f"params['{k}'] has shape {params[k].shape} but Wx "
                             f"{params['Wx'].shape} and Wy {params['Wy'].shape} imply {shape}; "
                             f"fix the shape of '{k}'")
    for k, v in params.items():
        if not all_finite(v):
            raise ValueError(f"params['{k}'] contains NaN or inf; re-initialise or reload it")
    return D, H, O


def rnn_forward(params, x, h0=None):
    """Run the RNN over x of shape (T, N, D). Returns y (T, N, O) and an RNNCache."""
    D, H, O = rnn_validate_params(params)
    x = check_inputs(x, D)
    T, N, _ = x.shape
    h0 = check_h0(h0, N, H)
    Wx, Wh, Wy = params["Wx"], params["Wh"], params["Wy"]
    bias = "bh" in params

    xW = (x.reshape(T * N, D) @ Wx).reshape(T, N, H)          # input projections, all steps
    if bias:
        xW += params["bh"]
    h = np.empty((T, N, H))
    h_prev = h0
    for t in range(T):
        a = xW[t] + h_prev @ Wh
        h[t] = tanh(a)
        h_prev = h[t]

    logits = (h.reshape(T * N, H) @ Wy).reshape(T, N, O)
    if bias:
        logits += params["by"]
    y = sigmoid(logits)
    return y, RNNCache(x=x, h0=h0, h=h, logits=logits, y=y)


def rnn_backward(params, cache, dy, *, return_dh=False):
    """Gradients of E w.r.t. every parameter, given dy = dE/dy of shape (T, N, O).

    With ``return_dh=True`` also returns dh (T, N, H), the total dE/dh_t at every step, and dh0:
    ``grads, dh, dh0 = rnn_backward(..., return_dh=True)`` (as gl.backward does for the GRU).
    """
    dy = float_array(dy, "dy", cache.y.shape, what="y")
    dlogits = dy * dsigmoid_from_output(cache.y)
    return rnn_backward_from_logits(params, cache, dlogits, return_dh=return_dh)


def rnn_backward_from_logits(params, cache, dlogits, *, return_dh=False):
    """As rnn_backward, but given dE/dlogits directly: the stable path for cross-entropy."""
    rnn_validate_params(params)
    dlogits = float_array(dlogits, "dlogits", cache.logits.shape, what="the logits")
    x, h = cache.x, cache.h
    T, N, D = x.shape
    H = h.shape[2]
    O = dlogits.shape[2]
    Wh_T, Wy = params["Wh"].T, params["Wy"]
    h_prev_all = cache.h_prev

    dh_from_y = (dlogits.reshape(T * N, O) @ Wy.T).reshape(T, N, H)
    dh_tanh_local = dtanh_from_output(h)                                # 1 - h^2
    da = np.empty((T, N, H))
    dh_all = np.empty((T, N, H)) if return_dh else None
    dh_next = np.zeros((N, H))
    for t in range(T - 1, -1, -1):
        dh = dh_from_y[t] + dh_next
        if return_dh:
            dh_all[t] = dh
        da[t] = dh * dh_tanh_local[t]
        dh_next = da[t] @ Wh_T

    DA = da.reshape(T * N, H)
    grads = {
        "Wx": x.reshape(T * N, D).T @ DA,
        "Wh": h_prev_all.reshape(T * N, H).T @ DA,
        "Wy": h.reshape(T * N, H).T @ dlogits.reshape(T * N, O),
    }
    if "bh" in params:
        grads["bh"] = DA.sum(axis=0)
        grads["by"] = dlogits.reshape(T * N, O).sum(axis=0)
    grads = {k: grads[k] for k in params}                               # params' key order
    if return_dh:
        return grads, dh_all, dh_next
    return grads


def rnn_loss_and_grads(params, x, d, loss="half_squared_error", h0=None):
    """Forward, loss and backward in one call, as gl.loss_and_grads for the GRU: (E, grads).

    d: targets of shape (T, N, O). E is summed over T, N and O.
    """
    if loss not in LOSSES:
        raise ValueError(f"loss must be one of {', '.join(LOSSES)}, got {loss!r}")
    D, _, O = rnn_validate_params(params)
    x = check_inputs(x, D)
    d = float_array(d, "d", x.shape[:2] + (O,), what="y (T, N, O)")
    y, cache = rnn_forward(params, x, h0)
    if loss == "half_squared_error":
        E, dy = half_squared_error(y, d)
        return E, rnn_backward(params, cache, dy)
    E, dlogits = bce_with_logits(cache.logits, d)
    return E, rnn_backward_from_logits(params, cache, dlogits)
