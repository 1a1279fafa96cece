"""Reliability of the engine's checks (issue 16): check_gradients checks its own options (7),
validate_params refuses a zero-size net (9) and nothing is silently coerced (10)."""

import numpy as np
import pytest

import gru_lesson as gl
from gru_lesson.teach import render

D, H, O, T, N = 3, 5, 2, 4, 3


@pytest.fixture
def problem():
    rng = np.random.default_rng(7)
    params = gl.init_params(D, H, O, rng=rng)                    # biases on, non-zero
    return params, rng.normal(size=(T, N, D)), rng.random((T, N, O))


def _one_line(call, *words):
    with pytest.raises(ValueError) as err:
        call()
    message = str(err.value)
    assert "\n" not in message
    for w in words:
        assert w in message, message
    return message


# ------------------------------------------------------------------ 7: check_gradients' options

@pytest.mark.parametrize("option, says", [
    ({"eps": 0}, "eps must be a positive number"),            # was ZeroDivisionError
    ({"eps": -1e-6}, "eps must be a positive number"),
    ({"eps": float("nan")}, "eps must be a positive number"),
    ({"eps": 1.0}, "eps must be at most 0.1"),
    ({"eps": "1e-6"}, "eps must be a positive number"),
    ({"tol": -1}, "tol must be a positive number"),          # was a false "DISAGREE"
    ({"tol": 0}, "tol must be a positive number"),
    ({"tol": 2}, "tol must be at most 1"),
    ({"max_checks": 0}, "max_checks must be a positive integer"),
    ({"max_checks": -3}, "max_checks must be a positive integer"),
    ({"max_checks": 1.5}, "max_checks must be a positive integer"),
    ({"grad_fn": "backward"}, "grad_fn must be a function"),
])
def test_check_gradients_checks_its_options(problem, option, says):
    _one_line(lambda: gl.check_gradients(*problem, **option), says)


@pytest.mark.parametrize("grad_fn, says", [
    (lambda p, x, d: None, "grad_fn must return (E, grads)"),
    (lambda p, x, d: {k: np.zeros_like(v) for k, v in p.items()}, "grad_fn must return"),
    (lambda p, x, d: (0.0, {}), "no gradient for Wz, Uz"),
    (lambda p, x, d: (0.0, {k: np.zeros(3) for k in p}), "grads['Wz'] has shape (3,)"),
    (lambda p, x, d: (0.0, {k: np.full_like(v, np.nan) for k, v in p.items()}), "NaN or inf"),
])
def test_check_gradients_checks_what_grad_fn_returns(problem, grad_fn, says):
    _one_line(lambda: gl.check_gradients(*problem, grad_fn=grad_fn), says)


def test_check_gradients_still_accepts_numpy_options(problem):
    report = gl.check_gradients(*problem, eps=np.float32(1e-5), tol=np.float64(1e-5),
                                max_checks=np.int64(4))
    assert report.passed and all(row.checked == 4 for row in report.rows if row.shape != (O,))


# ------------------------------------------------------------------ 9: zero-size nets

@pytest.mark.parametrize("shapes", [{"Wz": (2, 0)}, {"Wz": (0, 3)}, {"Wz": (2, 0), "Wy": (0, 0)}])
def test_validate_params_refuses_zero_sizes(shapes):
    p = gl.init_params(2, 3, 1, bias=False, rng=0)
    Dz, Hz = shapes.get("Wz", (2, 3))
    Oz = shapes.get("Wy", (3, 1))[1]
    zero = {k: np.zeros(s) for k, s in {"Wz": (Dz, Hz), "Wr": (Dz, Hz), "W": (Dz, Hz),
                                        "Uz": (Hz, Hz), "Ur": (Hz, Hz), "U": (Hz, Hz),
                                        "Wy": (Hz, Oz)}.items()}
    assert set(zero) == set(p)
    _one_line(lambda: gl.validate_params(zero), "D and H must be at least 1")


# ------------------------------------------------------------------ 10: silent coercions

def test_masked_arrays_are_refused_everywhere(problem):
    params, x, d = problem
    mx = np.ma.masked_array(x, mask=np.zeros_like(x, dtype=bool))
    mx.mask[0, 0, 0] = True
    h0 = np.ma.masked_array(np.zeros((N, H)), mask=True)
    _one_line(lambda: gl.forward(params, mx), "x is a masked array", "filled")
    _one_line(lambda: gl.forward(params, x, h0), "h0 is a masked array")
    _one_line(lambda: gl.loss_and_grads(params, mx, d), "x is a masked array")
    masked = {**params, "Uz": np.ma.masked_array(params["Uz"], mask=True)}
    _one_line(lambda: gl.forward(masked, x), "params['Uz'] is a masked array")  # not "NaN"


@pytest.mark.filterwarnings("ignore::PendingDeprecationWarning")      # np.matrix itself
def test_np_matrix_is_refused_everywhere(problem):
    params, x, _ = problem
    _one_line(lambda: gl.forward(params, x, np.matrix(np.zeros((N, H)))), "h0 is an np.matrix")
    _one_line(lambda: gl.forward({**params, "Uz": np.matrix(params["Uz"])}, x),
              "params['Uz'] is an np.matrix")
    _one_line(lambda: gl.validate_params({**params, "Wy": np.matrix(params["Wy"])}),
              "np.matrix")


def test_a_cache_from_a_net_with_other_biases_is_refused(problem):
    params, x, _ = problem
    plain = gl.init_params(D, H, O, bias=False, rng=1)
    y, cache = gl.forward(plain, x)
    _one_line(lambda: gl.backward(params, cache, np.ones_like(y)), "without biases",
              "params you ran forward with")
    y, cache = gl.forward(params, x)
    _one_line(lambda: gl.backward(plain, cache, np.ones_like(y)), "with biases")
    _one_line(lambda: gl.backward_from_logits(plain, cache, np.ones_like(y)), "with biases")
    assert sorted(gl.backward(params, cache, np.ones_like(y))) == sorted(params)   # still fine


@pytest.mark.parametrize("units", [[2.5], [0, 1.0], [-1], [16], ["3"], 2.7])
def test_a_fractional_or_outside_unit_index_is_refused_not_truncated(units):
    details = gl.add_details(gl.load_pretrained(), 45, 19)
    _one_line(lambda: render.gates_svg(details, 1, units), "carry_units must be whole-number",
              "0..15")


def test_integer_unit_indices_still_draw():
    details = gl.add_details(gl.load_pretrained(), 45, 19)
    marked = render.gates_svg(details, 2, np.array([4, 10], dtype=np.int64))
    assert marked != render.gates_svg(details, 2, ())


def test_the_plots_refuse_a_fractional_chosen_unit():
    from gru_lesson.teach import plots

    with pytest.raises(ValueError, match="chosen must be whole-number indices"):
        plots.carry_correlations(np.linspace(-1, 1, 6), chosen=[2.5])
    details = gl.add_details(gl.load_pretrained(), 45, 19)
    with pytest.raises(ValueError, match="chosen must be whole-number indices"):
        plots.gate_heatmaps(details.cache, chosen=[1.5])


@pytest.mark.parametrize("t", [0, 99, 2.5, True, "3"])
def test_the_renderers_refuse_a_step_outside_1_to_T_not_clamp_it(t):
    from gru_lesson.teach import render
    details = gl.add_details(gl.load_pretrained(), 5, 9)           # T = 5 steps
    _one_line(lambda: render.gates_svg(details, t), "t must be a whole-number step from 1 to 5")
    _one_line(lambda: render.bit_table_html(details, t), "highlight must be a whole-number")
    assert 'class="hi"' in render.bit_table_html(details, np.int64(5))
    assert "Step t = 5" in render.gates_svg(details, np.int64(5))
