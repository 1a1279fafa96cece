"""The fast trainer's minibatches: sums with long carry chains, and carry streams that run on
across minibatches (truncated backprop through time). Neither ever yields a held-out pair.

    batches = TrainingBatches(bits=16, batch_size=48, rng=rng)
    x, d = batches.next()                 # x (T, N, 2), d (T, N, 1) with T = bits + 1
    streams = CarryStreams(16, T, H, rng)
    xs, ds, hs = streams.next()           # continue from hs; then set streams.h to the last h
"""

import numpy as np

from ..engine.checks import positive_int
from .data import _bits_matrix, carry_chain_pairs, held_out_pairs

CHUNK = 32                # _sum_bits adds 32 bits at a time, exact for any width

# What a training run may ask for, so a typo gets a message instead of a MemoryError. One step
# needs about STEP_BYTES_PER_CELL bytes per (step, sequence, hidden unit) and 8 bytes per
# (step, hidden unit, hidden unit), the backward's per-step weight products: at the cap on the
# first product, 0.74 GB at H = 128 and 1.7 GB at H = 1024 (measured with tracemalloc;
# step_bytes and its test).
MAX_BITS = 1024                   # gl.train's bits (sequences of bits + 1 steps)
MAX_HIDDEN = 1024                 # gl.train's hidden_size
MAX_BATCH = 4096                  # gl.train's batch_size
MAX_STEPS = 1_000_000             # gl.train's max_steps and gl.train_seed's iterations
MAX_STEP_STATE = 2 ** 23          # (bits + 1) * batch_size * hidden_size
STEP_BYTES_PER_CELL = 75


def step_bytes(bits, batch_size, hidden_size):
    """About how many bytes one training step of these sizes needs at its peak."""
    T, H = bits + 1, hidden_size
    return STEP_BYTES_PER_CELL * T * batch_size * H + 8 * T * H * H


def check_sizes(bits, hidden_size, batch_size, max_steps):
    """The four sizes of a gl.train run as ints within the limits above, or a ValueError that
    names the limit."""
    bits = positive_int(bits, "bits", at_most=MAX_BITS, why="the longest sums gl.train draws")
    hidden_size = positive_int(hidden_size, "hidden_size", at_most=MAX_HIDDEN)
    batch_size = positive_int(batch_size, "batch_size", at_most=MAX_BATCH)
    max_steps = positive_int(max_steps, "max_steps", at_most=MAX_STEPS)
    state = (bits + 1) * batch_size * hidden_size
    if state > MAX_STEP_STATE:
        raise ValueError(f"(bits + 1) x batch_size x hidden_size = {state:,} is over the limit of "
                         f"{MAX_STEP_STATE:,} (one training step would need about "
                         f"{step_bytes(bits, batch_size, hidden_size) / 1e9:.1f} GB); make one "
                         "of them smaller")
    return bits, hidden_size, batch_size, max_steps


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


class TrainingBatches:
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
        a_bits = _bits_matrix([int(p) for p, _ in pairs], bits)
        b_bits = _bits_matrix([int(q) for _, q in pairs], bits)
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


class CarryStreams:
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
    """Bits 0..T-1 (n, T) of a + b + carry_in, a and b rows of LSB-first bits (n, L), exact for
    any width L: the bits are added in chunks of CHUNK, each chunk's carry passed to the next
    (one chunk's sum, below 2^(CHUNK + 1), always fits in an int64)."""
    n, L = a.shape
    out = np.zeros((n, T), dtype=np.int64)
    carry = np.broadcast_to(np.asarray(carry_in, dtype=np.int64), (n,))
    w = np.int64(1) << np.arange(CHUNK, dtype=np.int64)
    for lo in range(0, T, CHUNK):
        width = max(min(L - lo, CHUNK), 0)                 # operand bits in this chunk
        total = carry + (a[:, lo:lo + width].astype(np.int64) @ w[:width]
                         + b[:, lo:lo + width].astype(np.int64) @ w[:width])
        k = min(CHUNK, T - lo)                             # output bits in this chunk
        out[:, lo:lo + k] = (total[:, None] >> np.arange(k, dtype=np.int64)) & 1
        carry = total >> CHUNK
    return out

