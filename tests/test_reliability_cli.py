"""Reliability of the command line (issue 16): an unwritable --output is found before training
and a failed save is one line (2); a closed pipe, a full stdout and Ctrl-C exit quietly (6);
clear messages and one number parser for the CLI and the widgets (11); an empty option is
refused, not ignored (12)."""

import os
import signal
import subprocess
import sys
import time

import pytest

import gru_lesson as gl
from gru_lesson import cli
from gru_lesson.addition import data
from gru_lesson.teach import render, widgets


def run(*args, **kwargs):
    return subprocess.run([sys.executable, "-m", "gru_lesson", *args], capture_output=True,
                          text=True, timeout=120, **kwargs)


def assert_one_line(err, status, got, *words):
    assert got == status, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    for w in words:
        assert w in lines[0], lines[0]


# ------------------------------------------------------------------ 2: --output

@pytest.mark.parametrize("output", ["/proc/w.npz", "long", "pipe", "folder"])
def test_an_unwritable_output_is_refused_before_training(tmp_path, output):
    """("pipe" stands in for /dev/null, which a regression must not be able to replace.)"""
    (tmp_path / "out").mkdir()
    where = tmp_path / "out"
    if output == "pipe":
        os.mkfifo(where / "w.npz")
    path = {"long": str(where / ("a" * 300 + ".npz")), "folder": str(where),
            "pipe": str(where / "w.npz")}.get(output, output)
    out = run("train", "--bits", "4", "--max-steps", "20", "--no-progress", "--output", path)
    assert out.stdout == ""                                  # no training ran
    assert_one_line(out.stderr, 2, out.returncode, "cannot write")
    assert [p.name for p in where.iterdir()] == (["w.npz"] if output == "pipe" else [])


def test_a_save_that_fails_after_training_is_one_line_and_status_2(tmp_path, capsys,
                                                                    monkeypatch):
    def full_disk(src, dst):
        raise OSError(28, "No space left on device")

    path = tmp_path / "w.npz"
    monkeypatch.setattr(os, "replace", full_disk)        # passes the check, fails at the end
    status = cli.main(["train", "--bits", "4", "--max-steps", "2", "--no-progress",
                       "--output", str(path)])
    captured = capsys.readouterr()
    assert "NOT solved in 2 steps" in captured.out and "saved" not in captured.out
    assert_one_line(captured.err, 2, status, "cannot write", "No space left on device")
    assert list(tmp_path.iterdir()) == []                # no temporary file left behind


# ------------------------------------------------------------------ 6: the environment

def test_a_closed_pipe_exits_quietly():
    """`python -m gru_lesson gradcheck | head -0`: the reader is gone before we write."""
    proc = subprocess.Popen([sys.executable, "-m", "gru_lesson", "gradcheck"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.close()
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 141, err                    # 128 + SIGPIPE, like `yes | head`
    assert err == b""


def test_a_closed_pipe_after_the_first_line_exits_quietly():
    out = subprocess.run(f"{sys.executable} -m gru_lesson add {2 ** 256 - 1} 1 | head -1",
                         shell=True, capture_output=True, text=True, timeout=120)
    assert out.stdout.startswith("net:") and out.stderr == ""


def test_a_full_stdout_is_one_line_and_status_1():
    with open("/dev/full", "w") as full:
        out = subprocess.run([sys.executable, "-m", "gru_lesson", "gradcheck"], stdout=full,
                             stderr=subprocess.PIPE, text=True, timeout=120)
    assert_one_line(out.stderr, 1, out.returncode, "cannot write the output",
                    "No space left on device")


def test_help_on_a_full_stdout_is_one_line_and_status_1():
    # argparse drops a failed write of its help without a word (and exits 0).
    for args in (["--help"], ["add", "--help"]):
        with open("/dev/full", "w") as full:
            out = subprocess.run([sys.executable, "-m", "gru_lesson", *args], stdout=full,
                                 stderr=subprocess.PIPE, text=True, timeout=120)
        assert_one_line(out.stderr, 1, out.returncode, "cannot write the output")


def test_help_into_a_closed_pipe_exits_quietly():
    proc = subprocess.Popen([sys.executable, "-m", "gru_lesson", "--help"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.close()
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 141 and err == b"", err


@pytest.mark.parametrize("args", [["add", "1", "2"], ["gradcheck"], ["--help"]])
def test_a_closed_stdout_is_no_traceback(args):
    """Started with stdout closed (`>&-`): Python has no sys.stdout at all."""
    out = subprocess.run([sys.executable, "-m", "gru_lesson", *args], stdout=None,
                         stderr=subprocess.PIPE, text=True, timeout=120, close_fds=True,
                         preexec_fn=lambda: os.close(1))
    assert "Traceback" not in out.stderr and out.returncode in (0, 1), out.stderr


def test_ctrl_c_while_numpy_loads_is_quiet(tmp_path):
    """A stand-in numpy that raises KeyboardInterrupt as it is imported: the moment a real
    Ctrl-C hits while NumPy loads, every time."""
    (tmp_path / "numpy").mkdir()
    (tmp_path / "numpy" / "__init__.py").write_text("raise KeyboardInterrupt\n")
    env = dict(os.environ, PYTHONPATH=str(tmp_path))
    for args in (["gradcheck"], ["add", "1", "2"], ["train", "--bits", "4"]):
        out = run(*args, env=env)
        assert out.returncode == 130 and out.stdout == "", out.stderr
        assert_one_line(out.stderr, 130, out.returncode, "interrupted")


def test_import_gru_lesson_does_not_load_numpy():
    code = "import sys, gru_lesson, gru_lesson.cli; print('numpy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=60)
    assert out.stdout.strip() == "False", out.stderr


@pytest.mark.parametrize("delay", [0.3, 1.5])
def test_a_real_ctrl_c_is_quiet(delay):
    proc = subprocess.Popen([sys.executable, "-m", "gru_lesson", "reproduce-seed",
                             "--iterations", "1000000", "--no-progress"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(delay)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=120)
    assert "Traceback" not in err, err
    assert proc.returncode in (130, -signal.SIGINT), err   # -2: Python itself not yet started


# ------------------------------------------------------------------ 11: clear messages

def test_a_negative_hex_operand_is_named_not_a_missing_argument(capsys):
    assert cli.main(["add", "-0x5", "1"]) == 2
    err = capsys.readouterr().err
    assert_one_line(err, 2, 2, "A is negative", "-0x5")
    assert "required" not in err


def test_a_pk_file_gets_no_pickle_advice(tmp_path, capsys):
    path = tmp_path / "w.npz"
    path.write_bytes(b"PKjunk")
    assert cli.main(["add", "1", "2", "--weights", str(path)]) == 2
    err = capsys.readouterr().err
    assert "not a gru_lesson weights file" in err and "allow_pickle" not in err


def test_zero_padded_input_gets_no_4300_digit_message(capsys):
    padded = "0" * 5000 + "12"
    assert data.parse_number(padded) == 12                        # the widgets' way
    assert data.parse_number(padded, prefixes=True) == 12         # the CLI's way
    assert cli.main(["add", padded, "1"]) == 0
    assert "12 + 1 = 13" in capsys.readouterr().out
    with pytest.raises(ValueError, match="too big: it has 5,003 digits") as err:
        data.parse_number("0" * 5000 + "9" * 5003)
    assert "4300" not in str(err.value)


def test_one_number_parser_for_the_cli_and_the_widgets():
    assert render.parse_number is data.parse_number is widgets.parse_number
    assert render.MAX_BITS == cli.MAX_BITS == data.TYPED_MAX_BITS


@pytest.mark.parametrize("text, value", [("0xffff", 65535), ("0XFF", 255), ("0b101", 5),
                                         ("0o17", 15), ("65_535", 65535), ("007", 7)])
def test_the_cli_keeps_pythons_literals(capsys, text, value):
    assert data.parse_number(text, "A", prefixes=True) == value
    assert cli.main(["add", text, "1"]) == 0
    assert f"{value} + 1 = {value + 1}" in capsys.readouterr().out


@pytest.mark.parametrize("text", ["0xffff", "65_535", "0b1"])
def test_the_widgets_stay_strict(text):
    with pytest.raises(ValueError):
        data.parse_number(text, "The first number")


@pytest.mark.parametrize("text, says", [
    ("0x", "is not a number"), ("0xfg", "is not a number"),
    ("1__0", "something between its digits"), ("+0x5", 'starts with "+"'),
    ("0x1" + "0" * 64, "too big: it has 257 bits"),
])
def test_bad_cli_literals_get_a_message(capsys, text, says):
    assert cli.main(["add", text, "1"]) == 2
    assert_one_line(capsys.readouterr().err, 2, 2, says)


# ------------------------------------------------------------------ 12: empty options

@pytest.mark.parametrize("args", [["train", "--output", "", "--max-steps", "1"],
                                  ["add", "1", "2", "--weights", ""],
                                  ["add", "1", "2", "--weights", " "]])
def test_an_empty_file_option_is_refused_not_ignored(capsys, args):
    try:
        status = cli.main(args)
    except SystemExit as e:
        status = e.code
    captured = capsys.readouterr()
    assert captured.out == ""                              # nothing trained, nothing added
    assert_one_line(captured.err, 2, status, "expected a file name")


def test_the_shipped_net_still_answers_without_weights(capsys):
    assert cli.main(["add", "65535", "1"]) == 0
    assert f"= {gl.add(gl.load_pretrained(), 65535, 1)}" in capsys.readouterr().out


@pytest.mark.parametrize("command", ["notebooks", "lab"])
def test_an_empty_folder_is_refused_not_the_current_one(tmp_path, capsys, monkeypatch, command):
    # Path("") is "." : `notebooks ''` copied the course into the current folder (item 12).
    monkeypatch.chdir(tmp_path)
    assert cli.main([command, "", "--no-browser"] if command == "lab" else [command, ""]) == 2
    assert_one_line(capsys.readouterr().err, 2, 2, "folder name is empty")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("text", ["٣", " 16", "+16", "1_6", "16.0", "0" * 5000 + "1"])
def test_size_options_take_ascii_digits_only(capsys, text):
    # int() takes all of these; the operands' parser refuses them, and so do the options now.
    assert cli.main(["train", "--bits", text, "--max-steps", "1", "--no-progress"]) == 2
    assert_one_line(capsys.readouterr().err, 2, 2, "--bits: expected a whole number from 1 to")
    assert cli.main(["gradcheck", "--seed", text]) == 2
    assert_one_line(capsys.readouterr().err, 2, 2, "--seed: expected a whole number >= 0")
