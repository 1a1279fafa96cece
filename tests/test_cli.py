"""``python -m gru_lesson``: real subprocesses for the commands, one-line errors, exit status 2."""

import subprocess
import sys

import numpy as np
import pytest

import gru_lesson as gl
from gru_lesson.cli import main


def run(*args):
    return subprocess.run([sys.executable, "-m", "gru_lesson", *args],
                          capture_output=True, text=True, timeout=120)


def assert_usage_error(out, *words):
    assert out.returncode == 2, out
    assert out.stdout == ""
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1, out.stderr                           # one line, no traceback
    assert "Traceback" not in out.stderr and "error" in lines[0]
    for w in words:
        assert w in lines[0], lines[0]


def test_add_prints_sum_and_working():
    out = run("add", "65535", "1")
    assert out.returncode == 0 and out.stderr == ""
    lines = out.stdout.splitlines()
    assert lines[0].startswith("net:   65535 + 1 = 65536") and "correct" in lines[0]
    assert lines[1] == "true:  65535 + 1 = 65536"
    assert "carry_out" in out.stdout and len(lines) == 3 + 2 + 17   # 17 steps, one row each


def test_add_accepts_hex_and_big_numbers(capsys):
    assert main(["add", "0xffff", "0b1"]) == 0
    assert "= 65536" in capsys.readouterr().out
    big = str(2 ** 256 - 1)
    assert main(["add", big, "1"]) == 0
    assert f"= {2 ** 256}   (correct" in capsys.readouterr().out


@pytest.mark.parametrize("args, words", [
    (["add", "-5", "3"], ["A is negative"]),
    (["add", "5", "-3"], ["B is negative"]),
    (["add", "-0x5", "1"], ["A is negative", "-0x5"]),        # not "required: B"
    (["add", "1.5", "2"], ["A is not a whole number", '"1.5"']),
    (["add", "twelve", "2"], ['"twelve"']),
    (["add", "", "2"], ["A is empty"]),
    (["add", "5"], ["required: B"]),
    (["add"], ["required"]),
    (["add", str(2 ** 256), "1"], ["257 bits", "256 bits"]),
    (["add", "9" * 5000, "1"], ["too big", "5,000 digits"]),
    (["add", "1", "2", "--weights"], ["expected one argument"]),
    (["frobnicate"], ["invalid choice"]),
    (["train", "--bits", "0"], ["--bits"]),
    (["train", "--bits", "sixteen"], ["--bits"]),
    (["train", "--seed", "-1"], ["--seed"]),
    (["train", "--output", "/no/such/dir/w.npz", "--no-progress"], ["does not exist"]),
    (["reproduce-seed", "--iterations", "0"], ["--iterations"]),
    (["gradcheck", "--loss", "mse"], ["invalid choice"]),
])
def test_bad_input_is_one_line_and_status_2(capsys, args, words):
    try:
        status = main(args)
    except SystemExit as e:                                       # argparse's own errors
        status = e.code
    assert status == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and "error" in lines[0]
    for w in words:
        assert w in lines[0], lines[0]


def test_no_command_prints_help_and_status_2(capsys):
    assert main([]) == 2
    assert "add" in capsys.readouterr().err


def test_bad_operand_in_a_real_process():
    assert_usage_error(run("add", "-5", "3"), "negative")
    assert_usage_error(run("add", "5"), "required")


@pytest.mark.parametrize("content", [b"", b"just some text\n", b"PK\x03\x04 truncated"])
def test_unreadable_weights_file(tmp_path, content):
    path = tmp_path / "w.npz"
    path.write_bytes(content)
    assert_usage_error(run("add", "1", "2", "--weights", str(path)), "not a gru_lesson weights")


def test_missing_and_corrupt_weights_file(tmp_path, capsys):
    assert main(["add", "1", "2", "--weights", str(tmp_path / "none.npz")]) == 2
    assert "cannot read" in capsys.readouterr().err
    good = tmp_path / "good.npz"
    gl.save_params(gl.load_pretrained(), good)
    raw = good.read_bytes()
    good.write_bytes(raw[: len(raw) // 2])
    assert main(["add", "1", "2", "--weights", str(good)]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "truncated" in err


def test_add_with_own_weights(tmp_path, capsys):
    path = tmp_path / "mine.npz"
    gl.save_params(gl.init_params(2, 3, 1, rng=0), path)         # an untrained net
    assert main(["add", "6", "3", "--weights", str(path)]) == 0
    out = capsys.readouterr().out
    assert "true:  6 + 3 = 9" in out and str(path) in out


def test_wrong_shaped_net_in_weights(tmp_path, capsys):
    path = tmp_path / "wide.npz"
    gl.save_params(gl.init_params(3, 4, 1, rng=0), path)         # 3 inputs: not an adder
    assert main(["add", "6", "3", "--weights", str(path)]) == 2
    assert "2 inputs and 1 output" in capsys.readouterr().err


def test_train_saves_weights(tmp_path):
    path = tmp_path / "trained.npz"
    out = run("train", "--bits", "8", "--seed", "0", "--output", str(path), "--no-progress")
    assert out.returncode == 0, out.stderr
    assert "solved at step" in out.stdout and "validation random 16-bit:     100.0% exact" in \
        out.stdout and "carry-chain set:              100.0% exact" in out.stdout
    params, meta = gl.load_params(path, with_metadata=True)
    assert meta["bits"] == 8 and meta["seed"] == 0
    assert gl.add(params, 65535, 1) == 65536


def test_train_shows_a_progress_bar(tmp_path):
    out = run("train", "--bits", "4", "--max-steps", "3")
    assert "train 4-bit" in out.stderr                             # tqdm writes to stderr
    assert out.returncode == 1 and "NOT solved in 3 steps" in out.stdout


def test_reproduce_seed_prints_both_decodings():
    out = run("reproduce-seed", "--iterations", "1200", "--no-progress")
    assert out.returncode == 0, out.stderr
    assert "threshold y > 0.5" in out.stdout and "MATLAB round" in out.stdout
    threshold = out.stdout.split("threshold y > 0.5")[1].split("%")[0]
    matlab = out.stdout.split("MATLAB round (the seed's)")[1].split("%")[0]
    assert float(threshold) == 100.0 and 70 < float(matlab) < 80


def test_gradcheck_prints_the_table(capsys):
    assert main(["gradcheck"]) == 0
    out = capsys.readouterr().out
    assert "all gradients agree" in out and "D=3, H=5, O=2" in out
    for name in ("Wz", "Uz", "Wr", "Ur", "W", "U", "Wy", "bz", "br", "b", "by"):
        assert any(line.split()[:1] == [name] for line in out.splitlines()), name
    assert main(["gradcheck", "--loss", "bce", "--seed", "3"]) == 0


def test_seed_numbers_from_the_shipped_net():
    # the CLI's answer is gl.add's answer
    rng = np.random.default_rng(0)
    a, b = (int(v) for v in rng.integers(0, 2 ** 16, size=2))
    out = run("add", str(a), str(b))
    assert f"= {gl.add(gl.load_pretrained(), a, b)}" in out.stdout.splitlines()[0]
