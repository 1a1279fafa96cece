"""The command line: ``python -m gru_lesson <command>`` (also installed as ``gru-lesson``).

    python -m gru_lesson add 65535 1                 # the shipped net's sum, bit by bit
    python -m gru_lesson add 6 3 --weights my.npz    # the same with your own weights
    python -m gru_lesson train --bits 16 --seed 3 --output my.npz
    python -m gru_lesson reproduce-seed              # the seed's experiment, both decodings
    python -m gru_lesson gradcheck                   # backward vs finite differences
    gru-lesson notebooks DIR                         # copy the course's notebooks into DIR
    gru-lesson lab [DIR]                             # ... and start JupyterLab there

A user's mistake (a negative number, text, a missing argument, a broken weights file) gives one
line on stderr and exit status 2, never a traceback.
"""

import argparse
import sys

MAX_BITS = 256            # the CLI adds numbers up to 2^256 - 1 (the net itself has no limit)


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line: 'python -m gru_lesson add: error: ...'."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


class UsageError(Exception):
    """A mistake in the user's input: reported in one line, exit status 2."""


def main(argv=None):
    parser = _build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help(sys.stderr)
        return 2
    try:
        return args.run(args)
    except (UsageError, ValueError) as e:
        print(f"{parser.prog} {args.command}: error: {_one_line(e)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"{parser.prog} {args.command}: interrupted", file=sys.stderr)
        return 130


def _build_parser():
    p = _Parser(prog="python -m gru_lesson",
                description="A GRU that adds binary numbers: use it, train it, check it.")
    sub = p.add_subparsers(dest="command", metavar="command", parser_class=_Parser)

    q = sub.add_parser("add", help="add two numbers with the trained net, bit by bit",
                       description="Add A + B with the net (the shipped weights unless --weights "
                                   f"is given) and show the working. Numbers up to {MAX_BITS} "
                                   "bits, decimal or with a 0x/0b prefix.")
    q.add_argument("A", help="a non-negative integer")
    q.add_argument("B", help="a non-negative integer")
    q.add_argument("--weights", metavar="FILE", help="an .npz written by gl.save_params")
    q.set_defaults(run=_cmd_add)

    q = sub.add_parser("train", help="train an adder and save it",
                       description="Train with gl.train (batched Adam, early stop when the "
                                   "held-out random pairs and the carry-chain set are all right).")
    q.add_argument("--bits", type=_positive_int, default=16, help="operand bits (default 16)")
    q.add_argument("--hidden-size", type=_positive_int, default=16, help="H (default 16)")
    q.add_argument("--seed", type=_natural_int, default=0, help="random seed (default 0)")
    q.add_argument("--max-steps", type=_positive_int, default=5000,
                   help="give up after this many steps (default 5000)")
    q.add_argument("--output", metavar="FILE", help="save the weights here (.npz)")
    q.add_argument("--no-progress", action="store_true", help="no progress bar")
    q.set_defaults(run=_cmd_train)

    q = sub.add_parser("reproduce-seed", help="run the seed's experiment (GRUtest.m)",
                       description="The seed's training, verbatim: per-sample SGD, no biases, "
                                   "16 steps. Prints held-out accuracy with both decodings.")
    q.add_argument("--iterations", type=_positive_int, default=10_000,
                   help="SGD iterations (default 10000, as in the seed)")
    q.add_argument("--seed", type=_natural_int, default=0, help="random seed (default 0)")
    q.add_argument("--no-progress", action="store_true", help="no progress bar")
    q.set_defaults(run=_cmd_reproduce_seed)

    q = sub.add_parser("gradcheck", help="check backward against finite differences",
                       description="gl.check_gradients on a small random net with biases "
                                   "(D=3, H=5, O=2, T=4, N=3: non-square on purpose).")
    q.add_argument("--seed", type=_natural_int, default=0, help="random seed (default 0)")
    q.add_argument("--loss", choices=("half_squared_error", "bce"), default="half_squared_error")
    q.set_defaults(run=_cmd_gradcheck)

    from . import course  # notebooks, lab: the course from pip (course.py)

    course.add_subcommands(sub)
    return p


# ----------------------------------------------------------------------------------- commands

def _cmd_add(args):
    import gru_lesson as gl

    a, b = _parse_operand(args.A, "A"), _parse_operand(args.B, "B")
    params = gl.load_params(args.weights) if args.weights else gl.load_pretrained()
    det = gl.add_details(params, a, b)
    verdict = "correct" if det.correct else "WRONG"
    source = args.weights or "the shipped weights"
    steps = f"{det.T} step" + ("s" if det.T != 1 else "")
    print(f"net:   {a} + {b} = {det.answer}   ({verdict}; {source}, {steps}, LSB first)")
    print(f"true:  {a} + {b} = {det.true_sum}")
    print()
    print(det.table())
    return 0


def _cmd_train(args):
    import gru_lesson as gl

    if args.output:
        _check_writable(args.output)
    params, history = gl.train(bits=args.bits, hidden_size=args.hidden_size, seed=args.seed,
                               max_steps=args.max_steps, progress=not args.no_progress)
    acc = history.final_accuracy
    carry = acc.get("carry", float("nan"))
    carry_text = f"{carry:.1%}" if carry == carry else "not measured (random pairs not all right)"
    status = (f"solved at step {history.solved_step}" if history.solved_step
              else f"NOT solved in {history.steps} steps")
    print(f"trained {args.bits}-bit adder, H={args.hidden_size}, seed {args.seed}: {status} "
          f"({history.time[-1]:.1f} s)")
    print(f"held-out random 16-bit pairs: {acc.get('random', float('nan')):.1%} exact")
    print(f"carry-chain set:              {carry_text} exact")
    if args.output:
        meta = {"bits": args.bits, "hidden_size": args.hidden_size, "seed": args.seed,
                "steps": history.steps, "accuracy": acc,
                "trainer": "python -m gru_lesson train"}
        gl.save_params(params, args.output, metadata=meta)
        print(f"saved to {args.output}")
    return 0 if history.solved_step else 1


def _cmd_reproduce_seed(args):
    import gru_lesson as gl

    _, history = gl.train_seed(iterations=args.iterations, seed=args.seed,
                               progress=not args.no_progress)
    acc = history.final_accuracy
    print(f"the seed's experiment: {history.steps} SGD iterations in {history.time[-1]:.1f} s "
          f"({1e3 * history.time[-1] / history.steps:.2f} ms each, checkpoints included)")
    print("exact sums on the 1,000 held-out 16-bit pairs:")
    print(f"  threshold y > 0.5            {acc['threshold']:7.1%}"
          + (f"   (100% from step {history.solved_step})" if history.solved_step else ""))
    print(f"  MATLAB round (the seed's)    {acc['matlab_round']:7.1%}")
    print("They differ only where y = 0.5 exactly: with no biases and h_0 = 0, a run of leading "
          "(0, 0) inputs\ngives y = sigmoid(0) = 0.5 whatever the weights, and round(0.5) = 1.")
    return 0


def _cmd_gradcheck(args):
    import numpy as np

    import gru_lesson as gl

    rng = np.random.default_rng(args.seed)
    D, H, O, T, N = 3, 5, 2, 4, 3
    params = gl.init_params(D, H, O, bias=True, rng=rng)
    x = rng.normal(size=(T, N, D))
    d = rng.random(size=(T, N, O)) if args.loss == "half_squared_error" else \
        (rng.random(size=(T, N, O)) < 0.5).astype(float)
    report = gl.check_gradients(params, x, d, loss=args.loss, rng=rng)
    print(f"gradient check: D={D}, H={H}, O={O}, T={T}, N={N}, biases on, loss {args.loss}")
    print(report.table())
    return 0 if report.passed else 1


# ----------------------------------------------------------------------------------- helpers

def _parse_operand(text, name):
    s = text.strip().replace("_", "")
    if len(s) > MAX_BITS + 2:                     # longer than 0b + 256 binary digits
        raise UsageError(f"{name} is {len(s)} characters long; this command adds numbers up "
                         f"to {MAX_BITS} bits (2^{MAX_BITS} - 1)")
    try:
        if s[:2].lower() in ("0x", "0b", "0o"):
            value = int(s, 0)
        else:
            value = int(s, 10)          # raises for '1.5', 'abc', ''; '-3' comes back negative
    except ValueError:
        raise UsageError(f"{name} must be a non-negative whole number (like 65535 or 0xffff), "
                         f"got {_short(text)!r}") from None
    if value < 0:
        raise UsageError(f"{name} must be non-negative, got {value}; the net adds 0, 1, 2, ...")
    if value.bit_length() > MAX_BITS:
        raise UsageError(f"{name} has {value.bit_length()} bits; this command adds numbers up "
                         f"to {MAX_BITS} bits (2^{MAX_BITS} - 1); use gl.add in Python for more")
    return value


def _positive_int(text):
    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive whole number, got {text!r}") \
            from None
    if v < 1:
        raise argparse.ArgumentTypeError(f"expected a positive whole number, got {text!r}")
    return v


def _natural_int(text):
    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 0, got {text!r}") from None
    if v < 0:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 0, got {text!r}")
    return v


def _check_writable(path):
    import pathlib

    p = pathlib.Path(path)
    directory = p.parent if str(p.parent) else pathlib.Path(".")
    if not directory.is_dir():
        raise UsageError(f"cannot write {path}: directory {directory} does not exist")
    if p.is_dir():
        raise UsageError(f"cannot write {path}: it is a directory")


def _short(text, n=40):
    return text if len(text) <= n else text[:n] + "..."


def _one_line(e):
    text = str(e).strip() or type(e).__name__
    return " ".join(text.split())
