"""The argument checks every layer shares, one copy of each: a bad argument becomes a ValueError
whose one-line message names the argument, what it got and what to give instead.

The engine checks at its edges (gl.forward, gl.backward, ...) and never between the equations.
"""

import os
import pathlib
import tempfile

import numpy as np


def is_int(v):
    """True for a Python or NumPy integer that is not a bool."""
    return isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_))


def positive_int(v, name):
    """v as an int >= 1, or a ValueError."""
    if not is_int(v) or v < 1:
        raise ValueError(f"{name} must be a positive integer, got {v!r}")
    return int(v)


def natural_int(v, name):
    """v as an int >= 0, or a ValueError."""
    if not is_int(v) or v < 0:
        raise ValueError(f"{name} must be a non-negative integer, got {v!r}")
    return int(v)


def all_finite(a):
    """True when the array a holds no NaN or inf."""
    return bool(np.isfinite(a).all())


def float_array(a, name, shape=None, *, what=None):
    """a as a finite float64 array (of exactly ``shape`` when given: nothing is broadcast)."""
    if isinstance(a, np.ma.MaskedArray):
        raise ValueError(f"{name} is a masked array; fill or drop the masked entries first "
                         f"(e.g. {name}.filled(0))")
    if isinstance(a, np.matrix):
        raise ValueError(f"{name} is an np.matrix; pass a plain array (np.asarray({name}))")
    try:
        a = np.asarray(a, dtype=np.float64)
    except (TypeError, ValueError):
        want = f" of shape {shape}" if shape is not None else ""
        raise ValueError(f"{name} must be a numeric array{want}") from None
    if shape is not None and a.shape != tuple(shape):
        against = f" but {what} has shape {tuple(shape)}" if what else \
            f" but must be {tuple(shape)}"
        raise ValueError(f"{name} has shape {a.shape}{against}; they must match exactly "
                         f"(nothing is broadcast)")
    if not all_finite(a):
        raise ValueError(f"{name} contains NaN or inf")
    return a


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
    x = np.ascontiguousarray(x, dtype=np.float64)
    if not all_finite(x):
        raise ValueError("x contains NaN or inf; clean the inputs first")
    return x


def check_h0(h0, N, H):
    """h0 as a float64 (N, H) array (zeros when None)."""
    if h0 is None:
        return np.zeros((N, H))
    try:
        h0 = np.asarray(h0, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"h0 must be a numeric array of shape (N, H) = ({N}, {H})") from None
    if h0.shape != (N, H):
        raise ValueError(f"h0 has shape {h0.shape} but must be (N, H) = ({N}, {H})")
    if not all_finite(h0):
        raise ValueError("h0 contains NaN or inf")
    return h0


def atomic_write(path, write):
    """Call write(file_object) on a temporary file beside ``path``, then rename it into place:
    a reader sees the old file or the whole new one, never half of one (Ctrl-C included)."""
    path = pathlib.Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)                 # mkstemp makes it private; these are not secret
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
