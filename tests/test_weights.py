"""Saving and loading weights: round trips, atomic writes, and every kind of broken file."""

import io
import json
import os

import numpy as np
import pytest

import gru_lesson as gl
from gru_lesson.addition import weights


def _params(variant="bias"):
    p = gl.init_params(2, 5, 3, bias=variant != "no_bias", rng=0)
    if variant == "reset_after":
        p["bhn"] = np.linspace(-1, 1, 5)
    return p


def _write_npz(path, arrays):
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    path.write_bytes(buf.getvalue())


def _arrays_of(path):
    with np.load(path, allow_pickle=False) as npz:
        return {k: npz[k] for k in npz.files}


@pytest.mark.parametrize("variant", ["bias", "no_bias", "reset_after"])
def test_round_trip_is_exact(tmp_path, variant):
    p = _params(variant)
    path = tmp_path / "w.npz"
    gl.save_params(p, path, metadata={"bits": 16, "note": "hello"})
    q, meta = gl.load_params(path, with_metadata=True)
    assert list(q) == list(p)
    for k in p:
        assert q[k].dtype == np.float64 and q[k].tobytes() == p[k].tobytes()
    assert meta["bits"] == 16 and meta["note"] == "hello" and meta["gru_lesson"] == gl.__version__
    assert isinstance(gl.load_params(str(path)), dict)          # str paths too


def test_saved_file_is_a_plain_npz(tmp_path):
    path = tmp_path / "w.npz"
    gl.save_params(_params(), path)
    arrays = _arrays_of(path)                                     # readable without gru_lesson
    assert "Wz" in arrays and "__meta__" in arrays
    meta = json.loads(str(arrays["__meta__"]))
    assert meta["format"] == "gru_lesson.params" and meta["hidden_size"] == 5


def test_save_is_atomic(tmp_path, monkeypatch):
    path = tmp_path / "w.npz"
    gl.save_params(_params(), path, metadata={"v": 1})
    before = path.read_bytes()

    def broken_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(ValueError, match="cannot write .*disk full"):    # one line, no OSError
        gl.save_params(gl.init_params(2, 5, 3, rng=1), path, metadata={"v": 2})
    assert path.read_bytes() == before                            # old file untouched
    assert sorted(p.name for p in tmp_path.iterdir()) == ["w.npz"]  # no temp file left


def test_save_rejects_bad_input_without_writing(tmp_path):
    path = tmp_path / "w.npz"
    bad = _params()
    bad["Wz"] = bad["Wz"].copy()
    bad["Wz"][0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        gl.save_params(bad, path)
    with pytest.raises(ValueError, match="JSON"):
        gl.save_params(_params(), path, metadata={"x": object()})
    with pytest.raises(ValueError, match="does not exist"):
        gl.save_params(_params(), tmp_path / "missing_dir" / "w.npz")
    assert list(tmp_path.iterdir()) == []


@pytest.fixture
def good_file(tmp_path):
    path = tmp_path / "good.npz"
    gl.save_params(_params(), path)
    return path


def _expect_error(path, match):
    with pytest.raises(ValueError, match=match) as info:
        gl.load_params(path)
    assert "\n" not in str(info.value)                            # one line
    return str(info.value)


@pytest.mark.parametrize("keep", [0.1, 0.5, 0.9, 0.99])
def test_truncated_file(good_file, keep):
    raw = good_file.read_bytes()
    good_file.write_bytes(raw[: int(len(raw) * keep)])
    _expect_error(good_file, "not a gru_lesson weights file")


def test_empty_and_text_and_binary_junk(tmp_path):
    for name, content in [("empty.npz", b""), ("notes.txt", b"Wz = 1, 2, 3\n"),
                          ("junk.npz", bytes(range(256)) * 4), ("fake.npz", b"PK\x03\x04junk")]:
        path = tmp_path / name
        path.write_bytes(content)
        _expect_error(path, "not a gru_lesson weights file")


def test_foreign_npz_and_npy(tmp_path):
    path = tmp_path / "foreign.npz"
    _write_npz(path, {"weights": np.ones(3)})
    _expect_error(path, "__meta__")
    _write_npz(path, _params())                                   # params saved by plain np.savez
    _expect_error(path, "gl.save_params")
    npy = tmp_path / "array.npy"
    np.save(npy, np.ones(3))
    _expect_error(npy, "not an .npz")


def test_missing_file_and_directory(tmp_path):
    _expect_error(tmp_path / "nope.npz", "cannot read")
    _expect_error(tmp_path, "cannot read")


def _tamper(path, change):
    arrays = _arrays_of(path)
    meta = json.loads(str(arrays["__meta__"]))
    change(arrays, meta)
    arrays["__meta__"] = np.array(json.dumps(meta))
    _write_npz(path, arrays)


def test_wrong_keys(good_file):
    _tamper(good_file, lambda a, m: a.update(extra=np.ones(2)))
    _expect_error(good_file, "tampered")


def test_wrong_keys_with_matching_record(good_file):
    def change(a, m):
        a["Wq"] = a.pop("Wz")
        m["keys"] = [("Wq" if k == "Wz" else k) for k in m["keys"]]
    _tamper(good_file, change)
    _expect_error(good_file, "not the parameters of a GRU")


def test_wrong_shape(good_file):
    _tamper(good_file, lambda a, m: a.update(U=np.ones((5, 4))))
    _expect_error(good_file, r"'U' has shape \(5, 4\)")


def test_wrong_dtype(good_file):
    _tamper(good_file, lambda a, m: a.update(Wy=a["Wy"].astype(np.float32)))
    _expect_error(good_file, "float64")


def test_nan_even_with_a_matching_checksum(good_file):
    def change(a, m):
        a["b"] = a["b"].copy()
        a["b"][2] = np.nan
        m["sha256"] = weights._digest({k: v for k, v in a.items() if k != "__meta__"})
    _tamper(good_file, change)
    _expect_error(good_file, "NaN")


def test_changed_values_fail_the_checksum(good_file):
    def change(a, m):
        a["Uz"] = a["Uz"] + 1e-9
    _tamper(good_file, change)
    _expect_error(good_file, "checksum")


def test_wrong_format_tag_and_version(good_file):
    _tamper(good_file, lambda a, m: m.update(format="keras"))
    _expect_error(good_file, "format tag 'keras'")
    _tamper(good_file, lambda a, m: m.update(format="gru_lesson.params", format_version=99))
    _expect_error(good_file, "upgrade gru_lesson")


def test_meta_not_json(good_file):
    arrays = _arrays_of(good_file)
    arrays["__meta__"] = np.array("{not json")
    _write_npz(good_file, arrays)
    _expect_error(good_file, "not valid JSON")


def test_pretrained_loads_fresh_copies_with_metadata():
    p, meta = gl.load_pretrained(with_metadata=True)
    assert sorted(p) == sorted(gl.init_params(2, 16, 1))
    assert meta["bits"] == 16 and meta["hidden_size"] == 16 and isinstance(meta["seed"], int)
    assert meta["gru_lesson"] and meta["script"] == "scripts/train_pretrained.py"
    p["Wz"][:] = 0                                                # mutating a copy ...
    assert np.abs(gl.load_pretrained()["Wz"]).max() > 0           # ... leaves the package's alone
    assert weights.pretrained_path().stat().st_size < 50_000      # small
