"""The seed's data section, transcribed: its samples, its printed error and its decoding."""

import numpy as np
import pytest

import gru_lesson as gl
from gru_lesson.engine import seed_reference as seed


def test_a_sample_is_the_lessons_encoding_lsb_first():
    x, d = seed.seed_sample(6, 3, uNum=4)
    x_ref, d_ref = gl.addition_batch([6], [3], bits=4)
    np.testing.assert_array_equal(x, x_ref[:, 0, :])
    np.testing.assert_array_equal(d, d_ref[:, 0, :])
    rng = np.random.default_rng(5)
    for aInt, bInt in rng.integers(1, 2 ** 15 + 1, size=(50, 2)):
        if aInt + bInt >= 2 ** 16:
            continue
        x, d = seed.seed_sample(int(aInt), int(bInt))
        x_ref, d_ref = gl.addition_batch([int(aInt)], [int(bInt)], bits=16)
        assert x.shape == (16, 2) and d.shape == (16, 1)
        np.testing.assert_array_equal(x, x_ref[:, 0, :])
        np.testing.assert_array_equal(d, d_ref[:, 0, :])


def test_a_17_bit_sum_grows_d_and_fails_only_at_the_error_line():
    x, d = seed.seed_sample(2 ** 15, 2 ** 15)
    assert x.shape == (16, 2) and d.shape == (17, 1)               # c grew, as in MATLAB
    assert d[16, 0] == 1 and not d[:16].any()
    params = gl.init_params(2, 16, 1, bias=False, rng=0)
    *_, y = seed.seed_forward(*seed.seed_args(params), x)          # the loops still run
    assert y.shape == (16, 1)
    with pytest.raises(ValueError, match=r"nonconformant arguments \(op1 is 16x1, op2 is 17x1\)"):
        seed.seed_error(y, d)


def test_error_is_half_the_norm_not_half_the_square():
    y = np.array([[0.9], [0.2], [0.6]])
    d = np.array([[1.0], [0.0], [1.0]])
    expect = 0.5 * np.sqrt(0.1 ** 2 + 0.2 ** 2 + 0.4 ** 2)
    assert seed.seed_error(y, d) == pytest.approx(expect, rel=1e-15)
    assert seed.seed_error(y, d) != pytest.approx(0.5 * np.sum((y - d) ** 2))


def test_decode_is_matlab_round_msb_last_in_the_rows():
    y = np.array([[0.5], [0.2], [0.7], [0.49999], [0.5]])         # LSB first
    assert seed.seed_decode(y) == 0b10101                          # 0.5 reads as 1
    bits = gl.matlab_round(y[:, 0]).astype(int)
    assert seed.seed_decode(y) == gl.bits_to_int(bits)
    assert seed.seed_decode(np.array([[0.1], [0.9]])) == 2
