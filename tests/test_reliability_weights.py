"""Reliability of weight files (issue 16): a loaded file costs memory and time in proportion to
its declared sizes, with a fixed cap (5); path problems are ValueErrors that say what to do (8);
a zero-size net is refused (9); a file starting with "PK" gets no pickle advice (11)."""

import io
import json
import os
import stat
import subprocess
import sys
import textwrap
import tracemalloc
import zipfile

import numpy as np
import pytest

import gru_lesson as gl
from gru_lesson.addition import weights


def _one_line_error(path, *words):
    with pytest.raises(ValueError) as err:
        gl.load_params(path)
    message = str(err.value)
    assert "\n" not in message
    for w in words:
        assert w in message, message
    return message


def _load_in_a_subprocess(path, timeout=60):
    """gl.load_params(path) in a child with 1 GB of address space at most and a timeout, so that
    a regression can neither hang the tests nor eat the machine's memory."""
    code = textwrap.dedent(f"""
        import resource, sys
        resource.setrlimit(resource.RLIMIT_AS, (2 ** 30, 2 ** 30))
        import gru_lesson as gl
        try:
            gl.load_params({str(path)!r})
        except ValueError as e:
            print("ValueError:", e)
    """)
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=timeout)


# ------------------------------------------------------------------ 5: bombs, devices, pipes

def _zip_bomb(path, megabytes, member="Wz.npy"):
    """An archive whose one member inflates to ``megabytes`` MB of zeros (about 1/1000 of that
    on disk), with its true size declared."""
    chunk = bytes(2 ** 20)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        with zf.open(member, "w", force_zip64=True) as f:
            for _ in range(megabytes):
                f.write(chunk)


def test_a_zip_bomb_is_refused_before_it_is_inflated(tmp_path):
    path = tmp_path / "bomb.npz"
    _zip_bomb(path, 100)
    assert path.stat().st_size < 1_000_000
    tracemalloc.start()
    try:
        _one_line_error(path, "not a gru_lesson weights file", "declare 104,857,600 bytes",
                        "cap")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 20 * 2 ** 20                         # about the file's size, not 100 MB


def test_a_zip_that_understates_its_sizes_is_read_only_as_far_as_it_declares(tmp_path):
    """A bomb whose directory says 1,000 bytes: never more than that is inflated."""
    path = tmp_path / "liar.npz"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("Wz.npy", bytes(100 * 2 ** 20))
    raw = bytearray(path.read_bytes())
    for signature, offset in ((b"PK\x01\x02", 24), (b"PK\x03\x04", 22)):  # uncompressed size
        at = raw.find(signature)
        raw[at + offset:at + offset + 4] = (1000).to_bytes(4, "little")
    path.write_bytes(bytes(raw))
    tracemalloc.start()
    try:
        _one_line_error(path, "not a gru_lesson weights file")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 20 * 2 ** 20


def test_npy_headers_are_checked_against_the_declared_sizes(tmp_path):
    """A header that promises a huge array in a small member is refused, not allocated."""
    path = tmp_path / "w.npz"
    buf = io.BytesIO()
    np.lib.format.write_array_header_1_0(buf, {"descr": "<f8", "fortran_order": False,
                                               "shape": (10 ** 6, 10 ** 6)})
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("Wz.npy", buf.getvalue() + bytes(64))
    _one_line_error(path, "declares shape (1000000, 1000000)")


def test_too_many_members_are_refused_from_the_zip_directory(tmp_path):
    path = tmp_path / "many.npz"
    np.savez(path, **{f"a{i}": np.zeros(1) for i in range(40)})
    _one_line_error(path, "40 entries", "at most 16")


def test_a_file_over_the_cap_is_refused_without_reading_it(tmp_path):
    path = tmp_path / "huge.npz"
    with open(path, "wb") as f:                           # sparse: no disk used
        f.write(b"PK\x03\x04")
        f.truncate(weights.MAX_FILE_BYTES + 1)
    _one_line_error(path, "may be at most 67,108,864 bytes")


def test_dev_zero_is_refused_as_not_a_regular_file():
    out = _load_in_a_subprocess("/dev/zero")
    assert out.returncode == 0, out.stderr
    assert "not a regular file" in out.stdout


def test_a_named_pipe_is_refused_at_once(tmp_path):
    fifo = tmp_path / "weights.npz"
    os.mkfifo(fifo)
    out = _load_in_a_subprocess(fifo, timeout=60)           # it used to wait for ever
    assert out.returncode == 0, out.stderr
    assert "not a regular file" in out.stdout


def test_pickled_objects_are_refused_by_their_header(tmp_path):
    path = tmp_path / "pickle.npz"
    np.savez(path, Wz=np.array([{"evil": 1}], dtype=object), __meta__=np.array("{}"))
    message = _one_line_error(path, "pickled Python objects", "never loads")
    assert "allow_pickle" not in message


@pytest.mark.parametrize("content", [b"PKjunk", b"PK", b"PK\x05\x06" + bytes(18)])
def test_a_file_starting_with_pk_gets_no_pickle_advice(tmp_path, content):
    path = tmp_path / "pk.npz"
    path.write_bytes(content)
    message = _one_line_error(path, "not a gru_lesson weights file")
    assert "allow_pickle" not in message and "pickled" not in message


def test_the_shipped_and_saved_files_still_load(tmp_path):
    p = gl.init_params(2, 7, 3, rng=4)
    p["bhn"] = np.linspace(-1, 1, 7)
    gl.save_params(p, tmp_path / "w.npz")
    q = gl.load_params(tmp_path / "w.npz")
    assert all(q[k].tobytes() == p[k].tobytes() and q[k].flags.writeable for k in p)
    assert gl.add(gl.load_pretrained(), 65535, 1) == 65536
    np.savez_compressed(tmp_path / "c.npz", **p, __meta__=np.array(json.dumps(
        {**json.loads(str(np.load(tmp_path / "w.npz")["__meta__"]))})))
    assert sorted(gl.load_params(tmp_path / "c.npz")) == sorted(p)   # deflated members too


# ------------------------------------------------------------------ 8: paths

@pytest.fixture
def params():
    return gl.init_params(2, 3, 1, rng=0)


@pytest.mark.parametrize("path, says", [
    (5, "must be a file name"),
    (None, "must be a file name"),
    (b"w.npz", "must be a file name"),
    ("", "is empty"),
])
def test_bad_path_types_are_value_errors(params, path, says):
    with pytest.raises(ValueError, match=says):
        gl.save_params(params, path)
    with pytest.raises(ValueError, match=says):
        gl.load_params(path)


def test_a_folder_is_a_value_error_that_says_to_name_a_file(params, tmp_path):
    with pytest.raises(ValueError, match="it is a folder; give a file name inside it"):
        gl.save_params(params, tmp_path)
    with pytest.raises(ValueError, match="it is a folder; give the .npz file inside it"):
        gl.load_params(tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_a_missing_folder_says_so(params, tmp_path):
    with pytest.raises(ValueError, match="does not exist; create it"):
        gl.save_params(params, tmp_path / "no" / "w.npz")
    with pytest.raises(ValueError, match="No such file or directory; check the name"):
        gl.load_params(tmp_path / "no" / "w.npz")


@pytest.mark.parametrize("where, advice", [("/proc/w.npz", "choose a folder you can write to"),
                                           ("long", "File name too long; choose a shorter name")])
def test_an_unwritable_place_is_a_value_error(params, tmp_path, where, advice):
    path = tmp_path / ("a" * 300 + ".npz") if where == "long" else where
    with pytest.raises(ValueError, match=f"cannot write .*{advice}$"):
        gl.save_params(params, path)
    assert list(tmp_path.iterdir()) == []


def test_a_file_in_the_way_of_the_folder_is_named_as_a_file(params, tmp_path):
    (tmp_path / "w.npz").write_bytes(b"")
    with pytest.raises(ValueError, match=r"folder .*w\.npz is a file, not a folder"):
        gl.save_params(params, tmp_path / "w.npz" / "x.npz")


def test_a_full_disk_says_to_free_space(params, tmp_path, monkeypatch):
    def full_disk(src, dst):
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(os, "replace", full_disk)
    with pytest.raises(ValueError, match="No space left on device; free some space"):
        gl.save_params(params, tmp_path / "w.npz")
    assert list(tmp_path.iterdir()) == []


def test_a_special_file_is_never_replaced(params, tmp_path):
    """Renaming over /dev/null (as root) replaced the device itself. A named pipe stands in for
    it here, so that a regression cannot break the machine's /dev/null."""
    fifo = tmp_path / "pipe.npz"
    os.mkfifo(fifo)
    with pytest.raises(ValueError, match="not a regular file"):
        gl.save_params(params, fifo)
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)
    assert [p.name for p in tmp_path.iterdir()] == ["pipe.npz"]


# ------------------------------------------------------------------ 9: zero-size nets

def _zero_size(p, H=None, O=None):
    out = dict(p)
    if H == 0:
        for k in ("Wz", "Wr", "W"):
            out[k] = p[k][:, :0]
        for k in ("Uz", "Ur", "U"):
            out[k] = p[k][:0, :0]
        for k in ("bz", "br", "b"):
            out[k] = p[k][:0]
        out["Wy"] = p["Wy"][:0]
    if O == 0:
        out["Wy"], out["by"] = out["Wy"][:, :0], p["by"][:0]
    return out


@pytest.mark.parametrize("sizes", [{"H": 0}, {"H": 0, "O": 0}])
def test_a_zero_size_net_is_refused_everywhere(params, tmp_path, sizes):
    zero = _zero_size(params, **sizes)
    for call in (lambda: gl.validate_params(zero), lambda: gl.save_params(zero, tmp_path / "z"),
                 lambda: gl.add(zero, 3, 4)):
        with pytest.raises(ValueError, match="D and H must be at least 1"):
            call()
    # a file holding one, written by hand with a valid record and checksum, is refused too
    arrays = {k: np.ascontiguousarray(v) for k, v in zero.items()}
    D, H, O = zero["Wz"].shape[0], zero["Wz"].shape[1], zero["Wy"].shape[1]
    meta = {"format": weights.FORMAT, "format_version": weights.FORMAT_VERSION,
            "gru_lesson": gl.__version__, "input_size": D, "hidden_size": H, "output_size": O,
            "keys": list(arrays), "sha256": weights._digest(arrays), "metadata": {}}
    np.savez(tmp_path / "zero.npz", **arrays, __meta__=np.array(json.dumps(meta)))
    with pytest.raises(ValueError, match="D and H must be at least 1"):
        gl.load_params(tmp_path / "zero.npz")


def test_a_net_without_outputs_is_a_gru_but_not_an_adder(params, tmp_path):
    """O = 0 is gl.from_torch's GRU without a readout: valid, saved and loaded, never added."""
    no_readout = _zero_size(params, O=0)
    assert gl.validate_params(no_readout) == (2, 3, 0)
    gl.save_params(no_readout, tmp_path / "h_only.npz")
    assert gl.load_params(tmp_path / "h_only.npz")["Wy"].shape == (3, 0)
    with pytest.raises(ValueError, match="2 inputs and 1 output"):
        gl.add(no_readout, 3, 4)


def test_metadata_that_load_params_would_refuse_is_refused_by_save_params(params, tmp_path):
    # A 300,000-character note saved fine and then could not be loaded: the net was lost.
    with pytest.raises(ValueError, match="metadata is too large"):
        gl.save_params(params, tmp_path / "w.npz", metadata={"note": "a" * 300_000})
    assert list(tmp_path.iterdir()) == []
    gl.save_params(params, tmp_path / "w.npz", metadata={"note": "a" * 200_000})
    assert gl.load_params(tmp_path / "w.npz", with_metadata=True)[1]["note"] == "a" * 200_000
