"""Saving and loading GRU parameters, and the adder shipped inside the package.

    gl.save_params(params, "my_adder.npz", metadata={"bits": 16})
    params = gl.load_params("my_adder.npz")
    params = gl.load_pretrained()        # trained by scripts/train_pretrained.py

The file is a plain .npz (readable by ``np.load``): one float64 array per parameter, plus a
JSON string ``__meta__`` with a format tag, the sizes, the gru_lesson version, the caller's
metadata and a SHA-256 of the arrays. ``load_params`` checks all of it and raises a one-line
ValueError for a truncated, foreign or tampered file. ``save_params`` writes a temporary file
in the same directory and renames it over the target, so a crash never leaves half a file.
"""

import copy
import hashlib
import io
import json
import pathlib
import zipfile
from functools import lru_cache

import numpy as np

from ..engine.checks import atomic_write
from ..engine.params import expected_shapes, validate_params

FORMAT = "gru_lesson.params"
FORMAT_VERSION = 1
META_KEY = "__meta__"
PRETRAINED = "pretrained.npz"


def save_params(params, path, *, metadata=None):
    """Write params (and a JSON-able dict of metadata) to ``path`` atomically."""
    D, H, O = validate_params(params)
    from .. import __version__

    if metadata is not None and not isinstance(metadata, dict):
        raise ValueError(f"metadata must be a dict, got {type(metadata).__name__}")
    arrays = {k: np.ascontiguousarray(v, dtype=np.float64) for k, v in params.items()}
    meta = {"format": FORMAT, "format_version": FORMAT_VERSION, "gru_lesson": __version__,
            "input_size": D, "hidden_size": H, "output_size": O,
            "keys": list(arrays), "sha256": _digest(arrays), "metadata": metadata or {}}
    try:
        text = json.dumps(meta, sort_keys=True)
    except (TypeError, ValueError) as e:
        raise ValueError(f"metadata must be JSON-serialisable: {e}") from None
    path = pathlib.Path(path)
    directory = path.parent if str(path.parent) else pathlib.Path(".")
    if not directory.is_dir():
        raise ValueError(f"cannot save to {path}: directory {directory} does not exist")
    buf = io.BytesIO()
    np.savez(buf, **arrays, **{META_KEY: np.array(text)})
    atomic_write(path, lambda f: f.write(buf.getvalue()))
    return path


def load_params(path, *, with_metadata=False):
    """Read params written by ``save_params``; check everything. ValueError if anything is off.

    With ``with_metadata=True`` returns (params, metadata) where metadata is the dict given to
    save_params plus "gru_lesson" (the version that wrote the file).
    """
    path = pathlib.Path(path)
    try:
        raw = path.read_bytes()
    except OSError as e:
        raise ValueError(f"cannot read weights file {path}: {e.strerror or e}") from None
    params, meta = _parse(raw, str(path))
    if with_metadata:
        info = dict(meta["metadata"])
        info["gru_lesson"] = meta["gru_lesson"]
        return params, info
    return params


def load_pretrained(*, with_metadata=False):
    """The adder shipped with the package (see scripts/train_pretrained.py). A fresh copy."""
    params, info = _pretrained()
    params = {k: v.copy() for k, v in params.items()}
    return (params, copy.deepcopy(info)) if with_metadata else params


def pretrained_path():
    """Where the shipped weights live (inside the installed package)."""
    return pathlib.Path(__file__).resolve().parent.parent / "assets" / PRETRAINED


@lru_cache(maxsize=1)
def _pretrained():
    path = pretrained_path()
    if not path.exists():
        raise ValueError(f"the shipped weights {path} are missing; reinstall gru_lesson or run "
                         "scripts/train_pretrained.py")
    return load_params(path, with_metadata=True)


def _parse(raw, name):
    bad = f"{name} is not a gru_lesson weights file"
    if not raw.startswith(b"PK"):
        raise ValueError(f"{bad} (not an .npz archive); save one with gl.save_params")
    try:
        with np.load(io.BytesIO(raw), allow_pickle=False) as npz:
            arrays = {k: npz[k] for k in npz.files}
    except (zipfile.BadZipFile, EOFError, OSError, ValueError, KeyError) as e:
        reason = str(e).splitlines()[0] if str(e) else type(e).__name__
        raise ValueError(f"{bad} (damaged or truncated: {reason}); re-save or re-download "
                         "it") from None
    except Exception as e:   # zlib.error, struct.error, ...: any other sign of a broken archive
        raise ValueError(f"{bad} (damaged or truncated: {type(e).__name__}); re-save or "
                         "re-download it") from None
    if META_KEY not in arrays:
        raise ValueError(f"{bad} (an .npz without gru_lesson's {META_KEY} record); "
                         "save weights with gl.save_params")
    try:
        meta = json.loads(str(arrays.pop(META_KEY)[()]))
    except (ValueError, TypeError, IndexError):
        raise ValueError(f"{bad} (its {META_KEY} record is not valid JSON)") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        tag = meta.get("format") if isinstance(meta, dict) else None
        raise ValueError(f"{bad} (format tag {tag!r}, expected {FORMAT!r})")
    if meta.get("format_version") != FORMAT_VERSION:
        raise ValueError(f"{name} has format version {meta.get('format_version')!r}; this "
                         f"gru_lesson reads version {FORMAT_VERSION}: upgrade gru_lesson")
    try:
        D, H, O = (int(meta[k]) for k in ("input_size", "hidden_size", "output_size"))
        keys = list(meta["keys"])
        meta.setdefault("metadata", {})
        meta.setdefault("gru_lesson", "unknown")
    except (KeyError, TypeError, ValueError):
        raise ValueError(f"{bad} (its {META_KEY} record lacks the sizes or keys)") from None
    if sorted(arrays) != sorted(keys):
        raise ValueError(f"{name} holds arrays {sorted(arrays)} but its record lists "
                         f"{sorted(keys)}: the file was tampered with")
    bias = "bz" in arrays
    want = expected_shapes(D, H, O, bias=bias, reset_after="bhn" in arrays)
    if sorted(want) != sorted(arrays):
        raise ValueError(f"{name} holds arrays {sorted(arrays)}, not the parameters of a GRU "
                         f"({', '.join(want)})")
    for k, shape in want.items():
        a = arrays[k]
        if a.dtype != np.float64:
            raise ValueError(f"{name}: '{k}' has dtype {a.dtype}, expected float64")
        if a.shape != shape:
            raise ValueError(f"{name}: '{k}' has shape {a.shape}, expected {shape} for "
                             f"D={D}, H={H}, O={O}")
        if not np.all(np.isfinite(a)):
            raise ValueError(f"{name}: '{k}' contains NaN or inf")
    params = {k: arrays[k] for k in keys}
    if meta.get("sha256") != _digest(params):
        raise ValueError(f"{name}: the arrays do not match their SHA-256 checksum: the file "
                         "was changed after saving")
    validate_params(params)
    return params, meta


def _digest(arrays):
    h = hashlib.sha256()
    for k in sorted(arrays):
        a = np.ascontiguousarray(arrays[k], dtype=np.float64)
        h.update(f"{k}:{a.shape}:".encode())
        h.update(a.tobytes())
    return h.hexdigest()
