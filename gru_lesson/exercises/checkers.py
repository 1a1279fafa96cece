"""Checkers for notebooks/09_exercises.ipynb that say *what* is wrong, by name.

The student writes, in order (the checker for each on the right):

    1a. sigmoid(x)                                     check_sigmoid
    1b. dsigmoid_from_output(f)                        check_sigmoid_derivative
    2.  gru_step_forward(x_t, h_prev, params)          check_step_forward
    3.  gru_step_backward(dh, cache, params)           check_step_backward
    3b. gru_step_dx(dh, cache, params)     (derive)    check_step_dx
    3c. gru_step_backward_reset_after(...) (derive)    check_step_backward_reset_after
    4.  gru_backward(params, cache, dy)  (BPTT)        check_bptt
    4b. numerical_gradient(f, x, eps)                  check_numerical_gradient
    4c. gradient_check(backward_fn, params, x, d)      check_gradient_check
    5.  train_my_gru() on the adder                    check_training

A checker runs the student's function on fixed, seeded cases (float64, D != H != O, non-zero
biases, non-zero h_prev and h0) and compares with the engine: the reading engine's
step_forward / step_backward (engine/gru.py) for one step, gl.forward / gl.backward for a
sequence. When the
answer is wrong it does not stop at "wrong": it computes what each common mistake would give
(a missing path in dh_prev, U where U^T belongs, sigma' taken from the input instead of the
output, z and 1 - z swapped, gradients overwritten instead of summed over time, h0 dropped at
the first step, ...) and names the mistake the student's output matches; those mistaken
computations and their messages live in gru_lesson.exercises.mistakes. Every verdict is one friendly
sentence and a hint; a correct answer gets a line starting "✅ Correct:".

    result = check_step_backward(gru_step_backward)   # prints the verdict
    result.passed, result.mistake                     # False, "missing_direct_path"

When two mistakes are made at once the checker names both, or says that another one remains.
A graded notebook (nbgrader) ends each check cell with ``result.points(n)``: n when passed, else
0, the number nbgrader reads as the cell's score.

Before the student writes anything (the function raises NotImplementedError) a checker prints a
line containing "not attempted yet", so the notebook runs top to bottom as shipped. Any other
exception in the student's code becomes a one-line message, never a traceback.
"""

import functools
import inspect
import io
import itertools
import os
import re
import textwrap
import tokenize
import traceback
import warnings
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np

from ..engine.activations import sigmoid as _sigmoid
from ..engine.fast import GRUCache, backward, forward
from ..engine.gradcheck import rel_error
from ..engine.gru import step_backward, step_forward
from ..engine.params import init_params, validate_params
from .mistakes import (
    BACKWARD_MISTAKES,
    DH_PREV,
    DH_PREV_RESET_AFTER,
    DX,
    DX_MISTAKES,
    DX_PATHS,
    FORWARD_MISTAKES,
    LOOP_MISTAKES,
    NUMERICAL_MISTAKES,
    PATHS,
    PATHS_RESET_AFTER,
    RESET_AFTER_MISTAKES,
    bptt_with,
    dx_paths,
    numerical_gradient_with,
    step_backward_with,
    step_dx_with,
    step_forward_with,
)

TOL = 1e-8                  # relative error under which the student's array counts as equal
STEP_BUDGET = 2000          # exercise 5: optimisation steps allowed


class StepCache(NamedTuple):
    """The values of one GRU step that its backward needs: x (N, D); the rest (N, H).

    hn: only in the reset-after variant (exercise 3c), h_{t-1} U + bhn.
    """

    x: np.ndarray
    h_prev: np.ndarray
    z: np.ndarray
    r: np.ndarray
    h_tilde: np.ndarray
    h: np.ndarray
    hn: np.ndarray | None = None


@dataclass(frozen=True)
class CheckResult:
    """A checker's verdict. mistake is None when passed, else a name like "z_swapped".

    value: what the student's function returned, kept by check_training (params, losses).
    """

    exercise: str
    passed: bool
    mistake: str | None
    message: str
    value: object = field(default=None, repr=False, compare=False)   # training: (params, losses)

    def __str__(self):
        return self.message

    def points(self, out_of):
        """out_of when passed, else 0: end a graded check cell with this (nbgrader reads the
        cell's value as its score)."""
        return out_of if self.passed else 0


class _Verdict(Exception):
    """Ends a checker early with its result."""

    def __init__(self, result):
        super().__init__(result.message)
        self.result = result


def _fail(exercise, mistake, sentence, hint):
    return _Verdict(CheckResult(exercise, False, mistake, f"❌ {sentence}\n   Hint: {hint}"))


_LAST_PASSED = {}   # exercise -> whether its latest check passed (for hints that depend on it)


def _passed_before(exercise):
    return _LAST_PASSED.get(exercise, False)


def _checker(exercise):
    """Wrap a check: print its verdict, return the CheckResult, never raise into the notebook."""
    def decorate(check):
        @functools.wraps(check)
        def wrapper(*args, verbose=True, **kwargs):
            try:
                result = check(*args, **kwargs)
            except _Verdict as verdict:
                result = verdict.result
            except Exception as exc:   # a checker bug must not break the student's notebook
                result = CheckResult(exercise, False, "checker_error",
                                     f"⚠️ The checker itself failed ({type(exc).__name__}: "
                                     f"{_first_line(exc)}).\n   Hint: this is not your fault; "
                                     f"tell your teacher, and compare with gl.forward/gl.backward"
                                     f" by hand meanwhile.")
            if result.mistake != "not_attempted":
                _LAST_PASSED[exercise] = result.passed
            if verbose:
                print(result.message)
            return result
        return wrapper
    return decorate


# ---------------------------------------------------------------------------------------------
# Running the student's code safely
# ---------------------------------------------------------------------------------------------

def _first_line(exc, limit=160):
    text = str(exc).strip().splitlines()
    text = text[0] if text else ""
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _call(exercise, fn, *args, sizes=None):
    """fn(*args) with warnings recorded; NotImplementedError and crashes become verdicts.

    sizes: {"N": .., "D": .., "H": .., "grads": {name: shape}} of the case, so a crash can be
    explained in terms of the arrays involved.
    """
    name = getattr(fn, "__name__", "<lambda>")
    if not callable(fn):
        raise _fail(exercise, "not_a_function",
                    f"This check needs your function itself, but it got a "
                    f"{type(fn).__name__}.", "pass the name without calling it: "
                    "check_sigmoid(sigmoid), not check_sigmoid(sigmoid()).")
    with warnings.catch_warnings(record=True) as caught, \
            np.errstate(over="warn", invalid="warn", divide="warn"):
        warnings.simplefilter("always")
        try:
            out = fn(*args)
        except NotImplementedError as exc:
            raise _Verdict(_not_attempted(exercise, name, exc)) from None
        except _Verdict:
            raise
        except Exception as exc:
            raise _crashed(exercise, name, exc, sizes or {}) from None
    return out, [w for w in caught if issubclass(w.category, RuntimeWarning)]


def _not_attempted(exercise, name, exc):
    frames = traceback.extract_tb(exc.__traceback__)
    inner = frames[-1].name if frames else name
    where = "" if inner == name or len(frames) < 2 else \
        f" ({name} calls {inner}, which still raises NotImplementedError)"
    return CheckResult(exercise, False, "not_attempted", f"⏳ {exercise}: not attempted yet{where}")


_HERE = os.path.dirname(os.path.abspath(__file__))
_SHAPE = re.compile(r"\((\d+(?:,\s*\d+)*),?\)")


def _student_line(exc):
    """The last line of the student's own code in the traceback (not NumPy's, not ours)."""
    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        path = os.path.abspath(frame.filename)
        if "site-packages" in path or os.sep + "numpy" + os.sep in path \
                or path.startswith(_HERE):
            continue
        return (frame.line or "").strip() or None
    return None


def _shapes_in(text):
    return [tuple(int(v) for v in m.group(1).split(",")) for m in _SHAPE.finditer(text)]


def _crashed(exercise, name, exc, sizes):
    kind, text = type(exc).__name__, _first_line(exc)
    line = _student_line(exc)
    at = f" (in the line `{line}`)" if line and len(line) <= 90 else ""
    sentence = f"Your {'function' if name == '<lambda>' else name} raised {kind}: {text}{at}"
    N, H = sizes.get("N"), sizes.get("H")
    gradients = "grads" in sizes
    if isinstance(exc, ValueError) and ("matmul" in text or "aligned" in text):
        mismatch = re.search(r"size (\d+) is different from (\d+)", text)
        dims = {int(v) for v in mismatch.groups()} if mismatch else set()
        shapes = _shapes_in(text.split("not aligned")[0]) if "aligned" in text else []
        unambiguous = N is not None and N not in (sizes.get("D"), sizes.get("O"))
        if unambiguous and (dims == {N, H} or (len(shapes) == 2 and shapes[0] == shapes[1]
                                               == (N, H))):
            raise _hadamard(exercise, sentence)
        if gradients or exercise.startswith(("Exercise 3", "Exercise 4")):
            return _fail(exercise, "shape_mismatch", sentence,
                         "the shapes of a product do not line up. Backward multiplies by the "
                         "TRANSPOSE of the weight forward used: forward x_t @ Wz, so backward "
                         "dz @ Wz.T; forward h_prev @ Uz, so backward dz @ Uz.T.")
        return _fail(exercise, "shape_mismatch", sentence,
                     "the shapes of a product do not line up. Rows are vectors here: x_t is "
                     "(N, D) and Wz is (D, H), so write x_t @ Wz and h_prev @ Uz; a weight "
                     "transposed or a product written the other way round breaks this.")
    if isinstance(exc, ValueError) and "broadcast" in text:
        shapes = _shapes_in(text)
        if N is not None and (N, N) in shapes and N not in (H, sizes.get("O")):
            raise _hadamard(exercise, sentence)
        if gradients:
            _diagnose_accumulation(exercise, sentence, shapes, line, sizes)
            return _fail(exercise, "shape_mismatch", sentence,
                         "two arrays of different shapes met in an element-wise operation or a "
                         "+=. A gradient has the shape of its parameter (Wz: (D, H), Uz: "
                         "(H, H), Wy: (H, O), a bias: (H,)); print the .shape of each side.")
        return _fail(exercise, "shape_mismatch", sentence,
                     "two arrays of different shapes met in an element-wise operation; print "
                     "the .shape of each operand on that line (every gate is (N, H)).")
    if isinstance(exc, TypeError) and ("size-1" in text or "length-1" in text
                                         or "converted to Python scalar" in text):
        return _fail(exercise, "not_elementwise", sentence,
                     "math.exp and friends take one number; use NumPy's np.exp, np.tanh, which "
                     "work element by element on whole arrays.")
    if isinstance(exc, ValueError) and "truth value of an array" in text:
        return _fail(exercise, "if_on_array", sentence,
                     "`if` and `and`/`or` need one True or False, but x is a whole array; pick "
                     "element by element with np.where(condition, a, b).")
    if isinstance(exc, AttributeError) and "'dict' object" in text:
        return _fail(exercise, "params_attribute", sentence,
                     'params is a plain dict: write params["Wz"], not params.Wz.')
    if isinstance(exc, AttributeError) and "'tuple' object has no attribute" in text:
        return _fail(exercise, "tuple_cache", sentence,
                     "a cache is read by name (cache.z), so it must be a StepCache (one step) "
                     "or a gl.GRUCache (a sequence), not a plain tuple: e.g. return h, "
                     "StepCache(x=x_t, h_prev=h_prev, z=z, r=r, h_tilde=h_tilde, h=h).")
    return _fail(exercise, "exception", sentence,
                 "fix the error and run this cell again; call your function on a small input in "
                 "a new cell to see the full traceback.")


def _hadamard(exercise, sentence):
    return _fail(exercise, "matmul_for_hadamard",
                 sentence + ": a matrix product (@ or np.dot) of two (N, H) arrays, where the "
                 "element-wise product ⊙ belongs.",
                 "⊙ between gates and states (r_t ⊙ h_{t−1}, δ_t ⊙ r_t, ...) is NumPy's *: write "
                 "r * h_prev. @ is only for an (N, ·) array times a weight matrix.")


def _diagnose_accumulation(exercise, sentence, shapes, line, sizes):
    """A broadcast error while adding up gradients: a transposed product or an unsummed bias."""
    keys = re.findall(r"\[\s*[\"'](\w+)[\"']\s*\]", line or "")
    key = next((k for k in keys if k in sizes["grads"]), None)
    if key is None:
        m = re.match(r"\s*d(\w+)\s*[+\-]?=", line or "")
        key = m.group(1) if m and m.group(1) in sizes["grads"] else None
    for a, b in itertools.permutations(shapes, 2):
        if len(a) == 2 and a == b[::-1] and a != b:
            name = key or next((k for k, s in sizes["grads"].items() if s == a), None)
            if name is not None and sizes["grads"].get(name) in (a, b):
                product = b if sizes["grads"][name] == a else a
                raise _fail(exercise, "transposed_gradient",
                            f"{sentence}: a product of shape {product} meets grads['{name}'] of "
                            f"shape {sizes['grads'][name]}, its transpose.",
                            _transposed_hint(name))
        if len(a) == 1 and len(b) == 2 and b[-1] == a[0]:
            name = key or "a bias"
            label = f"grads['{name}']" if key else "a bias gradient"
            raise _fail(exercise, "bias_not_summed",
                        f"{sentence}: an array of shape {b}, one row per sequence, is added to "
                        f"{label} of shape {a}.",
                        "a bias is shared by every sequence and step, so sum its δ over the "
                        "batch: += dz.sum(axis=0).")


def _array(exercise, value, what, shape):
    """value as a float64 array of the given shape, or a verdict naming what is off."""
    if value is None:
        raise _fail(exercise, "returned_none", f"Your {what} came back as None.",
                    "end your function with a return statement.")
    try:
        a = np.asarray(value)
        if a.dtype == object:
            raise ValueError
    except (TypeError, ValueError):
        raise _fail(exercise, "not_an_array",
                    f"Your {what} should be a NumPy array but is a {type(value).__name__}.",
                    "compute it with NumPy operations on the arrays you were given.") from None
    if a.shape != shape:
        if shape and a.shape == shape[::-1]:
            sentence = (f"Your {what} has shape {a.shape}, the transpose of the {shape} it "
                        f"should have.")
            hint = "check which side of each product the weight goes on (row vectors: x @ W)."
        else:
            sentence = f"Your {what} has shape {a.shape} but should have shape {shape}."
            hint = ("sum over the batch (axis 0) only where the equation sums; element-wise "
                    "operations keep the shape (N, H).")
        raise _fail(exercise, "wrong_shape", sentence, hint)
    if a.dtype != np.float64:
        raise _fail(exercise, "not_float64", f"Your {what} has dtype {a.dtype}, not float64.",
                    "keep everything in float64 (don't build arrays with dtype=np.float32 or "
                    "int); the checks compare to 1e-8.")
    if not np.all(np.isfinite(a)):
        raise _fail(exercise, "not_finite", f"Your {what} contains NaN or inf.",
                    "look for an exp() that overflows or a division by zero.")
    return a


def _same(a, b, tol=TOL):
    return a.shape == b.shape and rel_error(a, b) < tol


def _copy(tree):
    """A deep copy of arrays in dicts / tuples, so the student can't alter the checker's data."""
    if isinstance(tree, dict):
        return {k: np.array(v, dtype=np.float64) for k, v in tree.items()}
    return np.array(tree, dtype=np.float64)


def _check_untouched(exercise, name, given, original):
    """The student's function must not write into its inputs."""
    for what, a, b in zip(name, given, original, strict=True):
        pairs = [(f"{what}['{k}']", a.get(k), b[k]) for k in b] if isinstance(b, dict) \
            else [(what, a, b)]
        for label, x, y in pairs:
            if x is None or not np.array_equal(x, y):
                raise _fail(exercise, "modified_input",
                            f"Your function changed its input {label} in place.",
                            "compute new arrays (y = f(x)) instead of writing into the ones you "
                            "are given (no x *= ..., x[...] = ..., or out=x).")


# ---------------------------------------------------------------------------------------------
# Exercise 1: the sigmoid and its derivative from the output
# ---------------------------------------------------------------------------------------------

_SIGMOID_EXTREMES = np.array([-1000.0, -745.0, -710.0, -40.0, 0.0, 40.0, 710.0, 745.0, 1000.0])


@_checker("Exercise 1a, sigmoid")
def check_sigmoid(sigmoid):
    """Check sigmoid(x) = 1 / (1 + e^-x): values, shape, and no overflow for large |x|."""
    exercise = "Exercise 1a, sigmoid"
    rng = np.random.default_rng(801)
    cases = [np.linspace(-8.0, 8.0, 33), rng.normal(0.0, 3.0, size=(4, 7))]
    for x in cases:
        given = x.copy()
        out, _ = _call(exercise, sigmoid, given)
        _check_untouched(exercise, ["x"], [given], [x])
        y = _array(exercise, out, "sigmoid(x)", x.shape)
        if _same(y, _sigmoid(x), 1e-10):
            continue
        if _same(y, _sigmoid(-x), 1e-10):
            raise _fail(exercise, "sign_error",
                        "Your sigmoid is mirrored: it computes 1 / (1 + e^x), so σ(2) < 0.5.",
                        "the exponent is −x: σ(x) = 1 / (1 + e^(−x)), which is above 0.5 for "
                        "x > 0.")
        if _same(y, 0.5 * (1.0 + np.tanh(x)), 1e-10):
            raise _fail(exercise, "tanh_missing_half",
                        "Your sigmoid is ½(1 + tanh(x)); the identity needs tanh of x/2, so "
                        "yours is σ(2x).",
                        "σ(x) = ½(1 + tanh(x/2)): write 0.5 * (1 + np.tanh(x / 2)).")
        if _same(y, 1.0 + np.exp(-x), 1e-10):
            raise _fail(exercise, "operator_precedence",
                        "Your sigmoid is 1 + e^(−x): 1 / 1 + np.exp(-x) divides 1 by 1 first.",
                        "division binds before addition: write 1 / (1 + np.exp(-x)), with the "
                        "brackets.")
        if _same(y, np.tanh(x), 1e-10):
            raise _fail(exercise, "tanh_instead",
                        "Your function is tanh, which ranges over (−1, 1); σ ranges over (0, 1).",
                        "σ(x) = 1 / (1 + e^(−x)) = ½ tanh(x/2) + ½.")
        raise _fail(exercise, "wrong_values",
                    f"Your sigmoid differs from σ(x) = 1 / (1 + e^(−x)) (relative error "
                    f"{rel_error(y, _sigmoid(x)):.1e}).",
                    "check a few values by hand: σ(0) = 0.5, σ(2) ≈ 0.8808, σ(−2) ≈ 0.1192.")
    given = _SIGMOID_EXTREMES.copy()
    out, caught = _call(exercise, sigmoid, given)
    _check_untouched(exercise, ["x"], [given], [_SIGMOID_EXTREMES])
    y = np.asarray(out, dtype=np.float64)
    if y.shape != _SIGMOID_EXTREMES.shape or not np.all(np.isfinite(y)):
        raise _fail(exercise, "nan_for_large_x",
                    "Your sigmoid returns NaN or inf for large |x| (tried ±40, ±710, ±1000).",
                    "e^x / (1 + e^x) becomes inf / inf = NaN for x = 1000; never exponentiate a "
                    "large positive number: use z = np.exp(-np.abs(x)), or ½ tanh(x/2) + ½.")
    if np.max(np.abs(y - _sigmoid(_SIGMOID_EXTREMES))) > 1e-12:
        raise _fail(exercise, "wrong_for_large_x",
                    "Your sigmoid is wrong for large |x| (it should give 0 at −1000 and 1 at "
                    "1000).", "look at how your formula behaves when e^(−x) is huge or tiny.")
    if caught:
        raise _fail(exercise, "overflow_warning",
                    "Your values are right, but for large negative x np.exp(−x) overflows and "
                    f"NumPy warns ({_first_line(caught[0].message)}).",
                    "never exponentiate a large positive number: z = np.exp(-np.abs(x)), then "
                    "np.where(x >= 0, 1 / (1 + z), z / (1 + z)); or use ½ tanh(x/2) + ½ "
                    "(np.where alone still evaluates both branches).")
    return CheckResult(exercise, True, None,
                       "✅ Correct: sigmoid matches σ(x) = 1 / (1 + e^(−x)) and stays exact and "
                       "silent at x = ±1000.")


@_checker("Exercise 1b, dsigmoid_from_output")
def check_sigmoid_derivative(dsigmoid_from_output):
    """Check σ'(x) written with the output f = σ(x): f (1 − f)."""
    exercise = "Exercise 1b, dsigmoid_from_output"
    rng = np.random.default_rng(802)
    cases = [np.array([0.0, 0.1, 0.5, 0.9, 1.0]), rng.uniform(0.0, 1.0, size=(3, 6))]
    for f in cases:
        given = f.copy()
        out, _ = _call(exercise, dsigmoid_from_output, given)
        _check_untouched(exercise, ["f"], [given], [f])
        g = _array(exercise, out, "dsigmoid_from_output(f)", f.shape)
        if _same(g, f * (1.0 - f), 1e-10):
            continue
        if _same(g, _sigmoid(f) * (1.0 - _sigmoid(f)), 1e-10):
            raise _fail(exercise, "derivative_from_input",
                        "You applied σ again: you computed σ(f)(1 − σ(f)), treating the output f "
                        "as if it were the input x.",
                        "f is already σ(x), so σ'(x) = f (1 − f); no exp needed. This is why the "
                        "backward pass only stores outputs.")
        if _same(g, 1.0 - f * f, 1e-10):
            raise _fail(exercise, "tanh_derivative",
                        "You wrote tanh's derivative, 1 − f², not the sigmoid's.",
                        "for σ the derivative from the output is f (1 − f); 1 − g² is for tanh.")
        if _same(g, -f * (1.0 - f), 1e-10):
            raise _fail(exercise, "sign_error",
                        "Your derivative has the wrong sign: σ is increasing, so σ' > 0.",
                        "f (1 − f), not f (f − 1).")
        if not np.any(g):
            raise _fail(exercise, "always_zero",
                        "Your derivative is 0 for every f (f * 1 - f is (f · 1) − f = 0: * binds "
                        "before −).", "write f * (1 - f), with the brackets.")
        raise _fail(exercise, "wrong_values",
                    "Your derivative is not f (1 − f) (at f = 0.5 it should be 0.25).",
                    "differentiate σ(x) = 1 / (1 + e^(−x)) and write the result in terms of f.")
    return CheckResult(exercise, True, None,
                       "✅ Correct: dsigmoid_from_output(f) = f (1 − f), straight from the output.")


# ---------------------------------------------------------------------------------------------
# Cases for the GRU exercises: D != H != O, non-zero biases, non-zero h_prev / h0
# ---------------------------------------------------------------------------------------------

_STEP_SHAPES = ((3, 2, 4), (2, 5, 3), (4, 3, 6))          # (N, D, H)
_SEQ_SHAPES = ((4, 3, 2, 5, 3), (5, 2, 3, 4, 1), (3, 4, 4, 3, 2))   # (T, N, D, H, O)


def _step_case(k, N, D, H, reset_after=False):
    rng = np.random.default_rng(8200 + k)
    params = init_params(D, H, 2, rng=rng)
    x = rng.uniform(-1.0, 1.0, size=(N, D))
    h_prev = rng.uniform(-1.0, 1.0, size=(N, H))
    dh = rng.normal(size=(N, H))
    if reset_after:
        params["bhn"] = rng.uniform(-1.0, 1.0, size=H)
    return params, x, h_prev, dh


def _engine_step(params, x, h_prev):
    """One step of the reading engine (engine/gru.py) as the exercises' StepCache."""
    h, c = step_forward(x, h_prev, params)
    return StepCache(x, h_prev, c.z, c.r, c.h_tilde, h, c.hn)


def _engine_step_backward(params, x, h_prev, dh):
    """dz, delta, dr, dh_prev and dx of one step, from the reading engine's step_backward.

    step_backward returns the step's bias gradients, which sum dz, delta, dr over the batch;
    run on one sequence at a time (N = 1), they ARE that row's dz, delta and dr.
    """
    out = {k: np.empty_like(h_prev) for k in ("dz", "delta", "dr", "dh_prev")}
    out["dx"] = np.empty_like(x)
    for n in range(x.shape[0]):
        _, c = step_forward(x[n:n + 1], h_prev[n:n + 1], params)
        dx, dh_prev, grads = step_backward(dh[n:n + 1], c, params)
        out["dz"][n], out["delta"][n], out["dr"][n] = grads["bz"], grads["b"], grads["br"]
        out["dh_prev"][n], out["dx"][n] = dh_prev[0], dx[0]
    return out


# ---------------------------------------------------------------------------------------------
# Exercise 2: one step forward
# ---------------------------------------------------------------------------------------------

def _parts(exercise, out, names, what):
    """The student's multi-part return value as a dict, from a tuple, dict or named object."""
    if isinstance(out, dict):
        missing = [n for n in names if n not in out]
        if missing:
            raise _fail(exercise, "wrong_return", f"{what} has no {', '.join(missing)}.",
                        f"return {', '.join(names)}.")
        return {n: out[n] for n in names}
    if all(hasattr(out, n) for n in names) and not isinstance(out, np.ndarray):
        return {n: getattr(out, n) for n in names}
    if isinstance(out, (tuple, list)) and len(out) == len(names):
        return dict(zip(names, out, strict=True))
    if out is None:
        got = "nothing (None)"
    elif isinstance(out, (tuple, list)):
        got = f"{len(out)} values"
    else:
        got = f"a {type(out).__name__}"
    raise _fail(exercise, "wrong_return", f"{what} returned {got}; expected {len(names)}: "
                f"{', '.join(names)}.", f"end with: return {', '.join(names)}.")


@_checker("Exercise 2, gru_step_forward")
def check_step_forward(gru_step_forward):
    """Check h_t, cache = gru_step_forward(x_t, h_prev, params) against one step of gl.forward."""
    exercise = "Exercise 2, gru_step_forward"
    for k, (N, D, H) in enumerate(_STEP_SHAPES):
        params, x, h_prev, _ = _step_case(k, N, D, H)
        given = (_copy(x), _copy(h_prev), _copy(params))
        out, _ = _call(exercise, gru_step_forward, *given, sizes={"N": N, "D": D, "H": H})
        _check_untouched(exercise, ["x_t", "h_prev", "params"], given, (x, h_prev, params))
        if isinstance(out, np.ndarray):
            raise _fail(exercise, "missing_cache", "You returned h_t alone.",
                        "return h, StepCache(x=x_t, h_prev=h_prev, z=z, r=r, h_tilde=h_tilde, "
                        "h=h): exercise 3's backward needs z, r and h̃.")
        h_out, cache = _parts(exercise, out, ("h", "cache"), "gru_step_forward").values()
        if hasattr(h_out, "_fields") and isinstance(cache, np.ndarray):
            raise _fail(exercise, "wrong_order", "You returned (cache, h): the other way round.",
                        "return h, StepCache(...): h first, as exercise 5's my_forward unpacks "
                        "it.")
        h = _array(exercise, h_out, "h_t", (N, H))
        true = _engine_step(params, x, h_prev)
        if not _same(h, true.h):
            for name, flags, sentence, hint in FORWARD_MISTAKES:
                if _same(h, step_forward_with(x, h_prev, params, flags).h):
                    raise _fail(exercise, name, sentence, hint)
            for (a, fa, sa, ha), (b, fb, sb, hb) in itertools.combinations(FORWARD_MISTAKES, 2):
                if _same(h, step_forward_with(x, h_prev, params, fa | fb).h):
                    raise _fail(exercise, a if a == b else f"{a}+{b}",
                                f"Two mistakes at once. (1) {sa} (2) {sb}", f"(1) {ha} (2) {hb}")
            _diagnose_forward_cache(exercise, cache, x, h_prev, true, N, D, H,
                                    fields=("z", "r", "h_tilde"))
            raise _fail(exercise, "wrong_h",
                        f"Your h_t differs from the engine's (relative error "
                        f"{rel_error(h, true.h):.1e}) in a way that matches no common mistake.",
                        "compute z, r, h̃ and h one per line, exactly as in the equations above, "
                        "and compare each with gl.forward(params, x_t[None], h0=h_prev).")
        _diagnose_forward_cache(exercise, cache, x, h_prev, true, N, D, H)
    return CheckResult(exercise, True, None,
                       "✅ Correct: gru_step_forward matches the engine's step (h, z, r, h̃) with "
                       "D ≠ H, non-zero biases and non-zero h_prev.")


_CACHE_FIELDS = ("x", "h_prev", "z", "r", "h_tilde", "h")
_CACHE_HINT = ("return h, StepCache(x=x_t, h_prev=h_prev, z=z, r=r, h_tilde=h_tilde, h=h): "
               "exercise 3's backward and exercise 5's my_forward read it by name (cache.z).")


def _diagnose_forward_cache(exercise, cache, x, h_prev, true, N, D, H, fields=_CACHE_FIELDS):
    """The cache must be a StepCache (or an object with the same named fields) holding exactly
    x_t, h_{t−1}, z, r, h̃ and h of this step."""
    if isinstance(cache, dict):
        raise _fail(exercise, "cache_not_stepcache",
                    "Your cache is a dict; the backward and my_forward read its fields by name "
                    "(cache.z), which a dict does not have.", _CACHE_HINT)
    if isinstance(cache, (tuple, list)) and not hasattr(cache, "_fields"):
        raise _fail(exercise, "tuple_cache",
                    f"Your cache is a plain {type(cache).__name__} of {len(cache)} values; the "
                    f"backward and my_forward read its fields by name (cache.z), so the order "
                    f"of a tuple would have to be guessed.", _CACHE_HINT)
    missing = [f for f in _CACHE_FIELDS if not hasattr(cache, f)]
    if missing:
        raise _fail(exercise, "cache_not_stepcache",
                    f"Your cache (a {type(cache).__name__}) has no {', '.join(missing)}.",
                    _CACHE_HINT)
    right = {"x": x, "h_prev": h_prev, "z": true.z, "r": true.r, "h_tilde": true.h_tilde,
             "h": true.h}
    labels = {"x": "x_t", "h_prev": "h_{t−1}", "z": "z_t", "r": "r_t", "h_tilde": "h̃_t",
              "h": "h_t"}
    equations = {"z": "z_t = σ(x_t Wz + h_{t−1} Uz + bz)", "r": "r_t = σ(x_t Wr + h_{t−1} Ur + br)",
                 "h_tilde": "h̃_t = tanh(x_t W + (r_t ⊙ h_{t−1}) U + b)"}
    for name in fields:
        value = getattr(cache, name)
        try:
            got = np.asarray(value, dtype=np.float64)
        except (TypeError, ValueError):
            got = None
        other = next((o for o in _CACHE_FIELDS if o != name and got is not None
                      and _same(got, right[o])), None)
        if other is not None and not _same(got, right[name]):
            raise _fail(exercise, "cache_wrong_field",
                        f"Your cache.{name} holds {labels[other]}, not {labels[name]}.",
                        f"{_CACHE_HINT.split(':')[0]}: each field by name, so none can slip.")
        got = _array(exercise, value, f"cache.{name}", right[name].shape)
        if not _same(got, right[name]):
            if name in equations:
                raise _fail(exercise, f"wrong_{name}",
                            f"Your cache.{name} is not the engine's {name} (relative error "
                            f"{rel_error(got, right[name]):.1e}).",
                            f"{equations[name]}; store exactly the values you used to compute "
                            f"h_t.")
            raise _fail(exercise, "cache_wrong_field",
                        f"Your cache.{name} is not {labels[name]} of this step.",
                        f"store the arrays themselves: {_CACHE_HINT.split(':')[0]}.")


# ---------------------------------------------------------------------------------------------
# Exercise 3: one step backward
# ---------------------------------------------------------------------------------------------

_STEP_OUTPUTS = ("dz", "delta", "dr", "dh_prev")
_EQUATIONS = {
    "dz": "δz_t = δh_t ⊙ (h̃_t − h_{t−1}) ⊙ z_t ⊙ (1 − z_t)",
    "delta": "δ_t = δh_t ⊙ z_t ⊙ (1 − h̃_t²)",
    "dr": "δr_t = h_{t−1} ⊙ (δ_t Uᵀ) ⊙ r_t ⊙ (1 − r_t)",
    "dh_prev": DH_PREV,
}
_EQUATIONS_RESET_AFTER = {**_EQUATIONS, "dr": "δr_t = δ_t ⊙ hn_t ⊙ r_t ⊙ (1 − r_t)",
                          "dh_prev": DH_PREV_RESET_AFTER}


@_checker("Exercise 3, gru_step_backward")
def check_step_backward(gru_step_backward):
    """Check dz, delta, dr, dh_prev = gru_step_backward(dh, cache, params) against the engine."""
    return _check_step_backward("Exercise 3, gru_step_backward", gru_step_backward, False)


@_checker("Exercise 3c, gru_step_backward_reset_after")
def check_step_backward_reset_after(gru_step_backward_reset_after):
    """Check the backward of PyTorch's reset-after step (h̃ = tanh(x W + b + r ⊙ hn),
    hn = h_{t−1} U + bhn) against the engine run with params["bhn"]."""
    return _check_step_backward("Exercise 3c, gru_step_backward_reset_after",
                                gru_step_backward_reset_after, True)


def _check_step_backward(exercise, fn, reset_after):
    for k, (N, D, H) in enumerate(_STEP_SHAPES):
        params, x, h_prev, dh = _step_case(k, N, D, H, reset_after=reset_after)
        cache = _engine_step(params, x, h_prev)
        given = (_copy(dh), StepCache(*(None if a is None else _copy(a) for a in cache)),
                 _copy(params))
        out, _ = _call(exercise, fn, *given, sizes={"N": N, "D": D, "H": H})
        _check_untouched(exercise, ["dh", "params"], (given[0], given[2]), (dh, params))
        got = _parts(exercise, out, _STEP_OUTPUTS, fn.__name__)
        got = {n: _array(exercise, got[n], n, (N, H)) for n in _STEP_OUTPUTS}
        true = _engine_step_backward(params, x, h_prev, dh)
        del true["dx"]
        wrong = [n for n in _STEP_OUTPUTS if not _same(got[n], true[n])]
        if wrong:
            catalogue = RESET_AFTER_MISTAKES if reset_after else BACKWARD_MISTAKES
            equations = _EQUATIONS_RESET_AFTER if reset_after else _EQUATIONS
            if wrong == ["dh_prev"]:                   # several paths missing or negated
                candidate = (true["delta"] * cache.r) @ params["U"].T if reset_after \
                    else (true["delta"] @ params["U"].T) * cache.r
                terms = {"direct": dh * (1.0 - cache.z), "update": true["dz"] @ params["Uz"].T,
                         "reset": true["dr"] @ params["Ur"].T, "candidate": candidate}
                _diagnose_paths(exercise, got["dh_prev"], terms,
                                PATHS_RESET_AFTER if reset_after else PATHS,
                                equations["dh_prev"], "δh_{t−1}")
            _diagnose(exercise, got, true, wrong, catalogue, functools.partial(
                _step_variant, dh, cache, params, reset_after))
            swapped = [(a, b) for a in _STEP_OUTPUTS for b in _STEP_OUTPUTS
                       if a != b and _same(got[a], true[b])]
            if swapped:
                raise _fail(exercise, "wrong_order",
                            f"Your {swapped[0][0]} holds what should be {swapped[0][1]}: the "
                            f"return values are in the wrong order.",
                            "return dz, delta, dr, dh_prev, in that order.")
            _unexplained(exercise, got, true, wrong, equations)
    variant = "PyTorch's reset-after step" if reset_after else "the engine"
    return CheckResult(exercise, True, None,
                       f"✅ Correct: δz, δ, δr and δh_{{t−1}} all match {variant}, with D ≠ H, "
                       f"non-zero biases and non-zero h_{{t−1}}.")


def _step_variant(dh, cache, params, reset_after, flags):
    return step_backward_with(dh, cache, params, flags, reset_after)


def _dx_variant(dh, cache, params, flags):
    return {"dx": step_dx_with(dh, cache, params, flags)}


def _unexplained(exercise, got, true, wrong, equations):
    first = wrong[0]
    raise _fail(exercise, f"wrong_{first}",
                f"Your {first} is wrong (relative error {rel_error(got[first], true[first]):.1e}) "
                f"and matches none of the usual mistakes.",
                f"rebuild it factor by factor from {equations[first]}.")


def _diagnose(exercise, got, true, wrong, catalogue, variant, *, prefix="", hint_suffix=""):
    """Name the mistake(s) behind the wrong outputs, from a catalogue of (name, flags, sentence,
    hint) and variant(flags) -> {output: array}. In order: one mistake explains everything; the
    whole answer has the wrong sign; two mistakes at once explain everything; one mistake
    explains the first wrong output (and we say that another remains)."""
    outputs = list(got)
    cache = {}

    def computed(flags):
        key = frozenset(flags)
        if key not in cache:
            cache[key] = variant(key)
        return cache[key]

    def fits(v, names):
        return all(_same(got[n], v[n]) for n in names)

    def say(sentence):
        return prefix + (sentence[0].lower() + sentence[1:] if prefix else sentence)

    for name, flags, sentence, hint in catalogue:
        if fits(computed(flags), outputs):
            raise _fail(exercise, name, say(sentence), hint + hint_suffix)
    if all(_same(got[n], -true[n]) for n in wrong):
        raise _fail(exercise, "sign_error",
                    f"Your {', '.join(wrong)} have the right size but the wrong sign.",
                    "every factor in these equations enters with a plus sign; look for a stray "
                    "minus, e.g. (h_prev - h_tilde) or (z - 1).")
    for (a, fa, sa, ha), (b, fb, sb, hb) in itertools.combinations(catalogue, 2):
        if a == b or fa & fb:
            continue
        if fits(computed(fa | fb), outputs):
            raise _fail(exercise, f"{a}+{b}",
                        say(f"Two mistakes at once. (1) {sa} (2) {sb}"),
                        f"(1) {ha} (2) {hb}{hint_suffix}")
    first = wrong[0]
    upto = outputs[:outputs.index(first) + 1]
    for name, flags, sentence, hint in catalogue:
        v = computed(flags)
        if fits(v, upto):
            still = [n for n in wrong if not _same(got[n], v[n])]
            remains = f" Another mistake remains: your {', '.join(still)} still differ(s) " \
                "after fixing that." if still else ""
            raise _fail(exercise, name, say(sentence) + remains, hint + hint_suffix)


def _diagnose_paths(exercise, got, terms, paths, equation, what):
    """Fit got as a combination of the paths' terms: finds several missing or negated terms."""
    A = np.stack([t.ravel() for t in terms.values()], axis=1)
    coef, *_ = np.linalg.lstsq(A, got.ravel(), rcond=None)
    rounded = np.round(coef)
    if rel_error(A @ rounded, got.ravel()) > TOL or np.all(rounded == 1.0) \
            or sorted(rounded.tolist()) == [0.0] + [1.0] * (len(terms) - 1):
        return                                  # right, or one path missing: named elsewhere
    names = list(terms)
    missing = [paths[n] for n, c in zip(names, rounded, strict=True) if c == 0]
    negated = [paths[n] for n, c in zip(names, rounded, strict=True) if c == -1]
    other = [f"{int(c)} × {paths[n]}" for n, c in zip(names, rounded, strict=True)
             if c not in (0, 1, -1)]
    if negated:
        raise _fail(exercise, "sign_error",
                    f"Your {what} subtracts {' and '.join(negated)} instead of adding it.",
                    equation + ", all with a plus sign.")
    if other:
        raise _fail(exercise, "path_counted_twice",
                    f"Your {what} counts {' and '.join(other)}.", equation + ", each once.")
    raise _fail(exercise, "missing_paths",
                f"Your {what} misses {len(missing)} paths: {'; '.join(missing)}.",
                equation + ".")


@_checker("Exercise 3b, gru_step_dx")
def check_step_dx(gru_step_dx):
    """Check dx = gru_step_dx(dh, cache, params), the gradient w.r.t. the step's input x_t."""
    exercise = "Exercise 3b, gru_step_dx"
    for k, (N, D, H) in enumerate(_STEP_SHAPES):
        params, x, h_prev, dh = _step_case(k, N, D, H)
        cache = _engine_step(params, x, h_prev)
        given = (_copy(dh), StepCache(*(None if a is None else _copy(a) for a in cache)),
                 _copy(params))
        out, _ = _call(exercise, gru_step_dx, *given, sizes={"N": N, "D": D, "H": H})
        _check_untouched(exercise, ["dh", "params"], (given[0], given[2]), (dh, params))
        if isinstance(out, tuple) and len(out) > 1:
            raise _fail(exercise, "wrong_return",
                        f"gru_step_dx returned {len(out)} values; it returns dx alone.",
                        "end with: return dx, an (N, D) array.")
        if np.shape(out) == (N, H):
            raise _fail(exercise, "wrong_shape",
                        f"Your dx has shape {(N, H)}, the shape of h_t, but x_t is {(N, D)}.",
                        "x_t meets the weights Wz, Wr and W, which are (D, H); going back "
                        "through them (δ Wᵀ) gives (N, D).")
        dx = _array(exercise, out, "dx", (N, D))
        deltas = _engine_step_backward(params, x, h_prev, dh)
        true = deltas["dx"]
        if _same(dx, true):
            continue
        _diagnose_paths(exercise, dx, dx_paths(deltas, params), DX_PATHS, DX, "dx")
        _diagnose(exercise, {"dx": dx}, {"dx": true}, ["dx"], DX_MISTAKES,
                  functools.partial(_dx_variant, dh, cache, params))
        if not np.any(dx):
            raise _fail(exercise, "wrong_dx", "Your dx is zero.", DX + ".")
        raise _fail(exercise, "wrong_dx",
                    f"Your dx is wrong (relative error {rel_error(dx, true):.1e}) and matches "
                    f"none of the usual mistakes.",
                    "list every place x_t appears in the forward equations; each gives one "
                    "term, the gate's δ times the weight's transpose.")
    return CheckResult(exercise, True, None,
                       "✅ Correct: dx matches the input gradient of the engine's step, with "
                       "D ≠ H, non-zero biases and non-zero h_{t−1}.")


# ---------------------------------------------------------------------------------------------
# Exercise 4: backpropagation through time
# ---------------------------------------------------------------------------------------------

def _seq_case(k, T, N, D, H, O):
    rng = np.random.default_rng(8400 + k)
    params = init_params(D, H, O, rng=rng)
    x = rng.uniform(-1.0, 1.0, size=(T, N, D))
    h0 = rng.uniform(-1.0, 1.0, size=(N, H))
    dy = rng.normal(size=(T, N, O))
    return params, x, h0, dy


_GRAD_ORDER = ("Wy", "by", "Wz", "Uz", "Wr", "Ur", "W", "U", "bz", "br", "b")


@_checker("Exercise 4, gru_backward")
def check_bptt(gru_backward):
    """Check grads = gru_backward(params, cache, dy) against gl.backward (non-zero h0)."""
    exercise = "Exercise 4, gru_backward"
    for k, (T, N, D, H, O) in enumerate(_SEQ_SHAPES):
        params, x, h0, dy = _seq_case(k, T, N, D, H, O)
        _, cache = forward(params, x, h0=h0)
        true = backward(params, cache, dy)
        given = (_copy(params), GRUCache(**{f: _copy(getattr(cache, f)) for f in
                                            ("x", "h0", "z", "r", "h_tilde", "h", "logits", "y")}),
                 _copy(dy))
        sizes = {"N": N, "D": D, "H": H, "O": O, "grads": {n: v.shape for n, v in params.items()}}
        out, _ = _call(exercise, gru_backward, *given, sizes=sizes)
        _one_per_parameter(exercise, out, params, "gru_backward", "gradients")
        got = {name: _grad_array(exercise, name, out[name], true[name]) for name in params}
        wrong = [name for name in _GRAD_ORDER if not _same(got[name], true[name])]
        if wrong:
            _diagnose_bptt(exercise, got, true, wrong, params, cache, dy)
    return CheckResult(exercise, True, None,
                       "✅ Correct: all 11 gradients match gl.backward on sequences with a "
                       "non-zero h0 and D ≠ H ≠ O.")


_OWN_DELTA = {"Wz": "dz", "Uz": "dz", "bz": "dz", "Wr": "dr", "Ur": "dr", "br": "dr",
              "W": "delta", "U": "delta", "b": "delta"}
_DELTA_NAMES = {"dz": "δz_t, the update gate's", "dr": "δr_t, the reset gate's",
                "delta": "δ_t, the candidate's"}
_INPUT = {"Wz": "x", "Wr": "x", "W": "x", "Uz": "h_prev", "Ur": "h_prev", "U": "rh"}


def _wrong_delta(got, k, share):
    """[(name, sentence, hint)] when grads[k] pairs the right input with another gate's δ (a
    copy-pasted line), else []."""
    if k not in _OWN_DELTA:
        return []
    for other in ("dz", "dr", "delta"):
        if other == _OWN_DELTA[k]:
            continue
        if k in _INPUT:
            alt = sum(s["_in"][_INPUT[k]].T @ s["_d"][other] for s in share.values())
        else:
            alt = sum(s["_d"][other].sum(0) for s in share.values())
        if _same(got[k], alt):
            return [("gradient_wrong_delta",
                     f"Your grads['{k}'] uses {_DELTA_NAMES[other]} δ; {k} belongs to "
                     f"{_DELTA_NAMES[_OWN_DELTA[k]]}.",
                     f"pair each weight with the δ of the pre-activation it feeds: ∂E/∂{k} uses "
                     f"{_DELTA_NAMES[_OWN_DELTA[k]].split(',')[0]} (a line copied from another "
                     f"gradient is the usual cause).")]
    return []


def _one_per_parameter(exercise, out, params, who, what):
    """out must be a dict with an entry for every parameter, biases included."""
    if not isinstance(out, dict):
        raise _fail(exercise, "wrong_return",
                    f"{who} returned a {type(out).__name__}, not a dict of {what}.",
                    "return a dict with one entry per parameter, the same keys as params: "
                    "{'Wz': ..., 'Uz': ..., ...}.")
    missing = [name for name in params if name not in out]
    if missing:
        raise _fail(exercise, "missing_key", f"Your {what} have no {', '.join(missing)}.",
                    "give every entry of params, biases included.")


def _grad_array(exercise, name, value, true):
    try:
        shape = np.shape(value)
    except (TypeError, ValueError):
        shape = None
    if name in ("bz", "br", "b", "by") and shape is not None and len(shape) > 1 \
            and shape[-1] == true.shape[0]:
        raise _fail(exercise, "bias_not_summed",
                    f"Your grads['{name}'] has shape {shape}, one row per sequence or step.",
                    f"a bias is shared by every sequence and step, so sum its δ over both: "
                    f"grads['{name}'] has shape {true.shape}.")
    if shape is not None and len(shape) == 2 and shape == true.shape[::-1] \
            and shape != true.shape:
        a = np.asarray(value, dtype=np.float64)
        if _same(a.T, true):
            raise _transposed(exercise, name)
    a = _array(exercise, value, f"grads['{name}']", true.shape)
    if a.ndim == 2 and a.shape[0] == a.shape[1] and not _same(a, true) and _same(a.T, true):
        raise _transposed(exercise, name)
    return a


def _transposed_hint(name):
    left = {"Wz": "x_t", "Wr": "x_t", "W": "x_t", "Uz": "h_{t−1}", "Ur": "h_{t−1}",
            "U": "(r_t ⊙ h_{t−1})", "Wy": "h_t"}.get(name, "the input")
    delta = {"Wz": "δz_t", "Uz": "δz_t", "Wr": "δr_t", "Ur": "δr_t", "W": "δ_t", "U": "δ_t",
             "Wy": "δy_t"}.get(name, "δ")
    return (f"∂E/∂{name} = Σ_t {left}ᵀ {delta}: the input's transpose on the left, as the "
            f"weight sits on the right of the input in forward.")


def _transposed(exercise, name):
    return _fail(exercise, "transposed_gradient",
                 f"Your grads['{name}'] is the transpose of the right gradient.",
                 _transposed_hint(name))


def _diagnose_bptt(exercise, got, true, wrong, params, cache, dy):
    """Name the mistake(s) behind wrong gradients: the loop's (LOOP_MISTAKES) or the step's
    (BACKWARD_MISTAKES), one or two at once, or one per gradient."""
    step_hint = (" Exercise 3's check passed, so this loop calls another version of the step "
                 "(re-run exercise 3's cell) or redoes part of it inline."
                 if _passed_before("Exercise 3, gru_step_backward")
                 else " Make exercise 3's check pass first.")
    # each flag tagged with where it acts, so a loop flag and a step flag never collide
    catalogue = [(name, frozenset(("loop", f) for f in flags), sentence, hint)
                 for name, flags, sentence, hint in LOOP_MISTAKES]
    catalogue += [(name, frozenset(("step", f) for f in flags),
                   "Your loop is fine, but the step it calls is not: " + sentence[0].lower()
                   + sentence[1:], hint + step_hint)
                  for name, flags, sentence, hint in BACKWARD_MISTAKES]
    computed = {}

    def v(tagged):
        if tagged not in computed:
            loop = frozenset(f for kind, f in tagged if kind == "loop")
            step = frozenset(f for kind, f in tagged if kind == "step")
            computed[tagged] = bptt_with(params, cache, dy, step_flags=step, loop=loop)[0]
        return computed[tagged]

    def fits(grads, names=_GRAD_ORDER):
        return all(_same(got[k], grads[k]) for k in names)

    for name, flags, sentence, hint in catalogue:               # one mistake, everywhere
        if fits(v(flags)):
            raise _fail(exercise, name, sentence, hint)
    if all(_same(got[k], -true[k]) for k in wrong):
        raise _fail(exercise, "sign_error",
                    f"Your grads for {', '.join(wrong)} have the right size but the wrong sign.",
                    "look for a minus sign in δy or δh_t: gradients are followed downhill by "
                    "the optimiser (p -= lr * g), not flipped by the backward pass.")
    for (a, fa, sa, ha), (b, fb, sb, hb) in itertools.combinations(catalogue, 2):
        if a != b and fits(v(fa | fb)):                         # two mistakes at once
            raise _fail(exercise, f"{a}+{b}", f"Two mistakes at once. (1) {sa} (2) {sb}",
                        f"(1) {ha} (2) {hb}")
    _, share = bptt_with(params, cache, dy)
    T = cache.x.shape[0]
    explained = {}                                  # one gradient at a time: every fitting name
    for k in wrong:
        if any(_same(got[k], share[t][k]) for t in (0, T - 1)):
            explained[k] = [("overwritten_not_accumulated",
                             f"Your grads['{k}'] holds one step's contribution only: it is "
                             f"overwritten inside the loop instead of summed over time.",
                             f"start each gradient at zero before the loop and add with +=: "
                             f"∂E/∂{k} = Σ_t (that step's share).")]
        elif not np.any(got[k]):
            explained[k] = [("gradient_left_at_zero",
                             f"Your grads['{k}'] is all zeros: nothing is ever added to it.",
                             f"add every step's share to grads['{k}']; ∂E/∂Wy = Σ_t h_tᵀ δy_t "
                             f"and ∂E/∂by = Σ_t Σ_n δy_t need no step backward.")]
        else:
            explained[k] = [(name, sentence.rstrip(".") + f" (seen in grads['{k}']).", hint)
                            for name, flags, sentence, hint in catalogue
                            if _same(got[k], v(flags)[k])] or _wrong_delta(got, k, share)
    names = list(dict.fromkeys(e[0] for k in wrong for e in explained[k]))

    def covers(chosen):
        return all(any(e[0] in chosen for e in explained[k]) for k in wrong)

    def entry(name):
        return next(e for k in wrong for e in explained[k] if e[0] == name)

    for name in names:
        if covers({name}):
            sentence, hint = entry(name)[1:]
            raise _fail(exercise, name, sentence, hint)
    for a, b in itertools.combinations(names, 2):
        if covers({a, b}):
            (_, sa, ha), (_, sb, hb) = entry(a), entry(b)
            raise _fail(exercise, f"{a}+{b}", f"Two mistakes at once. (1) {sa} (2) {sb}",
                        f"(1) {ha} (2) {hb}")
    if names:
        name, sentence, hint = entry(names[0])
        still = [k for k in wrong if not any(e[0] == name for e in explained[k])]
        raise _fail(exercise, name, sentence + f" Another mistake remains: grads for "
                    f"{', '.join(still)} are wrong in another way.", hint)
    right = [k for k in _GRAD_ORDER if k not in wrong]
    worst = max(rel_error(got[k], true[k]) for k in wrong)
    first_step = ("try T = 1 (one step) against gl.backward before the full loop" if
                  _passed_before("Exercise 3, gru_step_backward") else
                  "make exercise 3's check pass first, then try T = 1 (one step) against "
                  "gl.backward before the full loop")
    raise _fail(exercise, "wrong_gradient",
                f"Your grads for {', '.join(wrong)} are wrong (relative error up to {worst:.1e})"
                f"{'; ' + ', '.join(right) + ' are right' if right else ''}, matching none of "
                f"the usual mistakes.", first_step + ".")


# ---------------------------------------------------------------------------------------------
# Exercise 4b: a centred-difference gradient; 4c: a gradient check, used on your own backward
# ---------------------------------------------------------------------------------------------

_NUM_EPS = 1e-5
_NUM_TOL = 1e-7        # centred differences at ε = 1e-5 are good to ~1e-10 on these functions


def _numerical_cases():
    """(f, x, analytic gradient): a smooth function of a 3 × 4 matrix, and a GRU's loss as a
    function of its (2, 3) input weights Wz."""
    rng = np.random.default_rng(8450)
    A, B = rng.normal(size=(3, 4)), rng.normal(size=(4, 2))

    def smooth(x):
        return float(np.sum(np.sin(A * x)) + 0.5 * np.sum((x @ B) ** 2))

    x1 = rng.normal(size=(3, 4))
    grad1 = A * np.cos(A * x1) + (x1 @ B) @ B.T
    params, xs, d = _loss_case()

    def gru_loss(Wz):
        y, _ = forward({**params, "Wz": Wz}, xs)
        return float(0.5 * np.sum((y - d) ** 2))

    y, cache = forward(params, xs)
    grad2 = backward(params, cache, y - d)["Wz"]
    return [(smooth, x1, grad1), (gru_loss, params["Wz"].copy(), grad2)]


def _loss_case():
    rng = np.random.default_rng(8460)
    params = init_params(2, 3, 2, rng=rng)
    x = rng.uniform(-1.0, 1.0, size=(3, 4, 2))
    d = rng.uniform(0.0, 1.0, size=(3, 4, 2))
    return params, x, d


@_checker("Exercise 4b, numerical_gradient")
def check_numerical_gradient(numerical_gradient):
    """Check numerical_gradient(f, x, eps) against analytic gradients, entry by entry."""
    exercise = "Exercise 4b, numerical_gradient"
    for f, x, true in _numerical_cases():
        given = x.copy()
        out, _ = _call(exercise, numerical_gradient, f, given, _NUM_EPS)
        moved = np.abs(given - x)
        if np.max(moved) > 1e-12:
            if np.max(np.abs(moved - _NUM_EPS)) < 1e-9 or np.max(np.abs(moved - 2 * _NUM_EPS)) \
                    < 1e-9 or np.allclose(moved[moved > 1e-12], _NUM_EPS, rtol=1e-3):
                name, _, sentence, hint = next(m for m in NUMERICAL_MISTAKES
                                               if m[0] == "x_not_restored")
                raise _fail(exercise, name, sentence, hint)
            raise _fail(exercise, "modified_input", "Your function changed x and left it changed.",
                        "put every entry back after perturbing it, or perturb a copy.")
        g = _array(exercise, out, "numerical_gradient(f, x, eps)", x.shape)
        if rel_error(g, true) < _NUM_TOL:
            continue
        for name, flags, sentence, hint in NUMERICAL_MISTAKES:
            if rel_error(g, numerical_gradient_with(f, x, _NUM_EPS, flags)) < 1e-8:
                raise _fail(exercise, name, sentence, hint)
        for eps in (1e-1, 1e-2, 1e-3):
            if rel_error(g, numerical_gradient_with(f, x, eps)) < 1e-8:
                raise _fail(exercise, "eps_ignored",
                            f"Your gradient is a centred difference with ε = {eps:g}, not the ε "
                            f"= {_NUM_EPS:g} the check passed in.",
                            "use the eps argument; a large ε makes the O(ε²) error visible.")
        if not np.any(g):
            raise _fail(exercise, "zero_gradient",
                        "Your numerical gradient is all zeros: f(x_plus) and f(x_minus) came out "
                        "equal, as when x_plus = x_minus = x (no copy: one array, so the two "
                        "nudges cancel) or f is evaluated at x itself.",
                        "x_plus, x_minus = x.copy(), x.copy(), then nudge each and call "
                        "f(x_plus) - f(x_minus).")
        raise _fail(exercise, "wrong_values",
                    f"Your numerical gradient is off (relative error {rel_error(g, true):.1e}).",
                    "for every index i: x[i] += ε, f⁺ = f(x), x[i] −= 2ε, f⁻ = f(x), x[i] += ε, "
                    "gradient[i] = (f⁺ − f⁻) / (2ε).")
    return CheckResult(exercise, True, None,
                       f"✅ Correct: your centred differences match the analytic gradients to "
                       f"better than {_NUM_TOL:g}, and x comes back unchanged.")


def _planted_bug(params, cache, dy):
    """gl.backward with ∂E/∂U transposed: a bug a gradient check must catch."""
    grads = backward(params, cache, dy)
    return {**grads, "U": grads["U"].T.copy()}


def _scaled(c):
    def scaled_backward(params, cache, dy):
        return {k: c * g for k, g in backward(params, cache, dy).items()}
    return scaled_backward


def _errors(exercise, out, params):
    """The student's {name: error} as floats, or a verdict."""
    _one_per_parameter(exercise, out, params, "gradient_check", "relative errors")
    try:
        return {k: float(np.asarray(out[k], dtype=np.float64)) for k in params}
    except (TypeError, ValueError):
        raise _fail(exercise, "wrong_return",
                    "Your result holds something other than one number per parameter.",
                    "store one relative error per parameter, e.g. gl.rel_error(analytic, "
                    "numeric).") from None


@_checker("Exercise 4c, gradient_check")
def check_gradient_check(gradient_check, my_backward=None):
    """Check gradient_check(backward_fn, params, x, d): it must pass gl.backward, flag a planted
    bug, and then tell what it finds in my_backward (the student's gru_backward)."""
    exercise = "Exercise 4c, gradient_check"
    params, x, d = _loss_case()

    def run(fn):
        given = _copy(params)
        out, _ = _call(exercise, gradient_check, fn, given, x.copy(), d.copy())
        _check_untouched(exercise, ["params"], [given], [params])   # f wrote params[name] = w?
        return _errors(exercise, out, params)

    right = run(backward)
    worst = max(right.values())
    if not worst < 1e-6:
        N = x.shape[1]
        probes = [(2.0, "loss_missing_half",
                   "Your check's numerical gradient is twice the analytic one: your loss misses "
                   "the ½ of E = ½ Σ (y − d)².", "with dy = y − d, the loss must be "
                   "0.5 * np.sum((y - d) ** 2)."),
                  (1.0 / d.size, "loss_is_mean", "Your check's loss is a mean over all "
                   f"{d.size} outputs, but dy = y − d is the gradient of a sum.",
                   "use E = 0.5 * np.sum((y - d) ** 2), the loss whose gradient is y − d."),
                  (-1.0, "dy_sign", "Your check passes dy = d − y to the backward; "
                   "dE/dy = y − d.", "dy = y - d for E = ½ Σ (y − d)²."),
                  (float(N), "dy_scale", f"Your check's dy and its loss disagree by a factor "
                   f"N = {N}: e.g. dy = (y − d) / N with a summed loss.",
                   "use the same loss on both sides: E = ½ Σ (y − d)² and dy = y − d."),
                  (1.0 / N, "dy_scale", f"Your check's loss and dy disagree by a factor N = "
                   f"{N}: e.g. a mean loss with dy = y − d.",
                   "use the same loss on both sides: E = ½ Σ (y − d)² and dy = y − d."),
                  (0.0, "f_ignores_argument",
                   "Your check's numerical gradients are all zero: the f you hand to "
                   "numerical_gradient does not use the x it is given.",
                   "build f from its argument: f = lambda w: loss({**params, name: w}).")]
        for c, name, sentence, hint in probes:
            if max(run(_scaled(c)).values()) < 1e-6:
                raise _fail(exercise, name, sentence, hint)
        bad = ", ".join(k for k, e in right.items() if not e < 1e-6)
        raise _fail(exercise, "rejects_correct_backward",
                    f"Your check reports errors up to {worst:.1e} (in {bad}) for gl.backward, "
                    f"which is right.",
                    "compare backward_fn's gradient with numerical_gradient of the SAME loss, "
                    "E = ½ Σ (y − d)², parameter by parameter.")
    caught = run(_planted_bug)
    if not caught["U"] > 1e-3:
        uses_fn = max(run(_scaled(0.0)).values()) > 1e-3
        raise _fail(exercise, "misses_the_bug" if uses_fn else "ignores_backward_fn",
                    f"Your check passes a backward whose ∂E/∂U is transposed (it reports "
                    f"{caught['U']:.1e} for U).",
                    "compare the gradients of the backward_fn you are given, not gl.backward's."
                    if not uses_fn else "report a relative error per parameter, e.g. "
                    "gl.rel_error(analytic, numeric), not a sum that can cancel.")
    doubled = run(_scaled(2.0))          # every parameter's gradient exactly twice the true one
    if max(doubled.values()) > 1.01 * min(doubled.values()) or not min(doubled.values()) > 1e-3:
        raise _fail(exercise, "not_relative",
                    "Your check's numbers are not relative errors: for a backward that returns "
                    "exactly twice every gradient they range from "
                    f"{min(doubled.values()):.1e} to {max(doubled.values()):.1e}, but a relative "
                    "error is the same for every parameter (1/3 for gl.rel_error).",
                    "divide the difference by the gradients' size: gl.rel_error(analytic, "
                    "numeric) = ‖g − ĝ‖ / (‖g‖ + ‖ĝ‖); an absolute error passes small gradients "
                    "whatever they are.")
    message = ("✅ Correct: your check passes gl.backward (every error below 1e-6) and flags a "
               "transposed ∂E/∂U (above 1e-3).")
    if my_backward is not None:
        try:
            mine = run(my_backward)
        except _Verdict as verdict:
            message += ("\n   Your gru_backward is not written yet; run this check again once "
                        "it is." if verdict.result.mistake == "not_attempted" else
                        "\n   On your gru_backward it stopped: "
                        + verdict.result.message.splitlines()[0].lstrip("❌ "))
        else:
            bad = {k: e for k, e in mine.items() if not e < 1e-6}
            message += ("\n   On your gru_backward: all 11 gradients agree with centred "
                        "differences (below 1e-6)." if not bad else
                        "\n   On your gru_backward it finds wrong gradients: " + ", ".join(
                            f"{k} ({e:.1e})" for k, e in bad.items()) + "; fix exercise 4.")
    return CheckResult(exercise, True, None, message)


# ---------------------------------------------------------------------------------------------
# Exercise 5: train your own engine on the adder
# ---------------------------------------------------------------------------------------------

_EXAM_SEED = 20_240_915     # fresh pairs: drawn by the checker, never shown to the student


@_checker("Exercise 5, train_my_gru")
def check_training(trained, *, budget=STEP_BUDGET):
    """Check a GRU trained with the student's own engine adds 16-bit numbers exactly: the 1,000
    held-out pairs and 1,000 fresh pairs the student cannot have seen.

    trained: the function train_my_gru (called with no arguments) or what it returned:
    (params, losses) with one loss per optimisation step, or params alone.
    """
    import gru_lesson as gl

    exercise = "Exercise 5, train_my_gru"
    source = _source(trained)
    out = _call(exercise, trained)[0] if callable(trained) else trained
    params, losses = _training_output(exercise, out)
    try:
        D, H, O = validate_params(params)
    except Exception as exc:           # anything the student returned, never a checker error
        raise _fail(exercise, "bad_params", f"Your trained params are not a valid GRU: "
                    f"{_first_line(exc)}.", "return (params, losses) where params is the dict "
                    "you trained, as from gl.init_params(2, H, 1).") from None
    if (D, O) != (2, 1):
        raise _fail(exercise, "wrong_sizes", f"Your GRU has D = {D} inputs and O = {O} outputs.",
                    "the adder reads two bits per step and writes one: gl.init_params(2, H, 1).")
    if _is_pretrained(params):
        raise _fail(exercise, "pretrained_submitted",
                    "These are the shipped weights, gl.load_pretrained(), not a net you trained.",
                    "start from gl.init_params(2, 16, 1, rng=seed) and train it with my_forward "
                    "and your gru_backward.")
    if source and re.search(r"\bgl\.train(_seed)?\s*\(", source):
        raise _fail(exercise, "used_gl_train",
                    "Your train_my_gru calls gl.train, the package's trainer, not your engine.",
                    "write the loop yourself: my_forward, your gru_backward, then the update.")
    if source and re.search(r"\bheld_out_pairs\s*\(", source):
        raise _fail(exercise, "used_held_out_pairs",
                    "Your train_my_gru uses gl.held_out_pairs(): the exam pairs must never be "
                    "trained or stopped on.",
                    "validate on pairs you draw yourself: gl.random_pairs(2000, 16, rng).")
    if losses is not None:
        losses = _losses(exercise, losses)
        if len(losses) > budget:
            raise _fail(exercise, "over_budget",
                        f"You used {len(losses):,} optimisation steps; the budget is {budget:,}.",
                        "raise the learning rate (Adam with lr ≈ 0.01 works), or stop early once "
                        "a validation set is all exact.")
        if not np.all(np.isfinite(losses)):
            raise _fail(exercise, "diverged", "Your loss became NaN or inf: training diverged.",
                        "lower the learning rate" + ("." if _passed_before(
                            "Exercise 4, gru_backward") else ", and make check_bptt pass first."))
        tenth = max(1, len(losses) // 10)
        first, last = losses[:tenth].mean(), losses[-tenth:].mean()
        if len(losses) >= 20 and last >= first:
            if _rebinds(source):
                raise _fail(exercise, "params_not_updated",
                            "Your loss never moves: `p = p - lr * g` inside a loop over "
                            "params.items() makes a new array and rebinds the name p, so the "
                            "parameters themselves never change.",
                            "update in place, p -= lr * g, or assign back into the dict: "
                            "params[k] = params[k] - lr * g.")
            if last > 1.25 * first:
                raise _fail(exercise, "loss_increasing",
                            f"Your loss went UP, from {first:.3g} to {last:.3g}: the update "
                            f"climbs the gradient.",
                            "the update subtracts the gradient: p -= lr * g (check the sign of "
                            "your update and of dy = y − d).")
            raise _fail(exercise, "loss_not_decreasing",
                        f"Your loss stayed where it started (about {first:.3g}): the parameters "
                        f"hardly change.",
                        "check that the update really writes into params (p -= lr * g, not "
                        "p = p - lr * g in a loop), then raise the learning rate.")
    a, b = gl.held_out_pairs()
    fresh = gl.random_pairs(1000, 16, np.random.default_rng(_EXAM_SEED))
    try:
        acc = float(gl.accuracy(params, a, b))
        acc_fresh = float(gl.accuracy(params, *fresh))
    except ValueError as exc:
        raise _fail(exercise, "bad_params", f"Your trained params cannot add: "
                    f"{_first_line(exc)}.", "return the params dict you trained.") from None
    if acc < 1.0:
        raise _fail(exercise, "not_converged",
                    f"Your GRU adds {acc:.1%} of the {len(a):,} held-out pairs exactly; the goal "
                    f"is 100%.", "train for more steps (within the budget), use Adam with "
                    "lr ≈ 0.01 and batches of 64" + ("." if _passed_before(
                        "Exercise 4, gru_backward") else ", and make sure check_bptt passes."))
    if acc_fresh < 1.0:
        raise _fail(exercise, "fits_held_out_only",
                    f"Your GRU adds all {len(a):,} held-out pairs but only {acc_fresh:.1%} of "
                    f"1,000 fresh pairs: it has learnt the exam, not addition.",
                    "never train or stop on gl.held_out_pairs(); train on random batches.")
    return CheckResult(exercise, True, None,
                       f"✅ Correct: your own GRU adds all {len(a):,} held-out 16-bit pairs and "
                       f"1,000 fresh ones exactly, within the {budget:,}-step budget.", value=out)


def _source(fn):
    """fn's code without its comments and strings (so a docstring saying "never call
    gl.held_out_pairs()" is not a call), or "" when there is no source to read."""
    try:
        source = inspect.getsource(fn) if callable(fn) else ""
    except (OSError, TypeError):
        return ""
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(textwrap.dedent(source)).readline))
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return source
    lines = [""] * (max((t.end[0] for t in tokens), default=0) + 1)
    for t in tokens:
        if t.type in (tokenize.COMMENT, tokenize.STRING, tokenize.NEWLINE, tokenize.NL) \
                or t.start[0] != t.end[0]:
            continue
        row = lines[t.start[0]]
        lines[t.start[0]] = row + " " * max(0, t.start[1] - len(row)) + t.string
    return "\n".join(lines)


def _rebinds(source):
    """Does the source update a loop variable over params by rebinding it (p = p - lr * g)?"""
    for var in re.findall(r"for\s+(?:\w+\s*,\s*)?(\w+)\s+in\s+\w+\.(?:items|values)\(\)", source):
        if re.search(rf"^\s*{var}\s*=\s*{var}\s*[-+]", source, flags=re.M):
            return True
    return False


def _training_output(exercise, out):
    if isinstance(out, tuple) and len(out) == 2:
        params, losses = out
        if isinstance(losses, dict) and not isinstance(params, dict):
            raise _fail(exercise, "wrong_return",
                        "train_my_gru returned (losses, params): the other way round.",
                        "return params, losses, in that order.")
        return params, losses
    if isinstance(out, dict):
        return out, None
    raise _fail(exercise, "wrong_return",
                f"train_my_gru returned {'None' if out is None else 'a ' + type(out).__name__}"
                f", not (params, losses).", "end with: return params, losses.")


def _losses(exercise, losses):
    """The student's losses as a 1-D float array, one per step, or a verdict saying what's off."""
    if np.ndim(losses) == 0 and not isinstance(losses, (list, tuple)):
        try:
            float(losses)
        except (TypeError, ValueError):
            pass
        else:
            raise _fail(exercise, "bad_losses",
                        "Your losses is a single number; the check needs one loss per step.",
                        "append each step's loss to a list: losses.append(E).")
    try:
        values = [np.asarray(v, dtype=np.float64) for v in losses]
    except (TypeError, ValueError):
        raise _fail(exercise, "bad_losses",
                    f"Your losses is not a list of numbers (got a {type(losses).__name__}).",
                    "append each step's loss, a number, to a list: losses.append(E).") from None
    sizes = {v.size for v in values}
    if sizes - {1}:
        big = next(v for v in values if v.size != 1)
        raise _fail(exercise, "bad_losses",
                    f"Each loss should be one number, but one has shape {big.shape}.",
                    "append the scalar E = 0.5 * np.sum((y - d) ** 2) / N, not the array "
                    "(y - d) ** 2.")
    return np.array([float(v.reshape(-1)[0]) for v in values])


def _is_pretrained(params):
    """True when params are the shipped net (or all but equal to it)."""
    import gru_lesson as gl

    shipped = gl.load_pretrained()
    if set(params) != set(shipped):
        return False
    try:
        ours = np.concatenate([np.ravel(np.asarray(params[k], dtype=np.float64))
                               for k in shipped])
    except (TypeError, ValueError):
        return False
    theirs = np.concatenate([shipped[k].ravel() for k in shipped])
    return ours.shape == theirs.shape and rel_error(ours, theirs) < 1e-3


# ---------------------------------------------------------------------------------------------
# What the checkers recognise
# ---------------------------------------------------------------------------------------------

def _names(catalogue):
    return tuple(dict.fromkeys(entry[0] for entry in catalogue))


KNOWN_MISTAKES = {
    "Exercise 1a, sigmoid": ("overflow_warning", "nan_for_large_x", "sign_error",
                             "tanh_instead", "tanh_missing_half", "not_elementwise",
                             "if_on_array", "operator_precedence"),
    "Exercise 1b, dsigmoid_from_output": ("derivative_from_input", "tanh_derivative",
                                          "sign_error", "always_zero"),
    "Exercise 2, gru_step_forward": _names(FORWARD_MISTAKES) + (
        "shape_mismatch", "matmul_for_hadamard", "missing_cache", "tuple_cache",
        "cache_not_stepcache", "cache_wrong_field"),
    "Exercise 3, gru_step_backward": _names(BACKWARD_MISTAKES) + (
        "missing_paths", "path_counted_twice", "wrong_order", "matmul_for_hadamard"),
    "Exercise 3b, gru_step_dx": ("dx_missing_update_path", "dx_missing_reset_path",
                                 "dx_missing_candidate_path", "missing_paths",
                                 "dx_skips_the_gates", "dx_candidate_times_r",
                                 "missing_sigmoid_derivative", "shape_mismatch"),
    "Exercise 3c, gru_step_backward_reset_after": (   # and exercise 3's mistakes in δz and δ
        "seed_backward", "dr_missing_hn", "dr_missing_bhn", "candidate_path_missing_r",
        "transposed_U", "missing_update_gate_path", "tanh_derivative_not_squared",
        "candidate_path_r_twice"),
    "Exercise 4, gru_backward": tuple(dict.fromkeys(
        _names(LOOP_MISTAKES) + ("overwritten_not_accumulated", "transposed_gradient",
                                  "bias_not_summed", "gradient_left_at_zero",
                                  "gradient_wrong_delta", "sign_error")
        + _names(BACKWARD_MISTAKES))),
    "Exercise 4b, numerical_gradient": _names(NUMERICAL_MISTAKES) + ("eps_ignored",
                                                                     "zero_gradient"),
    "Exercise 4c, gradient_check": ("loss_missing_half", "loss_is_mean", "dy_sign", "dy_scale",
                                    "f_ignores_argument", "ignores_backward_fn",
                                    "misses_the_bug", "not_relative"),
    "Exercise 5, train_my_gru": ("over_budget", "diverged", "loss_increasing",
                                 "loss_not_decreasing", "params_not_updated", "not_converged",
                                 "fits_held_out_only", "pretrained_submitted",
                                 "used_held_out_pairs", "used_gl_train", "bad_losses",
                                 "wrong_sizes"),
}
"""{exercise: the mistakes its checker names}. Every checker also reports, for any exercise:
not_attempted, exception, modified_input, wrong_shape, not_float64, not_finite, returned_none,
params_attribute (params.Wz on a dict), if_on_array (an `if` on a whole array);
two mistakes at once as "first+second"; and when nothing matches, which output is wrong
(wrong_<name>) and by how much."""


def known_mistakes():
    """Print, per exercise, the mistakes its checker recognises by name."""
    for exercise, names in KNOWN_MISTAKES.items():
        print(textwrap.fill(", ".join(names), width=96, initial_indent=f"{exercise}: ",
                            subsequent_indent="    "))
