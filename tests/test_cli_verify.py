"""``python -m gru_lesson verify``: both checks printed, exit 1 on a wrong sum, 2 on bad input."""

import subprocess
import sys

import pytest

import gru_lesson as gl
from gru_lesson import cli
from gru_lesson.addition import verify
from gru_lesson.cli import main


def run(*args):
    return subprocess.run([sys.executable, "-m", "gru_lesson", *args],
                          capture_output=True, text=True, timeout=120)


def one_line_error(out, *words):
    assert out.returncode == 2, out
    assert out.stdout == "" or "checking" in out.stdout
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in out.stderr, out.stderr
    for w in words:
        assert w in lines[0], lines[0]


@pytest.fixture(scope="module")
def broken_file(tmp_path_factory):
    """The shipped net with its output bias lowered by 25: some small sums come out wrong."""
    params = gl.load_pretrained()
    params["by"] = params["by"] - 25.0
    path = tmp_path_factory.mktemp("w") / "broken.npz"
    gl.save_params(params, path)
    return path, params


def test_verify_the_shipped_net_prints_both_checks():
    out = run("verify", "--bits", "5", "--hard-bits", "24")
    assert out.returncode == 0 and out.stderr == "", out
    text = out.stdout
    assert "hardest sums of 24-bit operands" in text and "WRONG" not in text
    assert "all 1,024 sums of operands below 2^5 are right" in text
    assert "verdict: no wrong sum found" in text
    margins = [float(line.split()[1]) for line in text.splitlines()
               if line.startswith("  margin ")]
    assert len(margins) == 5 and margins == sorted(margins) and margins[0] > 0


def test_verify_a_broken_net_names_wrong_sums_and_exits_1(broken_file, capsys):
    path, params = broken_file
    assert main(["verify", "--weights", str(path), "--bits", "4", "--hard-bits", "16"]) == 1
    text = capsys.readouterr().out
    assert "verdict: the net gets some sums WRONG" in text
    exhaustive = next(line for line in text.splitlines() if line.startswith("exhaustive:"))
    assert "are WRONG, e.g." in exhaustive
    example = exhaustive.split("e.g. ")[1].split(",")[0]          # "a + b"
    a, b = (int(v) for v in example.split(" + "))
    assert gl.add(params, a, b) != a + b                            # really wrong


@pytest.mark.parametrize("args, words", [
    (["--bits", "0"], ["--bits", "from 1 to 14"]),
    (["--bits", "15"], ["--bits", "from 1 to 14"]),
    (["--bits", "twelve"], ["--bits"]),
    (["--hard-bits", "4097"], ["--hard-bits", "from 1 to 4,096"]),
    (["--weights", "/nonexistent/w.npz"], ["w.npz"]),
])
def test_verify_bad_input_is_one_line_and_status_2(args, words):
    one_line_error(run("verify", *args), *words)


def test_verify_refuses_a_net_of_the_wrong_shape(tmp_path, capsys):
    path = tmp_path / "wide.npz"
    gl.save_params(gl.init_params(3, 4, 1, rng=0), path)
    assert main(["verify", "--weights", str(path), "--bits", "3"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "2 inputs and 1 output" in err[0]


def test_cli_limits_are_the_library_limits():
    assert cli.VERIFY_MAX_BITS == verify.EXHAUSTIVE_MAX_BITS
    assert cli.HARD_MAX_BITS == verify.HARDEST_MAX_BITS
