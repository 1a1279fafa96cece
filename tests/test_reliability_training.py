"""Reliability of training (issue 16): exact targets at any width (1), limits with a message
instead of a MemoryError (4), the summary's wording (13), gl.train's arguments (14) and the
same behaviour, not the same bytes, on another BLAS kernel (3)."""

import contextlib
import os
import resource
import subprocess
import sys

import numpy as np
import pytest

import gru_lesson as gl
from gru_lesson import cli
from gru_lesson.addition import batches
from gru_lesson.addition.batches import CarryStreams, TrainingBatches, _sum_bits


def _ints(bit_rows):
    """Python ints of LSB-first bit rows (n, L), exact at any width."""
    return [sum(int(v) << i for i, v in enumerate(row)) for row in bit_rows]


# ------------------------------------------------------------------ 1: targets at any width

@pytest.mark.parametrize("L, T", [(1, 2), (16, 17), (31, 32), (32, 33), (33, 34), (62, 63),
                                  (63, 64), (64, 65), (64, 64), (128, 129), (200, 201)])
def test_sum_bits_is_exact_at_any_width(L, T):
    rng = np.random.default_rng(L)
    a = rng.integers(0, 2, size=(40, L), dtype=np.int8)
    b = rng.integers(0, 2, size=(40, L), dtype=np.int8)
    a[0], b[0] = 1, 1                                        # all ones: the longest carry
    carry = rng.integers(0, 2, size=40).astype(np.int8)
    got = _sum_bits(a, b, carry, T)
    want = [p + q + int(c) for p, q, c in zip(_ints(a), _ints(b), carry, strict=True)]
    assert _ints(got) == [s % (1 << T) for s in want]


@pytest.mark.parametrize("bits", [16, 63, 64, 128])
def test_training_minibatches_hold_the_true_sums(bits):
    """At 64 bits 1 of 48 sums was wrong, at 128 bits 26 of 48 (int64 weights overflowed)."""
    tb = TrainingBatches(bits, 48, np.random.default_rng(0))
    for _ in range(3):
        x, d = tb.next()
        a, b = _ints(x[:, :, 0].T), _ints(x[:, :, 1].T)
        assert _ints(d[:, :, 0].T) == [p + q for p, q in zip(a, b, strict=True)]


@pytest.mark.parametrize("T", [17, 63, 64, 65])
def test_carry_streams_hold_the_true_sums_across_windows(T):
    streams = CarryStreams(24, T, 3, np.random.default_rng(T))
    for _ in range(8):
        carry_in = np.where(streams.left == 0, 0, streams.carry)   # a new run starts at 0
        x, d, _ = streams.next()
        a, b = _ints(x[:, :, 0].T), _ints(x[:, :, 1].T)
        got = [s + (int(c) << T) for s, c in zip(_ints(d[:, :, 0].T), streams.carry,
                                                  strict=True)]
        assert got == [p + q + int(c) for p, q, c in zip(a, b, carry_in, strict=True)]


def test_train_runs_at_64_bits():
    params, history = gl.train(bits=64, hidden_size=4, max_steps=2, check_every=0,
                               progress=False)
    assert history.steps == 2 and np.all(np.isfinite(history.loss))


# ------------------------------------------------------------------ 4: limits

@contextlib.contextmanager
def memory_cap(extra=2 ** 30):
    """At most ``extra`` more bytes of address space while inside: should a limit regress, the
    test gets a MemoryError instead of the machine's memory."""
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    with open("/proc/self/statm") as f:
        used = int(f.read().split()[0]) * resource.getpagesize()
    cap = used + extra if hard == resource.RLIM_INFINITY else min(used + extra, hard)
    resource.setrlimit(resource.RLIMIT_AS, (cap, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


@pytest.mark.parametrize("kwargs, says", [
    ({"hidden_size": 1_000_000}, "hidden_size must be at most 1,024"),
    ({"bits": 100_000_000}, "bits must be at most 1,024"),
    ({"batch_size": 10 ** 9}, "batch_size must be at most 4,096"),
    ({"max_steps": 10 ** 12}, "max_steps must be at most 1,000,000"),
    ({"bits": 1000, "hidden_size": 1000}, "over the limit of 8,388,608"),
    ({"batch_size": 4096, "hidden_size": 1024}, "make one of them smaller"),
])
def test_train_refuses_sizes_past_the_limits(kwargs, says):
    with memory_cap(), pytest.raises(ValueError, match=says) as err:
        gl.train(progress=False, **kwargs)
    assert "\n" not in str(err.value)


def test_train_seed_refuses_too_many_iterations():
    with memory_cap(), pytest.raises(ValueError, match="iterations must be at most 1,000,000"):
        gl.train_seed(iterations=10 ** 12, progress=False)


def test_the_largest_allowed_sizes_are_accepted_by_the_check():
    limits = (batches.MAX_BITS, 1, batches.MAX_BATCH // 2, batches.MAX_STEPS)
    assert batches.check_sizes(*limits) == limits           # 1025 x 2048 x 1 is within 2^23


def test_the_cli_states_the_same_limits_as_the_trainer():
    assert (cli.MAX_TRAIN_BITS, cli.MAX_HIDDEN, cli.MAX_STEPS, cli.MAX_STEP_STATE) == (
        batches.MAX_BITS, batches.MAX_HIDDEN, batches.MAX_STEPS, batches.MAX_STEP_STATE)
    import inspect
    assert inspect.signature(gl.train).parameters["batch_size"].default == cli.BATCH


@pytest.mark.parametrize("args, says", [
    (["train", "--hidden-size", "1000000"], "--hidden-size: expected a whole number from 1 to"),
    (["train", "--bits", "100000000"], "--bits: expected a whole number from 1 to 1,024"),
    (["train", "--max-steps", str(10 ** 12)], "--max-steps"),
    (["train", "--bits", "1000", "--hidden-size", "1000"], "over the limit"),
    (["reproduce-seed", "--iterations", str(10 ** 12)], "--iterations"),
])
def test_cli_refuses_sizes_past_the_limits(capsys, args, says):
    with memory_cap():
        assert cli.main(args) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and len(captured.err.strip().splitlines()) == 1
    assert says in captured.err


def test_cli_help_documents_the_limits(capsys):
    cli.main(["train", "--help"])
    out = " ".join(capsys.readouterr().out.split())
    assert "at most 1024" in out and "at most 1,000,000" in out and "8,388,608" in out
    cli.main(["--help"])
    out = " ".join(capsys.readouterr().out.split())
    assert "below 2^256" in out and "64 MiB" in out and "at most 1024" in out


# ------------------------------------------------------------------ 13: the summary's wording

class _History:
    def __init__(self, steps, random, carry, solved=None):
        self.steps, self.solved_step, self.time = steps, solved, [0.01] * steps
        self.final_accuracy = {"random": random, "carry": carry}


class _Args:
    bits, hidden_size, seed = 4, 16, 0


def test_training_summary_says_what_was_measured():
    text = cli._train_summary(_Args, _History(1, 0.25, float("nan")))
    assert "NOT solved in 1 step " in text                   # not "1 steps"
    carry_line = text.splitlines()[2]
    assert "not measured" in carry_line and "exact" not in carry_line
    assert "nan" not in text
    solved = cli._train_summary(_Args, _History(300, 1.0, 1.0, solved=300))
    assert "solved at step 300" in solved and "carry-chain set:              100.0% exact" in solved


def test_progress_bar_shows_no_nan_percent():
    out = subprocess.run([sys.executable, "-m", "gru_lesson", "train", "--bits", "4",
                          "--max-steps", "50"], capture_output=True, text=True, timeout=120)
    assert "carry=not yet" in out.stderr and "nan%" not in out.stderr
    assert "steps" in out.stdout and "nan" not in out.stdout


# ------------------------------------------------------------------ 14: gl.train's arguments

def test_train_accepts_numpy_learning_rates():
    _, history = gl.train(bits=4, hidden_size=3, max_steps=2, check_every=0, progress=False,
                          lr=np.float32(0.04))
    assert history.steps == 2
    _, history = gl.train(bits=4, hidden_size=3, max_steps=2, check_every=0, progress=False,
                          lr=np.float64(0.01))
    assert history.steps == 2


@pytest.mark.parametrize("lr", [0, -0.1, float("nan"), float("inf"), True, "0.04", 10])
def test_train_refuses_bad_learning_rates(lr):
    with pytest.raises(ValueError, match="lr must be"):
        gl.train(bits=4, max_steps=2, progress=False, lr=lr)


@pytest.mark.parametrize("callback", [5, "stop", [print]])
def test_train_refuses_a_callback_that_is_not_callable(callback):
    with pytest.raises(ValueError, match="callback must be a function"):
        gl.train(bits=4, max_steps=2, progress=False, callback=callback)


# ------------------------------------------------------------------ 3: another BLAS kernel

def test_another_blas_kernel_gives_the_same_behaviour():
    """Bytes may differ under another OpenBLAS kernel; what the net does must not."""
    code = ("import gru_lesson as gl\n"
            "p, h = gl.train(bits=8, seed=0, progress=False)\n"
            "print(h.solved_step is not None, gl.add(p, 65535, 1), gl.add(p, 96, 63))\n")
    env = dict(os.environ, OPENBLAS_CORETYPE="Haswell")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=300, env=env)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["True", "65536", "159"]


@pytest.mark.parametrize("bits, N, H", [(63, 64, 256), (255, 64, 32)])
def test_step_bytes_is_what_a_training_step_allocates(bits, N, H):
    # The limits' messages, README and --help quote batches.step_bytes: it must be measured.
    import tracemalloc
    rng = np.random.default_rng(0)
    params = gl.init_params(2, H, 1, rng=rng)
    x = rng.integers(0, 2, (bits + 1, N, 2)).astype(float)
    d = rng.integers(0, 2, (bits + 1, N, 1)).astype(float)
    tracemalloc.start()
    try:
        gl.loss_and_grads(params, x, d, loss="bce")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert 0.85 < peak / batches.step_bytes(bits, N, H) < 1.15


def test_the_largest_training_step_fits_the_stated_memory():
    # At the cap, H = 1024 is the worst case: what README and --help say ("up to 1.7 GB").
    worst = max(batches.step_bytes(batches.MAX_STEP_STATE // (64 * H) - 1, 64, H)
                for H in (1, 16, 128, 1024))
    assert 1.6e9 < worst < 1.75e9
    assert "up to 1.7 GB" in " ".join(cli.__doc__.split())
