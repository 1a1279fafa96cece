"""Precompute the "why gates" experiment: plain RNN vs GRU on the flagged-bit task.

    python scripts/why_gates_experiment.py                 # the full grid (about 20 min, 1 core)
    python scripts/why_gates_experiment.py --lags 5 10 --seeds 0 --out /tmp/small.json

Trains both models at every lag and seed (gru_lesson.teach.why_gates.run_experiment), again at
the longest lag with the learning rate nudged by one unit in the last place either way, and logs
one RNN run that solved the longest lag step by step; writes the results, the parameters used,
the date, the runtime, the logged run and the two nets trained at the longest lag to
gru_lesson/assets/why_gates.json (atomically), which notebook 07 loads. Step counts hold on the
machine and BLAS that made them; another BLAS kernel may give other ones (see notebook 07, 6).
"""

import argparse
import datetime
import json
import os
import pathlib
import platform
import sys
import tempfile
import time

import numpy as np

from gru_lesson.teach.why_gates import run_experiment

DEFAULT_OUT = pathlib.Path(__file__).resolve().parents[1] / "gru_lesson" / "assets" / \
    "why_gates.json"


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--lags", type=int, nargs="+", default=[5, 10, 20, 40, 80],
                   help="distractor steps between the flagged bit and the question")
    p.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    p.add_argument("--hidden-size", type=int, default=8)
    p.add_argument("--steps", type=int, default=10_000, help="Adam steps per run (the budget)")
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--lr", type=float, default=0.02)
    p.add_argument("--clip", type=float, default=1.0, help="global gradient-norm clipping")
    p.add_argument("--test-size", type=int, default=1000)
    p.add_argument("--out", type=pathlib.Path, default=DEFAULT_OUT)
    p.add_argument("--quiet", action="store_true")
    args = p.parse_args(argv)
    problems = []
    if any(v < 1 for v in args.lags):
        problems.append("--lags must be positive")
    if any(v < 0 for v in args.seeds):
        problems.append("--seeds must be non-negative")
    for name in ("hidden_size", "steps", "batch_size", "test_size"):
        if getattr(args, name) < 1:
            problems.append(f"--{name.replace('_', '-')} must be at least 1")
    if not (args.lr > 0 and args.clip > 0):
        problems.append("--lr and --clip must be positive")
    if not args.out.parent.is_dir():
        problems.append(f"--out: folder {args.out.parent} does not exist")
    if problems:
        p.error("; ".join(problems))          # one line on stderr, exit status 2
    return args


def write_atomically(path, text):
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    try:
        with os.fdopen(fd, "w") as f:
            f.write(text)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    start = time.perf_counter()
    results = run_experiment(args.lags, args.seeds, hidden_size=args.hidden_size,
                             steps=args.steps, batch_size=args.batch_size, lr=args.lr,
                             clip=args.clip, test_size=args.test_size,
                             progress=None if args.quiet else print)
    runtime = time.perf_counter() - start
    results.update({
        "created": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "runtime_seconds": round(runtime, 1),
        "command": "python scripts/why_gates_experiment.py " + " ".join(
            sys.argv[1:] if argv is None else argv),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, python "
                   f"{platform.python_version()}, numpy {np.__version__}",
    })
    write_atomically(args.out, json.dumps(results, indent=1) + "\n")
    print(f"wrote {args.out} ({runtime:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
