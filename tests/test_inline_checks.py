"""The lessons' "your turn" checkers: a right line passes, each usual mistake is named, the
shipped ``...`` says "not attempted", and a crash is one friendly message."""

import numpy as np
import pytest

import gru_lesson as gl
from gru_lesson import exercises as ex
from gru_lesson.addition.analysis import CARRY_THRESHOLD, carry_correlations
from gru_lesson.engine import gru
from gru_lesson.engine.activations import sigmoid
from gru_lesson.exercises import inline


def verdict(check, fn, capsys):
    result = check(fn)
    out = capsys.readouterr().out
    assert out.strip() == result.message.strip()        # printed once, what it returns
    return result


CANDIDATES = {
    None: lambda x, h, r, p: np.tanh(x @ p["W"] + (r * h) @ p["U"] + p["b"]),
    "reset_after_matmul": lambda x, h, r, p: np.tanh(x @ p["W"] + r * (h @ p["U"]) + p["b"]),
    "transposed_U": lambda x, h, r, p: np.tanh(x @ p["W"] + (r * h) @ p["U"].T + p["b"]),
    "missing_reset_gate": lambda x, h, r, p: np.tanh(x @ p["W"] + h @ p["U"] + p["b"]),
    "missing_bias": lambda x, h, r, p: np.tanh(x @ p["W"] + (r * h) @ p["U"]),
    "sigmoid_for_candidate": lambda x, h, r, p: 1 / (1 + np.exp(-(x @ p["W"] + (r * h) @ p["U"]
                                                                  + p["b"]))),
    "missing_tanh": lambda x, h, r, p: x @ p["W"] + (r * h) @ p["U"] + p["b"],
    "precedence is fine": lambda x, h, r, p: np.tanh(x @ p["W"] + r * h @ p["U"] + p["b"]),
    "wrong_h̃_t": lambda x, h, r, p: np.tanh(x @ p["W"] + (r * h) @ p["U"] + p["b"]) + 0.01,
}


@pytest.mark.parametrize("mistake", list(CANDIDATES))
def test_candidate(mistake, capsys):
    result = verdict(ex.check_candidate, CANDIDATES[mistake], capsys)
    expected = None if mistake == "precedence is fine" else mistake
    assert result.passed == (expected is None) and result.mistake == expected
    assert result.message.startswith("✅ Correct" if expected is None else "❌ ")


BLENDS = {
    None: lambda z, h, ht: (1 - z) * h + z * ht,
    "z_swapped": lambda z, h, ht: z * h + (1 - z) * ht,
    "missing_h_prev_term": lambda z, h, ht: z * ht,
    "missing_one_minus_z": lambda z, h, ht: h + z * ht,
    "plain_average": lambda z, h, ht: (h + ht) / 2,
    "candidate_missing_z": lambda z, h, ht: (1 - z) * h + ht,
    "matmul_not_hadamard": lambda z, h, ht: (1 - z) @ h + z * ht,
    "sign_error": lambda z, h, ht: -((1 - z) * h + z * ht),
}


@pytest.mark.parametrize("mistake", list(BLENDS))
def test_blend(mistake, capsys):
    result = verdict(ex.check_blend, BLENDS[mistake], capsys)
    assert result.passed == (mistake is None) and result.mistake == mistake


TERM3 = {
    None: lambda d, r, U: (d @ U.T) * r,
    "transposed_U": lambda d, r, U: (d @ U) * r,
    "candidate_path_missing_r": lambda d, r, U: d @ U.T,
    "reset_after_backward": lambda d, r, U: (d * r) @ U.T,
    "term3_sigmoid_derivative": lambda d, r, U: (d @ U.T) * r * (1 - r),
}


@pytest.mark.parametrize("mistake", list(TERM3))
def test_term3(mistake, capsys):
    result = verdict(ex.check_term3, TERM3[mistake], capsys)
    assert result.passed == (mistake is None) and result.mistake == mistake


DR = {
    None: lambda d, h, r, U: h * (d @ U.T) * r * (1 - r),
    "transposed_U": lambda d, h, r, U: h * (d @ U) * r * (1 - r),
    "dr_missing_h_prev": lambda d, h, r, U: (d @ U.T) * r * (1 - r),
    "missing_sigmoid_derivative": lambda d, h, r, U: h * (d @ U.T),
    "derivative_from_input": lambda d, h, r, U: h * (d @ U.T) * sigmoid(r) * (1 - sigmoid(r)),
    "reset_after_dr": lambda d, h, r, U: d * (h @ U) * r * (1 - r),
    "dr_r_for_h_prev": lambda d, h, r, U: r * (d @ U.T) * r * (1 - r),
    "tanh_derivative": lambda d, h, r, U: h * (d @ U.T) * (1 - r ** 2),
}


@pytest.mark.parametrize("mistake", list(DR))
def test_dr(mistake, capsys):
    result = verdict(ex.check_dr, DR[mistake], capsys)
    assert result.passed == (mistake is None) and result.mistake == mistake


def loop_dU(r, h, d):
    dU = np.zeros((r.shape[2], r.shape[2]))
    for t in range(len(r)):
        dU += (r[t] * h[t]).T @ d[t]
    return dU


DU = {
    None: lambda r, h, d: np.einsum("tnh,tnk->hk", r * h, d),
    "U_grad_missing_r": lambda r, h, d: np.einsum("tnh,tnk->hk", h, d),
    "transposed_gradient": lambda r, h, d: np.einsum("tnh,tnk->kh", r * h, d),
    "overwritten_not_accumulated": lambda r, h, d: (r[-1] * h[-1]).T @ d[-1],
    "gradients_averaged": lambda r, h, d: np.einsum("tnh,tnk->hk", r * h, d) / len(r),
    "t1_step_skipped": lambda r, h, d: np.einsum("tnh,tnk->hk", (r * h)[1:], d[1:]),
}


@pytest.mark.parametrize("mistake", list(DU))
def test_dU(mistake, capsys):
    result = verdict(ex.check_dU, DU[mistake], capsys)
    assert result.passed == (mistake is None) and result.mistake == mistake


def test_a_loop_over_steps_passes_too(capsys):
    assert verdict(ex.check_dU, loop_dU, capsys).passed


def test_dU_case_is_the_reading_engines_backward():
    # the checker's r, h_prev, delta are the reading engine's: its dE/dU is gru.backward's
    r, h_prev, delta = inline._sequence_case(0)
    T, N, H = r.shape
    rng = np.random.default_rng(1450)                  # the case's seed, drawn in its order
    p = gl.init_params(2, H, 2, rng=rng)
    x = rng.uniform(-1.0, 1.0, size=(T, N, 2))
    h0 = rng.uniform(-1.0, 1.0, size=(N, H))
    y, cache = gru.forward(p, x, h0=h0)
    dy = rng.normal(size=y.shape)
    np.testing.assert_allclose(np.einsum("tnh,tnk->hk", r * h_prev, delta),
                               gru.backward(p, cache, dy)["U"], rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("check", [ex.check_candidate, ex.check_blend, ex.check_term3,
                                   ex.check_dr, ex.check_dU])
def test_shipped_cell_is_not_attempted_and_crashes_are_one_message(check, capsys):
    def my_line(*args):
        return ...
    result = verdict(check, my_line, capsys)
    assert result.mistake == "not_attempted" and "not attempted yet" in result.message
    assert "my_line" in result.message

    def crash(*args):
        raise KeyError("Wq")
    result = verdict(check, crash, capsys)
    assert not result.passed and result.mistake == "exception" and "KeyError" in result.message

    def wrong_shape(*args):
        return np.zeros((1, 1))
    assert verdict(check, wrong_shape, capsys).mistake == "wrong_shape"


def test_cases_hide_no_transpose():
    # the checks can only tell U from U^T, and D from H, if the cases say so
    for k, (N, D, H) in enumerate(inline._SHAPES):
        p, x, h_prev, _ = inline._case(k, N, D, H)
        assert D != H and N != H and not np.allclose(p["U"], p["U"].T)
        assert all(np.all(p[b] != 0) for b in ("bz", "br", "b"))


def test_carry_unit_guess(capsys):
    params = gl.load_pretrained()
    corr = carry_correlations(params)
    units = [int(u) for u in gl.carry_units(params)]
    assert units, "the shipped net has carry units"
    assert ex.check_carry_unit_guess(units[0], params).passed
    assert ex.check_carry_unit_guess(np.int64(units[0])).passed          # default: shipped
    assert ex.check_carry_unit_guess(units, params).passed
    weak = int(np.argmin(np.abs(corr)))
    assert ex.check_carry_unit_guess(weak, params).mistake == "weak_unit"
    assert ex.check_carry_unit_guess([units[0], weak], params).mistake == "weak_unit"
    mid = [u for u in range(corr.size) if 0.5 <= abs(corr[u]) < CARRY_THRESHOLD]
    if mid:
        assert ex.check_carry_unit_guess(mid[0], params).mistake == "not_top"
    after = [u + 1 for u in units if u + 1 < corr.size and abs(corr[u + 1]) < 0.5]
    if after:
        assert ex.check_carry_unit_guess(after[0], params).mistake == "counted_from_one"
    assert ex.check_carry_unit_guess(float(corr[units[0]]), params).mistake == \
        "correlation_not_unit"
    assert ex.check_carry_unit_guess(corr.size, params).mistake == "no_such_unit"
    assert ex.check_carry_unit_guess(-1, params).mistake == "no_such_unit"
    assert ex.check_carry_unit_guess("4", params).mistake == "not_a_unit"
    assert ex.check_carry_unit_guess([], params).mistake == "empty_guess"
    assert ex.check_carry_unit_guess(..., params).mistake == "not_attempted"
    untrained = gl.init_params(2, 4, 1, rng=0)
    assert ex.check_carry_unit_guess(0, untrained).mistake == "no_carry_unit"
    capsys.readouterr()


def test_cmp_reports_exact_approximate_and_max_diff(capsys):
    a = np.array([[0.25, -1.5, 3.0]])
    assert ex.cmp("same", a, a.copy()) is True
    assert "exact: True" in capsys.readouterr().out
    assert ex.cmp("close", a, a * (1 + 1e-12)) is True
    out = capsys.readouterr().out
    assert "exact: False" in out and "approximate: True" in out
    assert ex.cmp("wrong", a, a + [[0.0, 0.5, 0.0]]) is False
    out = capsys.readouterr().out
    assert "approximate: False" in out and "max diff: 5.0e-01" in out
    assert ex.cmp("shape", a, a[0]) is False
    assert "shapes differ" in capsys.readouterr().out
    assert inline.compare(a, a + 1e-3) == (False, False, pytest.approx(1e-3))
