"""Binary addition data: the LSB-first encoding, batches, the held-out and carry-chain sets."""

import numpy as np
import pytest

import gru_lesson as gl

HUGE = 2 ** 300 + 2 ** 77 + 12345


@pytest.mark.parametrize("n", [0, 1, 2, 6, 255, 256, 2 ** 63, 2 ** 64 - 1, HUGE])
def test_round_trip(n):
    bits = gl.int_to_bits(n)
    assert bits.dtype == np.int64 and set(bits.tolist()) <= {0, 1}
    assert len(bits) == max(n.bit_length(), 1)
    assert gl.bits_to_int(bits) == n
    padded = gl.int_to_bits(n, n.bit_length() + 9)             # extra leading zeros
    assert gl.bits_to_int(padded) == n and padded[-9:].sum() == 0


def test_worked_example_is_lsb_first():
    assert gl.int_to_bits(6, 4).tolist() == [0, 1, 1, 0]
    assert gl.int_to_bits(1, 3).tolist() == [1, 0, 0]
    assert gl.bits_to_int([0, 1, 1, 0]) == 6
    assert gl.bits_to_int(np.array([True, False, True])) == 5      # y > 0.5 decodes directly
    assert gl.bits_to_int([]) == 0


@pytest.mark.parametrize("bad", [-1, 1.0, 2.5, "7", True, np.bool_(False), None])
def test_int_to_bits_rejects(bad):
    with pytest.raises(ValueError):
        gl.int_to_bits(bad, 8)


def test_int_to_bits_rejects_too_few_bits():
    with pytest.raises(ValueError, match="needs 9 bits"):
        gl.int_to_bits(256, 8)
    for bits in (0, -1, 2.0, True):
        with pytest.raises(ValueError):
            gl.int_to_bits(3, bits)


@pytest.mark.parametrize("bad", [[0, 2, 1], [0.5], [[0, 1]], ["1"]])
def test_bits_to_int_rejects(bad):
    with pytest.raises(ValueError):
        gl.bits_to_int(bad)


def test_addition_batch_worked_example():
    x, d = gl.addition_batch([6], [3])
    assert x.shape == (4, 1, 2) and d.shape == (4, 1, 1)
    assert x.dtype == np.float64 and d.dtype == np.float64
    assert x[:, 0, 0].tolist() == [0, 1, 1, 0]                    # 6
    assert x[:, 0, 1].tolist() == [1, 1, 0, 0]                    # 3
    assert d[:, 0, 0].tolist() == [1, 0, 0, 1]                    # 9


def test_addition_batch_matches_integer_arithmetic():
    rng = np.random.default_rng(0)
    a, b = rng.integers(0, 2 ** 20, size=50), rng.integers(0, 2 ** 12, size=50)
    x, d = gl.addition_batch(a, b)
    T = max(int(v).bit_length() for v in np.concatenate([a, b])) + 1
    assert x.shape == (T, 50, 2)
    for n in range(50):
        assert gl.bits_to_int(x[:, n, 0].astype(int)) == a[n]
        assert gl.bits_to_int(x[:, n, 1].astype(int)) == b[n]
        assert gl.bits_to_int(d[:, n, 0].astype(int)) == a[n] + b[n]


def test_addition_batch_huge_python_ints():
    a, b = gl.random_pairs(20, 300, rng=1)
    assert a.dtype == object
    x, d = gl.addition_batch(a, b)
    assert x.shape[0] == max(v.bit_length() for v in list(a) + list(b)) + 1
    for n in range(20):
        assert gl.bits_to_int(d[:, n, 0].astype(int)) == a[n] + b[n]
    # a plain list mixing small and > 64-bit ints too (numpy alone would turn it into floats)
    x, d = gl.addition_batch([2 ** 63, 5], [2 ** 64 - 1, 2 ** 70])
    assert gl.bits_to_int(d[:, 0, 0].astype(int)) == 2 ** 63 + 2 ** 64 - 1
    assert gl.bits_to_int(d[:, 1, 0].astype(int)) == 5 + 2 ** 70


def test_addition_batch_bits_and_scalars():
    x, d = gl.addition_batch(0, 0)
    assert x.shape == (1, 1, 2) and d.sum() == 0                  # 0 + 0 takes one step
    x, d = gl.addition_batch(5, 3, bits=10)
    assert x.shape == (10, 1, 2) and gl.bits_to_int(d[:, 0, 0].astype(int)) == 8
    with pytest.raises(ValueError, match="needs 17 bits"):
        gl.addition_batch([65535], [1], bits=16)


@pytest.mark.parametrize("a, b", [
    ([1, 2], [1]),                  # lengths differ: no broadcasting
    ([-1], [1]),                    # negative
    ([1.5], [1]),                   # float
    (np.array([1.0]), [1]),         # float array
    ([True], [1]),                  # bool
    (["12"], [1]),                  # text
    ("12", 1),
    ([[1, 2]], [[1, 2]]),           # 2-D
    ([], []),                       # empty
    (np.array([-3]), np.array([1])),
])
def test_addition_batch_rejects(a, b):
    with pytest.raises(ValueError):
        gl.addition_batch(a, b)


def test_held_out_pairs_fixed_distinct_16_bit():
    a, b = gl.held_out_pairs()
    assert a.shape == b.shape == (1000,) and a.dtype == np.int64
    assert a.min() >= 0 and max(a.max(), b.max()) < 2 ** 16
    assert len(set(zip(a.tolist(), b.tolist(), strict=True))) == 1000
    a[:] = 0                                                      # callers get copies
    a2, b2 = gl.held_out_pairs()
    assert a2.max() > 0 and np.array_equal(b, b2)
    # the set is pinned: these are its first pairs in every release
    assert a2[:3].tolist() == [7360, 64381, 35174] and b2[:3].tolist() == [30905, 62968, 2670]


def test_carry_chain_set_contents():
    a, b = gl.carry_chain_pairs()
    assert a.dtype == object
    pairs = list(zip(a.tolist(), b.tolist(), strict=True))
    assert len(set(pairs)) == len(pairs)
    assert max(max(p, q).bit_length() for p, q in pairs) == 256
    have = set(pairs)
    for k in range(1, 257):
        assert (2 ** k - 1, 1) in have and (1, 2 ** k - 1) in have
        assert (2 ** k - 1, 2 ** k - 1) in have
    for pair in [(65535, 1), (99999, 1), (1, 99999), (0, 0), (2 ** 255, 2 ** 255)]:
        assert pair in have
    # the chains really are long: 2^k - 1 + 1 carries through every bit
    assert max((p + q).bit_length() for p, q in pairs) == 257


def test_random_pairs_seeded():
    a1, b1 = gl.random_pairs(100, 16, rng=5)
    a2, b2 = gl.random_pairs(100, 16, rng=np.random.default_rng(5))
    assert np.array_equal(a1, a2) and np.array_equal(b1, b2)
    assert a1.max() < 2 ** 16 and a1.dtype == np.int64
    a, b = gl.random_pairs(500, 256, rng=0)
    assert a.dtype == object and max(v.bit_length() for v in a) == 256
    assert len(set(a.tolist())) == 500
    with pytest.raises(ValueError):
        gl.random_pairs(0, 16)
    with pytest.raises(ValueError):
        gl.random_pairs(10, 0)


# ---------------------------------------------------------- issue 16: limits, masks, messages

@pytest.mark.parametrize("call, says", [
    (lambda: gl.random_pairs(10 ** 12, 8), "n must be at most 10,000,000"),
    (lambda: gl.random_pairs(1000, 10 ** 6), "over the limit of 67,108,864 random bits"),
    (lambda: gl.addition_batch([2 ** 2 ** 25], [1]), "over the limit of 33,554,432"),
    (lambda: gl.addition_batch([1, 2], [3, 4], bits=2 ** 24 + 1),
     "split the pairs into smaller batches"),
    (lambda: gl.int_to_bits(5, 10 ** 12), "bits must be at most 33,554,432"),
])
def test_sizes_past_the_limits_are_value_errors_not_memory_errors(call, says):
    with pytest.raises(ValueError, match=says):
        call()


def test_the_limits_are_where_they_say(monkeypatch):
    from gru_lesson.addition import data
    monkeypatch.setattr(data, "MAX_WIDE_BITS", 64 * 100)
    monkeypatch.setattr(data, "MAX_CELLS", 65 * 7)
    assert len(gl.random_pairs(100, 64, rng=0)[0]) == 100             # at the limit
    with pytest.raises(ValueError, match="random bits"):
        gl.random_pairs(101, 64, rng=0)
    assert gl.addition_batch([1] * 7, [2] * 7, bits=65)[0].shape == (65, 7, 2)
    with pytest.raises(ValueError, match="smaller batches"):
        gl.addition_batch([1] * 7, [2] * 7, bits=66)
    assert gl.int_to_bits(1, 65 * 7).size == 65 * 7
    with pytest.raises(ValueError, match="bits must be at most"):
        gl.int_to_bits(1, 65 * 7 + 1)


def test_masked_operands_and_bits_are_refused_not_unmasked():
    masked = np.ma.masked_array([5, 6], mask=[False, True])
    for call in (lambda: gl.addition_batch(masked, [1, 2]),
                 lambda: gl.bits_to_int(np.ma.masked_array([0, 1, 1], mask=[0, 1, 0]))):
        with pytest.raises(ValueError, match="masked array"):
            call()


def test_huge_numbers_in_messages_are_sized_not_printed():
    # Python refuses to turn an int of more than 4,300 digits into text: the message would
    # be its advice about sys.set_int_max_str_digits instead of ours.
    with pytest.raises(ValueError, match="a 20,000-bit number needs 20,000 bits but bits=3"):
        gl.int_to_bits(2 ** 19_999, 3)
    with pytest.raises(ValueError, match=r"got a 20,000-bit number; the adder works on 0, 1"):
        gl.addition_batch([-(2 ** 19_999)], [1])
    with pytest.raises(ValueError, match=r"20 needs 5 bits but bits=2"):
        gl.int_to_bits(20, 2)                              # small numbers are still shown
