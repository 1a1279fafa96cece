"""The exercise checkers: right answers pass, and every named mistake, injected on purpose in a
student-style function below, is reported by name with its own message."""

import numpy as np
import pytest

import gru_lesson as gl
from gru_lesson import exercises as ex
from gru_lesson.engine import activations as act
from gru_lesson.exercises import StepCache, checkers, mistakes

# ---------------------------------------------------------------------------------------------
# Student-style solutions, each with an optional mistake injected (written independently of the
# checker's own variants: this is how a student would write the code).
# ---------------------------------------------------------------------------------------------


def stable_sigmoid(x):
    z = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + z), z / (1 + z))


def make_step_forward(mistake=None):
    def gru_step_forward(x_t, h_prev, params):
        Wz, Uz, Wr, Ur, W, U = (params[k] for k in ("Wz", "Uz", "Wr", "Ur", "W", "U"))
        bz, br, b = params["bz"], params["br"], params["b"]
        gate, cand = stable_sigmoid, np.tanh
        if mistake == "transposed_Uz":
            Uz = Uz.T
        if mistake == "transposed_Ur":
            Ur = Ur.T
        if mistake == "transposed_U":
            U = U.T
        if mistake == "missing_bias":
            b = 0.0
        if mistake == "tanh_for_gates":
            gate = np.tanh
        if mistake == "sigmoid_for_candidate":
            cand = stable_sigmoid
        if mistake == "gates_swapped":
            Wz, Uz, bz, Wr, Ur, br = Wr, Ur, br, Wz, Uz, bz
        z = gate(x_t @ Wz + h_prev @ Uz + bz)
        r = gate(x_t @ Wr + h_prev @ Ur + br)
        if mistake == "reset_after_matmul":
            h_tilde = cand(x_t @ W + r * (h_prev @ U) + b)
        elif mistake == "missing_reset_gate":
            h_tilde = cand(x_t @ W + h_prev @ U + b)
        else:
            h_tilde = cand(x_t @ W + (r * h_prev) @ U + b)
        if mistake == "z_swapped":
            h = z * h_prev + (1 - z) * h_tilde
        elif mistake == "missing_h_prev_term":
            h = z * h_tilde
        else:
            h = (1 - z) * h_prev + z * h_tilde
        if mistake == "wrong_z":     # h right, but the cache lies
            z = z + 0.1
        if mistake == "missing_cache":
            return h
        if mistake == "modified_input":
            h_prev *= 0.5
        return h, StepCache(x=x_t, h_prev=h_prev, z=z, r=r, h_tilde=h_tilde, h=h)
    return gru_step_forward


def make_step_backward(*mistakes):
    m = set(mistakes)

    def gru_step_backward(dh, cache, params):
        z, r, h_tilde, h_prev = cache.z, cache.r, cache.h_tilde, cache.h_prev
        Uz, Ur, U = params["Uz"], params["Ur"], params["U"]
        dsig_z = stable_sigmoid(z) * (1 - stable_sigmoid(z)) if "from_input" in m else z * (1 - z)
        dsig_r = stable_sigmoid(r) * (1 - stable_sigmoid(r)) if "from_input" in m else r * (1 - r)
        dtanh = 1 - np.tanh(h_tilde) ** 2 if "from_input" in m else 1 - h_tilde ** 2
        zz = 1 - z if "z_swapped" in m else z
        if "dz_sign" in m or "z_swapped" in m:
            dz = dh * (h_prev - h_tilde) * dsig_z
        elif "dz_missing_h_prev" in m:
            dz = dh * h_tilde * dsig_z
        elif "no_dsig_z" in m:
            dz = dh * (h_tilde - h_prev)
        else:
            dz = dh * (h_tilde - h_prev) * dsig_z
        if "delta_missing_z" in m:
            delta = dh * dtanh
        elif "wrong_tanh_derivative" in m:
            delta = dh * zz * h_tilde * (1 - h_tilde)
        elif "missing_tanh_derivative" in m:
            delta = dh * zz
        else:
            delta = dh * zz * dtanh
        d_rh = delta @ (U if "transposed_U" in m else U.T)
        if "dr_missing_h_prev" in m:
            dr = d_rh * dsig_r
        else:
            dr = h_prev * d_rh * dsig_r
        direct = dh * (z if "z_swapped" in m else 1 - z)
        update = dz @ (Uz if "transposed_Uz" in m else Uz.T)
        reset = dr @ (Ur if "transposed_Ur" in m else Ur.T)
        candidate = d_rh if "candidate_path_missing_r" in m else d_rh * r
        dh_prev = 0
        for name, term in (("direct", direct), ("update", update), ("reset", reset),
                           ("candidate", candidate)):
            if f"no_{name}" in m:
                continue
            dh_prev = dh_prev - term if f"minus_{name}" in m else dh_prev + term
            if f"double_{name}" in m:
                dh_prev = dh_prev + term
        if "wrong_order" in m:
            return delta, dz, dr, dh_prev
        if "negate" in m:
            return -dz, -delta, -dr, -dh_prev
        return dz, delta, dr, dh_prev
    return gru_step_backward


def make_bptt(*mistakes, step=None):
    m = set(mistakes)
    step = step or make_step_backward()

    def gru_backward(params, cache, dy):
        T, N, _ = cache.x.shape
        y = cache.y
        if "no_dsig_out" in m:
            dlogits = dy
        elif "from_input" in m:
            dlogits = dy * stable_sigmoid(y) * (1 - stable_sigmoid(y))
        elif "on_logits" in m:
            dlogits = dy * cache.logits * (1 - cache.logits)
        elif "negate" in m:
            dlogits = dy * y * (y - 1)
        else:
            dlogits = dy * y * (1 - y)
        acc = {}
        grads = {k: np.zeros_like(v) for k, v in params.items()}
        grads["Wy"] = np.einsum("tnh,tno->ho", cache.h, dlogits)
        grads["by"] = dlogits.sum(axis=(0, 1))
        dh_next = np.zeros_like(cache.h0)
        times = range(T) if "forward_loop" in m else reversed(range(T))
        for t in times:
            if t == 0 and "skip_first" in m:
                continue
            if t == 0:
                h_prev = np.zeros_like(cache.h0) if "zero_h0" in m else cache.h0
            else:
                h_prev = cache.h[t - 1]
            if "wraparound" in m:
                h_prev = cache.h[t - 1]
            dh = dlogits[t] @ params["Wy"].T
            if "no_output_path" in m:
                dh = 0 * dh
            if "no_bptt" not in m:
                dh = dh + dh_next
            c = StepCache(cache.x[t], h_prev, cache.z[t], cache.r[t], cache.h_tilde[t],
                          cache.h[t])
            dz, delta, dr, dh_next = step(dh, c, params)
            rh = h_prev if "U_grad_missing_r" in m else cache.r[t] * h_prev
            contrib = {"Wz": cache.x[t].T @ dz, "Uz": h_prev.T @ dz, "Wr": cache.x[t].T @ dr,
                       "Ur": h_prev.T @ dr, "W": cache.x[t].T @ delta, "U": rh.T @ delta,
                       "bz": dz.sum(0), "br": dr.sum(0), "b": delta.sum(0)}
            if "transposed_Uz" in m:
                contrib["Uz"] = dz.T @ h_prev
            if "transposed_Wz" in m:
                contrib["Wz"] = dz.T @ cache.x[t]
            if "bias_not_summed" in m:
                contrib["bz"] = dz
            for k, v in contrib.items():
                if "overwrite" in m and k == "Wr":
                    acc[k] = v
                else:
                    acc[k] = acc[k] + v if k in acc else v
        return {**grads, **acc}
    return gru_backward


def check_output(capsys):
    return capsys.readouterr().out


# ---------------------------------------------------------------------------------------------
# Exercise 1
# ---------------------------------------------------------------------------------------------

def test_sigmoid_correct_passes(capsys):
    for fn in (stable_sigmoid, act.sigmoid, lambda x: 0.5 * np.tanh(0.5 * x) + 0.5):
        result = ex.check_sigmoid(fn)
        assert result.passed and result.mistake is None
    assert check_output(capsys).startswith("✅ Correct:")


@pytest.mark.parametrize("fn, mistake, text", [
    (lambda x: 1 / (1 + np.exp(-x)), "overflow_warning", "overflows"),
    (lambda x: np.exp(x) / (1 + np.exp(x)), "nan_for_large_x", "NaN"),
    (lambda x: 1 / (1 + np.exp(x)), "sign_error", "mirrored"),
    (np.tanh, "tanh_instead", "tanh"),
    (lambda x: 1 / (2 + np.exp(-x)), "wrong_values", "σ(0) = 0.5"),
    (lambda x: stable_sigmoid(x).astype(np.float32), "not_float64", "float32"),
    (lambda x: stable_sigmoid(x).sum(), "wrong_shape", "shape"),
    (lambda x: None, "returned_none", "None"),
])
def test_sigmoid_mistakes_are_named(fn, mistake, text, capsys):
    result = ex.check_sigmoid(fn)
    assert not result.passed and result.mistake == mistake, result.message
    out = check_output(capsys)
    assert text in out and "Hint:" in out and out.count("\n") == 2   # sentence + hint


def test_sigmoid_inplace_and_math_exp(capsys):
    def inplace(x):
        np.negative(x, out=x)
        np.exp(x, out=x)
        x += 1
        return 1 / x
    assert ex.check_sigmoid(inplace).mistake == "modified_input"
    import math
    result = ex.check_sigmoid(lambda x: 1 / (1 + math.exp(-x)))
    assert result.mistake == "not_elementwise" and "np.exp" in result.message


def test_sigmoid_derivative():
    assert ex.check_sigmoid_derivative(lambda f: f * (1 - f)).passed
    cases = {
        "derivative_from_input": lambda f: stable_sigmoid(f) * (1 - stable_sigmoid(f)),
        "tanh_derivative": lambda f: 1 - f ** 2,
        "sign_error": lambda f: f * (f - 1),
        "wrong_values": lambda f: f * f,
    }
    messages = set()
    for mistake, fn in cases.items():
        result = ex.check_sigmoid_derivative(fn, verbose=False)
        assert result.mistake == mistake, result.message
        messages.add(result.message)
    assert len(messages) == len(cases)


# ---------------------------------------------------------------------------------------------
# Not attempted, crashes, never a traceback
# ---------------------------------------------------------------------------------------------

def shipped(*args):
    raise NotImplementedError


@pytest.mark.parametrize("check", [ex.check_sigmoid, ex.check_sigmoid_derivative,
                                   ex.check_step_forward, ex.check_step_backward, ex.check_bptt,
                                   ex.check_training])
def test_not_attempted_yet_is_one_line(check, capsys):
    result = check(shipped)
    assert not result.passed and result.mistake == "not_attempted"
    out = check_output(capsys)
    assert "not attempted yet" in out and out.count("\n") == 1


def test_not_attempted_names_the_unfinished_helper():
    def gru_backward(params, cache, dy):
        return helper()

    def helper():
        raise NotImplementedError
    result = ex.check_bptt(gru_backward, verbose=False)
    assert result.mistake == "not_attempted"
    assert "not attempted yet (gru_backward calls helper" in result.message


@pytest.mark.parametrize("check", [ex.check_sigmoid, ex.check_step_forward,
                                   ex.check_step_backward, ex.check_bptt, ex.check_training])
def test_an_exception_becomes_a_friendly_message(check, capsys):
    def broken(*args):
        return 1 / 0
    result = check(broken)
    out = check_output(capsys)
    assert result.mistake == "exception"
    assert "ZeroDivisionError: division by zero" in out and "Traceback" not in out


def test_shape_errors_get_a_row_vector_hint():
    def transposed_W(x_t, h_prev, params):
        return np.tanh(x_t @ params["Wz"].T)
    result = ex.check_step_forward(transposed_W, verbose=False)
    assert result.mistake == "shape_mismatch" and "x_t @ Wz" in result.message


def test_attribute_access_on_params_gets_a_dict_hint():
    result = ex.check_step_forward(lambda x_t, h_prev, params: params.Wz, verbose=False)
    assert result.mistake == "params_attribute" and 'params["Wz"]' in result.message


def test_not_a_function():
    result = ex.check_sigmoid(np.zeros(3), verbose=False)
    assert result.mistake == "not_a_function"


# ---------------------------------------------------------------------------------------------
# Exercise 2: step forward
# ---------------------------------------------------------------------------------------------

def test_step_forward_correct_passes(capsys):
    assert ex.check_step_forward(make_step_forward()).passed
    assert check_output(capsys).startswith("✅ Correct:")


FORWARD_MISTAKES = ["z_swapped", "transposed_Uz", "transposed_Ur", "transposed_U",
                    "reset_after_matmul", "missing_reset_gate", "gates_swapped", "missing_bias",
                    "tanh_for_gates", "sigmoid_for_candidate", "missing_h_prev_term", "wrong_z",
                    "missing_cache", "modified_input"]


@pytest.mark.parametrize("mistake", FORWARD_MISTAKES)
def test_step_forward_mistakes_are_named(mistake):
    result = ex.check_step_forward(make_step_forward(mistake), verbose=False)
    assert not result.passed and result.mistake == mistake, result.message


def test_step_forward_messages_are_distinct():
    messages = {ex.check_step_forward(make_step_forward(m), verbose=False).message
                for m in FORWARD_MISTAKES}
    assert len(messages) == len(FORWARD_MISTAKES)


# ---------------------------------------------------------------------------------------------
# Exercise 3: step backward
# ---------------------------------------------------------------------------------------------

def test_step_backward_reference_matches_engine():
    # The checker's truth comes from the engine; its mistake variants from its own code: with no
    # mistake, that code must be the engine's maths exactly.
    for k, (N, D, H) in enumerate(checkers._STEP_SHAPES):
        params, x, h_prev, dh = checkers._step_case(k, N, D, H)
        cache = checkers._engine_step(params, x, h_prev)
        mine = mistakes.step_backward_with(dh, cache, params)
        engine = checkers._engine_step_backward(params, x, h_prev, dh)
        for name in mine:
            assert gl.rel_error(mine[name], engine[name]) < 1e-12


def test_step_backward_correct_passes(capsys):
    assert ex.check_step_backward(make_step_backward()).passed
    assert check_output(capsys).startswith("✅ Correct:")


BACKWARD_MISTAKES = {
    "z_swapped": ("z_swapped",),
    "derivative_from_input": ("from_input",),
    "sign_error": ("dz_sign",),
    "missing_sigmoid_derivative": ("no_dsig_z",),
    "dz_missing_h_prev": ("dz_missing_h_prev",),
    "delta_missing_z": ("delta_missing_z",),
    "wrong_tanh_derivative": ("wrong_tanh_derivative",),
    "missing_tanh_derivative": ("missing_tanh_derivative",),
    "transposed_U": ("transposed_U",),
    "dr_missing_h_prev": ("dr_missing_h_prev",),
    "transposed_Uz": ("transposed_Uz",),
    "transposed_Ur": ("transposed_Ur",),
    "missing_direct_path": ("no_direct",),
    "missing_update_gate_path": ("no_update",),
    "missing_reset_gate_path": ("no_reset",),
    "missing_candidate_path": ("no_candidate",),
    "candidate_path_missing_r": ("candidate_path_missing_r",),
    "missing_paths": ("no_direct", "no_reset"),
    "wrong_order": ("wrong_order",),
    "path_counted_twice": ("double_update",),
}


@pytest.mark.parametrize("mistake", list(BACKWARD_MISTAKES))
def test_step_backward_mistakes_are_named(mistake):
    result = ex.check_step_backward(make_step_backward(*BACKWARD_MISTAKES[mistake]),
                                    verbose=False)
    assert not result.passed and result.mistake == mistake, result.message
    assert result.message.startswith("❌ ") and "\n   Hint: " in result.message


def test_step_backward_messages_are_distinct():
    messages = {ex.check_step_backward(make_step_backward(*flags), verbose=False).message
                for flags in BACKWARD_MISTAKES.values()}
    assert len(messages) == len(BACKWARD_MISTAKES)


def test_step_backward_names_the_missing_paths_and_signs():
    result = ex.check_step_backward(make_step_backward("no_direct", "no_reset"), verbose=False)
    assert "misses 2 paths" in result.message and "direct path" in result.message \
        and "reset-gate path" in result.message
    result = ex.check_step_backward(make_step_backward("minus_update"), verbose=False)
    assert result.mistake == "sign_error" and "subtracts the update-gate path" in result.message


def test_step_backward_whole_sign():
    result = ex.check_step_backward(make_step_backward("negate"), verbose=False)
    assert result.mistake == "sign_error" and "wrong sign" in result.message


def test_step_backward_one_site_of_a_mistake():
    # The student made the z/1 - z swap only in the direct path: still named.
    def partial(dh, cache, params):
        dz, delta, dr, dh_prev = make_step_backward()(dh, cache, params)
        return dz, delta, dr, dh_prev - dh * (1 - cache.z) + dh * cache.z
    result = ex.check_step_backward(partial, verbose=False)
    assert result.mistake == "z_swapped" and "direct path" in result.message


def test_step_backward_unknown_error_is_located():
    def off(dh, cache, params):
        dz, delta, dr, dh_prev = make_step_backward()(dh, cache, params)
        return dz, delta, dr * 1.5, dh_prev
    result = ex.check_step_backward(off, verbose=False)
    assert result.mistake == "wrong_dr" and "δr_t = h_{t−1}" in result.message


# ---------------------------------------------------------------------------------------------
# Exercise 4: BPTT
# ---------------------------------------------------------------------------------------------

def test_bptt_reference_matches_engine():
    for k, shape in enumerate(checkers._SEQ_SHAPES):
        params, x, h0, dy = checkers._seq_case(k, *shape)
        _, cache = gl.forward(params, x, h0=h0)
        mine, _ = mistakes.bptt_with(params, cache, dy)
        engine = gl.backward(params, cache, dy)
        for name in params:
            assert gl.rel_error(mine[name], engine[name]) < 1e-12


def test_bptt_correct_passes(capsys):
    assert ex.check_bptt(make_bptt()).passed
    assert check_output(capsys).startswith("✅ Correct:")


BPTT_MISTAKES = {
    "t1_uses_last_state": ("wraparound",),
    "t1_uses_zero_h0": ("zero_h0",),
    "t1_step_skipped": ("skip_first",),
    "no_backprop_through_time": ("no_bptt",),
    "missing_output_path": ("no_output_path",),
    "missing_output_sigmoid_derivative": ("no_dsig_out",),
    "derivative_from_input": ("from_input",),
    "loop_runs_forward": ("forward_loop",),
    "U_grad_missing_r": ("U_grad_missing_r",),
    "overwritten_not_accumulated": ("overwrite",),
    "transposed_gradient": ("transposed_Uz",),
    "bias_not_summed": ("bias_not_summed",),
}


@pytest.mark.parametrize("mistake", list(BPTT_MISTAKES))
def test_bptt_mistakes_are_named(mistake):
    result = ex.check_bptt(make_bptt(*BPTT_MISTAKES[mistake]), verbose=False)
    assert not result.passed and result.mistake == mistake, result.message


def test_bptt_messages_are_distinct():
    messages = {ex.check_bptt(make_bptt(*flags), verbose=False).message
                for flags in BPTT_MISTAKES.values()}
    assert len(messages) == len(BPTT_MISTAKES)


def test_bptt_sigma_prime_on_the_logits_and_sign():
    result = ex.check_bptt(make_bptt("on_logits"), verbose=False)
    assert result.mistake == "derivative_from_input" and "to the logits" in result.message
    result = ex.check_bptt(make_bptt("negate"), verbose=False)
    assert result.mistake == "sign_error" and "wrong sign" in result.message


def test_bptt_non_square_transpose_is_named():
    result = ex.check_bptt(make_bptt("transposed_Wz"), verbose=False)
    assert result.mistake == "transposed_gradient" and "grads['Wz']" in result.message


STEP_MISTAKES_IN_BPTT = [m for m in BACKWARD_MISTAKES
                         if m not in ("missing_paths", "path_counted_twice", "wrong_order")]


@pytest.mark.parametrize("step_mistake", STEP_MISTAKES_IN_BPTT)
def test_bptt_blames_the_step_it_calls(step_mistake):
    step = make_step_backward(*BACKWARD_MISTAKES[step_mistake])
    result = ex.check_bptt(make_bptt(step=step), verbose=False)
    assert result.mistake == step_mistake
    assert "Your loop is fine, but the step it calls is not" in result.message


def test_bptt_missing_key_and_wrong_return():
    def no_biases(params, cache, dy):
        grads = make_bptt()(params, cache, dy)
        return {k: v for k, v in grads.items() if not k.startswith("b")}
    assert ex.check_bptt(no_biases, verbose=False).mistake == "missing_key"
    assert ex.check_bptt(lambda p, c, dy: [1, 2], verbose=False).mistake == "wrong_return"


# ---------------------------------------------------------------------------------------------
# Exercise 5: training (a real training run lives in the solutions notebook; here the verdicts)
# ---------------------------------------------------------------------------------------------

def test_training_verdicts_without_training(monkeypatch):
    params = gl.init_params(2, 8, 1, rng=0)
    half = np.full(5, 0.5)

    monkeypatch.setattr(gl, "held_out_pairs", lambda: (np.arange(4), np.arange(4)),
                        raising=False)
    monkeypatch.setattr(gl, "accuracy", lambda p, a, b, decode="threshold": 0.25, raising=False)
    r = ex.check_training((params, np.linspace(10, 1, 50)), verbose=False)
    assert r.mistake == "not_converged" and "25.0%" in r.message
    monkeypatch.setattr(gl, "accuracy", lambda p, a, b, decode="threshold": 1.0, raising=False)
    assert ex.check_training((params, np.linspace(10, 1, 50)), verbose=False).passed
    assert ex.check_training(lambda: (params, [1.0] * 10), verbose=False).passed

    def honest():
        """Validates on its own pairs, never on gl.held_out_pairs() (the exam)."""
        return params, np.linspace(10, 1, 50)   # gl.held_out_pairs() is only named here

    def peeks():
        gl.held_out_pairs()
        return params, np.linspace(10, 1, 50)
    assert ex.check_training(honest, verbose=False).passed
    assert ex.check_training(peeks, verbose=False).mistake == "used_held_out_pairs"
    assert ex.check_training((gl.load_pretrained(), None), verbose=False).mistake \
        == "pretrained_submitted"
    r = ex.check_training((params, np.ones(ex.STEP_BUDGET + 1)), verbose=False)
    assert r.mistake == "over_budget"
    r = ex.check_training((params, np.linspace(1, 10, 50)), verbose=False)
    assert r.mistake == "loss_increasing" and "went UP" in r.message
    monkeypatch.setattr(gl, "accuracy", lambda p, a, b, decode="threshold":
                        1.0 if len(a) == 4 else 0.5, raising=False)   # exact on the exam only
    r = ex.check_training((params, np.linspace(10, 1, 50)), verbose=False)
    assert r.mistake == "fits_held_out_only" and "50.0% of 1,000 fresh pairs" in r.message
    monkeypatch.setattr(gl, "accuracy", lambda p, a, b, decode="threshold": 1.0, raising=False)
    r = ex.check_training((params, np.full(50, 0.7)), verbose=False)
    assert r.mistake == "loss_not_decreasing" and "p = p - lr * g" in r.message
    r = ex.check_training((params, np.r_[half, np.nan]), verbose=False)
    assert r.mistake == "diverged"
    r = ex.check_training((gl.init_params(3, 8, 1, rng=0), half), verbose=False)
    assert r.mistake == "wrong_sizes"
    r = ex.check_training(({"Wz": 1}, half), verbose=False)
    assert r.mistake == "bad_params" and "missing" in r.message


def test_training_for_real_with_a_student_engine():
    """The student's own functions, a short Adam loop, and the real held-out exam."""
    step_forward, bptt = make_step_forward(), make_bptt()

    def my_forward(params, x):
        h = np.zeros((x.shape[1], params["Uz"].shape[0]))
        steps = []
        for t in range(x.shape[0]):
            h, c = step_forward(x[t], h, params)
            steps.append(c)
        stack = {k: np.stack([getattr(c, k) for c in steps]) for k in ("z", "r", "h_tilde", "h")}
        logits = stack["h"] @ params["Wy"] + params["by"]
        y = stable_sigmoid(logits)
        return y, gl.GRUCache(x=x, h0=steps[0].h_prev, logits=logits, y=y, **stack)

    def train_my_gru(steps=400, seed=1, lr=0.01):
        rng = np.random.default_rng(seed)
        params = gl.init_params(2, 16, 1, rng=rng)
        m = {k: np.zeros_like(p) for k, p in params.items()}
        v = {k: np.zeros_like(p) for k, p in params.items()}
        losses = []
        for step in range(1, steps + 1):
            x, d = gl.addition_batch(*gl.random_pairs(64, 16, rng), bits=17)
            y, cache = my_forward(params, x)
            losses.append(0.5 * np.sum((y - d) ** 2) / 64)
            grads = bptt(params, cache, (y - d) / 64)
            for k, p in params.items():
                m[k] = 0.9 * m[k] + 0.1 * grads[k]
                v[k] = 0.999 * v[k] + 0.001 * grads[k] ** 2
                p -= lr * (m[k] / (1 - 0.9 ** step)) / (np.sqrt(v[k] / (1 - 0.999 ** step))
                                                        + 1e-8)
        return params, losses

    result = ex.check_training(train_my_gru, verbose=False)
    assert result.passed, result.message
    params, losses = result.value
    assert len(losses) == 400 and gl.accuracy(params, *gl.held_out_pairs()) == 1.0
    result = ex.check_training(lambda: train_my_gru(steps=20), verbose=False)
    assert result.mistake == "not_converged" and "held-out pairs exactly" in result.message


def test_every_known_mistake_is_tested_here():
    """KNOWN_MISTAKES (printed in the notebook) promises nothing that this file does not test."""
    tested = {
        "Exercise 1a, sigmoid": {"overflow_warning", "nan_for_large_x", "sign_error",
                                 "tanh_instead", "not_elementwise"},
        "Exercise 1b, dsigmoid_from_output": {"derivative_from_input", "tanh_derivative",
                                              "sign_error"},
        "Exercise 2, gru_step_forward": set(FORWARD_MISTAKES) | {"shape_mismatch"},
        "Exercise 3, gru_step_backward": set(BACKWARD_MISTAKES),
        "Exercise 4, gru_backward": set(BPTT_MISTAKES) | set(STEP_MISTAKES_IN_BPTT)
        | {"sign_error"},
        "Exercise 5, train_my_gru": {"over_budget", "diverged", "loss_not_decreasing",
                                     "loss_increasing", "not_converged", "wrong_sizes",
                                     "fits_held_out_only", "pretrained_submitted"},
    }
    import test_exercise_catalogue as catalogue

    named = {}
    for entry in catalogue.WRONG:
        for name in entry.expected.split("+"):
            named.setdefault(catalogue.EXERCISES[entry.exercise], set()).add(name)
    for exercise, names in ex.KNOWN_MISTAKES.items():
        missing = set(names) - tested.get(exercise, set()) - named.get(exercise, set())
        assert not missing, (exercise, missing)


# ---------------------------------------------------------------------------------------------
# The two notebooks come from one script and cannot drift
# ---------------------------------------------------------------------------------------------

def _generator():
    import importlib.util
    import pathlib

    path = pathlib.Path(__file__).resolve().parents[1] / "scripts" / "make_exercise_notebooks.py"
    spec = importlib.util.spec_from_file_location("make_exercise_notebooks", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_notebooks_match_their_generator():
    import nbformat

    gen = _generator()
    for path, solutions in ((gen.EXERCISES, False), (gen.SOLUTIONS, True)):
        committed = nbformat.read(path, as_version=4)
        built = gen.build(solutions)
        assert [c.source for c in committed.cells] == [c.source for c in built.cells], \
            f"{path.name} was edited by hand: edit scripts/make_exercise_notebooks.py and rerun it"
        tagged = [c for c in committed.cells if c.metadata.get("tags")]
        assert tagged and all(c.metadata["tags"] == ["solution" if solutions else "exercise"]
                              for c in tagged)
        if not solutions:
            assert all(c.source.rstrip().endswith("raise NotImplementedError()") for c in tagged)
