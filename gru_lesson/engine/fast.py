"""The fast engine: the same maths as gru.py (the reading engine), arranged for speed, and
tested equal to it to 1e-12 (tests/test_reading_engine.py). gl.forward, gl.backward and
gl.loss_and_grads run this file; read gru.py to learn the GRU, and this one to see how NumPy
code is made fast ("how it is made fast" below, and notebook 02's aside).

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

    h_tilde_t = tanh(x_t W + b + r_t * hn_t)      with  hn_t = h_{t-1} U + bhn

Backward (delta = gradient w.r.t. a pre-activation; everything at T+1 is zero):

    delta_y_t = dy_t * y_t (1 - y_t)                                 (dE/dlogits_t)
    dh_t      = delta_y_t Wy^T + [what step t+1 sends back to h_t]
    dz_t      = dh_t * (h_tilde_t - h_{t-1}) * z_t (1 - z_t)
    delta_t   = dh_t * z_t * (1 - h_tilde_t^2)
    dr_t      = h_{t-1} * (delta_t U^T) * r_t (1 - r_t)              (seed)
    dh_{t-1}  = dz_t Uz^T + (delta_t U^T) * r_t + dr_t Ur^T + dh_t * (1 - z_t)

    dWz = sum_t x_t^T dz_t      dUz = sum_t h_{t-1}^T dz_t       dbz = sum_t dz_t
    dWr = sum_t x_t^T dr_t      dUr = sum_t h_{t-1}^T dr_t       dbr = sum_t dr_t
    dW  = sum_t x_t^T delta_t   dU  = sum_t (r_t * h_{t-1})^T delta_t    db = sum_t delta_t
    dWy = sum_t h_t^T delta_y_t                                  dby = sum_t delta_y_t

(each x_t^T dz_t also sums over the N sequences of the batch). Reset-after: dhn_t = delta_t * r_t,
dr_t = delta_t * hn_t * r_t (1 - r_t), dU = sum_t h_{t-1}^T dhn_t, dbhn = sum_t dhn_t, and
h_{t-1} receives dhn_t U^T instead of (delta_t U^T) * r_t.

How it is made fast without changing the maths (profiled; figures in benchmarks/README.md):
the input parts x_t Wz + bz, x_t Wr + br, x_t W + b of all T steps are one matmul before the
loop (biases included by appending a 1 to x_t), and the weight gradients are computed after the
loop for all steps at once; z_t and r_t share one matmul with the stacked [Uz, Ur]; z, r and
h_tilde live side by side in one array ``gates`` (and their gradients in ``dgates``) so that
both gates go through one sigmoid call; inside the loops every array is written in place
(``out=``) into buffers allocated once, because at the lesson's size (N = 64, H = 16) the cost
is the number of NumPy calls per step, not the arithmetic.

Memory: forward allocates the arrays its cache keeps as one block, and backward its own as one
larger block. With several separate big arrays, glibc's malloc gave the freed memory back to
the operating system after every call and the next call page-faulted on fresh pages: a
quarter of the run time at N = 64, H = 16..64 on the benchmark machine. With one block per
pass, the backward's the larger, freed memory stays in the process for the next call.
"""

from dataclasses import dataclass

import numpy as np

from .activations import dsigmoid_from_output, dtanh_from_output, sigmoid, tanh
from .checks import check_h0, check_inputs, float_array
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
    bias: bool | None = None       # whether the params that made it had biases (None: unknown)

    @property
    def h_prev(self):
        """h_{t-1} for every t: h0 followed by h_1 .. h_{T-1}, shape (T, N, H)."""
        return np.concatenate([self.h0[None], self.h[:-1]], axis=0)


def forward(params, x, h0=None):
    """Run the GRU over x of shape (T, N, D). Returns y (T, N, O) and a GRUCache."""
    D, H, _ = validate_params(params)
    x = check_inputs(x, D)
    h0 = check_h0(h0, x.shape[1], H)
    return _forward(params, x, h0)


def _forward(params, x, h0):
    """forward() on inputs already checked."""
    T, N, D = x.shape
    H = h0.shape[1]
    Uz, Ur, U, Wy = params["Uz"], params["Ur"], params["U"], params["Wy"]
    reset_after = is_reset_after(params)

    # Everything the cache keeps, in one allocation (see "memory" in the module docstring):
    # gates = [z, r, h_tilde] of every step side by side, then h, then hn (reset-after only).
    block = np.empty((5 if reset_after else 4, T, N, H))
    gates, h = block[:3], block[3]
    hn = block[4] if reset_after else None
    z, r, h_tilde = gates
    # Their input parts for all T steps at once: x_t Wz + bz, x_t Wr + br, x_t W + b, as one
    # matmul of [x_t, 1] with [Wz; bz], [Wr; br], [W; b] (the bias trick).
    np.matmul(_with_ones(x, params), _input_weights(params), out=gates.reshape(3, T * N, H))
    U_zr = np.stack([Uz, Ur])                                                 # (2, H, H)

    h_prev = h0
    for t in range(T):
        zr_t = gates[:2, t]                # z_t and r_t, (2, N, H); hold x_t Wz + bz, x_t Wr + br
        z_t, r_t, h_tilde_t, h_t = z[t], r[t], h_tilde[t], h[t]
        zr_t += h_prev @ U_zr              # ... + h_{t-1} Uz, + h_{t-1} Ur
        sigmoid(zr_t, out=zr_t)            # z_t, r_t
        if reset_after:                    # PyTorch: r applied after the matmul
            hn_t = hn[t]
            np.matmul(h_prev, U, out=hn_t)
            hn_t += params["bhn"]                         # hn_t = h_{t-1} U + bhn
            h_tilde_t += r_t * hn_t                       # h_tilde_t holds x_t W + b so far
        else:                              # the seed: r applied before the matmul
            h_tilde_t += (r_t * h_prev) @ U               # h_tilde_t holds x_t W + b so far
        tanh(h_tilde_t, out=h_tilde_t)     # h_tilde_t
        # h_t = (1 - z_t) h_{t-1} + z_t h_tilde_t, computed as h_{t-1} + z_t (h_tilde_t - h_{t-1})
        np.subtract(h_tilde_t, h_prev, out=h_t)
        h_t *= z_t
        h_t += h_prev
        h_prev = h_t

    logits = (h.reshape(T * N, H) @ Wy).reshape(T, N, -1)
    if has_bias(params):
        logits += params["by"]
    y = sigmoid(logits)
    return y, GRUCache(x=x, h0=h0, z=z, r=r, h_tilde=h_tilde, h=h, logits=logits, y=y, hn=hn,
                       bias=has_bias(params))


def backward(params, cache, dy, *, return_dh=False):
    """Gradients of E w.r.t. every parameter, given dy = dE/dy of shape (T, N, O).

    Returns a dict with the same keys and shapes as params. With ``return_dh=True`` also returns
    dh of shape (T, N, H): the total dE/dh_t at every step (for vanishing-gradient plots), and
    dh0, the gradient w.r.t. the initial state: ``grads, dh, dh0 = backward(..., return_dh=True)``.
    """
    _check_cache(params, cache)
    dy = float_array(dy, "dy", cache.y.shape, what="y")
    dlogits = dy * dsigmoid_from_output(cache.y)                        # delta_y
    return _backward_from_logits(params, cache, dlogits, return_dh)


def backward_from_logits(params, cache, dlogits, *, return_dh=False):
    """As backward, but given dE/dlogits (delta_y) directly: the stable path for cross-entropy."""
    _check_cache(params, cache)
    dlogits = float_array(dlogits, "dlogits", cache.logits.shape, what="the logits")
    return _backward_from_logits(params, cache, dlogits, return_dh)


def _backward_from_logits(params, cache, dlogits, return_dh):
    """backward_from_logits() on inputs already checked."""
    x, z, r, h_tilde, h = cache.x, cache.z, cache.r, cache.h_tilde, cache.h
    T, N, D = x.shape
    H = h.shape[2]
    Uz, Ur, U, Wy = params["Uz"], params["Ur"], params["U"], params["Wy"]
    reset_after = is_reset_after(params)
    # The backward's arrays, in one allocation larger than the forward's (module docstring):
    # dgates = [dz, dr, delta] mirroring gates, h_prev, dh (dE/dh_t), dhn (reset-after only),
    # and room for the T per-step products of a weight gradient, (T, H, H).
    n_slots = 6 if reset_after else 5
    block = np.empty(n_slots * T * N * H + T * H * H)
    slots = block[:n_slots * T * N * H].reshape(n_slots, T, N, H)
    per_step = block[n_slots * T * N * H:].reshape(T, H, H)
    dgates, h_prev, dh = slots[:3], slots[3], slots[4]
    dhn = slots[5] if reset_after else None
    h_prev[0] = cache.h0                                            # h_{t-1} for every t
    h_prev[1:] = h[:-1]
    # Transposed weights, copied once to C order: BLAS multiplies (N, H) @ (H, H) by a
    # contiguous matrix markedly faster than by a transposed view (~1.5x at H = 64).
    Uz_T, Ur_T, U_T, Wy_T = (np.ascontiguousarray(w.T) for w in (Uz, Ur, U, Wy))

    dz, dr, delta = dgates           # gradients w.r.t. the gates' pre-activations
    dh_tilde = np.empty((N, H))      # dE/dh_tilde_t
    d_rh = np.empty((N, H))          # dE/d(r_t * h_{t-1}), then dE/dr_t
    local = np.empty((N, H))         # a local derivative (z_t (1 - z_t), ...)
    np.einsum("tno,oh->tnh", dlogits, Wy_T, out=dh)   # what h_t gets from y_t: delta_y_t Wy^T
    dh_next = np.zeros((N, H))       # what step t+1 sends back to h_t
    for t in range(T - 1, -1, -1):
        z_t, r_t, h_tilde_t, h_prev_t = z[t], r[t], h_tilde[t], h_prev[t]
        dh_t, dz_t, dr_t, delta_t = dh[t], dz[t], dr[t], delta[t]
        dh_t += dh_next                                   # dh_t: from y_t and from step t+1
        # h_t = (1 - z_t) h_{t-1} + z_t h_tilde_t
        np.multiply(dh_t, z_t, out=dh_tilde)              # dE/dh_tilde_t = dh_t z_t
        np.subtract(h_tilde_t, h_prev_t, out=dz_t)        # dE/dz_t = dh_t (h_tilde_t - h_{t-1})
        dz_t *= dh_t
        np.subtract(dh_t, dh_tilde, out=dh_next)          # dE/dh_{t-1} directly: dh_t (1 - z_t)
        # z_t = sigmoid(...)
        dsigmoid_from_output(z_t, out=local)              # z_t (1 - z_t)
        dz_t *= local                                     # dz_t
        # h_tilde_t = tanh(...)
        dtanh_from_output(h_tilde_t, out=local)           # 1 - h_tilde_t^2
        np.multiply(dh_tilde, local, out=delta_t)         # delta_t
        if reset_after:   # h_tilde_t = tanh(x_t W + b + r_t * hn_t), hn_t = h_{t-1} U + bhn
            dhn_t = dhn[t]
            np.multiply(delta_t, r_t, out=dhn_t)          # dE/dhn_t
            np.multiply(delta_t, cache.hn[t], out=d_rh)   # dE/dr_t
            dh_next += dhn_t @ U_T                        # through hn_t
        else:             # h_tilde_t = tanh(x_t W + (r_t * h_{t-1}) U + b)
            np.matmul(delta_t, U_T, out=d_rh)             # dE/d(r_t * h_{t-1})
            dh_next += d_rh * r_t                         # through r_t * h_{t-1}
            d_rh *= h_prev_t                              # dE/dr_t
        # r_t = sigmoid(...)
        dsigmoid_from_output(r_t, out=local)              # r_t (1 - r_t)
        np.multiply(d_rh, local, out=dr_t)                # dr_t
        dh_next += dz_t @ Uz_T                            # through z_t
        dh_next += dr_t @ Ur_T                            # through r_t

    # Weight gradients, summed over all steps t (and, inside each product, the N sequences).
    # Input weights and biases: one matmul over all T * N rows [x_t, 1].
    x1_T = np.ascontiguousarray(_with_ones(x, params).T)           # [x_t, 1]^T, (D + 1, T * N)
    dW_x = x1_T @ dgates.reshape(3, T * N, H)                       # [x_t, 1]^T dz_t, ... summed
    dWz, dWr, dW = dW_x[:, :D]                                      # and, in row D, dbz, dbr, db
    # Recurrent weights: the T products (H, N) @ (N, H), then their sum over t. (BLAS runs this
    # ~1.4x faster at H = 64 than one (H, T*N) @ (T*N, H) product.)
    h_prev_T = h_prev.transpose(0, 2, 1)                            # h_{t-1}^T, (T, H, N)
    dUz = np.matmul(h_prev_T, dz, out=per_step).sum(axis=0)         # sum_t h_{t-1}^T dz_t
    dUr = np.matmul(h_prev_T, dr, out=per_step).sum(axis=0)         # sum_t h_{t-1}^T dr_t
    grads = {"Wz": dWz, "Uz": dUz, "Wr": dWr, "Ur": dUr, "W": dW,
             "Wy": h.reshape(T * N, H).T @ dlogits.reshape(T * N, -1)}
    if reset_after:
        grads["U"] = np.matmul(h_prev_T, dhn, out=per_step).sum(axis=0)   # sum_t h_{t-1}^T dhn_t
        grads["bhn"] = dhn.sum(axis=(0, 1))
    else:
        rh_T = np.multiply(r, h_prev, out=h_prev).transpose(0, 2, 1)      # (r_t * h_{t-1})^T
        grads["U"] = np.matmul(rh_T, delta, out=per_step).sum(axis=0)     # sum_t ... delta_t
    if has_bias(params):
        grads["bz"], grads["br"], grads["b"] = dW_x[:, D]
        grads["by"] = dlogits.reshape(T * N, -1).sum(axis=0)
    grads = {k: np.ascontiguousarray(grads[k]) for k in params}     # params' key order
    if return_dh:
        return grads, dh, dh_next
    return grads


def _with_ones(x, params):
    """x as (T*N, D), with a column of ones appended when params have biases: [x_t, 1]."""
    T, N, D = x.shape
    if not has_bias(params):
        return x.reshape(T * N, D)
    x1 = np.ones((T * N, D + 1))
    x1[:, :D] = x.reshape(T * N, D)
    return x1


def _input_weights(params):
    """(3, D, H) [Wz, Wr, W], or with biases (3, D + 1, H) [[Wz; bz], [Wr; br], [W; b]]."""
    W_x = np.stack([params["Wz"], params["Wr"], params["W"]])
    if not has_bias(params):
        return W_x
    b_x = np.stack([params["bz"], params["br"], params["b"]])[:, None, :]
    return np.concatenate([W_x, b_x], axis=1)


def _check_cache(params, cache):
    """params valid, and of the same GRU (sizes, variant) that produced the cache."""
    D, H, O = validate_params(params)
    if not isinstance(cache, GRUCache):
        raise ValueError(f"cache must be the GRUCache returned by gl.forward, "
                         f"got {type(cache).__name__}")
    if cache.x.shape[2] != D or cache.h.shape[2] != H or cache.y.shape[2] != O:
        raise ValueError(f"the cache comes from a GRU with D, H, O = {cache.x.shape[2]}, "
                         f"{cache.h.shape[2]}, {cache.y.shape[2]} but params have {D}, {H}, {O}; "
                         f"use the params you ran forward with")
    if is_reset_after(params) != (cache.hn is not None):
        raise ValueError("the cache and params are different GRU variants (one has 'bhn'); "
                         "use the params you ran forward with")
    if cache.bias is not None and cache.bias != has_bias(params):
        raise ValueError(f"the cache comes from a GRU {'with' if cache.bias else 'without'} "
                         f"biases but params {'have' if has_bias(params) else 'have no'} "
                         "biases; use the params you ran forward with")
