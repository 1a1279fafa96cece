"""Does the net really add? Two checks that a random sample cannot replace.

    gl.hardest_sums(params, bits=16, n=10)    # the sums closest to failing, by beam search
    gl.verify_exhaustive(params, bits=12)     # every a, b < 2^12: 16.7 million sums, all checked

Both judge a sum as ``gl.add`` does: a + b is fed for T = max(bit length of a, b) + 1 steps, LSB
first, and it is right iff every output y_t > 0.5 is the sum's bit t. Their measure of "how
nearly wrong" is the **margin**: the smallest signed output logit over the sum's steps,

    margin(a, b) = min over t = 1..T of  s_t * logit_t,   s_t = +1 if sum bit t is 1, else -1

(logit_t = h_t Wy + by, and y_t = sigmoid(logit_t)). Positive: every bit is right; negative:
the sum is wrong. 1 / (1 + e^m) is the largest error probability the net gives any of its bits.

Both walk the **prefix tree** of input pairs. Output y_t depends only on the first t input pairs
(the net is causal), so sums that start alike share those steps: the tree's node at depth t is
one sequence of t input pairs, with the hidden state h_t, the carry out of bit t and the
smallest margin so far. Each node is computed once, from its parent's state; its four children
are the four input pairs (0, 0), (1, 0), (0, 1), (1, 1), and they share the parent's h U
products. The sum whose operands are a node's t input bits (with a top pair other than (0, 0))
is judged by the node's (0, 0) child: that step reads out the last carry.

- ``verify_exhaustive`` visits the whole tree down to depth bits + 1, depth first in chunks
  of at most CHUNK nodes, so memory stays small (43 MB resident for the whole process at
  bits = 12, measured) and the small matrix products stay on one BLAS thread.
- ``hardest_sums`` keeps only the ``beam`` hardest nodes of each depth (beam search): exhaustive
  while 4^t <= beam, a heuristic below. It ranks nodes by how nearly wrong their last step is,
  not by the smallest margin so far, so the beam follows states that are about to fail rather
  than the descendants of one old near-miss.
"""

from dataclasses import dataclass, field

import numpy as np

from ..engine.activations import sigmoid
from ..engine.checks import is_int
from ..engine.fast import forward
from .adder import _check_adder

EXHAUSTIVE_MAX_BITS = 14         # 4^14 = 268 million sums; bits = 12 takes under a minute
HARDEST_MAX_BITS = 4096
MAX_BEAM = 1 << 16
MAX_N = 100_000
MAX_WRONG_LISTED = 100
CHUNK = 256                      # tree nodes expanded at once (their children: 4 x CHUNK)

# child code c = a_t + 2 b_t: its operand bits, and for carry-in k: target bit and carry out
_A_BIT = np.array([0, 1, 0, 1], dtype=np.int8)
_B_BIT = np.array([0, 0, 1, 1], dtype=np.int8)
_TOTAL = _A_BIT + _B_BIT                                     # a_t + b_t, add the carry in


@dataclass(frozen=True)
class HardSum:
    """One sum and its margin (the smallest signed output logit over its steps)."""

    a: int
    b: int
    margin: float

    @property
    def correct(self):
        """Does the net get a + b right? (margin > 0: every bit on the right side of 0.5)"""
        return self.margin > 0


@dataclass
class Verification:
    """The verdict of ``verify_exhaustive``: every pair a, b < 2^bits, each judged like gl.add.

    bits        : operands below 2^bits were checked
    checked     : 4^bits, the number of sums checked
    n_wrong     : how many of them the net gets wrong
    wrong       : the first MAX_WRONG_LISTED wrong (a, b), shortest sums first, then by a, b
    margin      : the smallest margin over all checked sums (> 0 iff every sum is right)
    hardest     : the (a, b) with that margin
    """

    bits: int
    checked: int
    n_wrong: int
    wrong: list = field(default_factory=list)
    margin: float = float("inf")
    hardest: tuple = (0, 0)

    @property
    def exact(self):
        """True when the net gets every checked sum right."""
        return self.n_wrong == 0

    def summary(self):
        """One line for people: the verdict, the count and the closest call."""
        head = (f"all {self.checked:,} sums of operands below 2^{self.bits} are right"
                if self.exact else
                f"{self.n_wrong:,} of {self.checked:,} sums of operands below 2^{self.bits} "
                f"are WRONG, e.g. " + ", ".join(f"{a} + {b}" for a, b in self.wrong[:3]))
        a, b = self.hardest
        return f"{head}; smallest margin {self.margin:.3g} ({a} + {b})"


# ------------------------------------------------------------------------------ the tree step

class _Expander:
    """The GRU step for the children of tree nodes: the same operations, in the same order, as
    ``adder._Stepper`` (which ``gl.add`` runs), but the parent's h [Uz Ur] (and h U for the
    reset-after variant) is computed once for all its children."""

    def __init__(self, params):
        _check_adder(params)
        H = self.H = params["Uz"].shape[0]
        corners = np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
        table = corners @ np.concatenate([params["Wz"], params["Wr"], params["W"]], axis=1)
        if "bz" in params:
            table += np.concatenate([params["bz"], params["br"], params["b"]])
        self.table = table                                            # (4, 3H): x_t-part
        self.Uzr = np.concatenate([params["Uz"], params["Ur"]], axis=1)
        self.U, self.bhn = params["U"], params.get("bhn")
        self.Wy = params["Wy"]
        self.by = float(params["by"][0]) if "by" in params else None
        self.H2 = 2 * H

    def children(self, h, codes=(0, 1, 2, 3)):
        """States (N, k, H) and logits (N, k) of the children ``codes`` of nodes h (N, H)."""
        H, H2 = self.H, self.H2
        N, k = h.shape[0], len(codes)
        table = self.table[list(codes)]                               # (k, 3H)
        with np.errstate(over="ignore", under="ignore"):
            zr = (h @ self.Uzr)[:, None, :] + table[None, :, :H2]     # (N, k, 2H)
            sigmoid(zr, out=zr)
            z, r = zr[:, :, :H], zr[:, :, H:]
            if self.bhn is None:
                h_tilde = ((r * h[:, None, :]).reshape(N * k, H) @ self.U).reshape(N, k, H)
            else:
                hn = h @ self.U
                hn += self.bhn
                h_tilde = r * hn[:, None, :]
            h_tilde += table[None, :, H2:]
            np.tanh(h_tilde, out=h_tilde)
            h_new = (1.0 - z) * h[:, None, :]
            h_new += z * h_tilde
            logits = (h_new.reshape(N * k, H) @ self.Wy)[:, 0]
        if self.by is not None:
            logits += self.by
        return h_new, logits.reshape(N, k)


def _judge(logits, carry, codes=(0, 1, 2, 3)):
    """For children (N, k) of nodes with carry-in ``carry`` (N,): signed logits (N, k), whether
    gl.add's decoding (y > 0.5) gets the bit right (N, k), and the carry out (N, k).

    y = sigmoid(logit) > 0.5 is logit > 0, except for 0 < logit < ~1e-16, where e^-logit
    rounds to 1 and y to exactly 0.5 (a 0): those few are decoded through the sigmoid itself.
    """
    total = carry[:, None] + _TOTAL[list(codes)][None, :]
    target = (total & 1).astype(bool)
    signed = np.where(target, logits, -logits)
    one = logits > 0
    tiny = np.abs(logits) < 1e-12
    if tiny.any():
        one[tiny] = sigmoid(logits[tiny]) > 0.5
    return signed, one == target, (total >> 1).astype(np.int8)


# ------------------------------------------------------------------------------ hardest sums

def hardest_sums(params, bits=16, n=10, *, beam=4096):
    """The n sums of operands below 2^bits closest to failing, in ascending order of margin.

    Returns a list of HardSum(a, b, margin); margin < 0 means the net gets a + b wrong. A sum
    is listed only if it is harder than every shorter sum it starts with: when 96 + 63 fails,
    96 + 319 (the same first 8 input steps) fails at the same step and is not listed again.

    beam : tree nodes kept per depth. The search is exhaustive for the first log4(beam) bits
           and a heuristic after that: a sum it does not list may still be harder (use
           ``verify_exhaustive`` for a proof up to 12-14 bits). Time and memory grow linearly
           in bits * beam: bits = 16, beam = 4096 takes a fraction of a second.

    The beam keeps the nodes that are nearest to failing one step ahead: each candidate is
    ranked by the smallest signed logit of its own step and of its four children (which are
    computed anyway: they are the next depth). Failures come at the end of a slow slide
    (margins 3.4, 2.7, 2.1, 0.2, -1.0 over five steps); the look-ahead sees the slide one step
    earlier than the node's own margin does.
    """
    ex = _Expander(params)
    bits = _check_range(bits, "bits", HARDEST_MAX_BITS)
    n = _check_range(n, "n", MAX_N)
    beam = _check_range(beam, "beam", MAX_BEAM)
    H = ex.H
    # the beam at depth t, and its nodes' four children (computed as the last depth's look-ahead)
    h_c, logits = ex.children(np.zeros((1, H)))
    path = np.array([np.inf])           # smallest margin over the node's steps
    ref = np.array([np.inf])            # the margin of the hardest shorter sum it starts with
    carry = np.zeros(1, dtype=np.int8)
    end = np.ones(1, dtype=bool)        # a sum ends here (its top input pair is not (0, 0))
    parents, codes = [], []             # per depth t >= 1: each node's parent and input code
    pool_m = np.empty(0)
    pool_at = np.empty((0, 2), dtype=np.int64)                 # (depth, node) of each sum
    for t in range(bits + 1):
        signed, _, carry_c = _judge(logits, carry)
        # the sums ending at depth t, judged by their (0, 0) child
        e = np.flatnonzero(end)
        m_end = np.minimum(path[e], signed[e, 0])
        new = m_end < ref[e]
        pool_m = np.concatenate([pool_m, m_end[new]])
        pool_at = np.concatenate([pool_at, np.stack([np.full(new.sum(), t), e[new]], axis=1)])
        if pool_m.size > n:
            keep = np.argpartition(pool_m, n - 1)[:n]
            pool_m, pool_at = pool_m[keep], pool_at[keep]
        if t == bits:
            break
        ref_c = np.where(end, np.minimum(path, signed[:, 0]), ref)       # the children's ref
        path_c = np.minimum(path[:, None], signed).ravel()
        h_g, logits_g = _children(ex, h_c.reshape(-1, H))               # the look-ahead
        score = np.minimum(signed.ravel(), _judge(logits_g, carry_c.ravel())[0].min(axis=1))
        keep = np.arange(score.size)
        if score.size > beam and t + 1 < bits:     # the last depth is judged whole: no pruning
            keep = np.sort(np.argpartition(score, beam - 1)[:beam])
        parent, code = keep // 4, keep % 4
        h_c, logits = h_g[keep], logits_g[keep]
        path, ref, carry = path_c[keep], ref_c[parent], carry_c.ravel()[keep]
        end = code != 0
        parents.append(parent.astype(np.int32))
        codes.append(code.astype(np.int8))
    order = np.lexsort((pool_at[:, 0], pool_m))                # by margin, then shorter first
    return [HardSum(*_pair_at(parents, codes, *pool_at[i]), float(pool_m[i])) for i in order]


def _children(ex, h):
    """ex.children(h) in chunks of CHUNK nodes: small matmuls stay on one BLAS thread, which
    on a busy 2-core machine is several times faster than OpenBLAS's threads."""
    if h.shape[0] <= CHUNK:
        return ex.children(h)
    parts = [ex.children(h[lo:lo + CHUNK]) for lo in range(0, h.shape[0], CHUNK)]
    return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])


def _pair_at(parents, codes, depth, node):
    """The operands (a, b) spelt by the path from the root to ``node`` at ``depth``."""
    a = b = 0
    for t in range(int(depth), 0, -1):
        c = int(codes[t - 1][node])
        a |= (c & 1) << (t - 1)
        b |= (c >> 1) << (t - 1)
        node = parents[t - 1][node]
    return a, b


# ------------------------------------------------------------------------------ exhaustive

def verify_exhaustive(params, bits=12):
    """Check every sum a + b with a, b < 2^bits (4^bits sums), each as gl.add feeds it.

    Returns a Verification: ``checked`` (4^bits), ``n_wrong``, ``wrong`` (the first 100 wrong
    (a, b), shortest first), ``margin`` and ``hardest`` (the closest call), ``exact``.
    The prefix tree is walked depth first in chunks, so memory stays small; bits = 8 takes some
    40-110 ms, bits = 12 (16.7 million sums) 10-30 s on a 2-core machine (measured, loaded).
    """
    ex = _Expander(params)
    bits = _check_range(bits, "bits", EXHAUSTIVE_MAX_BITS)
    out = _Tally(bits)
    root = (np.zeros((1, ex.H)), np.array([np.inf]), np.zeros(1, dtype=bool),
            np.zeros(1, dtype=np.int8), np.zeros(1, dtype=np.int64), np.zeros(1, dtype=np.int64))
    _visit(ex, root, 0, bits, out)
    return out.result()


def _visit(ex, nodes, t, bits, out):
    """Expand the nodes at depth t < bits and everything below them, depth first.

    nodes = (h, path margin, path wrong, carry, a, b), each node the sum of its t input pairs;
    the root is a sum (0 + 0) and so is every node whose last input pair is not (0, 0)."""
    h, path, bad, carry, a, b = nodes
    h_c, logits = ex.children(h)
    signed, right, carry_c = _judge(logits, carry)
    path_c = np.minimum(path[:, None], signed)                         # (N, 4)
    bad_c = bad[:, None] | ~right
    if t == 0:
        end = np.ones(1, dtype=bool)
    else:
        end = ((a >> (t - 1)) | (b >> (t - 1))) & 1 == 1               # top pair not (0, 0)
    out.add(t, a[end], b[end], path_c[end, 0], bad_c[end, 0])          # judged by child (0, 0)
    H = ex.H
    a_c = a[:, None] | (_A_BIT.astype(np.int64) << t)[None, :]
    b_c = b[:, None] | (_B_BIT.astype(np.int64) << t)[None, :]
    if t + 1 == bits:
        # the children with a non-(0, 0) top pair are the longest sums: one more step reads out
        # their last carry
        h_l, path_l = h_c[:, 1:].reshape(-1, H), path_c[:, 1:].ravel()
        bad_l, carry_l = bad_c[:, 1:].ravel(), carry_c[:, 1:].ravel()
        _, lg = ex.children(h_l, (0,))
        s, r, _ = _judge(lg, carry_l, (0,))
        out.add(bits, a_c[:, 1:].ravel(), b_c[:, 1:].ravel(), np.minimum(path_l, s[:, 0]),
                bad_l | ~r[:, 0])
        return
    flat = (h_c.reshape(-1, H), path_c.ravel(), bad_c.ravel(), carry_c.ravel(), a_c.ravel(),
            b_c.ravel())
    for lo in range(0, flat[0].shape[0], CHUNK):
        _visit(ex, tuple(v[lo:lo + CHUNK] for v in flat), t + 1, bits, out)


class _Tally:
    """verify_exhaustive's running totals: count, the first wrong pairs per length, the minimum."""

    def __init__(self, bits):
        self.bits, self.n_wrong, self.margin, self.hardest = bits, 0, np.inf, (0, 0)
        self.wrong = {}                         # length -> (a, b) arrays, sorted, <= 100 each

    def add(self, length, a, b, margin, bad):
        if margin.size:
            i = int(np.argmin(margin))
            if margin[i] < self.margin:
                self.margin, self.hardest = float(margin[i]), (int(a[i]), int(b[i]))
        k = int(bad.sum())
        if not k:
            return
        self.n_wrong += k
        wa, wb = a[bad], b[bad]
        if length in self.wrong:
            wa = np.concatenate([self.wrong[length][0], wa])
            wb = np.concatenate([self.wrong[length][1], wb])
        order = np.lexsort((wb, wa))[:MAX_WRONG_LISTED]
        self.wrong[length] = (wa[order], wb[order])

    def result(self):
        wrong = [(int(p), int(q)) for length in sorted(self.wrong)
                 for p, q in zip(*self.wrong[length], strict=True)][:MAX_WRONG_LISTED]
        return Verification(bits=self.bits, checked=4 ** self.bits, n_wrong=self.n_wrong,
                            wrong=wrong, margin=self.margin, hardest=self.hardest)


def _check_range(v, name, limit):
    if not is_int(v) or not 1 <= v <= limit:
        raise ValueError(f"{name} must be an integer from 1 to {limit:,}, got {v!r}")
    return int(v)


# ------------------------------------------------------------------------------ random tests

def failure_rate_bound(n, confidence=0.95):
    """The largest failure rate still consistent, at this confidence, with n random tests that
    all passed: the p with (1 - p)^n = 1 - confidence, i.e. 1 - (1 - confidence)^(1/n).

    About 3 / n at 95% (the "rule of three": -ln 0.05 = 3.0). It bounds the rate on the
    distribution the tests were drawn from, and says nothing about sums that distribution
    almost never draws.
    """
    n = _check_range(n, "n", 10 ** 15)
    if isinstance(confidence, bool) or not isinstance(confidence, (float, int)) \
            or not 0 < confidence < 1:
        raise ValueError(f"confidence must be a number between 0 and 1, got {confidence!r}")
    return float(-np.expm1(np.log1p(-confidence) / n))


# ------------------------------------------------------------------------------ boxes

@dataclass
class BoxRun:
    """What ``box_abstraction`` found: one box per carry state, widened step after step.

    widths  : (iterations + 1, 2) the mean width (hi - lo, averaged over the H units) of the
              box of carry 0 and of carry 1 after each iteration (NaN while a box is empty)
    lo, hi  : (2, cells, H) the final boxes (cells = 1 for one box per carry state)
    proven  : True if the boxes stopped growing with every output decided on them (a proof for
              every length, up to floating-point rounding), False if not
    undecided_at : the first iteration at which some output logit could have either sign
    """

    widths: np.ndarray
    lo: np.ndarray
    hi: np.ndarray
    proven: bool
    undecided_at: int | None


def box_abstraction(params, iterations=60, *, history=0):
    """Try to prove the net right for EVERY length with intervals: one box per carry state.

    The boxes start as the point h_0 = 0 (carry 0). Each iteration pushes each box through the
    GRU step for the four input pairs with interval arithmetic (every hidden unit's lowest and
    highest value) and widens the box of the carry that results to hold the image. If the boxes
    ever stop growing while every output logit keeps one sign on them, that is an inductive
    invariant: every sum of every length is right. The hidden state always lies in [-1, 1], so
    a box of width 2 has lost all information about that unit.

    history : partition further by the last ``history`` input pairs (one box per carry and
              input history; histories shorter than that are kept apart, so h_0 has a box of
              its own): 2 (4^(history+1) - 1) / 3 boxes. history=0 is one box per carry.
    """
    _check_adder(params)
    if "bhn" in params:
        raise ValueError("box_abstraction handles the seed's GRU, not the reset-after variant "
                         "(params with 'bhn')")
    iterations = _check_range(iterations, "iterations", 10_000)
    if not is_int(history) or not 0 <= history <= 8:
        raise ValueError(f"history must be an integer from 0 to 8, got {history!r}")
    H = params["Uz"].shape[0]
    b = {k: params.get(k, np.zeros(params["Uz"].shape[1] if k != "by" else 1))
         for k in ("bz", "br", "b", "by")}
    # cells: every input history of length L < history (offset[L] + its code sequence), then
    # the last `history` inputs of every longer one
    offset = np.array([(4 ** L - 1) // 3 for L in range(history + 1)])
    length = np.concatenate([np.full(4 ** L, L) for L in range(history + 1)])
    seq = np.concatenate([np.arange(4 ** L) for L in range(history + 1)])
    lo = np.full((2, length.size, H), np.inf)
    hi = np.full((2, length.size, H), -np.inf)
    lo[0, 0] = hi[0, 0] = 0.0
    widths = [_mean_width(lo, hi)]
    undecided_at, proven = None, False
    for it in range(1, iterations + 1):
        new_lo, new_hi = lo.copy(), hi.copy()
        for c in (0, 1):
            live = np.flatnonzero(lo[c, :, 0] <= hi[c, :, 0])   # cells holding some state
            if not live.size:
                continue
            L = np.minimum(length[live] + 1, history)
            for code, (a_t, b_t) in enumerate(((0, 0), (1, 0), (0, 1), (1, 1))):
                x = np.array([a_t, b_t], dtype=float)
                total = a_t + b_t + c
                s_lo, s_hi = _box_step(params, b, x, lo[c, live], hi[c, live])
                l_lo, l_hi = _interval_matmul(s_lo, s_hi, params["Wy"])
                l_lo, l_hi = l_lo[:, 0] + b["by"][0], l_hi[:, 0] + b["by"][0]
                decided = l_lo > 0 if total & 1 else l_hi < 0
                if not decided.all() and undecided_at is None:
                    undecided_at = it
                cell = offset[L] + (seq[live] * 4 + code) % 4 ** L
                np.minimum.at(new_lo[total >> 1], cell, s_lo)
                np.maximum.at(new_hi[total >> 1], cell, s_hi)
        grew = not (np.array_equal(new_lo, lo) and np.array_equal(new_hi, hi))
        lo, hi = new_lo, new_hi
        widths.append(_mean_width(lo, hi))
        if not grew:
            proven = undecided_at is None
            break
    return BoxRun(widths=np.array(widths), lo=lo, hi=hi, proven=proven,
                  undecided_at=undecided_at)


def _mean_width(lo, hi):
    """The mean unit width over the non-empty boxes of each carry (NaN: none yet)."""
    full = lo[:, :, 0] <= hi[:, :, 0]                                 # (2, cells)
    w = np.where(full[:, :, None], hi - lo, 0.0).sum(axis=(1, 2))
    n = full.sum(axis=1) * lo.shape[2]
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(n > 0, w / np.maximum(n, 1), np.nan)


def _interval_matmul(lo, hi, M):
    """The range of h @ M over the box lo <= h <= hi: centre @ M -/+ radius @ |M|."""
    centre, radius = (lo + hi) / 2, (hi - lo) / 2
    mid, spread = centre @ M, radius @ np.abs(M)
    return mid - spread, mid + spread


def _box_step(params, b, x, lo, hi):
    """Bounds on h_t over all h_{t-1} in the box [lo, hi], input x (the seed's GRU)."""
    z_lo, z_hi = (v + x @ params["Wz"] + b["bz"] for v in _interval_matmul(lo, hi, params["Uz"]))
    r_lo, r_hi = (v + x @ params["Wr"] + b["br"] for v in _interval_matmul(lo, hi, params["Ur"]))
    z_lo, z_hi, r_lo, r_hi = sigmoid(z_lo), sigmoid(z_hi), sigmoid(r_lo), sigmoid(r_hi)
    rh_lo, rh_hi = _interval_product(r_lo, r_hi, lo, hi)                # r * h_{t-1}
    c_lo, c_hi = (np.tanh(v + x @ params["W"] + b["b"])
                  for v in _interval_matmul(rh_lo, rh_hi, params["U"]))
    # h_t = (1 - z) h_{t-1} + z h_tilde: three true bounds, of which we keep the tightest.
    # (1) it lies between h_{t-1} and h_tilde, unit by unit;
    out_lo, out_hi = np.minimum(lo, c_lo), np.maximum(hi, c_hi)
    # (2) the two products bounded separately (tight when z is near 0 or 1);
    keep_lo, keep_hi = _interval_product(1.0 - z_hi, 1.0 - z_lo, lo, hi)
    new_lo, new_hi = _interval_product(z_lo, z_hi, c_lo, c_hi)
    out_lo, out_hi = np.maximum(out_lo, keep_lo + new_lo), np.minimum(out_hi, keep_hi + new_hi)
    # (3) h_{t-1} + z (h_tilde - h_{t-1})
    step_lo, step_hi = _interval_product(z_lo, z_hi, c_lo - hi, c_hi - lo)
    return np.maximum(out_lo, lo + step_lo), np.minimum(out_hi, hi + step_hi)


def _interval_product(a_lo, a_hi, b_lo, b_hi):
    """The range of a * b, unit by unit, for a in [a_lo, a_hi] and b in [b_lo, b_hi]."""
    corners = np.stack([a_lo * b_lo, a_lo * b_hi, a_hi * b_lo, a_hi * b_hi])
    return corners.min(axis=0), corners.max(axis=0)


def box_growth(params, n_states=500, rng=0, eps=1e-6):
    """How much one interval step widens a tiny box around states the net really reaches.

    States h_t are sampled from 200 random 16-bit sums; for each and each input pair, a box of
    half-width eps around it goes through the interval step. Returns the factors (widest unit
    out) / (width in), n_states * 4 of them. Above 1 everywhere means any box, however small,
    comes out bigger, so no finite set of boxes can settle into an invariant with decided
    outputs by itself; below 1 means small boxes shrink (a contraction).
    """
    from .data import addition_batch, random_pairs

    _check_adder(params)
    n_states = _check_range(n_states, "n_states", 100_000)
    b = {k: params.get(k, np.zeros(params["Uz"].shape[1] if k != "by" else 1))
         for k in ("bz", "br", "b", "by")}
    x, _ = addition_batch(*random_pairs(200, 16, rng))
    _, cache = forward(params, x)
    hs = cache.h.reshape(-1, cache.h.shape[-1])
    pick = np.random.default_rng(rng).choice(len(hs), min(n_states, len(hs)), replace=False)
    factors = []
    for code in range(4):
        xx = np.array([code & 1, code >> 1], dtype=float)
        lo, hi = _box_step(params, b, xx, hs[pick] - eps, hs[pick] + eps)
        factors.append((hi - lo).max(axis=1) / (2 * eps))
    return np.concatenate(factors)
