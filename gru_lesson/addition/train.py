"""Training a GRU to add fast: gl.train (the seed's own procedure is in seed_training.py).

    params, history = gl.train(bits=16)      # batched, biases, BCE, Adam (under a second)

``train`` is what a classroom wants: minibatches of 64, biases on, cross-entropy on the logits,
Adam (lr 0.04, beta2 0.98, gradient norm clipped at 1), and early stopping as soon as the
held-out random pairs AND the carry-chain set (chains up to 256 bits) are 100% exact. Three
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
"""

import functools
import time
from dataclasses import dataclass, field

import numpy as np

from ..engine.checks import natural_int, positive_float, positive_int
from ..engine.fast import backward_from_logits, forward
from ..engine.losses import bce_with_logits
from ..engine.optim import Adam
from ..engine.params import as_generator, init_params
from .adder import PairScorer
from .batches import CarryStreams, TrainingBatches, check_sizes
from .data import carry_chain_pairs, held_out_pairs

STREAM_FRACTION = 0.25    # train: share of each minibatch given to carry streams
ADAM_BETA2 = 0.98         # train: Adam's second-moment decay (0.999 is Adam's usual default)
GRAD_CLIP = 1.0           # train: rescale the gradient to at most this global norm (None: off)


@dataclass
class History:
    """What happened during training, for plotting. Step k (1-based) is index k - 1.

    loss        : the loss after each step (train_seed: the seed's E of that sample;
                  train: mean cross-entropy per output bit of that minibatch)
    time        : elapsed seconds after each step (checkpoints included)
    checkpoints : steps at which held-out accuracy was measured
    accuracy    : {name: [exact-sum rate at each checkpoint]}; train: "random", "carry"
                  ("carry" is NaN where it was not measured: it is run only once the random
                  pairs are all right); train_seed: "threshold", "matlab_round" (both on the
                  random held-out pairs)
    solved_step : first checkpoint where the goal was met (train: random and carry both 100%;
                  train_seed: threshold 100%), else None
    """

    loss: list = field(default_factory=list)
    time: list = field(default_factory=list)
    checkpoints: list = field(default_factory=list)
    accuracy: dict = field(default_factory=dict)
    solved_step: int | None = None

    @property
    def steps(self):
        """Optimisation steps taken."""
        return len(self.loss)

    @property
    def final_accuracy(self):
        """{name: accuracy at the last checkpoint} ({} if none was measured)."""
        return {k: v[-1] for k, v in self.accuracy.items() if v}


# ------------------------------------------------------------------------------ the seed


def train(bits=16, hidden_size=16, seed=0, *, bias=True, lr=0.04, batch_size=64,
          max_steps=5000, check_every=50, progress=True, callback=None):
    """Train an adder fast: minibatch Adam on cross-entropy, early stop at 100% held-out.

    bits        : operand width seen in training (sequences are bits + 1 steps)
    hidden_size : H
    seed        : int seed for the initial weights and every minibatch (same seed, same bytes
                  on one BLAS kernel; see the module docstring)
    lr          : Adam's learning rate; batch_size: sequences per step. Adam runs with
                  beta2 = 0.98 (ADAM_BETA2) on the gradient of the mean loss per sequence,
                  rescaled to norm <= 1 when larger (GRAD_CLIP): a rare huge gradient, when a
                  carry is about to be held longer, no longer throws the net off.
    max_steps   : give up after this many steps
    check_every : measure the held-out random pairs (and, once those are all right, the
                  carry-chain set) every this many steps; training stops when both are 100%
    callback    : callback(step, history) after every step; return True to stop early

    Returns (params, History); history.accuracy has "random" and "carry".
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
    params = init_params(2, hidden_size, 1, bias=bool(bias), rng=rng)
    n_streams = int(round(STREAM_FRACTION * batch_size))
    batches = TrainingBatches(bits, batch_size - n_streams, rng)
    streams = CarryStreams(n_streams, bits + 1, hidden_size, rng) if n_streams else None
    adam = Adam(params, lr, beta2=ADAM_BETA2)
    random_set = _scorer("held_out")
    carry_set = _scorer("carry_chain")
    history = History(accuracy={"random": [], "carry": []})

    def measure(step):
        acc_random = random_set.accuracy(params)["threshold"]
        # The carry set is 30x dearer to run: only worth it once the random pairs are right.
        acc_carry = carry_set.accuracy(params)["threshold"] if acc_random == 1.0 else float("nan")
        history.checkpoints.append(step)
        history.accuracy["random"].append(acc_random)
        history.accuracy["carry"].append(acc_carry)
        solved = acc_random == 1.0 and acc_carry == 1.0
        if solved and history.solved_step is None:
            history.solved_step = step
        return acc_random, acc_carry, solved

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
    """The PairScorer of a fixed check set, built once per process (it is never modified)."""
    pairs = held_out_pairs() if name == "held_out" else carry_chain_pairs()
    return PairScorer(*pairs)


def _progress_bar(progress, total, desc):
    if not progress:
        return None
    from tqdm.auto import tqdm  # lazily: `import gru_lesson` must not load tqdm
    return tqdm(total=total, desc=desc, unit="step", mininterval=0.2, leave=True)


def _check_every(v):
    if v is None or v == 0:
        return 0
    return positive_int(v, "check_every")

