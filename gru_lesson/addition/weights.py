"""Saving and loading GRU parameters, and the adder shipped inside the package.

    gl.save_params(params, "my_adder.npz", metadata={"bits": 16})
    params = gl.load_params("my_adder.npz")
    params = gl.load_pretrained()        # trained by scripts/train_pretrained.py

The file is a plain .npz (readable by ``np.load``): one float64 array per parameter, plus a
JSON string ``__meta__`` with a format tag, the sizes, the gru_lesson version, the caller's
metadata and a SHA-256 of the arrays. ``load_params`` checks all of it and raises a one-line
ValueError for a truncated, foreign or tampered file. ``save_params`` writes a temporary file
in the same directory and renames it over the target, so a crash never leaves half a file.

Loading costs memory and time in proportion to the sizes the file declares, with a fixed cap:
``load_params`` opens only a regular file (never a pipe or a device such as /dev/zero), of at
most MAX_FILE_BYTES (64 MiB), reads the zip directory (at most MAX_MEMBERS entries) and every
.npy header before any data, and refuses an archive that declares more than MAX_DATA_BYTES
(64 MiB) of arrays, a pickled object, or arrays whose headers disagree with their sizes. A
zip bomb is refused before it is inflated; NumPy's own loader is not used.
"""

import copy
import errno
import hashlib
import io
import json
import os
import stat
import struct
import zipfile
from functools import lru_cache

import numpy as np

from ..engine.checks import as_path, atomic_write
from ..engine.params import BIASES, RESET_AFTER_BIAS, WEIGHTS, expected_shapes, validate_params

FORMAT = "gru_lesson.params"
FORMAT_VERSION = 1
META_KEY = "__meta__"
PRETRAINED = "pretrained.npz"
MAX_FILE_BYTES = 64 * 2 ** 20     # a weights file on disk (H = 1024 takes 25 MB)
MAX_DATA_BYTES = 64 * 2 ** 20     # the arrays an archive declares, all together
MAX_META_BYTES = 2 ** 20          # the JSON record
MAX_MEMBERS = 16                  # 11 parameters, bhn and the record fit
MEMBERS = {f"{k}.npy" for k in (*WEIGHTS, *BIASES, RESET_AFTER_BIAS, META_KEY)}


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
    record = np.array(text)
    if record.dtype.itemsize > MAX_META_BYTES:          # load_params would refuse the file
        raise ValueError(f"metadata is too large: its record takes {record.dtype.itemsize:,} "
                         f"bytes, at most {MAX_META_BYTES:,}; keep it to a few notes and numbers")
    path = as_path(path, "path", "my_adder.npz")
    buf = io.BytesIO()
    np.savez(buf, **arrays, **{META_KEY: record})
    atomic_write(path, lambda f: f.write(buf.getvalue()))
    return path


def load_params(path, *, with_metadata=False):
    """Read params written by ``save_params``; check everything. ValueError if anything is off.

    With ``with_metadata=True`` returns (params, metadata) where metadata is the dict given to
    save_params plus "gru_lesson" (the version that wrote the file).
    """
    path = as_path(path, "path", "my_adder.npz")
    params, meta = _parse(_read_capped(path), str(path))
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
    return as_path(__file__).resolve().parent.parent / "assets" / PRETRAINED


@lru_cache(maxsize=1)
def _pretrained():
    path = pretrained_path()
    if not path.exists():
        raise ValueError(f"the shipped weights {path} are missing; reinstall gru_lesson or run "
                         "scripts/train_pretrained.py")
    return load_params(path, with_metadata=True)


def _parse(raw, name):
    bad = f"{name} is not a gru_lesson weights file"
    if not raw.startswith(b"PK\x03\x04"):
        raise ValueError(f"{bad} (not an .npz archive); save one with gl.save_params")
    try:
        arrays = _read_npz(raw, name)
    except _Refused as e:
        raise ValueError(f"{bad} ({e})") from None
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


# ------------------------------------------------------------------ reading, before trusting

class _Refused(Exception):
    """The archive is refused before its data is read (the reason is the message)."""


def _read_capped(path):
    """The bytes of a regular file of at most MAX_FILE_BYTES: a pipe, a device or a folder is
    refused before anything is read, and never more than the cap is read."""
    try:
        # O_NONBLOCK: opening a named pipe returns at once instead of waiting for a writer.
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as e:
        if e.errno == errno.EISDIR:
            raise ValueError(f"cannot read weights file {path}: it is a folder; give the .npz "
                             "file inside it") from None
        raise ValueError(f"cannot read weights file {path}: {e.strerror or e}; check the name "
                         "(gl.save_params writes one)") from None
    info = os.fstat(fd)
    problem = None
    if stat.S_ISDIR(info.st_mode):
        problem = f"cannot read weights file {path}: it is a folder; give the .npz file inside it"
    elif not stat.S_ISREG(info.st_mode):
        problem = (f"cannot read weights file {path}: it is not a regular file (a pipe, a device "
                   "or a socket); save the weights to a file first")
    elif info.st_size > MAX_FILE_BYTES:
        problem = (f"{path} is {info.st_size:,} bytes; a weights file may be at most "
                   f"{MAX_FILE_BYTES:,} bytes (a GRU with H = 1024 takes 25 MB)")
    if problem:
        os.close(fd)
        raise ValueError(problem)
    with os.fdopen(fd, "rb", buffering=0) as f:
        try:
            raw = f.read(info.st_size + 1)             # its size, not the cap
        except OSError as e:
            raise ValueError(f"cannot read weights file {path}: {e.strerror or e}") from None
    if len(raw) > info.st_size:                        # it grew while we looked
        raise ValueError(f"{path} changed while it was read; try again")
    return raw


def _read_npz(raw, name):
    """{key: array} of an .npz archive, checking its directory and every .npy header before
    reading any array data: memory and time stay in proportion to the declared sizes."""
    _check_directory_record(raw)
    with zipfile.ZipFile(io.BytesIO(raw)) as zf:
        infos = zf.infolist()
        names = [i.filename for i in infos]
        if len(set(names)) != len(names):
            raise _Refused("the archive lists a member twice")
        strange = [n for n in names if n not in MEMBERS]
        if strange and not all(n.endswith(".npy") for n in strange):
            raise _Refused(f"it holds {strange[0]!r}, not an .npy array")
        declared = sum(i.file_size for i in infos)
        if declared > MAX_DATA_BYTES:
            raise _Refused(f"its arrays declare {declared:,} bytes, over the cap of "
                           f"{MAX_DATA_BYTES:,}")
        headers = {}
        for info in infos:
            with zf.open(info) as f:
                headers[info.filename] = _npy_header(f, info, name)
        arrays = {}
        for info in infos:
            shape, fortran, dtype, count = headers[info.filename]
            with zf.open(info) as f:
                f.read(info.file_size - count * dtype.itemsize)            # skip the header
                data = f.read(count * dtype.itemsize)
            if len(data) != count * dtype.itemsize:
                raise _Refused(f"{info.filename!r} is shorter than its header says")
            a = np.frombuffer(data, dtype=dtype, count=count)
            arrays[info.filename[:-4]] = a.reshape(shape, order="F" if fortran else "C").copy()
    return arrays


def _check_directory_record(raw):
    """The zip's end record, read by hand: at most MAX_MEMBERS entries and a small directory,
    before zipfile builds an object per entry. (A zip64 record could claim more: refused.)"""
    end = raw.rfind(b"PK\x05\x06", max(0, len(raw) - 65_557))
    if end < 0 or len(raw) < end + 22:
        raise _Refused("damaged or truncated: no zip directory at its end; re-save or "
                       "re-download it")
    entries, directory_size = struct.unpack("<xxxxxxxxxxHI", raw[end:end + 16])
    if raw.rfind(b"PK\x06\x07", max(0, end - 20), end) >= 0 or entries == 0xFFFF:
        raise _Refused("a zip64 archive: a weights file is a small plain zip")
    if entries > MAX_MEMBERS or directory_size > 4096 * MAX_MEMBERS:
        raise _Refused(f"its directory lists {entries:,} entries; a weights file has at most "
                       f"{MAX_MEMBERS}")


def _npy_header(f, info, name):
    """(shape, fortran_order, dtype, count) of one .npy member, checked against its declared
    size. Only float64 arrays and the one text record are accepted: never a pickled object."""
    version = np.lib.format.read_magic(f)
    if version == (1, 0):
        shape, fortran, dtype = np.lib.format.read_array_header_1_0(f)
    elif version in ((2, 0), (3, 0)):
        shape, fortran, dtype = np.lib.format.read_array_header_2_0(f)
    else:
        raise _Refused(f"{info.filename!r} has .npy version {version}")
    key = info.filename[:-4]
    if dtype.hasobject:
        raise _Refused(f"{key!r} holds pickled Python objects, which gru_lesson never loads")
    if key == META_KEY:
        if dtype.kind != "U" or shape != () or dtype.itemsize > MAX_META_BYTES:
            raise _Refused(f"its {META_KEY} record is not a short text")
    elif dtype.kind != "f" or dtype.itemsize != 8 or not dtype.isnative:
        raise _Refused(f"'{key}' has dtype {dtype}, expected float64")
    count = int(np.prod(shape, dtype=object))
    header_size = f.tell()
    if info.file_size != header_size + count * dtype.itemsize:
        raise _Refused(f"'{key}' declares shape {shape} but holds "
                       f"{info.file_size - header_size:,} bytes of data")
    return shape, fortran, dtype, count
