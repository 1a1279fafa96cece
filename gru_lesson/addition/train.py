"""Training a GRU to add fast: gl.train (the seed's own procedure is in seed_training.py).

    params, history = gl.train(bits=16)      # batched, biases, BCE, Adam (under a second)

``train`` is what a classroom wants: minibatches of 64, biases on, cross-entropy on the logits,
Adam (lr 0.04, beta2 0.98, gradient norm clipped at 1), and early stopping on a validation
set (below). Three
quarters of each minibatch are sums of up to ``bits``-bit operands with random lengths and extra
carry chains; one quarter are "carry streams", runs of (1, 0)/(0, 1) pairs that go on across
minibatches (truncated backprop through time: the hidden state is carried over, the gradient is
not). Without the streams a net trained on 16-bit sums adds random 256-bit numbers but, for
about one seed in four, loses a carry held for more than 30..150 steps: it learns a slow leak
instead of a true memory.

Neither ever trains on a held-out pair or a long carry-chain pair: such draws are rejected and
drawn again. Both are deterministic on one machine: the same seed gives byte-identical weights
with the same BLAS kernel. Another OpenBLAS kernel (e.g. OPENBLAS_CORETYPE=Haswell) rounds the
matrix products differently, so the same seed gives other weights (and may solve at another
step): test what the net does, never its bytes.

**Validation and test.** Training stops at the first checkpoint where four validation checks
pass, each run only once the ones before it do: 1,000 random 16-bit validation pairs, every
pair of operands below 2^6 (small numbers, which uniform 16-bit sampling almost never draws)
and the carry-chain set (chains up to 256 bits) all exact, AND the hardest sums that
``gl.hardest_sums`` finds over 16-bit operands with a margin of at least ``min_margin`` (2.0:
every output logit on the right side of 0 by 2, a probability within 0.12 of its bit).
Stopping as soon as 1,000 random pairs and the carry chains were right, as gl.train once did,
left 3 of seeds 0..19 wrong on 1 random 16-bit sum in 1,500 to 1 in 20,000. After training,
and never to decide anything, it measures a separate test set: the 1,000 held-out 16-bit pairs
(never trained on) and 1,000 random 64-bit pairs. The validation pairs are not excluded from
training (1,000 of the 4.3 billion 16-bit pairs: a run rarely draws one, and the small numbers
start every training sequence anyway).
"""

import functools
import time
from dataclasses import dataclass, field

import numpy as np

from ..engine.checks import flag, natural_int, positive_float, positive_int
from ..engine.fast import backward_from_logits, forward
from ..engine.losses import bce_with_logits
from ..engine.optim import Adam
from ..engine.params import as_generator, init_params
from .adder import PairScorer
from .batches import CarryStreams, TrainingBatches, check_sizes
from .data import carry_chain_pairs, held_out_pairs, random_pairs
from .verify import hardest_sums

STREAM_FRACTION = 0.25    # train: share of each minibatch given to carry streams
ADAM_BETA2 = 0.98         # train: Adam's second-moment decay (0.999 is Adam's usual default)
GRAD_CLIP = 1.0           # train: rescale the gradient to at most this global norm (None: off)
# train's validation set (it decides when to stop) and test set (measured once, at the end)
VALIDATION_SEED = 20_261_201      # the 1,000 random 16-bit validation pairs (not the held-out)
VALIDATION_SIZE = 1_000
SMALL_BITS = 6                    # validation: every pair a, b < 2^6
MARGIN_BITS = 16                  # validation: gl.hardest_sums over 16-bit operands ...
MARGIN_BEAM = 256                 # ... with this beam (a few ms) ...
MIN_MARGIN = 2.0                  # ... must find no margin below this
CHECKS = ("random", "small", "carry", "margin")   # in this order, each once the last passed
TEST_LONG_SEED = 64               # the test set's 1,000 random 64-bit pairs
TEST_LONG_BITS = 64


@dataclass
class History:
    """What happened during training, for plotting. Step k (1-based) is index k - 1.

    loss          : the loss after each step (train_seed: the seed's E of that sample;
                    train: mean cross-entropy per output bit of that minibatch)
    time          : elapsed seconds after each step (checkpoints included)
    checkpoints   : steps at which the validation set was measured
    accuracy      : VALIDATION {name: [exact-sum rate at each checkpoint]}; train: "random"
                    (1,000 random 16-bit validation pairs), "small" (every a, b < 2^6),
                    "carry" (the carry-chain set), each NaN where it was not measured (it runs
                    once the ones before it are all right); train_seed: "threshold",
                    "matlab_round" (both on the 1,000 held-out pairs)
    margin        : train: the smallest margin gl.hardest_sums found at each checkpoint (NaN
                    where it was not measured: it runs once the three sets are all right)
    test_accuracy : train: TEST {name: exact-sum rate}, measured once after training and never
                    used to stop: "random" (the 1,000 held-out 16-bit pairs, never trained
                    on), "long" (1,000 random 64-bit pairs); train_seed: {}
    solved_step   : first checkpoint where the goal was met (train: every validation check
                    passed; train_seed: threshold 100%), else None
    """

    loss: list = field(default_factory=list)
    time: list = field(default_factory=list)
    checkpoints: list = field(default_factory=list)
    accuracy: dict = field(default_factory=dict)
    margin: list = field(default_factory=list)
    test_accuracy: dict = field(default_factory=dict)
    solved_step: int | None = None

    @property
    def steps(self):
        """Optimisation steps taken."""
        return len(self.loss)

    @property
    def final_accuracy(self):
        """Validation {name: accuracy at the last checkpoint} ({} if none was measured)."""
        return {k: v[-1] for k, v in self.accuracy.items() if v}


# ------------------------------------------------------------------------------ the seed


def train(bits=16, hidden_size=16, seed=0, *, bias=True, lr=0.04, batch_size=64,
          max_steps=5000, check_every=50, min_margin=MIN_MARGIN, checks=CHECKS, progress=True,
          callback=None):
    """Train an adder fast: minibatch Adam on cross-entropy, early stop on a validation set.

    bits        : operand width seen in training (sequences are bits + 1 steps)
    hidden_size : H
    seed        : int seed for the initial weights and every minibatch (same seed, same bytes
                  on one BLAS kernel; see the module docstring)
    lr          : Adam's learning rate; batch_size: sequences per step. Adam runs with
                  beta2 = 0.98 (ADAM_BETA2) on the gradient of the mean loss per sequence,
                  rescaled to norm <= 1 when larger (GRAD_CLIP): a rare huge gradient, when a
                  carry is about to be held longer, no longer throws the net off.
    max_steps   : give up after this many steps
    check_every : run the validation checks every this many steps (and after the last);
                  training stops at the first checkpoint where they all pass
    min_margin  : the smallest margin the "margin" check accepts (default 2.0)
    checks      : which validation checks decide, in the order of CHECKS ("random", "small",
                  "carry", "margin"); e.g. checks=("random",) stops as soon as 1,000 random
                  pairs are right, the weak rule notebook 5 shows failing
    callback    : callback(step, history) after every step; return True to stop early

    Returns (params, History): history.accuracy and history.margin hold the validation
    checks (see History), history.test_accuracy the test set, measured once at the end.
    Minibatches (T = bits + 1 steps): 48 of 64 sequences are sums with operand lengths uniform
    in 1..bits, half of them with a long chain, a run of (0, 1)/(1, 0) pairs after a (1, 1)
    (the carry must travel) or a (0, 0) (no carry must appear), because random pairs rarely
    hold one; held-out and carry-chain pairs are rejected and drawn again (``excluded_pairs``).
    The other 16 are carry streams (``_CarryStreams``) that continue across minibatches.
    """
    bits, hidden_size, batch_size, max_steps = check_sizes(bits, hidden_size, batch_size,
                                                           max_steps)
    check_every = _check_every(check_every)
    lr = positive_float(lr, "lr", "0.04")          # a NumPy float such as np.float32(0.04) too
    if lr >= 10:
        raise ValueError(f"lr must be below 10 (e.g. 0.04), got {lr!r}")
    if callback is not None and not callable(callback):
        raise ValueError(f"callback must be a function callback(step, history) or None, "
                         f"got {type(callback).__name__}")
    rng = as_generator(natural_int(seed, "seed"))
    params = init_params(2, hidden_size, 1, bias=bias, rng=rng)      # bias="no" is refused
    n_streams = int(round(STREAM_FRACTION * batch_size))
    batches = TrainingBatches(bits, batch_size - n_streams, rng)
    streams = CarryStreams(n_streams, bits + 1, hidden_size, rng) if n_streams else None
    adam = Adam(params, lr, beta2=ADAM_BETA2)
    checks = _check_checks(checks)
    if "margin" in checks:
        min_margin = positive_float(min_margin, "min_margin", "2.0")
    sets = {name: _scorer(name) for name in ("random", "small", "carry")}
    history = History(accuracy={name: [] for name in sets})

    def measure(step):
        # Cheapest first; each check runs only once those before it pass (the carry set costs
        # as much as the other two together, the margin search as much again).
        passed, acc, margin = True, {}, float("nan")
        for name, scorer in sets.items():
            acc[name] = scorer.accuracy(params)["threshold"] if passed else float("nan")
            passed = passed and (acc[name] == 1.0 or name not in checks)
        if passed and "margin" in checks:
            margin = hardest_sums(params, MARGIN_BITS, n=1, beam=MARGIN_BEAM)[0].margin
            passed = margin >= min_margin
        history.checkpoints.append(step)
        for name, v in acc.items():
            history.accuracy[name].append(v)
        history.margin.append(margin)
        if passed and history.solved_step is None:
            history.solved_step = step
        return acc["random"], acc["carry"], passed

    bar = _progress_bar(progress, max_steps, f"train {bits}-bit")
    start = time.perf_counter()
    try:
        for step in range(1, max_steps + 1):
            x, d = batches.next()
            h0 = None
            if streams is not None:
                xs, ds, hs = streams.next()
                x = np.concatenate([x, xs], axis=1)
                d = np.concatenate([d, ds], axis=1)
                h0 = np.concatenate([np.zeros((batch_size - n_streams, hidden_size)), hs])
            y, cache = forward(params, x, h0)
            E, dlogits = bce_with_logits(cache.logits, d)
            grads = backward_from_logits(params, cache, dlogits)
            if streams is not None:
                streams.h = cache.h[-1, batch_size - n_streams:].copy()
            adam.step(params, grads, scale=1.0 / batch_size, clip=GRAD_CLIP)
            history.loss.append(E / d.size)
            solved = False
            if (check_every and step % check_every == 0) or step == max_steps:
                acc_random, acc_carry, solved = measure(step)
                if bar is not None:
                    carry = f"{acc_carry:.1%}" if acc_carry == acc_carry else "not yet"
                    bar.set_postfix(random=f"{acc_random:.1%}", carry=carry, refresh=False)
            if _after_step(step, history, start, bar, callback, measure) or solved:
                break
    finally:
        if bar is not None:
            bar.close()
    history.test_accuracy = {name: _scorer(name).accuracy(params)["threshold"]
                             for name in ("held_out", "long")}
    history.test_accuracy["random"] = history.test_accuracy.pop("held_out")
    return params, history


def _after_step(step, history, start, bar, callback, measure):
    """The bookkeeping both trainers do after each step: the elapsed time, the progress bar and
    the caller's callback. True when the callback asks to stop; the final state is then
    measured on the held-out set, unless this step was just measured."""
    history.time.append(time.perf_counter() - start)
    if bar is not None:
        bar.update(1)
    if callback is None or not callback(step, history):
        return False
    if not history.checkpoints or history.checkpoints[-1] != step:
        measure(step)
    return True


# ------------------------------------------------------------------------------ helpers

@functools.cache
def _scorer(name):
    """The PairScorer of a fixed check set, built once per process (it is never modified):
    "held_out" (test), "carry_chain" or "carry", "random" (validation), "small", "long" (test)."""
    if name == "held_out":
        pairs = held_out_pairs()
    elif name in ("carry", "carry_chain"):
        pairs = carry_chain_pairs()
    elif name == "random":
        pairs = random_pairs(VALIDATION_SIZE, 16, VALIDATION_SEED)
    elif name == "small":
        pairs = np.divmod(np.arange(4 ** SMALL_BITS), 1 << SMALL_BITS)   # every a, b < 2^6
    elif name == "long":
        pairs = random_pairs(1000, TEST_LONG_BITS, TEST_LONG_SEED)
    else:
        raise KeyError(name)
    return PairScorer(*pairs)


def _check_checks(checks):
    """checks as a tuple of names from CHECKS, or a ValueError naming them."""
    if isinstance(checks, str):
        checks = (checks,)
    try:
        checks = tuple(checks)
    except TypeError:
        checks = None
    if not checks or any(c not in CHECKS for c in checks):
        raise ValueError(f"checks must name some of {', '.join(CHECKS)}, got {checks!r}")
    return checks


def _progress_bar(progress, total, desc):
    if not flag(progress, "progress"):              # progress="no" is refused, not truthy
        return None
    from tqdm.auto import tqdm  # lazily: `import gru_lesson` must not load tqdm
    return tqdm(total=total, desc=desc, unit="step", mininterval=0.2, leave=True)


def _check_every(v):
    if v is None or v == 0:
        return 0
    return positive_int(v, "check_every")

