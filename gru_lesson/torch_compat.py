"""torch.nn.GRU <-> gru_lesson params, and the two ways frameworks differ from the seed.

PyTorch's nn.GRU (its docs; column vectors; weights stacked r|z|n in weight_ih_l0 (3H, D) and
weight_hh_l0 (3H, H); two bias vectors bias_ih_l0, bias_hh_l0 (3H,)):

    r_t = sigmoid(W_ir x_t + b_ir + W_hr h_{t-1} + b_hr)
    z_t = sigmoid(W_iz x_t + b_iz + W_hz h_{t-1} + b_hz)
    n_t = tanh(W_in x_t + b_in + r_t * (W_hn h_{t-1} + b_hn))      reset AFTER the matmul
    h_t = (1 - z_t) * n_t + z_t * h_{t-1}                          z keeps the OLD state

gru_lesson's reset-after variant (row vectors; the seed's z, which takes the NEW state):

    z_t       = sigmoid(x_t Wz + h_{t-1} Uz + bz)
    r_t       = sigmoid(x_t Wr + h_{t-1} Ur + br)
    h_tilde_t = tanh(x_t W + b + r_t * (h_{t-1} U + bhn))
    h_t       = (1 - z_t) * h_{t-1} + z_t * h_tilde_t

They are the same function when h_tilde = n and z_seed = 1 - z_torch. Because
1 - sigmoid(a) = sigmoid(-a), the second is a relabelling: negate z's weights and bias.

    Wz = -W_iz^T   Uz = -W_hz^T   bz = -(b_iz + b_hz)
    Wr =  W_ir^T   Ur =  W_hr^T   br =   b_ir + b_hr
    W  =  W_in^T   U  =  W_hn^T   b  =   b_in          bhn = b_hn
    Wy = linear.weight^T          by = linear.bias

(torch's two r and z biases only ever appear as a sum, so going back, to_torch puts the sums in
bias_ih and zeros in the r and z parts of bias_hh: the same function, not the same numbers.)

The reset gate's position is NOT a relabelling: r * (h U) and (r * h) U are different functions
of the same weights (equal only when U is diagonal). torch is imported lazily; without it the
converters raise an ImportError that says how to install it. Run
``python -m gru_lesson.torch_compat`` to refresh the stored comparison in
gru_lesson/assets/torch_comparison.json (notebook 08 shows it when torch is absent).
"""

import dataclasses
import datetime
import importlib.util
import json
import os
import pathlib
from importlib import resources

import numpy as np

from .engine.activations import sigmoid, tanh
from .engine.checks import atomic_write, check_h0, check_inputs, flag, float_array
from .engine.fast import _check_cache, backward_from_logits, forward
from .engine.gradcheck import rel_error
from .engine.losses import bce_with_logits
from .engine.params import has_bias, is_reset_after, validate_params

INSTALL_HINT = "pip install -e .[torch]   (torch==2.13.0, CPU is enough)"
COMPARISON_FILE = "torch_comparison.json"
# tolerances the comparison is judged by: (hidden states / logits, max abs) and (grads, rel)
TOLERANCES = {"float32": (1e-6, 1e-5), "float64": (1e-12, 1e-10)}


def torch_available():
    """True when PyTorch can be imported (checked without importing it).

    Setting the environment variable GRU_LESSON_NO_TORCH=1 makes it say False, so the notebooks'
    torch-free path can be shown (and tested) on a machine that has torch.
    """
    if os.environ.get("GRU_LESSON_NO_TORCH", "") not in ("", "0"):
        return False
    return importlib.util.find_spec("torch") is not None


def require_torch():
    """Import and return torch, or raise an ImportError saying how to install it."""
    try:
        import torch
    except ImportError:
        raise ImportError(f"this needs PyTorch, which is not installed: {INSTALL_HINT}") from None
    return torch


# ---------------------------------------------------------------------------------------------
# torch's layout as plain NumPy arrays (no torch needed)
# ---------------------------------------------------------------------------------------------

def from_torch_layout(weight_ih, weight_hh, bias_ih=None, bias_hh=None, linear_weight=None,
                      linear_bias=None):
    """gru_lesson params (reset-after, float64) from arrays laid out as torch stores them.

    weight_ih (3H, D) and weight_hh (3H, H) stacked r|z|n; bias_ih, bias_hh (3H,) or None;
    linear_weight (O, H) and linear_bias (O,) of an nn.Linear readout, or None for no readout
    (then Wy has shape (H, 0) and the net has no outputs, only hidden states).
    """
    weight_ih = np.array(float_array(weight_ih, "weight_ih"))
    weight_hh = np.array(float_array(weight_hh, "weight_hh"))
    if weight_ih.ndim != 2 or weight_ih.shape[0] % 3:
        raise ValueError(f"weight_ih must have shape (3H, D), got {weight_ih.shape}")
    H = weight_ih.shape[0] // 3
    if weight_hh.shape != (3 * H, H):
        raise ValueError(f"weight_hh must have shape (3H, H) = {(3 * H, H)}, got {weight_hh.shape}")
    if (bias_ih is None) != (bias_hh is None):
        raise ValueError("give both bias_ih and bias_hh, or neither")
    W_ir, W_iz, W_in = np.split(weight_ih, 3)
    W_hr, W_hz, W_hn = np.split(weight_hh, 3)
    if linear_weight is None:
        if linear_bias is not None:
            raise ValueError("linear_bias given without linear_weight")
        Wy = np.zeros((H, 0))
    else:
        linear_weight = np.array(float_array(linear_weight, "linear.weight"))
        if linear_weight.ndim != 2 or linear_weight.shape[1] != H:
            raise ValueError(f"the Linear readout must take the GRU's {H} hidden units "
                             f"(weight (O, {H})), got weight {linear_weight.shape}")
        Wy = linear_weight.T.copy()
    O = Wy.shape[1]
    params = {"Wz": -W_iz.T, "Uz": -W_hz.T, "Wr": W_ir.T.copy(), "Ur": W_hr.T.copy(),
              "W": W_in.T.copy(), "U": W_hn.T.copy(), "Wy": Wy}
    gru_bias = bias_ih is not None
    if gru_bias:
        bias_ih = np.array(float_array(bias_ih, "bias_ih"))
        bias_hh = np.array(float_array(bias_hh, "bias_hh"))
        for name, b in (("bias_ih", bias_ih), ("bias_hh", bias_hh)):
            if b.shape != (3 * H,):
                raise ValueError(f"{name} must have shape (3H,) = ({3 * H},), got {b.shape}")
        b_ir, b_iz, b_in = np.split(bias_ih, 3)
        b_hr, b_hz, b_hn = np.split(bias_hh, 3)
    else:
        b_ir = b_iz = b_in = b_hr = b_hz = b_hn = np.zeros(H)
    if linear_bias is not None:
        linear_bias = np.array(float_array(linear_bias, "linear.bias"))
        if linear_bias.shape != (O,):
            raise ValueError(f"linear.bias must have shape ({O},), got {linear_bias.shape}")
    if gru_bias or linear_bias is not None:      # the engine takes all four biases or none
        params.update({"bz": -(b_iz + b_hz), "br": b_ir + b_hr, "b": b_in.copy(),
                       "by": linear_bias.copy() if linear_bias is not None else np.zeros(O)})
    params["bhn"] = b_hn.copy()                  # its presence selects the reset-after variant
    validate_params(params)
    return params


def to_torch_layout(params, *, flip_z=True):
    """torch-layout NumPy arrays from reset-after params: the inverse of from_torch_layout.

    Returns {"weight_ih", "weight_hh", "bias_ih", "bias_hh"} (biases None without biases) and,
    when O > 0, "linear_weight" (O, H) and "linear_bias" (O,) or None. ``flip_z=False`` skips
    the z negation: the naive conversion, for showing that it gives a different net.
    """
    D, H, O = validate_params(params)
    if not is_reset_after(params):
        raise ValueError("these params use the seed's reset-before candidate, which torch.nn.GRU "
                         "cannot express; only reset-after params (with 'bhn') convert to torch")
    s = -1.0 if flip_z else 1.0
    out = {"weight_ih": np.concatenate([params["Wr"].T, s * params["Wz"].T, params["W"].T]),
           "weight_hh": np.concatenate([params["Ur"].T, s * params["Uz"].T, params["U"].T]),
           "bias_ih": None, "bias_hh": None}
    if has_bias(params):
        out["bias_ih"] = np.concatenate([params["br"], s * params["bz"], params["b"]])
        out["bias_hh"] = np.concatenate([np.zeros(2 * H), params["bhn"]])
    elif np.any(params["bhn"] != 0):
        raise ValueError("params have a non-zero bhn but no other biases; torch.nn.GRU has "
                         "either both bias vectors or none: add zero biases bz, br, b, by")
    if O > 0:
        out["linear_weight"] = params["Wy"].T.copy()
        out["linear_bias"] = params["by"].copy() if has_bias(params) else None
    return out


def torch_gru_reference(weight_ih, weight_hh, bias_ih, bias_hh, x, h0=None):
    """PyTorch's documented nn.GRU equations, transcribed line for line in NumPy.

    Independent of gru_lesson's engine (a check on it, like seed_reference for the seed):
    weights in torch's layout (r|z|n), x (T, N, D). Returns {"r", "z", "n", "h"}, each (T, N, H),
    with z in torch's convention (z keeps the old state).
    """
    weight_ih, weight_hh = np.asarray(weight_ih, float), np.asarray(weight_hh, float)
    H = weight_hh.shape[1]
    x = check_inputs(x, weight_ih.shape[1])
    T, N, _ = x.shape
    h_prev = check_h0(h0, N, H)
    W_ir, W_iz, W_in = np.split(weight_ih, 3)
    W_hr, W_hz, W_hn = np.split(weight_hh, 3)
    zeros = np.zeros(3 * H)
    b_ir, b_iz, b_in = np.split(zeros if bias_ih is None else np.asarray(bias_ih, float), 3)
    b_hr, b_hz, b_hn = np.split(zeros if bias_hh is None else np.asarray(bias_hh, float), 3)
    out = {k: np.empty((T, N, H)) for k in ("r", "z", "n", "h")}
    for t in range(T):
        r_t = sigmoid(x[t] @ W_ir.T + b_ir + h_prev @ W_hr.T + b_hr)
        z_t = sigmoid(x[t] @ W_iz.T + b_iz + h_prev @ W_hz.T + b_hz)
        n_t = tanh(x[t] @ W_in.T + b_in + r_t * (h_prev @ W_hn.T + b_hn))
        h_t = (1 - z_t) * n_t + z_t * h_prev
        out["r"][t], out["z"][t], out["n"][t], out["h"][t] = r_t, z_t, n_t, h_t
        h_prev = h_t
    return out


# ---------------------------------------------------------------------------------------------
# the two conventions, as functions of params
# ---------------------------------------------------------------------------------------------

def flip_update_gate(params):
    """A copy of params with Wz, Uz and bz negated: the gate z becomes exactly 1 - z.

    sigmoid(-a) = 1 - sigmoid(a), so the engine run on these params has z' = 1 - z. A framework
    whose h_t = z * h_{t-1} + (1 - z) * h_tilde (torch, Keras, d2l) computes with the flipped
    params exactly what the seed's formula computes with the original ones.
    """
    validate_params(params)
    flipped = {k: v.copy() for k, v in params.items()}
    for k in ("Wz", "Uz", "bz"):
        if k in flipped:
            flipped[k] = -flipped[k]
    return flipped


def as_reset_before(params):
    """The same weights in the seed's reset-before candidate tanh(x W + b + (r * h) U).

    Drops bhn, which has no place there (a ValueError if it is non-zero).
    """
    validate_params(params)
    if "bhn" in params and np.any(params["bhn"] != 0):
        raise ValueError("bhn is non-zero: the reset-before candidate has no place for it; "
                         "set params['bhn'] to zeros first if you mean to drop it")
    return {k: v.copy() for k, v in params.items() if k != "bhn"}


def as_reset_after(params, bhn=None):
    """The same weights in PyTorch's reset-after candidate tanh(x W + b + r * (h U + bhn)).

    bhn defaults to zeros (H,), so the two variants differ only in where r is applied.
    """
    _, H, _ = validate_params(params)
    out = {k: v.copy() for k, v in params.items()}
    out["bhn"] = np.zeros(H) if bhn is None else np.array(float_array(bhn, "bhn")).copy()
    validate_params(out)
    return out


# ---------------------------------------------------------------------------------------------
# torch modules
# ---------------------------------------------------------------------------------------------

def from_torch(gru, linear=None):
    """gru_lesson params (reset-after variant, float64) from a torch.nn.GRU and optional nn.Linear.

    The GRU must have 1 layer and 1 direction. batch_first only changes torch's input layout,
    so nothing about it is stored: feed gl.forward x of shape (T, N, D) (for a batch_first
    input ``xb`` of shape (N, T, D) that is ``xb.transpose(1, 0, 2)``). Without ``linear`` the
    params have Wy of shape (H, 0): gl.forward then gives the hidden states (cache.h) and no
    outputs. Note: gl.forward applies a sigmoid to the readout (y = sigmoid(logits));
    cache.logits is what ``linear(gru(x)[0])`` returns.
    """
    torch = require_torch()
    if not isinstance(gru, torch.nn.GRU):
        hint = " (wrap a GRUCell's weights with from_torch_layout)" \
            if isinstance(gru, torch.nn.GRUCell) else ""
        raise ValueError(f"from_torch takes a torch.nn.GRU, got {type(gru).__name__}{hint}")
    if gru.num_layers != 1:
        raise ValueError(f"from_torch converts a 1-layer GRU, this one has num_layers="
                         f"{gru.num_layers}; convert each layer's weights with from_torch_layout")
    if gru.bidirectional:
        raise ValueError("from_torch converts a unidirectional GRU; this one is bidirectional")
    if getattr(gru, "proj_size", 0):
        raise ValueError(f"from_torch cannot convert a GRU with proj_size={gru.proj_size}")
    if linear is not None:
        if not isinstance(linear, torch.nn.Linear):
            raise ValueError(f"linear must be a torch.nn.Linear or None, got "
                             f"{type(linear).__name__}")
        if linear.in_features != gru.hidden_size:
            raise ValueError(f"linear takes {linear.in_features} features but the GRU has "
                             f"hidden_size={gru.hidden_size}; they must match")

    def arr(t):
        return None if t is None else t.detach().cpu().double().numpy()

    return from_torch_layout(
        arr(gru.weight_ih_l0), arr(gru.weight_hh_l0),
        arr(gru.bias_ih_l0) if gru.bias else None, arr(gru.bias_hh_l0) if gru.bias else None,
        None if linear is None else arr(linear.weight),
        None if linear is None else arr(linear.bias))


def to_torch(params, *, dtype="float64", batch_first=False):
    """(torch.nn.GRU, torch.nn.Linear or None) computing what gl.forward computes with params.

    params must be reset-after (have 'bhn'; e.g. from from_torch or as_reset_after). The Linear
    is None when Wy has no columns (O = 0). dtype "float64" (default: from_torch(to_torch(p))
    gives p back exactly) or "float32". The modules are on the CPU; the GRU has bias=True when
    params have biases.
    """
    torch = require_torch()
    torch_dtype = {"float64": torch.float64, "float32": torch.float32}.get(
        str(dtype).replace("torch.", ""))
    if torch_dtype is None:
        raise ValueError(f"dtype must be 'float64' or 'float32', got {dtype!r}")
    batch_first = flag(batch_first, "batch_first")
    layout = to_torch_layout(params)
    D, H, O = validate_params(params)
    bias = layout["bias_ih"] is not None
    gru = torch.nn.GRU(D, H, num_layers=1, bias=bias, batch_first=batch_first, dtype=torch_dtype)
    linear = None
    with torch.no_grad():
        gru.weight_ih_l0.copy_(torch.from_numpy(layout["weight_ih"]))
        gru.weight_hh_l0.copy_(torch.from_numpy(layout["weight_hh"]))
        if bias:
            gru.bias_ih_l0.copy_(torch.from_numpy(layout["bias_ih"]))
            gru.bias_hh_l0.copy_(torch.from_numpy(layout["bias_hh"]))
        if O > 0:
            linear = torch.nn.Linear(H, O, bias=bias, dtype=torch_dtype)
            linear.weight.copy_(torch.from_numpy(layout["linear_weight"]))
            if bias:
                linear.bias.copy_(torch.from_numpy(layout["linear_bias"]))
    return gru, linear


def grads_from_torch(gru, linear=None):
    """torch's .grad of the GRU (and Linear) mapped to gru_lesson's names: the chain rule through
    the same conversion as from_torch (dE/dWz = -(dE/dW_iz)^T, dE/dbz = -dE/db_iz, ...).

    Only the entries torch has a parameter for are returned (no biases for bias=False, no Wy/by
    without a Linear), in from_torch's key order.
    """
    require_torch()
    keys = list(from_torch(gru, linear))          # validates the modules, gives the key order

    def g(t):
        if t.grad is None:
            raise ValueError("a parameter has no .grad; call loss.backward() first")
        return t.grad.detach().cpu().double().numpy()

    G_ir, G_iz, G_in = np.split(g(gru.weight_ih_l0), 3)
    G_hr, G_hz, G_hn = np.split(g(gru.weight_hh_l0), 3)
    grads = {"Wz": -G_iz.T, "Uz": -G_hz.T, "Wr": G_ir.T, "Ur": G_hr.T, "W": G_in.T, "U": G_hn.T}
    if gru.bias:
        g_ir, g_iz, g_in = np.split(g(gru.bias_ih_l0), 3)
        _, _, g_hn = np.split(g(gru.bias_hh_l0), 3)
        grads.update({"bz": -g_iz, "br": g_ir, "b": g_in, "bhn": g_hn})
    if linear is not None:
        grads["Wy"] = g(linear.weight).T
        if linear.bias is not None:
            grads["by"] = g(linear.bias)
    return {k: grads[k] for k in keys if k in grads}


# ---------------------------------------------------------------------------------------------
# the measured comparison (live with torch, stored without)
# ---------------------------------------------------------------------------------------------

def compare_with_torch(*, dtype="float32", batch_first=False, linear=True, bias=True, seed=0,
                       T=7, N=3, D=5, H=4, O=2):
    """Build a random torch GRU (+ Linear), convert it, and measure how well gl agrees.

    Forward: max |cache.h - torch output| (and logits with a Linear). Backward: with a Linear the
    loss is the summed BCE on the logits (gl.losses' E); without, E = sum(h * G) for a fixed
    random G. torch's autograd grads are mapped through the conversion (grads_from_torch) and
    compared per parameter by relative error. Returns a JSON-ready dict with "passed".
    """
    torch = require_torch()
    if dtype not in TOLERANCES:
        raise ValueError(f"dtype must be 'float32' or 'float64', got {dtype!r}")
    torch_dtype = {"float32": torch.float32, "float64": torch.float64}[dtype]
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    gru = torch.nn.GRU(D, H, bias=bias, batch_first=batch_first, dtype=torch_dtype)
    lin = torch.nn.Linear(H, O, bias=bias, dtype=torch_dtype) if linear else None
    with torch.no_grad():                          # non-zero biases everywhere, as the tests want
        for p in list(gru.parameters()) + (list(lin.parameters()) if lin else []):
            p.uniform_(-0.8, 0.8)
    x = rng.normal(size=(T, N, D))
    xt = torch.tensor(x.transpose(1, 0, 2) if batch_first else x, dtype=torch_dtype)
    out, _ = gru(xt)
    h_torch = out.transpose(0, 1) if batch_first else out            # (T, N, H)
    params = from_torch(gru, lin)
    _, cache = forward(params, x)
    result = {"dtype": dtype, "batch_first": batch_first, "linear": linear, "bias": bias,
              "shape": {"T": T, "N": N, "D": D, "H": H, "O": O if linear else 0},
              "max_abs_diff_h": float(np.max(np.abs(cache.h - h_torch.detach().double().numpy())))}
    if linear:
        logits_torch = lin(h_torch)
        d = rng.integers(0, 2, size=(T, N, O)).astype(float)
        loss = torch.nn.functional.binary_cross_entropy_with_logits(
            logits_torch, torch.tensor(d, dtype=torch_dtype), reduction="sum")
        result["max_abs_diff_logits"] = float(np.max(np.abs(
            cache.logits - logits_torch.detach().double().numpy())))
        _, dlogits = bce_with_logits(cache.logits, d)
        grads = backward_from_logits(params, cache, dlogits)
    else:
        G = rng.normal(size=(T, N, H))
        loss = (h_torch * torch.tensor(G, dtype=torch_dtype)).sum()
        grads = hidden_state_grads(params, cache, G)
    loss.backward()
    torch_grads = grads_from_torch(gru, lin)
    errors = {k: rel_error(grads[k], torch_grads[k]) for k in torch_grads}
    result["grad_rel_errors"] = errors
    result["max_grad_rel_error"] = max(errors.values())
    tol_h, tol_g = TOLERANCES[dtype]
    result["passed"] = bool(result["max_abs_diff_h"] < tol_h
                            and result.get("max_abs_diff_logits", 0.0) < tol_h
                            and result["max_grad_rel_error"] < tol_g)
    return result


def hidden_state_grads(params, cache, dh):
    """Parameter gradients of E when dE/dh_t = dh (T, N, H) is given directly (no readout).

    Uses the engine's own backward with an identity readout (Wy = I, by = 0), so that
    dlogits = dh reaches h unchanged. Returns grads with params' keys (Wy, by empty/zero).
    """
    _check_cache(params, cache)
    _, H, O = validate_params(params)
    probe = dict(params)
    probe["Wy"] = np.eye(H)
    if has_bias(params):
        probe["by"] = np.zeros(H)
    probe_cache = dataclasses.replace(cache, logits=cache.h.copy(), y=sigmoid(cache.h))
    grads = backward_from_logits(probe, probe_cache, dh)
    grads["Wy"] = np.zeros((H, O))
    if has_bias(params):
        grads["by"] = np.zeros(O)
    return grads


COMPARISON_CASES = [
    {"dtype": dt, "batch_first": bf, "linear": lin}
    for dt in ("float32", "float64") for bf in (False, True) for lin in (True, False)]


def run_torch_comparison(seed=0):
    """compare_with_torch over every case in COMPARISON_CASES; a JSON-ready dict."""
    torch = require_torch()
    cases = [compare_with_torch(seed=seed, **case) for case in COMPARISON_CASES]
    return {"created": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d"),
            "torch_version": torch.__version__, "numpy_version": np.__version__,
            "tolerances": {k: {"hidden_and_logits_abs": v[0], "grads_rel": v[1]}
                           for k, v in TOLERANCES.items()},
            "cases": cases}


def save_torch_comparison(path=None, seed=0):
    """Run the comparison and write it (atomically) to gru_lesson/assets/torch_comparison.json."""
    path = pathlib.Path(path) if path is not None else \
        pathlib.Path(__file__).resolve().parent / "assets" / COMPARISON_FILE
    results = run_torch_comparison(seed)
    text = json.dumps(results, indent=1) + "\n"
    atomic_write(path, lambda f: f.write(text.encode()))
    return path


def load_torch_comparison():
    """The stored comparison (see save_torch_comparison) as a dict."""
    text = resources.files("gru_lesson").joinpath("assets", COMPARISON_FILE).read_text()
    return json.loads(text)


def comparison_summary(results):
    """Deterministic one-line-per-case text of a comparison, the same live or stored."""
    lines = []
    for c in results["cases"]:
        tol_h, tol_g = TOLERANCES[c["dtype"]]
        layout = "batch_first" if c["batch_first"] else "(T, N, D)  "
        readout = "with Linear" if c["linear"] else "no Linear  "
        lines.append(f"{c['dtype']} {layout} {readout}: hidden states agree to {tol_h:g}: "
                     f"{c['max_abs_diff_h'] < tol_h}; grads agree to {tol_g:g}: "
                     f"{c['max_grad_rel_error'] < tol_g}")
    return "\n".join(lines)


if __name__ == "__main__":
    print(f"wrote {save_torch_comparison()}")
