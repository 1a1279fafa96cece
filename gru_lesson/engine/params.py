"""GRU parameters: a plain dict of float64 arrays named as in the seed, and their validation.

Shapes (row-vector convention, ``x_t @ W``):

    Wz, Wr, W : (D, H)   input  -> update gate z, reset gate r, candidate h_tilde
    Uz, Ur, U : (H, H)   h_prev -> the same three
    Wy        : (H, O)   hidden -> output
    bz, br, b : (H,)     biases of z, r, h_tilde   (only with bias=True)
    by        : (O,)     bias of the output        (only with bias=True)
    bhn       : (H,)     PyTorch's reset-after bias inside r * (h_prev @ U + bhn); its presence
                         selects the reset-after variant (see gru.py)
"""

import numpy as np

from .checks import all_finite, flag, plain_array, positive_int

WEIGHTS = ("Wz", "Uz", "Wr", "Ur", "W", "U", "Wy")
BIASES = ("bz", "br", "b", "by")
RESET_AFTER_BIAS = "bhn"
MAX_PARAMS = 2 ** 26     # init_params: past this the arrays would not fit in memory (512 MiB)


def init_params(input_size, hidden_size, output_size, *, bias=True, rng=None):
    """Random GRU parameters, every entry uniform in [-1, 1] as in the seed.

    input_size D, hidden_size H, output_size O. With ``bias=False`` you get exactly the seed's net
    (no biases anywhere). ``rng`` is a numpy Generator or an int seed (None: a fresh Generator).
    Biases, when present, are drawn like the weights (non-zero), so nothing hides behind zeros.
    At most MAX_PARAMS (2^26) numbers in all: a ValueError, not a MemoryError, past that.
    """
    return random_params(expected_shapes, "GRU", input_size, hidden_size, output_size, bias, rng)


def random_params(shapes_of, what, input_size, hidden_size, output_size, bias, rng):
    """Every parameter that shapes_of(D, H, O, bias=bias) names, uniform in [-1, 1], once the
    arguments are checked: the sizes positive ints, bias True or False, and at most MAX_PARAMS
    numbers in all (a ValueError, not a MemoryError, past that). For the GRU and the RNN."""
    D, H, O = (positive_int(v, name) for v, name in
               ((input_size, "input_size"), (hidden_size, "hidden_size"),
                (output_size, "output_size")))
    shapes = shapes_of(D, H, O, bias=flag(bias, "bias"))
    count = sum(int(np.prod(shape)) for shape in shapes.values())
    if count > MAX_PARAMS:
        raise ValueError(f"this {what} would have {count:,} parameters, over the limit of "
                         f"{MAX_PARAMS:,} ({8 * MAX_PARAMS // 2 ** 20} MiB); make it smaller")
    rng = as_generator(rng)
    return {name: rng.uniform(-1.0, 1.0, size=shape) for name, shape in shapes.items()}


def expected_shapes(D, H, O, *, bias=True, reset_after=False):
    """The {name: shape} a GRU with these sizes has."""
    shapes = {"Wz": (D, H), "Uz": (H, H), "Wr": (D, H), "Ur": (H, H),
              "W": (D, H), "U": (H, H), "Wy": (H, O)}
    if bias:
        shapes.update({"bz": (H,), "br": (H,), "b": (H,), "by": (O,)})
    if reset_after:
        shapes[RESET_AFTER_BIAS] = (H,)
    return shapes


def has_bias(params):
    return "bz" in params


def is_reset_after(params):
    return RESET_AFTER_BIAS in params


def validate_params(params):
    """Raise ValueError, naming the problem and the fix, unless params is a well-formed GRU.

    Returns (D, H, O). D and H must be at least 1; O may be 0 (Wy of shape (H, 0): a GRU with
    no readout, only hidden states, as gl.from_torch makes from an nn.GRU alone).
    """
    if not isinstance(params, dict):
        raise ValueError(f"params must be a dict of arrays (as from gl.init_params), "
                         f"got {type(params).__name__}")
    missing = [k for k in WEIGHTS if k not in params]
    if missing:
        raise ValueError(f"params is missing {', '.join(missing)}; "
                         f"build it with gl.init_params(D, H, O)")
    present_b = [k for k in BIASES if k in params]
    if present_b and len(present_b) != len(BIASES):
        absent = [k for k in BIASES if k not in params]
        raise ValueError(f"params has biases {', '.join(present_b)} but not {', '.join(absent)}; "
                         "give all four biases or none")
    known = set(WEIGHTS) | set(BIASES) | {RESET_AFTER_BIAS}
    unknown = sorted(k for k in params if k not in known)
    if unknown:
        raise ValueError(f"params has unknown entries {unknown}; "
                         f"expected only {', '.join(sorted(known))}")
    for k, v in params.items():
        if not isinstance(v, np.ndarray):
            raise ValueError(f"params['{k}'] must be a numpy array, got {type(v).__name__}")
        plain_array(v, f"params['{k}']")
        if v.dtype.kind != "f":
            raise ValueError(f"params['{k}'] has dtype {v.dtype}; use float arrays "
                             f"(e.g. .astype(np.float64))")
    Wz = params["Wz"]
    if Wz.ndim != 2:
        raise ValueError(f"params['Wz'] must be 2-D (D, H), got shape {Wz.shape}")
    Wy = params["Wy"]
    if Wy.ndim != 2:
        raise ValueError(f"params['Wy'] must be 2-D (H, O), got shape {Wy.shape}")
    D, H = Wz.shape
    O = Wy.shape[1]
    if D == 0 or H == 0:             # O = 0 is a GRU without a readout (gl.from_torch's)
        raise ValueError(f"params describe a GRU with D, H, O = {D}, {H}, {O}: D and H must be at "
                         f"least 1 (as in gl.init_params)")
    want = expected_shapes(D, H, O, bias=bool(present_b), reset_after=is_reset_after(params))
    for k, shape in want.items():
        if params[k].shape != shape:
            raise ValueError(f"params['{k}'] has shape {params[k].shape} but Wz {Wz.shape} and "
                             f"Wy {Wy.shape} imply {shape}; fix the shape of '{k}'")
    for k, v in params.items():
        if not all_finite(v):
            raise ValueError(f"params['{k}'] contains NaN or inf; re-initialise or reload it")
    return D, H, O


def as_generator(rng):
    """A numpy Generator from None, an int seed, or a Generator."""
    if isinstance(rng, np.random.Generator):
        return rng
    if rng is None or (isinstance(rng, (int, np.integer)) and not isinstance(rng, bool)):
        return np.random.default_rng(rng)
    raise ValueError(f"rng must be None, an int seed or a numpy Generator, "
                     f"got {type(rng).__name__}")
