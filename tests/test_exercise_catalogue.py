"""The exercises tried as a class would: realistic wrong answers, each with the name it must get.

Every answer here is the worked solution of notebooks/09_exercises_solutions.ipynb (taken from
scripts/make_exercise_notebooks.py, the notebook's one source) with a student's edit in it:
`old` replaced by `new` in one exercise cell. The cell is run as the notebook runs it, in a
namespace holding the other solutions, and the exercise's check must name the mistake
(`expected`; "a+b" for two at once). The correct variants (clipping, np.vectorize, plain SGD, an
in-place update, ...) must pass. The goal of issue 15: at least 95% named specifically (not a
generic "wrong_<output>" or "exception"), none accepted, no correct variant rejected.
"""

import importlib.util
import linecache
import pathlib
from typing import NamedTuple

import pytest

from gru_lesson import exercises as ex

ROOT = pathlib.Path(__file__).resolve().parents[1]

EXERCISES = {"1a": "Exercise 1a, sigmoid", "1b": "Exercise 1b, dsigmoid_from_output",
             "2": "Exercise 2, gru_step_forward", "3": "Exercise 3, gru_step_backward",
             "3b": "Exercise 3b, gru_step_dx", "3c": "Exercise 3c, gru_step_backward_reset_after",
             "4": "Exercise 4, gru_backward", "4b": "Exercise 4b, numerical_gradient",
             "4c": "Exercise 4c, gradient_check", "5": "Exercise 5, train_my_gru"}
CELL_IDS = {"1a": "ex1a_sigmoid", "1b": "ex1b_dsigmoid", "2": "ex2_step_forward",
            "3": "ex3_step_backward", "3b": "ex3b_step_dx", "3c": "ex3c_reset_after",
            "4": "ex4_bptt", "4b": "ex4b_numerical_gradient", "4c": "ex4c_gradient_check",
            "5": "ex5_train"}
GENERIC = {"exception", "wrong_values", "wrong_h", "wrong_z", "wrong_r", "wrong_h_tilde",
           "wrong_dz", "wrong_delta", "wrong_dr", "wrong_dh_prev", "wrong_dx", "wrong_gradient",
           "rejects_correct_backward", "not_finite", "checker_error"}


class Entry(NamedTuple):
    exercise: str          # which check runs ("4": check_bptt)
    edits: tuple           # ((old, new), ...) applied to the cell
    expected: str          # the mistake's name; None for a correct variant
    cell: str = None       # the cell edited, when not the exercise's own


def wrong(exercise, old, new, expected, *more, cell=None):
    edits = ((old, new),) + tuple(zip(more[::2], more[1::2], strict=True))
    return Entry(exercise, edits, expected, cell)


def right(exercise, old, new, *more):
    return wrong(exercise, old, new, None, *more)


SIG = ("    e = np.exp(-np.abs(x))                      # in (0, 1]: never overflows\n"
       "    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))")
FWD_Z = 'z = sigmoid(x_t @ params["Wz"] + h_prev @ params["Uz"] + params["bz"])'
FWD_R = 'r = sigmoid(x_t @ params["Wr"] + h_prev @ params["Ur"] + params["br"])'
FWD_HT = 'h_tilde = np.tanh(x_t @ params["W"] + (r * h_prev) @ params["U"] + params["b"])'
FWD_H = "h = (1.0 - z) * h_prev + z * h_tilde"
CACHE = "StepCache(x=x_t, h_prev=h_prev, z=z, r=r, h_tilde=h_tilde, h=h)"
DZ = "dz = dh * (h_tilde - h_prev) * dsigmoid_from_output(z)"
DELTA = "delta = dh * z * (1.0 - h_tilde ** 2)"
DRH = 'd_rh = delta @ params["U"].T'
DR = "dr = h_prev * d_rh * dsigmoid_from_output(r)"
DIRECT = "(dh * (1.0 - z)                             # direct path\n               + dz"
UPDATE = '+ dz @ params["Uz"].T                      # through the update gate'
RESET = '+ dr @ params["Ur"].T                      # through the reset gate'
CAND = "+ d_rh * r)"
DX = 'return dz @ params["Wz"].T + dr @ params["Wr"].T + delta @ params["W"].T'
RA_DR = "dr = delta * hn * dsigmoid_from_output(r)"
RA_HN = "d_hn = delta * r "
RA_CAND = '+ d_hn @ params["U"].T)'
HP = "h_prev = cache.h0 if t == 0 else cache.h[t - 1]"
LOOP = "for t in reversed(range(T)):"
NUM = "grad[i] = (f(x_plus) - f(x_minus)) / (2 * eps)"
TRAIN = "def train_my_gru(steps=ex.STEP_BUDGET,"
ADAM = "p -= lr * m_hat / (np.sqrt(v_hat) + 1e-8)"

WRONG = [
    # 1a: the sigmoid
    wrong("1a", SIG, "    return 1 / (1 + np.exp(-x))", "overflow_warning"),
    wrong("1a", SIG, "    return np.exp(x) / (1 + np.exp(x))", "nan_for_large_x"),
    wrong("1a", SIG, "    return 1 / (1 + np.exp(x))", "sign_error"),
    wrong("1a", SIG, "    return np.tanh(x)", "tanh_instead"),
    wrong("1a", SIG, "    return 0.5 * (1 + np.tanh(x))", "tanh_missing_half"),
    wrong("1a", SIG, "    return np.where(x >= 0, 1 / (1 + np.exp(-x)), "
          "np.exp(x) / (1 + np.exp(x)))", "overflow_warning"),
    wrong("1a", SIG, "    import math\n    return 1 / (1 + math.exp(-x))", "not_elementwise"),
    wrong("1a", SIG, "    if x >= 0:\n        return 1 / (1 + np.exp(-x))\n"
          "    return np.exp(x) / (1 + np.exp(x))", "if_on_array"),
    wrong("1a", SIG, "    x[x < -500] = -500\n    return 1 / (1 + np.exp(-x))", "modified_input"),
    wrong("1a", SIG, "    e = np.exp(-np.abs(x))\n    return np.where(x >= 0, 1 / (1 + e), "
          "1 / (1 + 1 / e))", "overflow_warning"),
    # 1b: its derivative from the output
    wrong("1b", "return f * (1.0 - f)", "return sigmoid(f) * (1 - sigmoid(f))",
          "derivative_from_input"),
    wrong("1b", "return f * (1.0 - f)", "return np.exp(-f) / (1 + np.exp(-f)) ** 2",
          "derivative_from_input"),
    wrong("1b", "return f * (1.0 - f)", "return 1 - f ** 2", "tanh_derivative"),
    wrong("1b", "return f * (1.0 - f)", "return f * (f - 1)", "sign_error"),
    # 2: one step forward
    wrong("2", FWD_H, "h = z * h_prev + (1.0 - z) * h_tilde", "z_swapped"),
    wrong("2", 'h_prev @ params["Uz"]', 'h_prev @ params["Uz"].T', "transposed_Uz"),
    wrong("2", 'h_prev @ params["Ur"]', 'h_prev @ params["Ur"].T', "transposed_Ur"),
    wrong("2", '(r * h_prev) @ params["U"]', '(r * h_prev) @ params["U"].T', "transposed_U"),
    wrong("2", '(r * h_prev) @ params["U"]', 'r * (h_prev @ params["U"])', "reset_after_matmul"),
    wrong("2", '(r * h_prev) @ params["U"]', 'h_prev @ params["U"]', "missing_reset_gate"),
    wrong("2", ' + params["bz"])', ")", "missing_bias"),
    wrong("2", ' + params["b"])', ")", "missing_bias"),
    wrong("2", "z = sigmoid(", "z = np.tanh(", "tanh_for_gates", "r = sigmoid(", "r = np.tanh("),
    wrong("2", "h_tilde = np.tanh(", "h_tilde = sigmoid(", "sigmoid_for_candidate"),
    wrong("2", ' + params["bz"])', ') + params["bz"]', "bias_outside_activation"),
    wrong("2", ' + params["br"])', ")", "missing_bias", ' + params["bz"])', ")"),
    wrong("2", FWD_H, "h = z * h_tilde", "missing_h_prev_term"),
    wrong("2", FWD_Z, FWD_R.replace("r = ", "z = "), "gates_swapped",
          FWD_R, FWD_Z.replace("z = ", "r = ")),
    wrong("2", "(r * h_prev)", "np.dot(r, h_prev)", "matmul_for_hadamard"),
    wrong("2", "(r * h_prev)", "(r @ h_prev.T)", "matmul_for_hadamard"),
    wrong("2", 'x_t @ params["Wz"]', 'x_t @ params["Wz"].T', "shape_mismatch"),
    wrong("2", f"return h, {CACHE}", "return h", "missing_cache"),
    wrong("2", f"return h, {CACHE}", "return h, (x_t, h_prev, z, r, h_tilde, h)", "tuple_cache"),
    wrong("2", CACHE, 'dict(x=x_t, h_prev=h_prev, z=z, r=r, h_tilde=h_tilde, h=h)',
          "cache_not_stepcache"),
    wrong("2", "h_prev=h_prev, z=z", "h_prev=h, z=z", "cache_wrong_field"),
    wrong("2", "x=x_t, h_prev=h_prev", "x=h_prev, h_prev=h_prev", "cache_wrong_field"),
    wrong("2", CACHE, "StepCache(x_t, h_prev, r, z, h_tilde, h)", "cache_wrong_field"),
    wrong("2", f"return h, {CACHE}", f"return {CACHE}, h", "wrong_order"),
    wrong("2", 'params["Wz"]', "params.Wz", "params_attribute"),
    wrong("2", FWD_H, "h = z * h_prev + (1.0 - z) * h_tilde", "z_swapped+missing_bias",
          ' + params["b"])', ")"),
    # 3: one step backward
    wrong("3", "(h_tilde - h_prev)", "(h_prev - h_tilde)", "sign_error"),
    wrong("3", DZ, "dz = dh * h_tilde * dsigmoid_from_output(z)", "dz_missing_h_prev"),
    wrong("3", DZ, "dz = dh * (h_tilde - h_prev) * sigmoid(z) * (1 - sigmoid(z))",
          "derivative_from_input"),
    wrong("3", DZ, "dz = dh * (h_tilde - h_prev)", "missing_sigmoid_derivative"),
    wrong("3", DELTA, "delta = dh * z * (1.0 - np.tanh(h_tilde) ** 2)", "derivative_from_input"),
    wrong("3", DELTA, "delta = dh * z * (1.0 - h_tilde)", "tanh_derivative_not_squared"),
    wrong("3", DELTA, "delta = dh * z * h_tilde * (1.0 - h_tilde)", "wrong_tanh_derivative"),
    wrong("3", DELTA, "delta = dh * z * (1.0 - h_tilde) ** 2", "tanh_derivative_bracket"),
    wrong("3", DELTA, "delta = dh * z", "missing_tanh_derivative"),
    wrong("3", DELTA, "delta = dh * (1.0 - h_tilde ** 2)", "delta_missing_z"),
    wrong("3", DELTA, "delta = dh * (1.0 - z) * (1.0 - h_tilde ** 2)", "z_swapped"),
    wrong("3", DRH, 'd_rh = delta @ params["U"]', "transposed_U"),
    wrong("3", DR, "dr = d_rh * dsigmoid_from_output(r)", "dr_missing_h_prev"),
    wrong("3", DR, "dr = h_prev * d_rh", "missing_sigmoid_derivative"),
    wrong("3", DR, "dr = np.dot(h_prev, d_rh) * dsigmoid_from_output(r)", "matmul_for_hadamard"),
    wrong("3", DIRECT, "(dz", "missing_direct_path"),
    wrong("3", "(dh * (1.0 - z)", "(dh * z", "z_swapped"),
    wrong("3", UPDATE, '+ dz @ params["Uz"]', "transposed_Uz"),
    wrong("3", UPDATE, "", "missing_update_gate_path"),
    wrong("3", RESET, "", "missing_reset_gate_path"),
    wrong("3", CAND, "+ d_rh)", "candidate_path_missing_r"),
    wrong("3", CAND, '+ (delta * r) @ params["U"].T)', "reset_after_backward"),
    wrong("3", UPDATE, UPDATE + "\n               " + UPDATE, "path_counted_twice"),
    wrong("3", UPDATE, "", "missing_paths", CAND, ")"),
    wrong("3", "return dz, delta, dr, dh_prev", "return dz, dr, delta, dh_prev", "wrong_order"),
    wrong("3", DELTA, "delta = dh * z * (1.0 - h_tilde)",
          "tanh_derivative_not_squared+missing_reset_gate_path", RESET, ""),
    wrong("3", "(h_tilde - h_prev)", "(h_prev - h_tilde)", "sign_error+transposed_Uz",
          UPDATE, '+ dz @ params["Uz"]'),
    # 3b: dx of a step (derived)
    wrong("3b", DX, 'return dz @ params["Wz"].T + delta @ params["W"].T', "dx_missing_reset_path"),
    wrong("3b", DX, 'return dz @ params["Wz"].T + dr @ params["Wr"].T',
          "dx_missing_candidate_path"),
    wrong("3b", DX, 'return dr @ params["Wr"].T + delta @ params["W"].T', "dx_missing_update_path"),
    wrong("3b", DX, 'return delta @ params["W"].T', "missing_paths"),
    wrong("3b", DX, 'return dz @ params["Wz"] + dr @ params["Wr"] + delta @ params["W"]',
          "shape_mismatch"),
    wrong("3b", DX, 'return dh @ params["Wz"].T + dh @ params["Wr"].T + dh @ params["W"].T',
          "dx_skips_the_gates"),
    wrong("3b", DX, 'return dz @ params["Wz"].T + dr @ params["Wr"].T + (delta * cache.r) @ '
          'params["W"].T', "dx_candidate_times_r"),
    wrong("3b", "    dz, delta, dr, _ = gru_step_backward(dh, cache, params)\n",
          "    _, delta, dr, _ = gru_step_backward(dh, cache, params)\n"
          "    dz = dh * (cache.h_tilde - cache.h_prev)\n", "missing_sigmoid_derivative"),
    # 3c: the reset-after step backward (derived)
    wrong("3c", RA_DR, "dr = h_prev * (delta @ params['U'].T) * dsigmoid_from_output(r)",
          "seed_backward", RA_CAND, "+ (delta @ params['U'].T) * r)"),
    wrong("3c", RA_DR, "dr = h_prev * (delta @ params['U'].T) * dsigmoid_from_output(r)",
          "seed_backward"),
    wrong("3c", RA_CAND, "+ (delta @ params['U'].T) * r)", "seed_backward"),
    wrong("3c", RA_DR, "dr = delta * dsigmoid_from_output(r)", "dr_missing_hn"),
    wrong("3c", RA_DR, "dr = delta * (h_prev @ params['U']) * dsigmoid_from_output(r)",
          "dr_missing_bhn"),
    wrong("3c", RA_HN, "d_hn = delta ", "candidate_path_missing_r"),
    wrong("3c", RA_CAND, '+ d_hn @ params["U"])', "transposed_U"),
    wrong("3c", ' + dz @ params["Uz"].T', "", "missing_update_gate_path"),
    wrong("3c", "(1.0 - h_tilde ** 2)", "(1.0 - h_tilde)", "tanh_derivative_not_squared"),
    # 4: backpropagation through time
    wrong("4", HP, "h_prev = cache.h[t - 1]", "t1_uses_last_state"),
    wrong("4", HP, "h_prev = np.zeros_like(cache.h0) if t == 0 else cache.h[t - 1]",
          "t1_uses_zero_h0"),
    wrong("4", HP, "h_prev = cache.h[t]", "h_prev_off_by_one"),
    wrong("4", LOOP, "for t in range(T):", "loop_runs_forward"),
    wrong("4", 'grads["W"] += cache.x[t].T @ delta', 'grads["W"] += cache.x[t].T @ dz',
          "gradient_wrong_delta"),
    wrong("4", 'grads["Ur"] += h_prev.T @ dr', 'grads["Ur"] += h_prev.T @ dz',
          "gradient_wrong_delta"),
    wrong("4", 'grads["Uz"] += h_prev.T @ dz', 'grads["Uz"] += cache.h[t - 1].T @ dz',
          "t1_uses_last_state",
          'grads["Ur"] += h_prev.T @ dr', 'grads["Ur"] += cache.h[t - 1].T @ dr',
          'grads["U"] += (cache.r[t] * h_prev).T',
          'grads["U"] += (cache.r[t] * cache.h[t - 1]).T'),
    wrong("4", 'dh = dlogits[t] @ params["Wy"].T', 'dh = dy[t] @ params["Wy"].T',
          "missing_output_sigmoid_derivative"),
    wrong("4", LOOP, "for t in reversed(range(1, T)):", "t1_step_skipped"),
    wrong("4", '@ params["Wy"].T + dh_next', '@ params["Wy"].T', "no_backprop_through_time"),
    wrong("4", "dlogits = dy * dsigmoid_from_output(cache.y)", "dlogits = dy",
          "missing_output_sigmoid_derivative"),
    wrong("4", "dlogits = dy * dsigmoid_from_output(cache.y)",
          "dlogits = dy * sigmoid(cache.y) * (1 - sigmoid(cache.y))", "derivative_from_input"),
    wrong("4", 'grads["Wy"] += cache.h[t].T', 'grads["Wy"] += h_prev.T', "Wy_grad_off_by_one"),
    wrong("4", 'grads["Wy"] += cache.h[t].T', 'grads["Wy"] += cache.h[t - 1].T',
          "Wy_grad_off_by_one"),
    wrong("4", 'grads["Uz"] += h_prev.T @ dz', 'grads["Uz"] += cache.h[t].T @ dz',
          "recurrent_grad_off_by_one"),
    wrong("4", 'grads["U"] += (cache.r[t] * h_prev).T', 'grads["U"] += h_prev.T',
          "U_grad_missing_r"),
    wrong("4", 'grads["Wz"] += cache.x[t].T @ dz', 'grads["Wz"] += dz.T @ cache.x[t]',
          "transposed_gradient"),
    wrong("4", 'grads["Uz"] += h_prev.T @ dz', 'grads["Uz"] += dz.T @ h_prev',
          "transposed_gradient"),
    wrong("4", 'grads["bz"] += dz.sum(axis=0)', 'grads["bz"] += dz', "bias_not_summed"),
    wrong("4", 'grads["Wr"] += cache.x[t].T @ dr', 'grads["Wr"] = cache.x[t].T @ dr',
          "overwritten_not_accumulated"),
    wrong("4", "    return grads\n", "    return {k: g / cache.x.shape[1] for k, g in "
          "grads.items()}\n", "gradients_averaged"),
    wrong("4", '        grads["Wy"] += cache.h[t].T @ dlogits[t]\n'
          '        grads["by"] += dlogits[t].sum(axis=0)\n', "", "missing_output_gradients"),
    wrong("4", '        grads["by"] += dlogits[t].sum(axis=0)\n', "", "gradient_left_at_zero"),
    wrong("4", '@ params["Wy"].T + dh_next', '@ params["Wy"] + dh_next', "shape_mismatch"),
    wrong("4", LOOP, "for t in range(T):", "loop_runs_forward+U_grad_missing_r",
          'grads["U"] += (cache.r[t] * h_prev).T', 'grads["U"] += h_prev.T'),
    wrong("4", HP, "h_prev = np.zeros_like(cache.h0) if t == 0 else cache.h[t - 1]",
          "t1_uses_zero_h0+Wy_grad_off_by_one",
          'grads["Wy"] += cache.h[t].T', 'grads["Wy"] += h_prev.T'),
    wrong("4", DRH, 'd_rh = delta @ params["U"]', "transposed_U", cell="3"),
    wrong("4", DELTA, "delta = dh * z * (1.0 - h_tilde) ** 2", "tanh_derivative_bracket",
          cell="3"),
    wrong("4", DELTA, "delta = dh * z * (1.0 - h_tilde)", "tanh_derivative_not_squared", cell="3"),
    wrong("4", CAND, '+ (delta * r) @ params["U"].T)', "reset_after_backward", cell="3"),
    # 4b: centred differences
    wrong("4b", NUM, "grad[i] = (f(x_plus) - f(x)) / eps", "one_sided_difference"),
    wrong("4b", NUM, "grad[i] = (f(x_plus) - f(x_minus)) / eps", "missing_factor_2"),
    wrong("4b", NUM, "grad[i] = (f(x_minus) - f(x_plus)) / (2 * eps)", "sign_error"),
    wrong("4b", NUM, "grad[i] = (f(x_plus) - f(x_minus)) / 2 * eps", "operator_precedence"),
    wrong("4b", "for i in np.ndindex(x.shape):", "for i in range(x.shape[0]):",
          "perturbed_a_row"),
    wrong("4b", NUM, "grad[i] = (f(x + eps) - f(x - eps)) / (2 * eps)", "perturbed_all_at_once"),
    wrong("4b", "        x_plus, x_minus = x.copy(), x.copy()\n        x_plus[i] += eps\n"
          "        x_minus[i] -= eps\n        " + NUM,
          "        x[i] += eps\n        f_plus = f(x)\n        x[i] -= 2 * eps\n"
          "        f_minus = f(x)\n        grad[i] = (f_plus - f_minus) / (2 * eps)",
          "x_not_restored"),
    wrong("4b", "x_plus[i] += eps\n        x_minus[i] -= eps\n        " + NUM,
          "x_plus[i] += 1e-2\n        x_minus[i] -= 1e-2\n        "
          "grad[i] = (f(x_plus) - f(x_minus)) / 2e-2", "eps_ignored"),
    # 4c: the gradient check, used on a backward
    wrong("4c", "return 0.5 * np.sum((y - d) ** 2)", "return np.sum((y - d) ** 2)",
          "loss_missing_half"),
    wrong("4c", "backward_fn(params, cache, y - d)", "backward_fn(params, cache, d - y)",
          "dy_sign"),
    wrong("4c", "backward_fn(params, cache, y - d)", "gl.backward(params, cache, y - d)",
          "ignores_backward_fn"),
    wrong("4c", "lambda w: loss({**params, name: w})", "lambda w: loss(params)",
          "f_ignores_argument"),
    wrong("4c", "backward_fn(params, cache, y - d)", "backward_fn(params, cache, (y - d) / "
          "x.shape[1])", "dy_scale"),
    wrong("4c", "    return errors", "    return max(errors.values())", "wrong_return"),
    wrong("4c", "return 0.5 * np.sum((y - d) ** 2)", "return 0.5 * np.mean((y - d) ** 2)",
          "loss_is_mean"),
    wrong("4c", "gl.rel_error(grads[name], numeric)",
          "gl.rel_error(grads[name].flat[0], numeric.flat[0])", "misses_the_bug"),
    # 5: training, and what is submitted
    wrong("5", TRAIN, "def train_my_gru(steps=60,", "params_not_updated",
          ADAM, "p = p - lr * m_hat / (np.sqrt(v_hat) + 1e-8)"),
    wrong("5", TRAIN, "def train_my_gru(steps=60,", "loss_increasing",
          ADAM, "p += lr * m_hat / (np.sqrt(v_hat) + 1e-8)"),
    wrong("5", TRAIN, "def train_my_gru(steps=20,", "pretrained_submitted",
          "    return params, losses", "    return gl.load_pretrained(), losses"),
    wrong("5", TRAIN, "def train_my_gru(steps=20,", "used_held_out_pairs",
          "gl.random_pairs(2000, 16, rng)", "gl.held_out_pairs()"),
    wrong("5", TRAIN, "def train_my_gru(steps=20,", "wrong_return",
          "    return params, losses", "    return losses, params"),
    wrong("5", TRAIN, "def train_my_gru(steps=20,", "bad_losses",
          "losses.append(0.5 * np.sum((y - d) ** 2) / batch_size)",
          "losses.append(0.5 * (y - d) ** 2 / batch_size)"),
    wrong("5", TRAIN, "def train_my_gru(steps=30,", "not_converged"),
    wrong("5", f"return h, {CACHE}", "return h, (x_t, h_prev, z, r, h_tilde, h)", "tuple_cache",
          cell="2"),
    wrong("5", TRAIN, "def train_my_gru(steps=20,", "used_gl_train",
          "    return params, losses", "    params, history = gl.train(max_steps=10, "
          "progress=False)\n    return params, history.loss"),
    wrong("5", TRAIN, "def train_my_gru(steps=20,", "bad_losses",
          "    return params, losses", "    return params, losses[-1]"),
]

# A second class: answers written after the catalogue above was named, tried blind, then named.
WRONG += [
    wrong("1a", SIG, "    return 1 / 1 + np.exp(-x)", "operator_precedence"),
    wrong("1b", "return f * (1.0 - f)", "return f * 1 - f", "always_zero"),
    wrong("2", FWD_R, 'r = sigmoid(x_t @ params["Wz"] + h_prev @ params["Ur"] + params["br"])',
          "reset_gate_uses_update_weights"),
    wrong("2", FWD_H, "h = (1.0 - r) * h_prev + r * h_tilde", "blend_uses_r"),
    wrong("2", FWD_HT, 'h_tilde = x_t @ params["W"] + (r * h_prev) @ params["U"] + params["b"]',
          "missing_tanh"),
    wrong("2", "(r * h_prev)", "(z * h_prev)", "z_in_candidate"),
    wrong("3", DR, "dr = r * d_rh * dsigmoid_from_output(r)", "dr_r_for_h_prev"),
    wrong("3", CAND, "+ d_rh * z)", "candidate_path_z_for_r"),
    wrong("3", DRH, 'd_rh = delta @ params["Ur"].T', "wrong_weight_Ur_for_U"),
    wrong("3", DZ, "dz = dh * (h_tilde + h_prev) * dsigmoid_from_output(z)", "sign_error"),
    wrong("3c", RA_CAND, "+ (d_hn @ params['U'].T) * r)", "candidate_path_r_twice"),
    wrong("3c", RA_DR, "dr = delta * hn", "missing_sigmoid_derivative"),
    wrong("4", "dlogits = dy * dsigmoid_from_output(cache.y)",
          "dlogits = dy * dsigmoid_from_output(cache.logits)", "derivative_from_input"),
    wrong("4", 'grads["U"] += (cache.r[t] * h_prev).T @ delta',
          'grads["U"] += (cache.r[t] * h_prev).T @ dz', "gradient_wrong_delta"),
    wrong("4", 'grads["by"] += dlogits[t].sum(axis=0)', 'grads["by"] += dlogits[t].sum(axis=1)',
          "bias_summed_wrong_axis"),
    wrong("4", 'grads["U"] += (cache.r[t] * h_prev).T', 'grads["U"] += (cache.r[t - 1] * h_prev).T',
          "U_grad_r_off_by_one"),
    wrong("4", 'dh = dlogits[t] @ params["Wy"].T + dh_next', "dh = dh_next", "missing_output_path"),
    wrong("4", DR, "dr = r * d_rh * dsigmoid_from_output(r)", "dr_r_for_h_prev", cell="3"),
    wrong("4", CAND, "+ d_rh * z)", "candidate_path_z_for_r", cell="3"),
    wrong("4", DRH, 'd_rh = delta @ params["Ur"].T', "wrong_weight_Ur_for_U", cell="3"),
    wrong("4b", "x_plus, x_minus = x.copy(), x.copy()", "x_plus, x_minus = x, x", "zero_gradient"),
    wrong("4c", "errors[name] = gl.rel_error(grads[name], numeric)",
          "errors[name] = np.linalg.norm(grads[name] - numeric)", "not_relative"),
    wrong("4c", "numeric = numerical_gradient(lambda w: loss({**params, name: w}), params[name], "
          "eps)", "def f(w):\n            params[name] = w\n            return loss(params)\n"
          "        numeric = numerical_gradient(f, params[name], eps)", "modified_input"),
]

RIGHT = [
    right("1a", SIG, "    return np.exp(-np.logaddexp(0, -x))"),
    right("2", FWD_HT, 'h_tilde = np.tanh(x_t @ params["W"] + r * h_prev @ params["U"] '
          '+ params["b"])'),
    right("3c", RA_DR, 'dr = delta * (h_prev @ params["U"] + params["bhn"]) '
          '* dsigmoid_from_output(r)'),
    right("4c", "errors[name] = gl.rel_error(grads[name], numeric)",
          "errors[name] = np.max(np.abs(grads[name] - numeric) / np.maximum(np.abs(grads[name]) "
          "+ np.abs(numeric), 1e-12))"),
    right("1a", SIG, "    x = np.clip(x, -500, 500)\n    return 1 / (1 + np.exp(-x))"),
    right("1a", SIG, "    import math\n    one = np.vectorize(lambda v: 1 / (1 + math.exp(-v)) if "
          "v >= 0 else math.exp(v) / (1 + math.exp(v)))\n    return one(x).astype(float)"),
    right("1a", SIG, "    return 0.5 * np.tanh(0.5 * x) + 0.5"),
    right("1b", "return f * (1.0 - f)", "return f - f ** 2"),
    right("2", FWD_H, "h = h_prev + z * (h_tilde - h_prev)"),
    right("2", "(r * h_prev)", "np.multiply(r, h_prev)"),
    right("2", CACHE, "StepCache(x_t, h_prev, z, r, h_tilde, h)"),
    right("3", DELTA, "delta = dh * z * (1.0 - h_tilde * h_tilde)", "(dh * (1.0 - z)",
          "(dh - dh * z"),
    right("3b", DX, "return sum(g @ params[w].T for g, w in ((dz, 'Wz'), (dr, 'Wr'), "
          "(delta, 'W')))"),
    right("4", LOOP, "for t in range(T - 1, -1, -1):", HP, "h_prev = cache.h_prev[t]"),
    right("4b", "        x_plus, x_minus = x.copy(), x.copy()\n        x_plus[i] += eps\n"
          "        x_minus[i] -= eps\n        " + NUM,
          "        old = x[i]\n        x[i] = old + eps\n        f_plus = f(x)\n"
          "        x[i] = old - eps\n        f_minus = f(x)\n        x[i] = old\n"
          "        grad[i] = (f_plus - f_minus) / (2 * eps)"),
    right("4c", "errors[name] = gl.rel_error(grads[name], numeric)",
          "errors[name] = np.max(np.abs(grads[name] - numeric)) / max(np.max(np.abs(numeric)), "
          "1e-12)"),
    right("5", ADAM, "params[k] = params[k] - lr * m_hat / (np.sqrt(v_hat) + 1e-8)"),
    right("5", ADAM, "p -= lr * grads[k]                 # plain SGD", "lr=0.01", "lr=1.0"),
    right("5", "for k, p in params.items():                                # Adam update, in place",
          "for k, p in params.items():\n            grads[k] = np.clip(grads[k], -1.0, 1.0)"),
]


# ---------------------------------------------------------------------------------------------
# Running an answer as the notebook does
# ---------------------------------------------------------------------------------------------

def _generator():
    path = ROOT / "scripts" / "make_exercise_notebooks.py"
    spec = importlib.util.spec_from_file_location("make_exercise_notebooks", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


GEN = _generator()
SOLUTION = {cell[2]: cell[1] for cell in GEN.CELLS if cell[0] == "exercise"}
GIVEN = [cell[1] for cell in GEN.CELLS if cell[0] == "code"
         and cell[1].startswith(("# setup", "# your engine"))]


def _run(namespace, source, name):
    """exec a cell the way IPython does, with its source in linecache (inspect.getsource)."""
    filename = f"<catalogue {name} {len(linecache.cache)}>"
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    exec(compile(source, filename, "exec"), namespace)


def notebook(edited=None, source=None):
    """A namespace as after running the solutions notebook's cells in order, with one cell's
    source replaced (each run defines fresh functions, so the later ones call the edited one)."""
    namespace = {}
    _run(namespace, GIVEN[0], "setup")
    for key in CELL_IDS:
        _run(namespace, source if key == edited else SOLUTION[CELL_IDS[key]], key)
        if key == "4c":
            _run(namespace, GIVEN[1], "my_forward")
    return namespace


@pytest.fixture(scope="module")
def solved():
    return notebook()


CHECKS = {"1a": ("check_sigmoid", "sigmoid"), "1b": ("check_sigmoid_derivative",
                                                     "dsigmoid_from_output"),
          "2": ("check_step_forward", "gru_step_forward"),
          "3": ("check_step_backward", "gru_step_backward"),
          "3b": ("check_step_dx", "gru_step_dx"),
          "3c": ("check_step_backward_reset_after", "gru_step_backward_reset_after"),
          "4": ("check_bptt", "gru_backward"), "4b": ("check_numerical_gradient",
                                                      "numerical_gradient"),
          "4c": ("check_gradient_check", "gradient_check"), "5": ("check_training",
                                                                  "train_my_gru")}


def answer(entry):
    """The check's result for this entry's edited cell, in a copy of the solved namespace."""
    cell = entry.cell or entry.exercise
    head, body = SOLUTION[CELL_IDS[cell]].split("### BEGIN SOLUTION")
    for old, new in entry.edits:                 # edits land in the code, not the docstring
        where = "body" if old in body else "head"
        assert old in (body if where == "body" else head), f"{old!r} not in exercise {cell}"
        if where == "body":
            body = body.replace(old, new, 1)
        else:
            head = head.replace(old, new, 1)
    namespace = notebook(cell, head + "### BEGIN SOLUTION" + body)
    check, fn = CHECKS[entry.exercise]
    return getattr(ex, check)(namespace[fn], verbose=False)


def _id(entry):
    return f"{entry.exercise}-{entry.expected or 'correct'}"


@pytest.mark.parametrize("entry", WRONG, ids=[_id(e) for e in WRONG])
def test_wrong_answer_gets_its_name(entry):
    result = answer(entry)
    assert not result.passed, f"accepted: {entry.edits}"
    assert result.mistake == entry.expected, result.message
    assert result.message.startswith("❌ ") and "\n   Hint: " in result.message


@pytest.mark.parametrize("entry", RIGHT, ids=[_id(e) for e in RIGHT])
def test_correct_variant_passes(entry):
    result = answer(entry)
    assert result.passed, result.message


def test_the_catalogue_meets_the_goal():
    """About 80 wrong answers, at least 95% of them expected to be named specifically."""
    assert len(WRONG) >= 80
    specific = [e for e in WRONG if not set(e.expected.split("+")) & GENERIC]
    assert len(specific) / len(WRONG) >= 0.95
    assert {e.exercise for e in WRONG} == set(EXERCISES)


def test_the_untouched_solutions_pass(solved):
    for key, (check, fn) in CHECKS.items():
        if key == "5":
            continue        # trains a net: the solutions notebook runs it under nbval
        result = getattr(ex, check)(solved[fn], verbose=False)
        assert result.passed, result.message
