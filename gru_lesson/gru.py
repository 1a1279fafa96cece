"""The GRU, forward and backward over T steps, batched over N sequences.

Shapes: x (T, N, D); h, z, r, h_tilde (T, N, H); y (T, N, O). Row vectors, as in the seed.

Equations (the seed's GRU; h_0 = 0 unless given):

    z_t       = sigmoid(x_t Wz + h_{t-1} Uz + bz)                 update gate
    r_t       = sigmoid(x_t Wr + h_{t-1} Ur + br)                 reset gate
    h_tilde_t = tanh(x_t W + (r_t * h_{t-1}) U + b)               candidate state
    h_t       = (1 - z_t) * h_{t-1} + z_t * h_tilde_t
    y_t       = sigmoid(h_t Wy + by)

``*`` is the Hadamard (element-wise) product. Without biases this is exactly the seed's net.

A second variant sits beside it: PyTorch's "reset-after" candidate, selected by the presence of
``params["bhn"]``:

    h_tilde_t = tanh(x_t W + b + r_t * (h_{t-1} U + bhn))

Backward (delta = gradient w.r.t. a pre-activation; everything at T+1 is zero):

    dh_t      = dy_t Wy^T + [what step t+1 sends back to h_t]
    dz_t      = dh_t * (h_tilde_t - h_{t-1}) * z_t (1 - z_t)
    delta_t   = dh_t * z_t * (1 - h_tilde_t^2)
    dr_t      = h_{t-1} * (delta_t U^T) * r_t (1 - r_t)              (seed)
    dh_{t-1} += dz_t Uz^T + (delta_t U^T) * r_t + dr_t Ur^T + dh_t * (1 - z_t)
"""

from dataclasses import dataclass

import numpy as np

from .activations import dsigmoid_from_output, dtanh_from_output, sigmoid, tanh
from .params import has_bias, is_reset_after, validate_params


@dataclass
class GRUCache:
    """Everything backward needs, by name. Each (T, N, H) unless said otherwise."""

    x: np.ndarray          # (T, N, D) inputs
    h0: np.ndarray         # (N, H) initial state
    z: np.ndarray          # update gate
    r: np.ndarray          # reset gate
    h_tilde: np.ndarray    # candidate state
    h: np.ndarray          # hidden state
    logits: np.ndarray     # (T, N, O) h_t Wy + by, before the output sigmoid
    y: np.ndarray          # (T, N, O) sigmoid(logits)
    hn: np.ndarray | None = None   # reset-after only: h_{t-1} U + bhn

    @property
    def h_prev(self):
        """h_{t-1} for every t: h0 followed by h_1 .. h_{T-1}, shape (T, N, H)."""
        return np.concatenate([self.h0[None], self.h[:-1]], axis=0)


def forward(params, x, h0=None):
    """Run the GRU over x of shape (T, N, D). Returns y (T, N, O) and a GRUCache."""
    D, H, O = validate_params(params)
    x = check_inputs(x, D)
    T, N, _ = x.shape
    h0 = check_h0(h0, N, H)
    Wz, Uz, Wr, Ur, W, U, Wy = (params[k] for k in ("Wz", "Uz", "Wr", "Ur", "W", "U", "Wy"))
    reset_after = is_reset_after(params)

    # Input projections of all T steps at once: one matmul instead of 3T.
    Wzrh = np.concatenate([Wz, Wr, W], axis=1)                        # (D, 3H)
    xW = (x.reshape(T * N, D) @ Wzrh).reshape(T, N, 3 * H)
    if has_bias(params):
        xW += np.concatenate([params["bz"], params["br"], params["b"]])
    Uzr = np.concatenate([Uz, Ur], axis=1)                             # (H, 2H): both gates

    z = np.empty((T, N, H))
    r = np.empty((T, N, H))
    h_tilde = np.empty((T, N, H))
    h = np.empty((T, N, H))
    hn = np.empty((T, N, H)) if reset_after else None
    h_prev = h0
    for t in range(T):
        zr = sigmoid(xW[t, :, :2 * H] + h_prev @ Uzr)
        z[t] = zr[:, :H]
        r[t] = zr[:, H:]
        if reset_after:   # PyTorch: r applied after the matmul
            hn[t] = h_prev @ U + params["bhn"]
            h_tilde[t] = tanh(xW[t, :, 2 * H:] + r[t] * hn[t])
        else:             # the seed: r applied before the matmul
            h_tilde[t] = tanh(xW[t, :, 2 * H:] + (r[t] * h_prev) @ U)
        h[t] = (1.0 - z[t]) * h_prev + z[t] * h_tilde[t]
        h_prev = h[t]

    logits = (h.reshape(T * N, H) @ Wy).reshape(T, N, O)
    if has_bias(params):
        logits += params["by"]
    y = sigmoid(logits)
    return y, GRUCache(x=x, h0=h0, z=z, r=r, h_tilde=h_tilde, h=h, logits=logits, y=y, hn=hn)


def backward(params, cache, dy, *, return_dh=False):
    """Gradients of E w.r.t. every parameter, given dy = dE/dy of shape (T, N, O).

    Returns a dict with the same keys and shapes as params. With ``return_dh=True`` also returns
    dh of shape (T, N, H): the total dE/dh_t at every step (for vanishing-gradient plots), and
    dh0, the gradient w.r.t. the initial state: ``grads, dh, dh0 = backward(..., return_dh=True)``.
    """
    dy = _check_like(dy, cache.y.shape, "dy", "y")
    dlogits = dy * dsigmoid_from_output(cache.y)                        # delta_y
    return backward_from_logits(params, cache, dlogits, return_dh=return_dh)


def backward_from_logits(params, cache, dlogits, *, return_dh=False):
    """As backward, but given dE/dlogits (delta_y) directly: the stable path for cross-entropy."""
    validate_params(params)
    dlogits = _check_like(dlogits, cache.logits.shape, "dlogits", "the logits")
    x, z, r, h_tilde, h = cache.x, cache.z, cache.r, cache.h_tilde, cache.h
    T, N, D = x.shape
    H = h.shape[2]
    O = dlogits.shape[2]
    Uz, Ur, U, Wy = params["Uz"], params["Ur"], params["U"], params["Wy"]
    reset_after = is_reset_after(params)
    h_prev_all = cache.h_prev

    # Local derivatives of every step at once, from the saved outputs (as the seed does).
    dz_local = dsigmoid_from_output(z)                                  # z (1 - z)
    dr_local = dsigmoid_from_output(r)                                  # r (1 - r)
    dh_tilde_local = dtanh_from_output(h_tilde)                         # 1 - h_tilde^2
    one_minus_z = 1.0 - z
    h_tilde_minus_h_prev = h_tilde - h_prev_all
    dh_from_y = (dlogits.reshape(T * N, O) @ Wy.T).reshape(T, N, H)     # delta_y Wy^T, all t

    dz = np.empty((T, N, H))          # delta_z_t
    dr = np.empty((T, N, H))          # delta_r_t
    delta = np.empty((T, N, H))       # delta_t (candidate pre-activation)
    dhn = np.empty((T, N, H)) if reset_after else None
    dh_all = np.empty((T, N, H)) if return_dh else None
    Uzr_T = np.concatenate([Uz, Ur], axis=1).T                          # (2H, H)
    dzr = np.empty((N, 2 * H))
    dh_next = np.zeros((N, H))        # what step t+1 sends back to h_t
    for t in range(T - 1, -1, -1):
        h_prev = h_prev_all[t]
        dh = dh_from_y[t] + dh_next
        if return_dh:
            dh_all[t] = dh
        dz[t] = dh * h_tilde_minus_h_prev[t] * dz_local[t]
        delta[t] = dh * z[t] * dh_tilde_local[t]
        if reset_after:
            dhn[t] = delta[t] * r[t]
            dr[t] = delta[t] * cache.hn[t] * dr_local[t]
            d_from_candidate = dhn[t] @ U.T
        else:
            d_rh = delta[t] @ U.T                                        # dE/d(r * h_prev)
            dr[t] = h_prev * d_rh * dr_local[t]
            d_from_candidate = d_rh * r[t]
        dzr[:, :H] = dz[t]
        dzr[:, H:] = dr[t]
        dh_next = dh * one_minus_z[t] + d_from_candidate + dzr @ Uzr_T

    # Weight gradients summed over all steps and sequences: one matmul each.
    X = x.reshape(T * N, D)
    Hp = h_prev_all.reshape(T * N, H)
    DZ, DR, DELTA = (a.reshape(T * N, H) for a in (dz, dr, delta))
    grads = {
        "Wz": X.T @ DZ, "Uz": Hp.T @ DZ,
        "Wr": X.T @ DR, "Ur": Hp.T @ DR,
        "W": X.T @ DELTA,
        "Wy": h.reshape(T * N, H).T @ dlogits.reshape(T * N, O),
    }
    if reset_after:
        DHN = dhn.reshape(T * N, H)
        grads["U"] = Hp.T @ DHN
        grads["bhn"] = DHN.sum(axis=0)
    else:
        grads["U"] = (r.reshape(T * N, H) * Hp).T @ DELTA
    if has_bias(params):
        grads["bz"] = DZ.sum(axis=0)
        grads["br"] = DR.sum(axis=0)
        grads["b"] = DELTA.sum(axis=0)
        grads["by"] = dlogits.reshape(T * N, O).sum(axis=0)
    grads = {k: grads[k] for k in params}                               # params' key order
    if return_dh:
        return grads, dh_all, dh_next
    return grads


def check_inputs(x, D):
    """x as a float64 (T, N, D) array, or a ValueError naming the problem and the fix."""
    if not isinstance(x, np.ndarray):
        try:
            x = np.asarray(x, dtype=np.float64)
        except (TypeError, ValueError):
            raise ValueError("x must be a numeric array of shape (T, N, D)") from None
    if x.ndim != 3:
        hint = " (for one sequence use x[:, None, :])" if x.ndim == 2 else ""
        raise ValueError(f"x must have shape (T, N, D) = (steps, sequences, features), "
                         f"got ndim={x.ndim} shape {x.shape}{hint}")
    if x.dtype.kind not in "fiub":
        raise ValueError(f"x must be numeric, got dtype {x.dtype}")
    if x.shape[2] != D:
        raise ValueError(f"x has {x.shape[2]} features per step but Wz expects {D}; "
                         f"give x shape (T, N, {D}) or init the params with input_size="
                         f"{x.shape[2]}")
    if x.shape[0] == 0 or x.shape[1] == 0:
        raise ValueError(f"x has shape {x.shape}: it needs at least one step and one sequence")
    x = x.astype(np.float64, copy=False)
    if not np.all(np.isfinite(x)):
        raise ValueError("x contains NaN or inf; clean the inputs first")
    return x


def check_h0(h0, N, H):
    """h0 as a float64 (N, H) array (zeros when None)."""
    if h0 is None:
        return np.zeros((N, H))
    h0 = np.asarray(h0, dtype=np.float64)
    if h0.shape != (N, H):
        raise ValueError(f"h0 has shape {h0.shape} but must be (N, H) = ({N}, {H})")
    if not np.all(np.isfinite(h0)):
        raise ValueError("h0 contains NaN or inf")
    return h0


def _check_like(a, shape, name, what):
    a = np.asarray(a, dtype=np.float64)
    if a.shape != shape:
        raise ValueError(f"{name} has shape {a.shape} but {what} has shape {shape}; "
                         f"they must match exactly (nothing is broadcast)")
    if not np.all(np.isfinite(a)):
        raise ValueError(f"{name} contains NaN or inf")
    return a
