"""The trained GRU as an adder: feed the bits of a and b, LSB first, read the sum's bits.

    params = gl.load_pretrained()
    gl.add(params, 65535, 1)                       # 65536
    gl.add_details(params, 6, 3).prob              # the net's probability for each output bit
    gl.accuracy(params, *gl.held_out_pairs())      # exact-sum rate on the held-out pairs

``add`` feeds max(bit length of a, b) + 1 steps, so the last carry has a step to come out on.
It works for non-negative ints of any size (the widget and the CLI cap their input at 256 bits).

Two ways to read an output probability y_t as a bit:

    threshold     : bit = 1 if y_t > 0.5 else 0           (strict; the default)
    matlab_round  : bit = round(y_t), halves AWAY from zero, as the seed's MATLAB round() does

They differ only at y_t = 0.5 exactly. A seed net (no biases, h_0 = 0) outputs exactly 0.5
on a run of leading (0, 0) input pairs, whatever its weights: round(0.5) = 1 there, so the
seed's own decoding fails every sum of two even numbers. NumPy's np.round rounds halves to even
(np.round(0.5) == 0.0) and would hide that; ``matlab_round`` implements MATLAB's rule on purpose.
"""

from dataclasses import dataclass

import numpy as np

from ..engine.activations import sigmoid
from ..engine.fast import GRUCache, forward
from ..engine.params import validate_params
from .data import _as_int_list, _check_int, addition_batch, bits_to_int

DECODES = ("threshold", "matlab_round")


def matlab_round(y):
    """Round to the nearest integer, halves away from zero (MATLAB's round; np.round differs).

    >>> matlab_round(np.array([0.5, 1.5, 2.5, -0.5, 0.49999999999999994]))
    array([ 1.,  2.,  3., -1.,  0.])
    """
    y = np.asarray(y, dtype=np.float64)
    whole = np.trunc(y)
    frac = y - whole                                    # exact in floating point
    return whole + np.where(np.abs(frac) >= 0.5, np.sign(y), 0.0)


def decode_bits(y, decode="threshold"):
    """Output probabilities -> bits (int64 0/1 array of y's shape) by the chosen rule."""
    if decode == "threshold":
        return (np.asarray(y) > 0.5).astype(np.int64)
    if decode == "matlab_round":
        return matlab_round(y).astype(np.int64)
    raise ValueError(f"decode must be one of {', '.join(DECODES)}, got {decode!r}")


@dataclass
class AdditionDetails:
    """One sum worked by the net, step by step (every per-step array has length T)."""

    a: int
    b: int
    answer: int               # the net's sum
    true_sum: int             # a + b
    correct: bool
    T: int                    # steps fed: max(bit length of a, b) + 1
    a_bits: np.ndarray        # (T,) bits of a, LSB first
    b_bits: np.ndarray        # (T,) bits of b, LSB first
    prob: np.ndarray          # (T,) the net's output y_t
    out_bits: np.ndarray      # (T,) the net's bits (decoded prob)
    true_bits: np.ndarray     # (T,) bits of a + b
    carry: np.ndarray         # (T,) the true carry OUT of each bit position
    x: np.ndarray             # (T, 1, 2) the input sequence fed to the net
    cache: GRUCache           # the forward pass: cache.z, cache.r, cache.h_tilde, cache.h

    def table(self):
        """The bit-by-bit working as fixed-width text, one row per step t = 1..T (as in the
        equations; step 1 reads the 1s place, array index t - 1), LSB at the top."""
        lines = [f"{'t':>4}  a  b  carry_out  sum  net   y_t", "-" * 38]
        for i in range(self.T):
            mark = "" if self.out_bits[i] == self.true_bits[i] else "  <- wrong"
            lines.append(f"{i + 1:>4}  {self.a_bits[i]}  {self.b_bits[i]}  {self.carry[i]:>9}  "
                         f"{self.true_bits[i]:>3}  {self.out_bits[i]:>3}  {self.prob[i]:.3f}{mark}")
        return "\n".join(lines)


def add(params, a, b, *, decode="threshold"):
    """The net's answer to a + b (non-negative ints of any size), as a Python int."""
    _check_adder(params)
    a, b = _check_int(a, "a"), _check_int(b, "b")
    x, _ = addition_batch([a], [b])
    return bits_to_int(decode_bits(predict(params, x)[:, 0], decode))


def predict(params, x):
    """The net's outputs y of shape (T, N) for 0/1 inputs x of shape (T, N, 2); no cache kept.

    The same sums as ``gl.forward`` (whose y it matches), arranged for speed: the input
    projection x_t [Wz Wr W] takes only four values, so it is looked up, not multiplied.
    """
    T, N, _ = x.shape
    H = params["Uz"].shape[0]
    step = _Stepper(params)
    code = (x[:, :, 0] + 2 * x[:, :, 1]).astype(np.intp)          # (T, N) in 0..3
    h = np.zeros((N, H))
    hs = np.empty((T, N, H))
    with np.errstate(over="ignore", under="ignore"):
        for t in range(T):
            h = step(code[t], h)
            hs[t] = h
        return step.output(hs.reshape(T * N, H)).reshape(T, N)


class _Stepper:
    """One GRU step for 0/1 inputs given by their code a_t + 2 b_t, and the output layer."""

    CORNERS = np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])   # x_t for code 0..3

    def __init__(self, params):
        self.H = H = params["Uz"].shape[0]
        table = self.CORNERS @ np.concatenate([params["Wz"], params["Wr"], params["W"]], axis=1)
        if "bz" in params:
            table += np.concatenate([params["bz"], params["br"], params["b"]])
        self.table = table                                             # (4, 3H)
        self.Uzr = np.concatenate([params["Uz"], params["Ur"]], axis=1)
        self.U, self.bhn = params["U"], params.get("bhn")
        self.Wy, self.by = params["Wy"], params.get("by")
        self.H2 = 2 * H

    def __call__(self, code, h):
        """h_t (N, H) from the codes (N,) of x_t and h_{t-1} (N, H).

        In place where it can be (the cost at small N is the number of NumPy calls), with the
        sums in the order of ``gl.forward``; run it inside np.errstate(over="ignore") like
        ``sigmoid`` (e^-x may overflow to inf, which gives the right 0).
        """
        H, H2 = self.H, self.H2
        xW = self.table[code]                                          # (N, 3H)
        zr = h @ self.Uzr
        zr += xW[:, :H2]
        sigmoid(zr, out=zr)                                           # [z, r]
        z, r = zr[:, :H], zr[:, H:]
        if self.bhn is None:
            h_tilde = (r * h) @ self.U
        else:
            h_tilde = h @ self.U
            h_tilde += self.bhn
            h_tilde *= r
        h_tilde += xW[:, H2:]
        np.tanh(h_tilde, out=h_tilde)
        h_new = (1.0 - z) * h
        h_new += z * h_tilde
        return h_new

    def output(self, h):
        """y (M,) from hidden states h (M, H) (inside np.errstate(over="ignore"))."""
        logits = (h @ self.Wy)[:, 0]
        if self.by is not None:
            logits += self.by[0]
        return sigmoid(logits, out=logits)


def add_details(params, a, b, *, decode="threshold"):
    """Work a + b through the net and return every step (see AdditionDetails)."""
    _check_adder(params)
    a, b = _check_int(a, "a"), _check_int(b, "b")
    x, d = addition_batch([a], [b])
    y, cache = forward(params, x)
    prob = y[:, 0, 0].copy()
    out_bits = decode_bits(prob, decode)
    T = x.shape[0]
    a_bits = x[:, 0, 0].astype(np.int64)
    b_bits = x[:, 0, 1].astype(np.int64)
    true_bits = d[:, 0, 0].astype(np.int64)
    carry_in = a_bits ^ b_bits ^ true_bits            # the carry INTO each position
    carry = np.append(carry_in[1:], 0)                # carry out of t = carry into t + 1
    answer = bits_to_int(out_bits)
    return AdditionDetails(a=a, b=b, answer=answer, true_sum=a + b, correct=answer == a + b,
                           T=T, a_bits=a_bits, b_bits=b_bits, prob=prob, out_bits=out_bits,
                           true_bits=true_bits, carry=carry, x=x, cache=cache)


def exact(params, a, b, *, decode="threshold"):
    """Boolean array: is the net's sum exactly a[i] + b[i]?

    Each pair is judged on its own max(bit length) + 1 steps, as ``add`` feeds it (pairs with a
    common start share its steps: see ``PairScorer``).
    """
    return PairScorer(a, b).exact(params, (decode,))[decode]


class PairScorer:
    """A fixed set of pairs, encoded once, scored against many nets (training checkpoints).

    Sum bit t depends only on bits 0..t of a and b, and so does the net's output y_t (it is
    causal). So pairs that start with the same input steps share those outputs: the pairs are
    stored as a prefix tree of input steps (one node per distinct prefix, with its target bit),
    and the net is run depth by depth over the tree's nodes, each node from its parent's hidden
    state. A pair is exact iff every node on its path, down to its own max(bit length) + 1
    steps, decodes to its target bit. The carry-chain set (1,332 pairs, 161,240 steps) has
    only 19,742 distinct prefixes, so this is 8x less work than running every pair.
    """

    def __init__(self, a, b):
        a = _as_int_list(a, "a")
        b = _as_int_list(b, "b")
        if len(a) != len(b):
            raise ValueError(f"a has {len(a)} numbers but b has {len(b)}; give one b per a")
        if not a:
            raise ValueError("a and b are empty; give at least one pair")
        self.size = len(a)
        steps = np.array([max(p.bit_length(), q.bit_length()) + 1
                          for p, q in zip(a, b, strict=True)])
        x, d = addition_batch(a, b)                                    # (T, N, 2), (T, N, 1)
        code = (x[:, :, 0] + 2 * x[:, :, 1]).astype(np.intp)           # (T, N) in 0..3
        target = d[:, :, 0].astype(np.int64)
        node = np.zeros(self.size, dtype=np.intp)     # each pair's node at the last depth
        # levels[t] = (parent (n_t,) into depth t - 1's nodes, code (n_t,), target (n_t,),
        #              pairs ending at depth t, their nodes)
        self.levels = []
        for t in range(x.shape[0]):
            alive = np.flatnonzero(steps > t)
            key = node[alive] * 4 + code[t, alive]
            uniq, inv = np.unique(key, return_inverse=True)
            tgt = np.empty(uniq.size, dtype=np.int64)
            tgt[inv] = target[t, alive]               # one target per prefix (bit t is causal)
            node[alive] = inv
            ending = alive[steps[alive] == t + 1]
            self.levels.append((uniq // 4, uniq % 4, tgt, ending, node[ending].copy()))
        self.nodes = sum(level[0].size for level in self.levels)
        self.steps = int(steps.sum())

    def exact(self, params, decodes=("threshold",)):
        """{decode: boolean array of exact sums} for each decoding rule, from one pass."""
        _check_adder(params)
        for dec in decodes:
            decode_bits(np.zeros(0), dec)                          # a clear error for a typo
        step = _Stepper(params)
        ok = {dec: np.zeros(self.size, dtype=bool) for dec in decodes}
        h = np.zeros((1, step.H))                                  # the root: h_0 = 0
        bad = {dec: np.zeros(1, dtype=bool) for dec in decodes}   # a node on the path is wrong
        with np.errstate(over="ignore", under="ignore"):
            for parent, code, target, ending, end_node in self.levels:
                h = step(code, h[parent])
                y = step.output(h)
                for dec in decodes:
                    bad[dec] = (decode_bits(y, dec) != target) | bad[dec][parent]
                    ok[dec][ending] = ~bad[dec][end_node]
        return ok

    def accuracy(self, params, decodes=("threshold",)):
        """{decode: exact-sum rate in [0, 1]}."""
        return {dec: float(np.mean(v)) for dec, v in self.exact(params, decodes).items()}


def accuracy(params, a, b, decode="threshold"):
    """The fraction of pairs whose sum the net gets exactly right, in [0, 1]."""
    return float(np.mean(exact(params, a, b, decode=decode)))


def _check_adder(params):
    D, _, O = validate_params(params)
    if D != 2 or O != 1:
        raise ValueError(f"an adder net has 2 inputs and 1 output, these params have D={D}, "
                         f"O={O}; use gl.init_params(2, H, 1) or gl.load_pretrained()")
