"""Training a GRU to add: the seed's experiment as it was, and a fast modern recipe.

    params, history = gl.train_seed()        # the seed's procedure, verbatim (about 3 s)
    params, history = gl.train(bits=16)      # batched, biases, BCE, Adam (about a second)

``train_seed`` is GRUtest.m's loop: a, b uniform in 1..2^15, 16 steps, hidden size 16, no
biases, weights uniform in [-1, 1], plain per-sample SGD (learning rate 0.1) on
E = 1/2 sum_t (y_t - d_t)^2, 10,000 iterations. Two decodings are measured on the held-out pairs
at every checkpoint: a strict threshold (y > 0.5) and the seed's MATLAB round (halves away from
zero). They differ because a seed net outputs exactly 0.5 on leading (0, 0) steps.

``train`` is what a classroom wants: minibatches of 64, biases on, cross-entropy on the logits,
Adam, a curriculum of random operand lengths with extra long carry chains, and early stopping
as soon as the held-out random pairs AND the carry-chain set are 100% exact.

Neither ever trains on a held-out pair or a carry-chain pair: such draws are rejected and drawn
again. Both are deterministic: the same seed gives byte-identical weights.
"""

import time
from dataclasses import dataclass, field

import numpy as np

from .activations import sigmoid
from .adder import PairScorer
from .data import HELD_OUT_BITS, _check_bits, carry_chain_pairs, held_out_pairs
from .losses import loss_and_grads
from .params import as_generator, init_params

SEED_BITS = 16            # uNum: 16 steps
SEED_HIDDEN = 16          # hdim
SEED_ETA = 0.1            # eta
INIT_SCALE = 1.0          # train: initial weights uniform in [-INIT_SCALE, INIT_SCALE]
CORNERS = np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])   # x_t for code 0..3


@dataclass
class History:
    """What happened during training, for plotting. Step k (1-based) is index k - 1.

    loss        : the loss after each step (train_seed: the seed's E of that sample;
                  train: mean cross-entropy per output bit of that minibatch)
    time        : elapsed seconds after each step (checkpoints included)
    checkpoints : steps at which held-out accuracy was measured
    accuracy    : {name: [exact-sum rate at each checkpoint]}; train: "random", "carry";
                  train_seed: "threshold", "matlab_round" (both on the random held-out pairs)
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
    scorer = PairScorer(*held_out_pairs())
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
            history.time.append(time.perf_counter() - start)
            if bar is not None:
                bar.update(1)
            if callback is not None and callback(step, history):
                if not history.checkpoints or history.checkpoints[-1] != step:
                    measure(step)
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
    """Keys of the held-out and carry-chain pairs whose operands fit in 16 bits (the seed's)."""
    a, b = held_out_pairs()
    ca, cb = carry_chain_pairs()
    small = [(p, q) for p, q in zip(ca, cb, strict=True) if max(p, q) < 1 << HELD_OUT_BITS]
    keys = list(_key16(a, b)) + [p * (1 << HELD_OUT_BITS) + q for p, q in small]
    return np.unique(np.array(keys, dtype=np.int64))


# ------------------------------------------------------------------------------ fast training

def train(bits=16, hidden_size=16, seed=0, *, bias=True, lr=0.02, batch_size=64,
          max_steps=5000, check_every=50, progress=True, callback=None):
    """Train an adder fast: minibatch Adam on cross-entropy, early stop at 100% held-out.

    bits        : operand width seen in training (sequences are bits + 1 steps)
    hidden_size : H
    seed        : int seed for the initial weights and every minibatch (same seed, same bytes)
    lr          : Adam's learning rate; batch_size: sequences per step
    max_steps   : give up after this many steps
    check_every : measure the held-out random pairs (and, once those are all right, the
                  carry-chain set) every this many steps; training stops when both are 100%
    callback    : callback(step, history) after every step; return True to stop early

    Returns (params, History); history.accuracy has "random" and "carry".
    Minibatches: operand lengths uniform in 1..bits; half the sequences get a long carry chain
    (a bit pair (1, 1) followed by a run of (0, 1)/(1, 0) pairs) because random pairs rarely
    hold one. Held-out and carry-chain pairs are rejected and drawn again.
    """
    bits = _check_bits(bits)
    hidden_size = _check_positive(hidden_size, "hidden_size")
    batch_size = _check_positive(batch_size, "batch_size")
    max_steps = _check_positive(max_steps, "max_steps")
    check_every = _check_every(check_every)
    if isinstance(lr, bool) or not isinstance(lr, (int, float)) or not 0 < lr < 10:
        raise ValueError(f"lr must be a positive number (e.g. 0.02), got {lr!r}")
    rng = as_generator(_check_seed(seed))
    params = {k: v * INIT_SCALE for k, v in
              init_params(2, hidden_size, 1, bias=bool(bias), rng=rng).items()}
    batches = _TrainingBatches(bits, batch_size, rng)
    adam = _Adam(params, lr)
    random_set = PairScorer(*held_out_pairs())
    carry_set = PairScorer(*carry_chain_pairs())
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
            E, grads = loss_and_grads(params, x, d, loss="bce")
            adam.step(params, grads, scale=1.0 / batch_size)
            history.loss.append(E / d.size)
            solved = False
            if (check_every and step % check_every == 0) or step == max_steps:
                acc_random, acc_carry, solved = measure(step)
                if bar is not None:
                    bar.set_postfix(random=f"{acc_random:.1%}", carry=f"{acc_carry:.1%}",
                                    refresh=False)
            history.time.append(time.perf_counter() - start)
            if bar is not None:
                bar.update(1)
            stop = callback is not None and callback(step, history)
            if solved:
                break
            if stop:
                if not history.checkpoints or history.checkpoints[-1] != step:
                    measure(step)
                break
    finally:
        if bar is not None:
            bar.close()
    return params, history


class _Adam:
    """Adam (Kingma & Ba) with the usual defaults; state per parameter, updates in place."""

    def __init__(self, params, lr, beta1=0.9, beta2=0.999, eps=1e-8):
        self.lr, self.beta1, self.beta2, self.eps = lr, beta1, beta2, eps
        self.m = {k: np.zeros_like(v) for k, v in params.items()}
        self.v = {k: np.zeros_like(v) for k, v in params.items()}
        self.t = 0

    def step(self, params, grads, scale=1.0):
        self.t += 1
        c1 = 1 - self.beta1 ** self.t
        c2 = 1 - self.beta2 ** self.t
        for k, p in params.items():
            g = grads[k] * scale
            m, v = self.m[k], self.v[k]
            m *= self.beta1
            m += (1 - self.beta1) * g
            v *= self.beta2
            v += (1 - self.beta2) * g * g
            p -= self.lr * (m / c1) / (np.sqrt(v / c2) + self.eps)


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
        ea, eb = held_out_pairs()
        ca, cb = carry_chain_pairs()
        pairs = [(int(p), int(q)) for p, q in zip(np.concatenate([ea.astype(object), ca]),
                                                  np.concatenate([eb.astype(object), cb]),
                                                  strict=True)
                 if max(p, q) < 1 << bits]
        # never empty: 0 + 0 is a carry-chain pair at every width
        a_bits = _int_bits([p for p, _ in pairs], bits)
        b_bits = _int_bits([q for _, q in pairs], bits)
        self.excluded = np.unique(self._hash(a_bits, b_bits))              # sorted

    def _is_excluded(self, a, b):
        key = self._hash(a, b)
        i = np.minimum(np.searchsorted(self.excluded, key), self.excluded.size - 1)
        return self.excluded[i] == key

    def _hash(self, a_bits, b_bits):
        with np.errstate(over="ignore"):
            return a_bits.astype(np.uint64) @ self.ra + b_bits.astype(np.uint64) @ self.rb

    def _draw(self, n):
        """n pairs of operand bit rows (n, bits): random lengths, half with a carry chain."""
        rng, L = self.rng, self.bits
        length = rng.integers(1, L + 1, size=n)                            # operand bits
        live = np.arange(L)[None, :] < length[:, None]
        a = rng.integers(0, 2, size=(n, L), dtype=np.int8) * live
        b = rng.integers(0, 2, size=(n, L), dtype=np.int8) * live
        chain = rng.random(n) < self.CHAIN_FRACTION
        start = (rng.random(n) * length).astype(np.int64)                  # generate at start
        stop = start + 1 + (rng.random(n) * (length - start)).astype(np.int64)
        pos = np.arange(L)[None, :]
        gen = chain[:, None] & (pos == start[:, None])
        prop = chain[:, None] & (pos > start[:, None]) & (pos < stop[:, None])
        carry_in = rng.random(n) < self.CARRY_CHAIN_SHARE     # chain starts (1, 1), else (0, 0)
        a[gen] = np.repeat(carry_in, L).reshape(n, L)[gen]
        b[gen] = a[gen]
        b[prop] = 1 - a[prop]
        return a, b

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
        carry = np.zeros(N, dtype=np.int8)
        for t in range(self.bits):                                         # ripple-carry adder
            s = a[:, t] + b[:, t] + carry
            d[t, :, 0] = s & 1
            carry = s >> 1
        d[-1, :, 0] = carry
        return x, d


def _int_bits(values, bits):
    nbytes = (bits + 7) // 8
    buf = b"".join(int(v).to_bytes(nbytes, "little") for v in values)
    raw = np.frombuffer(buf, dtype=np.uint8).reshape(len(values), nbytes)
    return np.unpackbits(raw, axis=1, bitorder="little")[:, :bits]


# ------------------------------------------------------------------------------ helpers

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
