"""Training a GRU to add: the seed's experiment as it was, and a fast modern recipe.

    params, history = gl.train_seed()        # the seed's procedure, verbatim (about 3 s)
    params, history = gl.train(bits=16)      # batched, biases, BCE, Adam (under a second)

``train_seed`` is GRUtest.m's loop: a, b uniform in 1..2^15, 16 steps, hidden size 16, no
biases, weights uniform in [-1, 1], plain per-sample SGD (learning rate 0.1) on
E = 1/2 sum_t (y_t - d_t)^2, 10,000 iterations. Two decodings are measured on the held-out pairs
at every checkpoint: a strict threshold (y > 0.5) and the seed's MATLAB round (halves away from
zero). They differ because a seed net outputs exactly 0.5 on leading (0, 0) steps.

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
drawn again. Both are deterministic: the same seed gives byte-identical weights.
"""

import functools
import time
from dataclasses import dataclass, field

import numpy as np

from ..engine.activations import sigmoid
from ..engine.fast import backward_from_logits, forward
from ..engine.losses import bce_with_logits
from ..engine.params import as_generator, init_params
from .adder import PairScorer
from .data import HELD_OUT_BITS, _check_bits, carry_chain_pairs, held_out_pairs

SEED_BITS = 16            # uNum: 16 steps
SEED_HIDDEN = 16          # hdim
SEED_ETA = 0.1            # eta
STREAM_FRACTION = 0.25    # train: share of each minibatch given to carry streams
ADAM_BETA2 = 0.98         # train: Adam's second-moment decay (0.999 is Adam's usual default)
GRAD_CLIP = 1.0           # train: rescale the gradient to at most this global norm (None: off)
CORNERS = np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])   # x_t for code 0..3


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

def train_seed(iterations=10_000, seed=0, *, check_every=100, progress=True, callback=None):
    """The seed's experiment (GRUtest.m), step for step, only faster. Returns (params, History).

    iterations  : samples, one SGD step each (the seed: 10,000)
    seed        : int seed of the numpy Generator behind the initial weights and the samples
    check_every : measure both decodings on the 1,000 held-out pairs every this many steps
                  (and after the last); 0 or None: only after the last
    callback    : callback(step, history) after every step; return True to stop early

    One difference from the seed, by necessity: a = b = 2^15 (probability 2^-30 per draw) has a
    17-bit sum that the seed's 16 steps cannot hold (its MATLAB stops with a size mismatch); such
    a draw, and any held-out or carry-chain pair, is drawn again.
    """
    iterations = _check_positive(iterations, "iterations")
    check_every = _check_every(check_every)
    rng = as_generator(_check_seed(seed))
    params = init_params(2, SEED_HIDDEN, 1, bias=False, rng=rng)
    codes, targets = _seed_samples(rng, iterations)
    scorer = _scorer("held_out")
    history = History(accuracy={"threshold": [], "matlab_round": []})

    def measure(step):
        acc = scorer.accuracy(params, ("threshold", "matlab_round"))
        history.checkpoints.append(step)
        for k, v in acc.items():
            history.accuracy[k].append(v)
        if history.solved_step is None and acc["threshold"] == 1.0:
            history.solved_step = step
        return acc

    bar = _progress_bar(progress, iterations, "train_seed")
    start = time.perf_counter()
    try:
        for step in range(1, iterations + 1):
            E = seed_sgd_step(params, codes[step - 1], targets[step - 1], SEED_ETA)
            history.loss.append(E)
            if (check_every and step % check_every == 0) or step == iterations:
                acc = measure(step)
                if bar is not None:
                    bar.set_postfix(threshold=f"{acc['threshold']:.1%}",
                                    matlab_round=f"{acc['matlab_round']:.1%}", refresh=False)
            if _after_step(step, history, start, bar, callback, measure):
                break
    finally:
        if bar is not None:
            bar.close()
    return params, history


def seed_sgd_step(params, code, d, eta=SEED_ETA):
    """One iteration of the seed's loop on one sample, updating ``params`` in place.

    The same arithmetic as ``seed_reference.seed_iteration`` (forward, the seed's backward, SGD)
    for a net without biases, arranged for speed: x_t is one of four corners, so x_t [Wz Wr W]
    is looked up; both gates share one matmul; the weight gradients are summed over t with one
    matmul each after the backward loop. code: (T,) ints, code_t = a_t + 2 b_t; d: (T,) targets.
    Returns the sample's E = 1/2 sum_t (y_t - d_t)^2, measured before the update.
    """
    Wz, Uz, Wr, Ur, W, U, Wy = (params[k] for k in ("Wz", "Uz", "Wr", "Ur", "W", "U", "Wy"))
    T = code.shape[0]
    H = Uz.shape[0]
    X = CORNERS[code]                                                  # (T, 2) the inputs x_t
    Wzr = np.concatenate([Wz, Wr], axis=1)                             # (2, 2H)
    Uzr = np.concatenate([Uz, Ur], axis=1)                             # (H, 2H)
    xWzr = (CORNERS @ Wzr)[code]                                       # (T, 2H)
    xW = (CORNERS @ W)[code]                                           # (T, H)

    # forward
    zr = np.empty((T, 2 * H))                                          # [z_t, r_t]
    h_tilde = np.empty((T, H))
    hs = np.zeros((T + 1, H))                                          # hs[t] = h_{t-1}; h_0 = 0
    h = hs[0]
    for t in range(T):
        g = sigmoid(xWzr[t] + h @ Uzr)
        z, r = g[:H], g[H:]
        c = np.tanh(xW[t] + (r * h) @ U)
        h = (1 - z) * h + z * c
        zr[t] = g
        h_tilde[t] = c
        hs[t + 1] = h
    h_all, h_prev = hs[1:], hs[:-1]
    y = sigmoid(h_all @ Wy[:, 0])                                      # (T,)
    diff = y - d
    E = 0.5 * float(diff @ diff)

    # backward (the seed's delta recursion; everything at T + 1 is zero)
    delta_y = diff * y * (1 - y)                                       # (T,)
    dh_from_y = delta_y[:, None] * Wy[:, 0]                            # delta_y Wy^T, (T, H)
    z, r = zr[:, :H], zr[:, H:]
    dz_local = (h_tilde - h_prev) * z * (1 - z)
    delta_local = z * (1 - h_tilde * h_tilde)
    dr_local = h_prev * r * (1 - r)
    one_minus_z = 1 - z
    dzr = np.empty((T, 2 * H))                                         # [delta_z_t, delta_r_t]
    delta = np.empty((T, H))
    U_T, Uzr_T = U.T, Uzr.T
    dh_next = np.zeros(H)
    for t in range(T - 1, -1, -1):
        dh = dh_from_y[t] + dh_next
        dl = dh * delta_local[t]
        d_rh = dl @ U_T
        dzr[t, :H] = dh * dz_local[t]
        dzr[t, H:] = d_rh * dr_local[t]
        delta[t] = dl
        dh_next = dh * one_minus_z[t] + d_rh * r[t] + dzr[t] @ Uzr_T

    # gradients summed over t, and the SGD update
    dWzr = X.T @ dzr
    dUzr = h_prev.T @ dzr
    Wz -= eta * dWzr[:, :H]
    Wr -= eta * dWzr[:, H:]
    Uz -= eta * dUzr[:, :H]
    Ur -= eta * dUzr[:, H:]
    W -= eta * (X.T @ delta)
    U -= eta * ((r * h_prev).T @ delta)
    Wy -= eta * (h_all.T @ delta_y)[:, None]
    return E


def _seed_samples(rng, iterations):
    """The seed's samples as codes (iterations, 16) and targets (iterations, 16)."""
    hi = 2 ** (SEED_BITS - 1)                                         # randi(maxInt/2): 1..2^15
    ab = rng.integers(1, hi + 1, size=(iterations, 2))
    excluded = _excluded_keys(SEED_BITS)
    while True:
        bad = np.isin(_key16(ab[:, 0], ab[:, 1]), excluded) | (ab.sum(axis=1) >= 2 ** SEED_BITS)
        if not bad.any():
            break
        ab[bad] = rng.integers(1, hi + 1, size=(int(bad.sum()), 2))
    shifts = np.arange(SEED_BITS)
    a_bits = (ab[:, :1] >> shifts) & 1
    b_bits = (ab[:, 1:] >> shifts) & 1
    c_bits = (ab.sum(axis=1)[:, None] >> shifts) & 1
    return (a_bits + 2 * b_bits).astype(np.intp), c_bits.astype(np.float64)


def _key16(a, b):
    return np.asarray(a, dtype=np.int64) * (1 << HELD_OUT_BITS) + np.asarray(b, dtype=np.int64)


def _excluded_keys(bits):
    """Keys a * 2^16 + b of the excluded pairs for the seed's 16-bit sums."""
    pairs = excluded_pairs(bits)
    return np.unique(np.array([p * (1 << HELD_OUT_BITS) + q for p, q in pairs], dtype=np.int64))


def excluded_pairs(bits):
    """The pairs training must never draw, among operands below 2^bits: every held-out random
    pair, and every carry-chain pair whose larger operand has 5 bits or more. (Pairs of at most
    4 bits, like 1 + 1, are the first steps of nearly every training sequence: the net's first
    outputs on a longer sum ARE its answer to that short sum, so excluding them means nothing.)
    """
    a, b = held_out_pairs()
    ca, cb = carry_chain_pairs()
    pairs = [(int(p), int(q)) for p, q in zip(a, b, strict=True)]
    pairs += [(p, q) for p, q in zip(ca, cb, strict=True) if max(p, q) >= 16]
    return [(p, q) for p, q in pairs if max(p, q) < 1 << bits]


# ------------------------------------------------------------------------------ fast training

def train(bits=16, hidden_size=16, seed=0, *, bias=True, lr=0.04, batch_size=64,
          max_steps=5000, check_every=50, progress=True, callback=None):
    """Train an adder fast: minibatch Adam on cross-entropy, early stop at 100% held-out.

    bits        : operand width seen in training (sequences are bits + 1 steps)
    hidden_size : H
    seed        : int seed for the initial weights and every minibatch (same seed, same bytes)
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
    bits = _check_bits(bits)
    hidden_size = _check_positive(hidden_size, "hidden_size")
    batch_size = _check_positive(batch_size, "batch_size")
    max_steps = _check_positive(max_steps, "max_steps")
    check_every = _check_every(check_every)
    if isinstance(lr, bool) or not isinstance(lr, (int, float)) or not 0 < lr < 10:
        raise ValueError(f"lr must be a positive number (e.g. 0.04), got {lr!r}")
    rng = as_generator(_check_seed(seed))
    params = init_params(2, hidden_size, 1, bias=bool(bias), rng=rng)
    n_streams = int(round(STREAM_FRACTION * batch_size))
    batches = _TrainingBatches(bits, batch_size - n_streams, rng)
    streams = _CarryStreams(n_streams, bits + 1, hidden_size, rng) if n_streams else None
    adam = _Adam(params, lr, beta2=ADAM_BETA2)
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
                    bar.set_postfix(random=f"{acc_random:.1%}", carry=f"{acc_carry:.1%}",
                                    refresh=False)
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


class _Adam:
    """Adam (Kingma & Ba) with the usual defaults; updates ``params`` in place.

    The moments of all parameters live in one flat vector, so a step is a dozen NumPy calls
    whatever the number of weight arrays (element by element, the same arithmetic as a loop
    over the arrays).
    """

    def __init__(self, params, lr, beta1=0.9, beta2=0.999, eps=1e-8):
        self.lr, self.beta1, self.beta2, self.eps = lr, beta1, beta2, eps
        self.keys = list(params)
        ends = np.cumsum([params[k].size for k in self.keys]).tolist()
        self.slices = {k: slice(e - params[k].size, e)
                       for k, e in zip(self.keys, ends, strict=True)}
        self.m = np.zeros(ends[-1])                   # first moment, all parameters end to end
        self.v = np.zeros(ends[-1])                   # second moment
        self.t = 0

    def step(self, params, grads, scale=1.0, clip=None):
        """One update with the gradient grads * scale, first rescaled to global norm <= clip."""
        g = np.concatenate([grads[k].ravel() for k in self.keys])
        if clip is not None:
            norm = scale * np.sqrt(np.dot(g, g))
            if norm > clip:
                scale *= clip / norm
        g *= scale
        self.t += 1
        c1 = 1 - self.beta1 ** self.t
        c2 = 1 - self.beta2 ** self.t
        m, v = self.m, self.v
        m *= self.beta1
        m += (1 - self.beta1) * g
        v *= self.beta2
        v += (1 - self.beta2) * g * g
        update = self.lr * (m / c1) / (np.sqrt(v / c2) + self.eps)
        for k in self.keys:
            p = params[k]
            p -= update[self.slices[k]].reshape(p.shape)


class _TrainingBatches:
    """Minibatches (x (T, N, 2), d (T, N, 1)) with T = bits + 1, never a held-out pair."""

    CHAIN_FRACTION = 0.5
    CARRY_CHAIN_SHARE = 0.5

    def __init__(self, bits, batch_size, rng):
        self.bits, self.N, self.rng = bits, batch_size, rng
        # Pairs are recognised by a random linear hash of their bits (mod 2^64): a collision
        # only rejects an innocent pair, which is harmless.
        hash_rng = np.random.default_rng(12345)
        self.ra = hash_rng.integers(0, 2 ** 63, size=bits, dtype=np.uint64)
        self.rb = hash_rng.integers(0, 2 ** 63, size=bits, dtype=np.uint64)
        pairs = excluded_pairs(bits)
        a_bits = _int_bits([p for p, _ in pairs], bits)
        b_bits = _int_bits([q for _, q in pairs], bits)
        self.excluded = np.unique(self._hash(a_bits, b_bits))              # sorted

    def _is_excluded(self, a, b):
        if self.excluded.size == 0:
            return np.zeros(a.shape[0], dtype=bool)
        key = self._hash(a, b)
        i = np.minimum(np.searchsorted(self.excluded, key), self.excluded.size - 1)
        return self.excluded[i] == key

    def _hash(self, a_bits, b_bits):
        with np.errstate(over="ignore"):
            return a_bits.astype(np.uint64) @ self.ra + b_bits.astype(np.uint64) @ self.rb

    def _draw(self, n):
        """n pairs of operand bit rows (n, bits): random lengths, some with a long chain.

        A chain is a start bit pair, (1, 1) (a carry is born) or (0, 0) (none is), then a run of
        (1, 0)/(0, 1) pairs that pass the carry (or its absence) on; the run often reaches the
        operands' top bit, and half the runs are all (1, 0) or all (0, 1), like 2^k - 1 + 1.
        """
        rng, L = self.rng, self.bits
        pos = np.arange(L)[None, :]
        length = rng.integers(1, L + 1, size=n)                            # operand bits
        a = rng.integers(0, 2, size=(n, L), dtype=np.int8)
        b = rng.integers(0, 2, size=(n, L), dtype=np.int8)
        chain = rng.random(n) < self.CHAIN_FRACTION
        start = (rng.random(n) * length).astype(np.int64)
        to_top = rng.random(n) < 0.5
        stop = np.where(to_top, length, start + 1 + (rng.random(n) * (length - start)).astype(int))
        born = (rng.random(n) < self.CARRY_CHAIN_SHARE).astype(np.int8)    # (1, 1) or (0, 0)
        steady = rng.random(n) < 0.5                                       # all (1, 0) / (0, 1)
        gen = chain[:, None] & (pos == start[:, None])
        prop = chain[:, None] & (pos > start[:, None]) & (pos < stop[:, None])
        a = np.where(gen, born[:, None], a)
        a = np.where(prop & steady[:, None], a[:, :1], a)                  # one orientation
        b = np.where(gen, born[:, None], np.where(prop, 1 - a, b))
        live = pos < length[:, None]
        return (a * live).astype(np.int8), (b * live).astype(np.int8)

    def next(self):
        a, b = self._draw(self.N)
        bad = np.flatnonzero(self._is_excluded(a, b))
        while bad.size:                          # e.g. 1 + 1 is a carry-chain pair: draw again
            a[bad], b[bad] = self._draw(bad.size)
            bad = bad[self._is_excluded(a[bad], b[bad])]
        T, N = self.bits + 1, self.N
        x = np.zeros((T, N, 2))
        x[:-1, :, 0] = a.T
        x[:-1, :, 1] = b.T
        d = np.empty((T, N, 1))
        d[:, :, 0] = _sum_bits(a, b, 0, T).T                               # bits of a + b
        return x, d


class _CarryStreams:
    """Rows whose carry chain runs on across minibatches (truncated backprop through time).

    A stream starts from h_0 = 0 with random bits, then a (1, 1) or (0, 0) pair, then (1, 0)
    or (0, 1) pairs up to the end of the window. The next windows continue the same run, from
    the hidden state the net reached (h0 = the last h, no gradient across the boundary), for
    1..MAX_WINDOWS windows; the last one ends the run with a (0, 0) or (1, 1) pair and random
    bits. So the net sees carries held for hundreds of steps while backprop stays T steps long.
    """

    MAX_WINDOWS = 30

    def __init__(self, n, T, H, rng):
        self.n, self.T, self.rng = n, T, rng
        self.h = np.zeros((n, H))
        self.carry = np.zeros(n, dtype=np.int8)
        self.left = np.zeros(n, dtype=np.int64)          # windows still to come in this run
        self.orient = np.zeros(n, dtype=np.int8)         # 0: (1, 0), 1: (0, 1), 2: mixed

    def next(self):
        rng, n, T = self.rng, self.n, self.T
        pos = np.arange(T)[None, :]
        a = rng.integers(0, 2, size=(n, T), dtype=np.int8)
        b = rng.integers(0, 2, size=(n, T), dtype=np.int8)
        new = self.left == 0
        self.h[new] = 0.0
        self.carry[new] = 0
        self.orient[new] = rng.integers(0, 3, size=int(new.sum()))
        # new runs: random bits, then the start pair at s, propagate to the end of the window
        # (s < T - 1, so a first window never ends in (0, 0): it is never a whole 16-bit sum)
        s = rng.integers(0, T - 1, size=n)
        born = rng.integers(0, 2, size=n).astype(np.int8)
        # last windows: propagate up to e, the end pair at e, then random bits
        e = rng.integers(0, T, size=n)
        ending = self.left == 1
        prop = np.where(new[:, None], pos > s[:, None],
                        np.where(ending[:, None], pos < e[:, None], True))
        start = new[:, None] & (pos == s[:, None])
        stop = ending[:, None] & (pos == e[:, None])
        steady_a = np.where(self.orient == 0, 1, 0).astype(np.int8)[:, None]
        pa = np.where(self.orient[:, None] == 2, a, steady_a)
        a = np.where(prop, pa, a)
        b = np.where(prop, 1 - a, b)
        end_pair = rng.integers(0, 2, size=n).astype(np.int8)[:, None]
        a = np.where(start, born[:, None], np.where(stop, end_pair, a))
        b = np.where(start, born[:, None], np.where(stop, end_pair, b))
        x = np.empty((T, n, 2))
        x[:, :, 0] = a.T
        x[:, :, 1] = b.T
        d = np.empty((T, n, 1))
        bits = _sum_bits(a, b, self.carry, T + 1)                          # a + b + carry in
        d[:, :, 0] = bits[:, :T].T
        self.carry = bits[:, T].astype(np.int8)                            # the carry out
        self.left = np.where(new, rng.integers(1, self.MAX_WINDOWS + 1, size=n), self.left - 1)
        return x, d, self.h


def _sum_bits(a, b, carry_in, T):
    """Bits 0..T-1 (n, T) of a + b + carry_in, a and b rows of LSB-first bits (n, L), L < 62."""
    w = np.int64(1) << np.arange(a.shape[1], dtype=np.int64)
    total = a.astype(np.int64) @ w + b.astype(np.int64) @ w + carry_in
    return (total[:, None] >> np.arange(T, dtype=np.int64)) & 1


def _int_bits(values, bits):
    nbytes = (bits + 7) // 8
    buf = b"".join(int(v).to_bytes(nbytes, "little") for v in values)
    raw = np.frombuffer(buf, dtype=np.uint8).reshape(len(values), nbytes)
    return np.unpackbits(raw, axis=1, bitorder="little")[:, :bits]


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


def _check_positive(v, name):
    if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1:
        raise ValueError(f"{name} must be a positive integer, got {v!r}")
    return int(v)


def _check_every(v):
    if v is None or v == 0:
        return 0
    return _check_positive(v, "check_every")


def _check_seed(seed):
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    return int(seed)
