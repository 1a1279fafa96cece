"""Looking inside a trained adder: which hidden units carry, and what happens when we hold them.

The carry is the one thing an adder must remember from bit to bit, so a net that adds must keep
it somewhere in h_t. We run many random additions, and correlate each hidden unit's h_t with the
true carry out of bit t, over every step of every sum:

    corr_j = Pearson correlation of { h_t[j] }  with  { carry_t }   over all t, all sums

A unit with |corr_j| >= 0.9 (CARRY_THRESHOLD) is a carry unit; its sign is arbitrary (-1 means
"low = carry"). A correlation only says a unit *follows* the carry. To show the net *uses* it,
intervene: hold the unit at its no-carry value from step k on (``run_clamped``); if the unit
carries, every sum that needs a carry out of step k or later breaks, and no other sum does.

    gl.carry_units(params)                     # e.g. array([5, 11]): |corr| >= 0.9, best first
    corr = carry_correlations(params)          # (H,) every unit's correlation
    means = gate_by_pair_and_carry(params, units=[5])["z"]   # when does z open?
    clamped_sums(params, [65535], [1], units=[5], start=3)   # the sums with unit 5 held
"""

import numpy as np

from ..engine.activations import sigmoid
from ..engine.checks import positive_int
from ..engine.fast import forward
from ..engine.params import validate_params
from .adder import _check_adder
from .data import _as_int_list, addition_batch, bits_to_int, random_pairs

NAMES = ("z", "r", "h_tilde", "h")
CARRY_THRESHOLD = 0.9        # |corr| from which a unit counts as a carry unit


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


def carry_units(params, n_pairs=500, threshold=CARRY_THRESHOLD, rng=0, bits=16, top=None):
    """The carry units: the hidden units with |corr| >= threshold (default 0.9), best first.

    corr is each unit's correlation with the carry out of bit t (see carry_correlations). The
    threshold, not a fixed number of units, decides: a net may have one carry unit, several, or
    none (an untrained net has none), and a unit that sits still whatever the carry (|corr| ~ 0.6,
    say) is not one. top: keep at most this many (the best ones). Returns an int array.
    """
    H = validate_params(params)[1]
    if isinstance(threshold, bool) or not isinstance(threshold, (int, float, np.floating)) \
            or not 0 < threshold <= 1:
        raise ValueError(f"threshold must be a number in (0, 1], got {threshold!r}")
    if top is not None:
        top = positive_int(top, "top")
        if top > H:
            raise ValueError(f"top={top} but the net has only {H} hidden units; "
                             f"ask for at most {H}")
    corr = carry_correlations(params, n_pairs=n_pairs, bits=bits, rng=rng)
    order = np.argsort(-np.abs(corr), kind="stable")
    return order[np.abs(corr[order]) >= threshold][:top]


def no_carry_values(params, units, n_pairs=500, bits=16, rng=0):
    """(U,) each chosen unit's mean h_t over the steps with no carry out: "no carry" as the
    unit writes it (over the same random additions as carry_correlations)."""
    units = _check_units(units, validate_params(params)[1])
    cache, _, carry_out, _ = carry_signals(params, n_pairs, bits, rng)
    return cache.h[carry_out == 0][:, units].mean(axis=0)


def run_clamped(params, x, units, values, *, start=1):
    """Run the net on x (T, N, 2), holding hidden units ``units`` at ``values`` from step
    ``start`` on (steps t = 1..T as in the equations).

    At every step t >= start the state is computed as usual, then h_t[units] = values; the
    output y_t and step t + 1 both see the held state (an intervention: what the rest of the
    net does when these units say "no carry"). start = T + 1 holds nothing. Returns y (T, N, 1)
    and h (T, N, H), the held values in place.
    """
    _check_adder(params)
    H = params["Uz"].shape[0]
    units = _check_units(units, H)
    values = np.asarray(values, dtype=np.float64)
    if values.ndim > 1 or values.size not in (1, units.size):
        raise ValueError(f"values must be one value per unit ({units.size}) or a single value, "
                         f"got shape {values.shape}")
    values = np.broadcast_to(values.reshape(-1), units.shape)
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 3 or x.shape[2] != 2:
        raise ValueError(f"x must have shape (T, N, 2), got {x.shape}")
    T, N, _ = x.shape
    start = positive_int(start, "start")
    h = np.empty((T, N, H))
    h_prev = np.zeros((N, H))
    for t in range(T):
        _, step = forward(params, x[t:t + 1], h0=h_prev)
        h[t] = step.h[0]
        if t + 1 >= start:
            h[t][:, units] = values
        h_prev = h[t]
    logits = h @ params["Wy"] + params.get("by", 0.0)
    return sigmoid(logits), h


def clamped_sums(params, a, b, units, *, start=1, values=None, bits=None):
    """The net's sums a[i] + b[i] with ``units`` held at ``values`` (default: their no-carry
    values) from step ``start`` on: an int64 (or, past 62 bits, object) array.

    All pairs get the same steps: bits (default max bit length + 1, as gl.add feeds a lone pair).
    """
    units = _check_units(units, validate_params(params)[1])
    if values is None:
        values = no_carry_values(params, units)
    x, _ = addition_batch(a, b, bits=bits)
    y, _ = run_clamped(params, x, units, values, start=start)
    answers = [bits_to_int(col) for col in (y[:, :, 0] > 0.5).astype(np.int64).T]
    return np.array(answers, dtype=np.int64 if x.shape[0] <= 62 else object)


def carry_from(a, b, start):
    """Boolean array: does a[i] + b[i] carry out of some step t >= start?

    Step t adds bit t - 1, and its carry goes into bit t: bit t of (a + b) ^ a ^ b. These are the
    sums a net must get wrong when its carry is held at "no carry" from step ``start`` on.
    """
    start = positive_int(start, "start")
    a, b = _as_int_list(a, "a"), _as_int_list(b, "b")
    if len(a) != len(b):
        raise ValueError(f"a has {len(a)} numbers but b has {len(b)}; give one b per a")
    return np.array([((p + q) ^ p ^ q) >> start != 0 for p, q in zip(a, b, strict=True)])


def gate_by_pair_and_carry(params, units=None, n_pairs=500, bits=16, rng=0):
    """Mean of z, r, h_tilde and h at each kind of step, for the chosen hidden units.

    A step is classified by the input pair a_t + b_t (0: the carry dies, 1: it passes on,
    2: a carry is born) and the carry coming in (0 or 1). Returns {name: array (3, 2, U)} with
    entry [pair_sum, carry_in, k] the mean of that quantity for units[k] (NaN if no such step),
    plus "count": (3, 2) the number of steps of each kind.
    """
    H = validate_params(params)[1]
    units = np.arange(H) if units is None else _check_units(units, H)
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


def _check_units(units, H):
    units = np.atleast_1d(np.asarray(units))
    if units.ndim != 1 or units.size == 0 or units.dtype.kind not in "iu" \
            or units.min() < 0 or units.max() >= H or len(set(units.tolist())) < units.size:
        raise ValueError(f"units must be distinct indices of hidden units in 0..{H - 1}, "
                         f"got {units.tolist()}")
    return units.astype(np.intp)
