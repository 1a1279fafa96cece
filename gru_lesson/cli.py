"""The command line: ``python -m gru_lesson <command>`` (also installed as ``gru-lesson``).

    python -m gru_lesson add 65535 1                 # the shipped net's sum, bit by bit
    python -m gru_lesson add 6 3 --weights my.npz    # the same with your own weights
    python -m gru_lesson train --bits 16 --seed 3 --output my.npz
    python -m gru_lesson reproduce-seed              # the seed's experiment, both decodings
    python -m gru_lesson gradcheck                   # backward vs finite differences
    gru-lesson notebooks DIR                         # copy the course's notebooks into DIR
    gru-lesson lab [DIR]                             # ... and start JupyterLab there

A user's mistake (a negative number, text, a missing argument, a broken weights file, a size
past the limits below) gives one line on stderr and exit status 2, never a traceback. The
environment gets a quiet exit too: Ctrl-C (status 130), a closed pipe such as ``| head -1``
(status 141, nothing printed) and a full disk on stdout (one line, status 1).

Limits (``train``): --bits <= 1024, --hidden-size <= 1024, --max-steps <= 1,000,000, and
(bits + 1) x 64 x hidden-size <= 2^23 (one step then needs up to 1.7 GB); ``reproduce-seed``:
--iterations <= 1,000,000; ``add``: numbers below 2^256; weights files up to 64 MiB.
"""

import argparse
import os
import re
import sys

MAX_BITS = 256            # the CLI adds numbers up to 2^256 - 1 (the net itself has no limit)
# Training limits: gru_lesson.addition.batches holds the same numbers (a test keeps them equal);
# written out here so that --help needs no NumPy.
MAX_TRAIN_BITS = 1024
MAX_HIDDEN = 1024
MAX_STEPS = 1_000_000
BATCH = 64                # gl.train's default batch_size, which the CLI uses
MAX_STEP_STATE = 2 ** 23
# verify --bits and --hard-bits: gru_lesson.addition.verify's limits (a test keeps them equal)
VERIFY_MAX_BITS = 14
HARD_MAX_BITS = 4096


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line: 'python -m gru_lesson add: error: ...'."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")

    def _print_message(self, message, file=None):
        # argparse drops a failed write of --help without a word; let main() report it.
        file = file or sys.stderr
        if message and file is not None:
            file.write(message)


class UsageError(Exception):
    """A mistake in the user's input: reported in one line, exit status 2."""


def main(argv=None):
    """Run one command; returns the exit status (argparse's own usage errors exit with 2)."""
    try:
        try:
            status = _run(argv)
        except SystemExit as e:                # argparse: --help, or a usage error (status 2)
            status = e.code
        if sys.stdout is not None:             # None when started with stdout closed (>&-)
            sys.stdout.flush()                 # a full disk or a closed pipe shows up here
        return status
    except KeyboardInterrupt:                  # Ctrl-C, even while NumPy is loading
        print("python -m gru_lesson: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:                    # `... | head -1` closed our stdout: not an error
        _drop_stdout()
        return 128 + 13                        # as if killed by SIGPIPE, like other commands
    except OSError as e:                       # stdout on a full disk, /dev/full, ...
        _drop_stdout()
        print(f"python -m gru_lesson: error: cannot write the output: {e.strerror or e}",
              file=sys.stderr)
        return 1


def _run(argv):
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


def _drop_stdout():
    """Point stdout at /dev/null, so that Python's own flush at exit has nothing to fail on."""
    try:
        fd = os.open(os.devnull, os.O_WRONLY)
        os.dup2(fd, sys.stdout.fileno())
        os.close(fd)
    except (OSError, ValueError, AttributeError):     # stdout is not a real file (e.g. pytest)
        pass


def _build_parser():
    p = _Parser(prog="python -m gru_lesson",
                description="A GRU that adds binary numbers: use it, train it, check it.",
                epilog=f"Limits: add takes numbers below 2^{MAX_BITS} and weights files up to "
                       f"64 MiB; train --bits and --hidden-size at most {MAX_TRAIN_BITS}, "
                       f"--max-steps and reproduce-seed --iterations at most {MAX_STEPS:,} "
                       "(see each command's --help). Bad input: one line, exit status 2; "
                       "Ctrl-C: 130; a closed pipe: 141.")
    sub = p.add_subparsers(dest="command", metavar="command", parser_class=_Parser)

    q = sub.add_parser("add", help="add two numbers with the trained net, bit by bit",
                       description="Add A + B with the net (the shipped weights unless --weights "
                                   f"is given) and show the working. Numbers below 2^{MAX_BITS} "
                                   "(at most 256 bits), decimal or with a 0x/0b/0o prefix.")
    # "-5" and "-0x5" are operands (refused with a message), not unknown options:
    q._negative_number_matcher = re.compile(r"^-[0-9.]")
    q.add_argument("A", help="a non-negative integer")
    q.add_argument("B", help="a non-negative integer")
    q.add_argument("--weights", metavar="FILE", type=_file_name,
                   help="an .npz written by gl.save_params (at most 64 MiB)")
    q.set_defaults(run=_cmd_add)

    q = sub.add_parser("train", help="train an adder and save it",
                       description="Train with gl.train (batched Adam, early stop on a "
                                   "validation set: random pairs, small sums, carry chains and "
                                   "the hardest-sum margin; then a separate test set). "
                                   f"Limits: (bits + 1) x {BATCH} x hidden-size <= "
                                   f"{MAX_STEP_STATE:,} (one step then needs up to 1.7 GB).")
    q.add_argument("--bits", type=_positive_int(MAX_TRAIN_BITS), default=16,
                   help=f"operand bits (default 16, at most {MAX_TRAIN_BITS})")
    q.add_argument("--hidden-size", type=_positive_int(MAX_HIDDEN), default=16,
                   help=f"H (default 16, at most {MAX_HIDDEN})")
    q.add_argument("--seed", type=_natural_int, default=0, help="random seed (default 0)")
    q.add_argument("--max-steps", type=_positive_int(MAX_STEPS), default=5000,
                   help=f"give up after this many steps (default 5000, at most {MAX_STEPS:,})")
    q.add_argument("--output", metavar="FILE", type=_file_name,
                   help="save the weights here (.npz); checked before training starts")
    q.add_argument("--no-progress", action="store_true", help="no progress bar")
    q.set_defaults(run=_cmd_train)

    q = sub.add_parser("reproduce-seed", help="run the seed's experiment (GRUtest.m)",
                       description="The seed's training, verbatim: per-sample SGD, no biases, "
                                   "16 steps. Prints held-out accuracy with both decodings.")
    q.add_argument("--iterations", type=_positive_int(MAX_STEPS), default=10_000,
                   help=f"SGD iterations (default 10000, as in the seed; at most {MAX_STEPS:,})")
    q.add_argument("--seed", type=_natural_int, default=0, help="random seed (default 0)")
    q.add_argument("--no-progress", action="store_true", help="no progress bar")
    q.set_defaults(run=_cmd_reproduce_seed)

    q = sub.add_parser("gradcheck", help="check backward against finite differences",
                       description="gl.check_gradients on a small random net with biases "
                                   "(D=3, H=5, O=2, T=4, N=3: non-square on purpose).")
    q.add_argument("--seed", type=_natural_int, default=0, help="random seed (default 0)")
    q.add_argument("--loss", choices=("half_squared_error", "bce"), default="half_squared_error")
    q.set_defaults(run=_cmd_gradcheck)

    q = sub.add_parser("verify", help="check that a net really adds (hardest sums, every "
                                      "small sum)",
                       description="Two checks a random sample cannot replace: gl.hardest_sums "
                                   "(a beam search for the sums closest to failing) and "
                                   "gl.verify_exhaustive (every a, b < 2^K; K = 12 is 16.7 "
                                   "million sums, some 10-30 s). Exit status 1 if a sum is wrong.")
    q.add_argument("--weights", metavar="FILE", type=_file_name,
                   help="an .npz written by gl.save_params (default: the shipped weights)")
    q.add_argument("--bits", type=_positive_int(VERIFY_MAX_BITS), default=12, metavar="K",
                   help=f"check every sum of operands below 2^K (default 12, at most "
                        f"{VERIFY_MAX_BITS})")
    q.add_argument("--hard-bits", type=_positive_int(HARD_MAX_BITS), default=64, metavar="N",
                   help=f"operand bits of the hardest-sums search (default 64, at most "
                        f"{HARD_MAX_BITS:,})")
    q.set_defaults(run=_cmd_verify)

    from . import course  # notebooks, lab: the course from pip (course.py)

    course.add_subcommands(sub)
    return p


# ----------------------------------------------------------------------------------- commands

def _cmd_add(args):
    import gru_lesson as gl
    from gru_lesson.addition.data import parse_number

    a, b = (parse_number(text, name, MAX_BITS, prefixes=True)
            for text, name in ((args.A, "A"), (args.B, "B")))
    params = gl.load_params(args.weights) if args.weights is not None else gl.load_pretrained()
    det = gl.add_details(params, a, b)
    verdict = "correct" if det.correct else "WRONG"
    source = args.weights or "the shipped weights"
    steps = _count(det.T, "step")
    print(f"net:   {a} + {b} = {det.answer}   ({verdict}; {source}, {steps}, LSB first)")
    print(f"true:  {a} + {b} = {det.true_sum}")
    print()
    print(det.table())
    return 0


def _cmd_train(args):
    import gru_lesson as gl
    from gru_lesson.engine.checks import check_writable

    if args.output is not None:
        check_writable(args.output, "--output")         # before training, not after it
    state = (args.bits + 1) * BATCH * args.hidden_size
    if state > MAX_STEP_STATE:
        raise UsageError(f"--bits {args.bits} with --hidden-size {args.hidden_size} is too big: "
                         f"(bits + 1) x {BATCH} x hidden-size = {state:,} is over the limit of "
                         f"{MAX_STEP_STATE:,} (over 0.6 GB per step); make one of them smaller")
    params, history = gl.train(bits=args.bits, hidden_size=args.hidden_size, seed=args.seed,
                               max_steps=args.max_steps, progress=not args.no_progress)
    print(_train_summary(args, history))
    if args.output is not None:
        meta = {"bits": args.bits, "hidden_size": args.hidden_size, "seed": args.seed,
                "steps": history.steps, "accuracy": history.final_accuracy,
                "test_accuracy": history.test_accuracy,
                "trainer": "python -m gru_lesson train"}
        gl.save_params(params, args.output, metadata=meta)    # a failure: one line, status 2
        print(f"saved to {args.output}")
    return 0 if history.solved_step else 1


def _train_summary(args, history):
    """Solved or not; the validation checks that decided it (random pairs, carry chains, small
    sums, the hardest-sum margin) as measured; then the test set, measured once at the end."""
    acc = history.final_accuracy
    random_acc, carry = acc.get("random", float("nan")), acc.get("carry", float("nan"))
    status = (f"solved at step {history.solved_step}" if history.solved_step
              else f"NOT solved in {_count(history.steps, 'step')}")
    random_text = f"{random_acc:.1%} exact" if random_acc == random_acc else "not measured"
    carry_text = (f"{carry:.1%} exact" if carry == carry
                  else "not measured (it runs once the random pairs are all right)")
    lines = [f"trained {args.bits}-bit adder, H={args.hidden_size}, seed {args.seed}: {status} "
             f"({history.time[-1]:.1f} s)",
             f"validation random 16-bit:     {random_text}",
             f"carry-chain set:              {carry_text}"]
    small = acc.get("small", float("nan"))
    margins = [m for m in getattr(history, "margin", []) if m == m]
    if "small" in acc:
        lines.append("small sums (a, b < 64):       " + (f"{small:.1%} exact" if small == small
                                                         else "not measured"))
        from gru_lesson.addition.train import MIN_MARGIN

        lines.append("hardest-sum margin:           "
                     + (f"{margins[-1]:.2f} (training stops at {MIN_MARGIN:.2f} or more)"
                        if margins else "not measured"))
    test = getattr(history, "test_accuracy", {})
    if test:
        lines.append(f"test, never used to stop:     {test['random']:.1%} of the 1,000 held-out "
                     f"16-bit pairs, {test['long']:.1%} of 1,000 random 64-bit pairs")
    return "\n".join(lines)


def _count(n, noun):
    """'1 step', '3 steps'."""
    return f"{n:,} {noun}" + ("" if n == 1 else "s")


def _cmd_reproduce_seed(args):
    import gru_lesson as gl

    _, history = gl.train_seed(iterations=args.iterations, seed=args.seed,
                               progress=not args.no_progress)
    acc = history.final_accuracy
    print(f"the seed's experiment: {_count(history.steps, 'SGD iteration')} in "
          f"{history.time[-1]:.1f} s "
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


def _cmd_verify(args):
    import gru_lesson as gl

    params = gl.load_params(args.weights) if args.weights is not None else gl.load_pretrained()
    source = args.weights or "the shipped weights"
    print(f"checking {source} (H = {params['Uz'].shape[0]})")
    hard = gl.hardest_sums(params, bits=args.hard_bits, n=5)
    wrong_hard = [h for h in hard if not h.correct]
    print(f"hardest sums of {args.hard_bits}-bit operands (beam search; margin = smallest "
          f"signed output logit, < 0 is wrong):")
    for h in hard:
        print(f"  margin {h.margin:8.3f}   {h.a} + {h.b}" + ("" if h.correct else "   WRONG"))
    v = gl.verify_exhaustive(params, bits=args.bits)
    print(f"exhaustive: {v.summary()}")
    if wrong_hard or not v.exact:
        print("verdict: the net gets some sums WRONG")
        return 1
    print(f"verdict: no wrong sum found (all {v.checked:,} sums below 2^{args.bits} right; "
          f"the {args.hard_bits}-bit search is a heuristic, not a proof)")
    return 0


# ----------------------------------------------------------------------------------- helpers

def _positive_int(limit):
    """An argparse type: a whole number from 1 to limit, in the digits 0-9 only."""
    def parse(text):
        v = _digits(text)
        if v is None or not 1 <= v <= limit:
            raise argparse.ArgumentTypeError(f"expected a whole number from 1 to {limit:,}, "
                                             f"got {_short(text)!r}")
        return v
    return parse


def _natural_int(text):
    v = _digits(text)
    if v is None:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 0, got {_short(text)!r}")
    return v


def _digits(text):
    """The int that text spells in the ASCII digits 0-9, else None: not "+5", " 5", "1_0", "٣"
    (int() would take them all) nor a number of more than 4,300 digits."""
    if not (text.isascii() and text.isdigit()):
        return None
    try:
        return int(text)
    except ValueError:                           # Python's 4,300-digit limit
        return None


def _file_name(text):
    """An argparse type: a non-empty file name (an empty one is refused, not ignored)."""
    if not text.strip():
        raise argparse.ArgumentTypeError("expected a file name such as my_adder.npz, got ''")
    return text


def _short(text, n=40):
    return text if len(text) <= n else text[:n] + "..."


def _one_line(e):
    text = str(e).strip() or type(e).__name__
    return " ".join(text.split())
