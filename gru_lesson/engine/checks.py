"""The argument checks every layer shares, one copy of each: a bad argument becomes a ValueError
whose one-line message names the argument, what it got and what to give instead.

The engine checks at its edges (gl.forward, gl.backward, ...) and never between the equations.
"""

import errno
import os
import pathlib
import stat
import tempfile

import numpy as np


def is_int(v):
    """True for a Python or NumPy integer that is not a bool."""
    return isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_))


def positive_int(v, name, *, at_most=None, why=None):
    """v as an int >= 1 (and <= at_most when given), or a ValueError.

    ``why`` finishes the message when v is too large, e.g. "the training state would not fit
    in memory".
    """
    if not is_int(v) or v < 1:
        raise ValueError(f"{name} must be a positive integer, got {v!r}")
    return _at_most(int(v), name, at_most, why)


def natural_int(v, name, *, at_most=None, why=None):
    """v as an int >= 0 (and <= at_most when given), or a ValueError."""
    if not is_int(v) or v < 0:
        raise ValueError(f"{name} must be a non-negative integer, got {v!r}")
    return _at_most(int(v), name, at_most, why)


def _at_most(v, name, limit, why):
    if limit is not None and v > limit:
        reason = f" ({why})" if why else ""
        raise ValueError(f"{name} must be at most {limit:,}{reason}, got {v:,}")
    return v


def flag(v, name):
    """v as a bool, when it is True or False (NumPy's too); a ValueError for 'no', 0, None..."""
    if not isinstance(v, (bool, np.bool_)):
        raise ValueError(f"{name} must be True or False, got {v!r}")
    return bool(v)


def positive_float(v, name, example):
    """v as a finite float > 0 (Python or NumPy number, not a bool), or a ValueError."""
    if (isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, float, np.integer, np.floating))
            or not np.isfinite(v) or v <= 0):
        raise ValueError(f"{name} must be a positive number (e.g. {example}), got {v!r}")
    return float(v)


def plain_array(a, name):
    """Refuse the array kinds NumPy would silently misread: a masked array (its mask would be
    dropped) and np.matrix (it is always 2-D and changes what * means)."""
    if isinstance(a, np.ma.MaskedArray):
        raise ValueError(f"{name} is a masked array; fill or drop the masked entries first "
                         f"(e.g. {name}.filled(0))")
    if isinstance(a, np.matrix):
        raise ValueError(f"{name} is an np.matrix; pass a plain array (np.asarray({name}))")
    return a


def unit_indices(units, H, name="units"):
    """units as a sorted tuple of distinct hidden-unit indices in 0..H-1, or a ValueError
    (a fractional index such as 2.5 is refused, not truncated)."""
    values = list(units) if np.iterable(units) and not isinstance(units, (str, bytes)) \
        else [units]
    bad = [u for u in values if not is_int(u) or not 0 <= u < H]
    if bad:
        raise ValueError(f"{name} must be whole-number indices of hidden units in 0..{H - 1}, "
                         f"got {bad[0]!r}")
    return tuple(sorted({int(u) for u in values}))


def all_finite(a):
    """True when the array a holds no NaN or inf."""
    return bool(np.isfinite(a).all())


def float_array(a, name, shape=None, *, what=None):
    """a as a finite float64 array (of exactly ``shape`` when given: nothing is broadcast)."""
    plain_array(a, name)
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
    plain_array(x, "x")
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
    plain_array(h0, "h0")
    try:
        h0 = np.asarray(h0, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"h0 must be a numeric array of shape (N, H) = ({N}, {H})") from None
    if h0.shape != (N, H):
        raise ValueError(f"h0 has shape {h0.shape} but must be (N, H) = ({N}, {H})")
    if not all_finite(h0):
        raise ValueError("h0 contains NaN or inf")
    return h0


def as_path(path, name="path", example="my_adder.npz"):
    """path (a str or os.PathLike naming a file) as a pathlib.Path, or a ValueError."""
    if isinstance(path, pathlib.Path):
        return path
    if not isinstance(path, (str, os.PathLike)) or isinstance(path, bytes):
        raise ValueError(f"{name} must be a file name (a str or pathlib.Path) such as "
                         f"{example!r}, got {type(path).__name__}")
    path = pathlib.Path(path)
    if str(path) in ("", "."):
        raise ValueError(f"{name} is empty; give a file name such as {example!r}")
    if "\0" in str(path):
        raise ValueError(f"{name} contains a NUL character; give a file name such as "
                         f"{example!r}")
    return path


def check_writable(path, name="path", example="my_adder.npz"):
    """path as a pathlib.Path that atomic_write can write, or a ValueError saying why not:
    checked by creating (and removing) the temporary file and the target itself, so a read-only
    folder, a name too long or a path under /proc is found before any work is done."""
    path = as_path(path, name, example)
    directory = path.parent
    _refuse_special(path)
    _check_folder(path)
    try:
        fd, tmp = tempfile.mkstemp(prefix=_temp_prefix(path), suffix=".tmp", dir=directory)
        os.close(fd)
        os.unlink(tmp)
        if not path.exists():
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644))
            os.unlink(path)
    except OSError as e:
        raise ValueError(_write_error(path, e)) from None
    return path


def atomic_write(path, write):
    """Call write(file_object) on a temporary file beside ``path``, then rename it into place:
    a reader sees the old file or the whole new one, never half of one (Ctrl-C included).
    A file that cannot be written (read-only folder, full disk, ...) is a one-line ValueError."""
    path = as_path(path)
    _refuse_special(path)
    _check_folder(path)
    try:
        fd, tmp = tempfile.mkstemp(prefix=_temp_prefix(path), suffix=".tmp", dir=path.parent)
    except OSError as e:
        raise ValueError(_write_error(path, e)) from None
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)                 # mkstemp makes it private; these are not secret
        os.replace(tmp, path)
    except BaseException as e:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        if isinstance(e, OSError):
            raise ValueError(_write_error(path, e)) from None
        raise


def _refuse_special(path):
    """A ValueError when path exists and is not a regular file: renaming over /dev/null or a
    named pipe would replace the device itself."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return
    if stat.S_ISDIR(mode):
        raise ValueError(f"cannot write {path}: it is a folder; give a file name inside it")
    if not stat.S_ISREG(mode):
        raise ValueError(f"cannot write {path}: it is not a regular file (a device, a pipe or a "
                         "socket); give the name of a file")


def _check_folder(path):
    """A ValueError unless path's folder is an existing folder (not a file, not missing)."""
    folder = path.parent
    try:
        if folder.is_dir():
            return
        exists = folder.exists()
    except OSError:                          # e.g. a name too long: not a folder we can use
        exists = False
    what = "is a file, not a folder; choose a folder" if exists else \
        "does not exist; create it or choose another"
    raise ValueError(f"cannot write {path}: folder {folder} {what}")


def _temp_prefix(path):
    return f".{path.name[:40]}."             # short: a long target name must still fit


def _write_error(path, e):
    reason = e.strerror or str(e) or type(e).__name__
    advice = {errno.ENAMETOOLONG: "choose a shorter name",
              errno.ENOSPC: "free some space or choose another disk"}.get(
                  e.errno, "choose a folder you can write to")
    return f"cannot write {path}: {reason}; {advice}"
