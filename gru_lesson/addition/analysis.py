"""Looking inside a trained adder: which hidden units carry, and when the gates move.

The carry is the one thing an adder must remember from bit to bit, so a net that adds must keep
it somewhere in h_t. We run many random additions, and correlate each hidden unit's h_t with the
true carry out of bit t, over every step of every sum:

    corr_j = Pearson correlation of { h_t[j] }  with  { carry_t }   over all t, all sums

A unit with |corr_j| near 1 is a carry unit (its sign is arbitrary: -1 means "low = carry").

    gl.carry_units(params)                     # e.g. array([5, 11, 2]): the top 3 by |corr|
    corr = carry_correlations(params)          # (H,) every unit's correlation
    means = gate_by_pair_and_carry(params, units=[5])["z"]   # when does z open?
"""

import numpy as np

from ..engine.checks import positive_int
from ..engine.fast import forward
from ..engine.params import validate_params
from .adder import _check_adder
from .data import addition_batch, random_pairs

NAMES = ("z", "r", "h_tilde", "h")


def carry_signals(params, n_pairs=500, bits=16, rng=0):
    """Run n_pairs random additions of `bits`-bit numbers (bits + 1 steps each).

    Returns (cache, carry_in, carry_out, pair_sum): the forward cache, and three (T, N) int
    arrays: the true carry into and out of each bit position, and a_t + b_t (0, 1 or 2).
    """
    _check_adder(params)
    n_pairs = positive_int(n_pairs, "n_pairs")
    bits = positive_int(bits, "bits")
    a, b = random_pairs(n_pairs, bits, rng=rng)
    x, d = addition_batch(a, b, bits=bits + 1)
    _, cache = forward(params, x)
    a_t, b_t, c_t = (v.astype(np.int64) for v in (x[:, :, 0], x[:, :, 1], d[:, :, 0]))
    carry_in = a_t ^ b_t ^ c_t                   # sum bit = a xor b xor carry-in
    pair_sum = a_t + b_t
    carry_out = (pair_sum + carry_in >= 2).astype(np.int64)
    return cache, carry_in, carry_out, pair_sum


def carry_correlations(params, n_pairs=500, bits=16, rng=0):
    """(H,) Pearson correlation of each hidden unit's h_t with the carry out of bit t.

    Taken over all bits + 1 steps of n_pairs random `bits`-bit additions (seeded by rng). A unit
    that never changes gets 0.
    """
    cache, _, carry_out, _ = carry_signals(params, n_pairs, bits, rng)
    H = cache.h.shape[2]
    return _pearson(cache.h.reshape(-1, H), carry_out.reshape(-1).astype(float))


def carry_units(params, n_pairs=500, top=3, rng=0, bits=16):
    """Indices of the `top` hidden units whose h_t tracks the carry best (largest |corr|),
    best first. See carry_correlations for the measure."""
    H = validate_params(params)[1]
    top = positive_int(top, "top")
    if top > H:
        raise ValueError(f"top={top} but the net has only {H} hidden units; ask for at most {H}")
    corr = carry_correlations(params, n_pairs=n_pairs, bits=bits, rng=rng)
    return np.argsort(-np.abs(corr), kind="stable")[:top]


def gate_by_pair_and_carry(params, units=None, n_pairs=500, bits=16, rng=0):
    """Mean of z, r, h_tilde and h at each kind of step, for the chosen hidden units.

    A step is classified by the input pair a_t + b_t (0: the carry dies, 1: it passes on,
    2: a carry is born) and the carry coming in (0 or 1). Returns {name: array (3, 2, U)} with
    entry [pair_sum, carry_in, k] the mean of that quantity for units[k] (NaN if no such step),
    plus "count": (3, 2) the number of steps of each kind.
    """
    H = validate_params(params)[1]
    units = np.arange(H) if units is None else np.atleast_1d(np.asarray(units, dtype=int))
    if units.size == 0 or units.min() < 0 or units.max() >= H:
        raise ValueError(f"units must be indices of hidden units in 0..{H - 1}")
    cache, carry_in, _, pair_sum = carry_signals(params, n_pairs, bits, rng)
    out = {name: np.full((3, 2, units.size), np.nan) for name in NAMES}
    count = np.zeros((3, 2), dtype=np.int64)
    for s in range(3):
        for c in range(2):
            mask = (pair_sum == s) & (carry_in == c)
            count[s, c] = mask.sum()
            if count[s, c]:
                for name in NAMES:
                    out[name][s, c] = getattr(cache, name)[mask][:, units].mean(axis=0)
    out["count"] = count
    return out


def _pearson(X, y):
    """Correlation of every column of X (M, H) with y (M,); 0 where a column is constant."""
    Xc = X - X.mean(axis=0)
    yc = y - y.mean()
    denom = np.sqrt((Xc * Xc).sum(axis=0) * (yc @ yc))
    num = Xc.T @ yc
    return np.divide(num, denom, out=np.zeros_like(num), where=denom > 1e-300)
