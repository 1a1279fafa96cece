"""Binary addition as a sequence task: the bits of a and b in, the bits of a + b out.

Worked example, 6 + 3 = 9 with 4 steps, least-significant bit (LSB) first::

    t        0  1  2  3
    a = 6    0  1  1  0        x_t = [a_t, b_t]   (the two input features)
    b = 3    1  1  0  0
    c = 9    1  0  0  1        d_t = c_t          (the target output)
    carry    0  1  1  0        the carry OUT of position t

Why LSB first: a written sum is worked right to left, because the carry flows from each bit to
the next more significant one. Feeding the bits LSB first makes the carry flow *forward in time*,
so when the net must emit c_t it has already seen every input that decides it (a_0..a_t,
b_0..b_t): one hidden unit holding "carry = 1" is enough. Fed most-significant first, the very
first output would depend on inputs not yet read. (minGPT's adder writes its sums reversed for
the same reason.)

``addition_batch`` feeds ``max(bit length) + 1`` steps unless told otherwise, so the final carry
has a step to come out on. Operands are Python ints of any size; numpy int64 arrays are fine
too, and object arrays of Python ints carry numbers wider than 63 bits.

The held-out sets never appear in training (``gru_lesson.addition.train`` rejects them from
its batches):

- ``held_out_pairs()``: 1,000 distinct random pairs of 16-bit operands (0 .. 65535).
- ``carry_chain_pairs()``: the sums a student types first, with long carry chains, up to 256 bits.

``parse_number(text, name)`` turns what a user typed (in a widget, or on the command line with
``prefixes=True``) into an operand, or a ValueError that says what to type instead.
"""

from functools import lru_cache

import numpy as np

from ..engine.checks import is_int, plain_array, positive_int
from ..engine.params import as_generator

HELD_OUT_SEED = 20_250_401      # fixed: the held-out set must never change between releases
HELD_OUT_SIZE = 1_000
HELD_OUT_BITS = 16
CARRY_MAX_BITS = 256
TYPED_MAX_BITS = 256            # parse_number: operands a user types, up to 2^256 - 1
# Sizes past these would end in a MemoryError: a ValueError names the limit instead.
MAX_CELLS = 2 ** 25             # addition_batch: steps x pairs (x and d take 24 bytes a cell)
MAX_PAIRS = 10_000_000          # random_pairs: n
MAX_WIDE_BITS = 2 ** 26         # random_pairs: n x bits above 62 bits (drawn bit by bit)
_SEPARATORS = str.maketrans("", "", "_ '")      # digit-group separators people type
_PREFIXES = {"0x": 16, "0b": 2, "0o": 8}


def int_to_bits(n, bits=None):
    """The binary digits of a non-negative int, LSB first, as an int64 array of 0s and 1s.

    >>> int_to_bits(6, 4)            # 6 = 0b0110
    array([0, 1, 1, 0])

    ``bits`` defaults to n's bit length (1 for n = 0); at most MAX_CELLS.
    """
    n = _check_int(n, "n")
    if bits is None:
        bits = max(n.bit_length(), 1)
    bits = positive_int(bits, "bits", at_most=MAX_CELLS, why="the bits would not fit in memory")
    if n.bit_length() > bits:
        raise ValueError(f"{_show(n)} needs {n.bit_length():,} bits but bits={bits:,}; "
                         f"pass bits >= {n.bit_length():,}")
    return _bits_matrix([n], bits)[0].astype(np.int64)


def bits_to_int(bits):
    """The int whose binary digits, LSB first, are ``bits`` (a 1-D sequence of 0s and 1s).

    >>> bits_to_int([0, 1, 1, 0])
    6

    Bools are accepted (``bits_to_int(y > 0.5)`` decodes a net's output); anything other than
    exactly 0 or 1 is a ValueError.
    """
    arr = np.asarray(plain_array(bits, "bits"))
    if arr.ndim != 1:
        raise ValueError(f"bits must be a 1-D sequence of 0s and 1s, got shape {arr.shape}")
    if arr.size == 0:
        return 0
    if arr.dtype.kind not in "biuf" or not np.all((arr == 0) | (arr == 1)):
        raise ValueError("bits must contain only 0s and 1s (LSB first), "
                         f"got values like {arr[:8].tolist()}")
    packed = np.packbits(arr.astype(np.uint8), bitorder="little")
    return int.from_bytes(packed.tobytes(), "little")


def addition_batch(a, b, bits=None):
    """Inputs and targets for adding a[i] + b[i], every pair at once, LSB first.

    a, b : ints or 1-D array-likes of equal length N of non-negative ints (Python ints of any
           size, numpy integer arrays, or object arrays of Python ints).
    bits : the number of steps T; default max(bit length of every a, b) + 1 (at least 1), so
           the last carry fits. Every sum must fit in T bits, and T x N <= MAX_CELLS (2^25).

    Returns x of shape (T, N, 2), x[t, n] = [bit t of a[n], bit t of b[n]], and d of shape
    (T, N, 1), d[t, n, 0] = bit t of a[n] + b[n]; both float64.

    >>> x, d = addition_batch([6], [3])        # T = 4: 6 + 3 = 9
    >>> x[:, 0].T.astype(int).tolist(), d[:, 0, 0].astype(int).tolist()
    ([[0, 1, 1, 0], [1, 1, 0, 0]], [1, 0, 0, 1])
    """
    a = _as_int_list(a, "a")
    b = _as_int_list(b, "b")
    if len(a) != len(b):
        raise ValueError(f"a has {len(a)} numbers but b has {len(b)}; give one b per a "
                         "(nothing is broadcast)")
    if not a:
        raise ValueError("a and b are empty; give at least one pair")
    c = [p + q for p, q in zip(a, b, strict=True)]
    need = max(v.bit_length() for v in c)
    if bits is None:
        bits = max(max(v.bit_length() for v in a + b) + 1, 1)
    bits = positive_int(bits, "bits")
    if need > bits:
        raise ValueError(f"a sum needs {need:,} bits but bits={bits:,}; pass bits >= {need:,} "
                         "(or bits=None for max bit length + 1)")
    if bits * len(a) > MAX_CELLS:
        raise ValueError(f"{len(a):,} sums of {bits:,} steps are {bits * len(a):,} cells, over "
                         f"the limit of {MAX_CELLS:,} (the batch would not fit in memory); "
                         "split the pairs into smaller batches")
    ab = _bits_matrix(a + b, bits)                                   # (2N, T)
    N = len(a)
    x = np.empty((bits, N, 2))
    x[:, :, 0] = ab[:N].T
    x[:, :, 1] = ab[N:].T
    d = _bits_matrix(c, bits).T[:, :, None].astype(np.float64)
    return x, d


def random_pairs(n, bits, rng=None):
    """n pairs of operands drawn uniformly from 0 .. 2^bits - 1 with a seeded Generator.

    Returns (a, b): int64 arrays when bits <= 62, otherwise object arrays of Python ints.
    ``rng``: a numpy Generator or an int seed. n <= MAX_PAIRS, and above 62 bits
    n x bits <= MAX_WIDE_BITS (2^26), so that the draw fits in memory.
    """
    n = positive_int(n, "n", at_most=MAX_PAIRS, why="the pairs would not fit in memory")
    bits = positive_int(bits, "bits")
    if bits > 62 and n * bits > MAX_WIDE_BITS:
        raise ValueError(f"n x bits = {n:,} x {bits:,} is over the limit of {MAX_WIDE_BITS:,} "
                         "random bits (the pairs would not fit in memory); draw fewer or "
                         "narrower pairs")
    rng = as_generator(rng)
    if bits <= 62:
        hi = 1 << bits
        return rng.integers(0, hi, size=n), rng.integers(0, hi, size=n)
    raw = rng.integers(0, 2, size=(2, n, bits), dtype=np.uint8)     # random bits, LSB first
    nbytes = (bits + 7) // 8
    packed = np.packbits(raw, axis=2, bitorder="little")[:, :, :nbytes]
    ints = [[int.from_bytes(row.tobytes(), "little") for row in side] for side in packed]
    return _object_array(ints[0]), _object_array(ints[1])


def held_out_pairs():
    """The fixed held-out set: 1,000 distinct pairs of 16-bit operands (0 .. 65535).

    Drawn once from a Generator with a fixed seed, so it is the same everywhere; training
    (``gl.train``, ``gl.train_seed``) never draws these pairs. Returns fresh int64 arrays (a, b).
    """
    a, b = _held_out()
    return a.copy(), b.copy()


def carry_chain_pairs():
    """The carry-chain set: sums whose carry must travel far, up to 256-bit operands.

    Random pairs rarely hold a carry chain longer than a few bits, so a net can score 100% on
    them and still drop a carry (one answered 65535 + 1 = 65024). This set holds, in both
    operand orders where they differ:

    - (2^k - 1) + 1 for k = 1..256 (the carry ripples through k ones),
    - (2^k - 1) + (2^k - 1) and 2^k + 2^k for every k (2^255 + 2^255 is the last),
    - 2^k + (2^k - 1) and (2^k - 1) + 0 (no carry at all) for k <= 20 and k = 31, 32, 63, 64,
      127, 128, 255,
    - (10^k - 1) + 1 for every 10^k <= 2^256 (99999 + 1 and friends),
    - 0 + 0, 0 + 1, 1 + 1,
    - alternating bits 0b0101.. + 0b1010.. (no carry, all ones) and 0b0101.. + 0b0101..,
      0b1010.. + 0b0110.. at 16, 64 and 256 bits,
    - a chain started in the middle: (2^k - 1) * 2^j + 2^j for a few j, k.

    Returns object arrays (a, b) of Python ints, no pair repeated.
    """
    a, b = _carry_chain()
    return a.copy(), b.copy()


def parse_number(text, name="The number", max_bits=TYPED_MAX_BITS, *, prefixes=False):
    """The non-negative int a user typed, or a ValueError whose message says what to type.

    The one parser of the widgets and the command line. Strict on purpose: only the ASCII
    digits 0-9 (no sign, spaces, "_", decimal point, exponent or non-ASCII digits such as
    "٣"), below 2**max_bits. With ``prefixes=True`` (the CLI) also Python's 0x / 0b / 0o
    literals and "_" between digits: 0xffff, 0b1010, 65_535.

    >>> parse_number("65535")
    65535
    >>> parse_number("0xff", prefixes=True)
    255
    >>> parse_number("+5")
    Traceback (most recent call last):
    ...
    ValueError: The number starts with "+": leave the sign out and type digits only, e.g. 5.
    """
    if not isinstance(text, str):
        raise ValueError(f"{name} must be text typed in the box, got {type(text).__name__}.")
    value = _literal(text, prefixes)
    if value is not None:
        digits, base = value
        size = _too_big(digits, base, max_bits)
        if size:
            raise ValueError(f"{name} is too big: it has {size}; this adder takes numbers below "
                             f"2^{max_bits} ≈ {2 ** max_bits:.3g} (at most {max_bits} bits).")
        return int(digits or "0", base)
    raise ValueError(f"{name} {_what_is_wrong(text, prefixes)}")


def _literal(text, prefixes):
    """(significant digits, base) when text is a number this parser accepts, else None."""
    if text.isascii() and text.isdigit():
        return text.lstrip("0"), 10
    if not prefixes or not text.isascii():
        return None
    base = _PREFIXES.get(text[:2].lower())
    body = text[2:] if base else text
    base = base or 10
    allowed = "0123456789abcdef"[:base]
    groups = body.lower().split("_")
    if not all(groups) or not all(c in allowed for g in groups for c in g):
        return None
    return "".join(groups).lstrip("0"), base


def _too_big(digits, base, max_bits):
    """A description of the size ("257 bits", "100,000 digits") when over max_bits, else ''."""
    per_digit = {16: 4, 8: 3, 2: 1}.get(base, 3.33)
    if len(digits) * per_digit > max_bits + 4 + 8 * per_digit:        # far too long: no int()
        return f"{len(digits):,} digits"
    bits = int(digits or "0", base).bit_length()
    return f"{bits} bits" if bits > max_bits else ""


def _what_is_wrong(text, prefixes):
    """The end of the message for text that is not a number."""
    shown = _shorten(text)
    if text == "":
        return "is empty: type a whole number such as 42."
    if text.strip() == "":
        return "is only spaces: type a whole number such as 42."
    if text != text.strip():
        return f'has spaces around it ("{shown}"): remove them and type digits only.'
    rest_is_number = _is_number_like(text[1:]) or _literal(text[1:], prefixes) is not None
    if text[0] == "-" and rest_is_number:
        return (f'is negative ("{shown}"): the adder works on 0, 1, 2, ... Type a number '
                "without the minus sign.")
    if text[0] == "+" and rest_is_number:
        example = text[1:] if text[1:].isascii() and text[1:].isdigit() else "5"
        return (f'starts with "+": leave the sign out and type digits only, e.g. '
                f"{_shorten(example)}.")
    if _is_number_like(text) and any(c in text for c in ".,"):
        return (f'is not a whole number ("{shown}"): type digits only, with no decimal point or '
                "thousands separator.")
    if all(c.isdigit() for c in text):
        return f'uses digits other than 0-9 ("{shown}"): type it with the digits 0123456789.'
    if any(c in text for c in "_ '") and _is_number_like(text.translate(_SEPARATORS)):
        return (f'has something between its digits ("{shown}"): type the digits with nothing '
                "between them.")
    also = " (or 0x... / 0b... for hexadecimal / binary)" if prefixes else ""
    return (f'is not a number ("{shown}"): type a whole number using the digits 0-9 only, '
            f"e.g. 42{also}.")


# ----------------------------------------------------------------------------------- helpers

def _shorten(text, limit=24):
    """User text fit to quote in a message: short, with tabs and newlines made visible."""
    text = text if len(text) <= limit else text[:limit] + "…"
    return text.replace("\n", "\\n").replace("\t", "\\t").replace("\r", "\\r")


def _is_number_like(text):
    """Digits (any script) with at most a decimal point or separators: "5", "1.5", "1,000"."""
    core = text.replace(".", "").replace(",", "")
    return core != "" and all(c.isdigit() for c in core)


@lru_cache(maxsize=1)
def _held_out():
    rng = np.random.default_rng(HELD_OUT_SEED)
    pairs, seen = [], set()
    while len(pairs) < HELD_OUT_SIZE:
        a, b = (int(v) for v in rng.integers(0, 1 << HELD_OUT_BITS, size=2))
        if (a, b) not in seen:
            seen.add((a, b))
            pairs.append((a, b))
    a, b = (np.array(col, dtype=np.int64) for col in zip(*pairs, strict=True))
    a.flags.writeable = False
    b.flags.writeable = False
    return a, b


@lru_cache(maxsize=1)
def _carry_chain():
    K = CARRY_MAX_BITS
    pairs = [(0, 0), (0, 1), (1, 1)]
    for k in range(1, K + 1):
        ones, power = (1 << k) - 1, 1 << k
        pairs += [(ones, 1), (ones, ones), (power, power)]
        if k <= 20 or k in (31, 32, 63, 64, 127, 128, 255):
            pairs += [(power, ones), (ones, 0)]
    k = 1
    while 10 ** k <= (1 << K):
        pairs.append((10 ** k - 1, 1))
        k += 1
    for width in (16, 64, 256):
        alt01 = int("01" * (width // 2), 2)           # 0b0101...
        alt10 = int("10" * (width // 2), 2)           # 0b1010...
        alt0110 = int("0110" * (width // 4), 2)
        pairs += [(alt01, alt10), (alt01, alt01), (alt10, alt10), (alt10, alt0110)]
    for k in (8, 16, 40, 100, 200):
        for j in (1, 7, 33):
            if k + j <= K:
                pairs.append((((1 << k) - 1) << j, 1 << j))
    pairs = [p for p in pairs if max(p).bit_length() <= K]
    unique, seen = [], set()
    for p, q in pairs:
        for pair in ((p, q), (q, p)):
            if pair not in seen:
                seen.add(pair)
                unique.append(pair)
    a, b = (_object_array(col) for col in zip(*unique, strict=True))
    a.flags.writeable = False
    b.flags.writeable = False
    return a, b


def _object_array(values):
    out = np.empty(len(values), dtype=object)
    out[:] = [int(v) for v in values]
    return out


def _bits_matrix(values, T):
    """(len(values), T) uint8 matrix of the bits of non-negative Python ints, LSB first."""
    nbytes = (T + 7) // 8
    buf = b"".join(v.to_bytes(nbytes, "little") for v in values)
    raw = np.frombuffer(buf, dtype=np.uint8).reshape(len(values), nbytes)
    return np.unpackbits(raw, axis=1, bitorder="little")[:, :T]


def _show(n):
    """An int for a message: its digits, or its size when they would fill the screen (Python
    refuses to print more than 4,300 digits anyway)."""
    return f"{n}" if abs(n).bit_length() <= 256 else f"a {abs(n).bit_length():,}-bit number"


def _check_int(n, name):
    if not is_int(n):
        raise ValueError(f"{name} must be a non-negative integer, got {n!r} "
                         f"({type(n).__name__})")
    n = int(n)
    if n < 0:
        raise ValueError(f"{name} must be non-negative, got {_show(n)}; the adder works on 0, 1, "
                         "2, ...")
    return n


def _as_int_list(v, name):
    """A 1-D array-like (or a scalar) of non-negative ints as a list of Python ints."""
    if isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_)):
        return [_check_int(v, name)]
    if isinstance(v, (str, bytes, float, dict, set)):
        raise ValueError(f"{name} must hold non-negative integers, got {v!r}")
    if isinstance(v, (list, tuple, range)):            # numpy would turn huge ints into floats
        if any(isinstance(x, (list, tuple, np.ndarray)) for x in v):
            raise ValueError(f"{name} must be 1-D (N numbers), not nested")
        return [_check_int(x, f"every {name}[i]") for x in v]
    plain_array(v, name)
    try:
        arr = np.asarray(v)
    except (TypeError, ValueError, OverflowError):
        raise ValueError(f"{name} must be a 1-D array of non-negative integers") from None
    if arr.ndim == 0:
        return [_check_int(arr.item(), name)]
    if arr.ndim != 1:
        raise ValueError(f"{name} must be 1-D (N numbers), got shape {arr.shape}")
    if arr.dtype.kind in "iu":
        if arr.size and arr.min() < 0:
            raise ValueError(f"{name} must be non-negative, got {int(arr.min())}")
        return arr.tolist()
    if arr.dtype.kind == "O" or arr.size == 0:
        return [_check_int(x, f"every {name}[i]") for x in arr.tolist()]
    raise ValueError(f"{name} must hold integers, got dtype {arr.dtype} "
                     f"(e.g. {arr[:3].tolist()}); convert with int() first")
