"""The seed's own experiment (GRUtest.m), step for step, only faster: gl.train_seed.

a, b uniform in 1..2^15, 16 steps, hidden size 16, no biases, weights uniform in [-1, 1], plain
per-sample SGD (learning rate 0.1) on E = 1/2 sum_t (y_t - d_t)^2, 10,000 iterations. Two
decodings are measured on the held-out pairs at every checkpoint: a strict threshold (y > 0.5)
and the seed's MATLAB round (halves away from zero). They differ because a seed net outputs
exactly 0.5 on leading (0, 0) steps.

It never trains on a held-out pair or a long carry-chain pair: such draws are drawn again.
"""

import time

import numpy as np

from ..engine.activations import sigmoid
from ..engine.checks import natural_int, positive_int
from ..engine.params import as_generator, init_params
from .batches import MAX_STEPS, excluded_pairs
from .data import HELD_OUT_BITS
from .train import History, _after_step, _check_every, _progress_bar, _scorer

SEED_BITS = 16            # uNum: 16 steps
SEED_HIDDEN = 16          # hdim
SEED_ETA = 0.1            # eta
CORNERS = np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])   # x_t for code 0..3


def train_seed(iterations=10_000, seed=0, *, check_every=100, progress=True, callback=None):
    """The seed's experiment (GRUtest.m), step for step, only faster. Returns (params, History).

    iterations  : samples, one SGD step each (the seed: 10,000)
    seed        : int seed of the numpy Generator behind the initial weights and the samples
                  (same seed, same bytes on one BLAS kernel; another OpenBLAS kernel, e.g.
                  OPENBLAS_CORETYPE=Haswell, rounds the products differently: see gl.train)
    check_every : measure both decodings on the 1,000 held-out pairs every this many steps
                  (and after the last); 0 or None: only after the last
    callback    : callback(step, history) after every step; return True to stop early

    One difference from the seed, by necessity: a = b = 2^15 (probability 2^-30 per draw) has a
    17-bit sum that the seed's 16 steps cannot hold (its MATLAB stops with a size mismatch); such
    a draw, and any held-out or carry-chain pair, is drawn again.
    """
    iterations = positive_int(iterations, "iterations", at_most=MAX_STEPS)
    check_every = _check_every(check_every)
    rng = as_generator(natural_int(seed, "seed"))
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
