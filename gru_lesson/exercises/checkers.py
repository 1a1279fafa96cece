"""Checkers for notebooks/09_exercises.ipynb that say *what* is wrong, by name.

The student writes, in order (the checker for each on the right):

    1a. sigmoid(x)                                check_sigmoid
    1b. dsigmoid_from_output(f)                   check_sigmoid_derivative
    2.  gru_step_forward(x_t, h_prev, params)     check_step_forward
    3.  gru_step_backward(dh, cache, params)      check_step_backward
    4.  gru_backward(params, cache, dy)  (BPTT)   check_bptt
    5.  train_my_gru() on the adder               check_training

A checker runs the student's function on fixed, seeded cases (float64, D != H != O, non-zero
biases, non-zero h_prev and h0) and compares with the engine (gl.forward, gl.backward). When the
answer is wrong it does not stop at "wrong": it computes what each common mistake would give
(a missing path in dh_prev, U where U^T belongs, sigma' taken from the input instead of the
output, z and 1 - z swapped, gradients overwritten instead of summed over time, h0 dropped at
the first step, ...) and names the mistake the student's output matches; those mistaken
computations and their messages live in gru_lesson.exercises.mistakes. Every verdict is one friendly
sentence and a hint; a correct answer gets a line starting "✅ Correct:".

    result = check_step_backward(gru_step_backward)   # prints the verdict
    result.passed, result.mistake                     # False, "missing_direct_path"

Before the student writes anything (the function raises NotImplementedError) a checker prints a
line containing "not attempted yet", so the notebook runs top to bottom as shipped. Any other
exception in the student's code becomes a one-line message, never a traceback.
"""

import functools
import traceback
import warnings
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np

from ..engine.activations import sigmoid as _sigmoid
from ..engine.fast import GRUCache, backward, backward_from_logits, forward
from ..engine.gradcheck import rel_error
from ..engine.params import init_params, validate_params
from .mistakes import (
    BACKWARD_MISTAKES,
    DH_PREV,
    FORWARD_MISTAKES,
    LOOP_MISTAKES,
    PATHS,
    bptt_with,
    step_backward_with,
    step_forward_with,
)

TOL = 1e-8                  # relative error under which the student's array counts as equal
STEP_BUDGET = 2000          # exercise 5: optimisation steps allowed


class StepCache(NamedTuple):
    """The values of one GRU step that its backward needs: x (N, D); the rest (N, H)."""

    x: np.ndarray
    h_prev: np.ndarray
    z: np.ndarray
    r: np.ndarray
    h_tilde: np.ndarray
    h: np.ndarray


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


class _Verdict(Exception):
    """Ends a checker early with its result."""

    def __init__(self, result):
        super().__init__(result.message)
        self.result = result


def _fail(exercise, mistake, sentence, hint):
    return _Verdict(CheckResult(exercise, False, mistake, f"❌ {sentence}\n   Hint: {hint}"))


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


def _call(exercise, fn, *args):
    """fn(*args) with warnings recorded; NotImplementedError and crashes become verdicts."""
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
        except Exception as exc:
            raise _crashed(exercise, name, exc) from None
    return out, [w for w in caught if issubclass(w.category, RuntimeWarning)]


def _not_attempted(exercise, name, exc):
    frames = traceback.extract_tb(exc.__traceback__)
    inner = frames[-1].name if frames else name
    where = "" if inner == name or len(frames) < 2 else \
        f" ({name} calls {inner}, which still raises NotImplementedError)"
    return CheckResult(exercise, False, "not_attempted", f"⏳ {exercise}: not attempted yet{where}")


def _crashed(exercise, name, exc):
    kind, text = type(exc).__name__, _first_line(exc)
    sentence = f"Your {'function' if name == '<lambda>' else name} raised {kind}: {text}"
    if isinstance(exc, ValueError) and ("matmul" in text or "aligned" in text):
        return _fail(exercise, "shape_mismatch", sentence,
                     "the shapes of a product do not line up. Rows are vectors here: x_t is "
                     "(N, D) and Wz is (D, H), so write x_t @ Wz and h_prev @ Uz; a weight "
                     "transposed or a product written the other way round breaks this.")
    if isinstance(exc, ValueError) and "broadcast" in text:
        return _fail(exercise, "shape_mismatch", sentence,
                     "two arrays of different shapes met in an element-wise operation; print "
                     "the .shape of each operand on that line (every gate is (N, H)).")
    if isinstance(exc, TypeError) and ("size-1" in text or "length-1" in text
                                         or "converted to Python scalar" in text):
        return _fail(exercise, "not_elementwise", sentence,
                     "math.exp and friends take one number; use NumPy's np.exp, np.tanh, which "
                     "work element by element on whole arrays.")
    if isinstance(exc, AttributeError) and "'dict' object" in text:
        return _fail(exercise, "exception", sentence,
                     'params is a plain dict: write params["Wz"], not params.Wz.')
    return _fail(exercise, "exception", sentence,
                 "fix the error and run this cell again; call your function on a small input in "
                 "a new cell to see the full traceback.")


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
        if _same(y, np.tanh(x), 1e-10):
            raise _fail(exercise, "tanh_instead",
                        "Your function is tanh, which ranges over (−1, 1); σ ranges over (0, 1).",
                        "σ(x) = 1 / (1 + e^(−x)) = ½ tanh(x/2) + ½.")
        raise _fail(exercise, "wrong_values",
                    f"Your sigmoid differs from σ(x) = 1 / (1 + e^(−x)) (relative error "
                    f"{rel_error(y, _sigmoid(x)):.1e}).",
                    "check a few values by hand: σ(0) = 0.5, σ(2) ≈ 0.8808, σ(−2) ≈ 0.1192.")
    out, caught = _call(exercise, sigmoid, _SIGMOID_EXTREMES.copy())
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


def _step_case(k, N, D, H):
    rng = np.random.default_rng(8200 + k)
    params = init_params(D, H, 2, rng=rng)
    x = rng.uniform(-1.0, 1.0, size=(N, D))
    h_prev = rng.uniform(-1.0, 1.0, size=(N, H))
    dh = rng.normal(size=(N, H))
    return params, x, h_prev, dh


def _engine_step(params, x, h_prev):
    """One step of the engine: StepCache with z, r, h_tilde, h of shape (N, H)."""
    _, c = forward(params, x[None], h0=h_prev)
    return StepCache(x, h_prev, c.z[0], c.r[0], c.h_tilde[0], c.h[0])


def _engine_step_backward(params, x, h_prev, dh):
    """dz, delta, dr, dh_prev of one step, from the engine itself.

    With T = 1, N = 1 and Wy = I (so dlogits = dh), the engine's bias gradients bz, b, br ARE
    dz, delta, dr of that step and its dh0 is dh_prev; we run it once per sequence.
    """
    H = h_prev.shape[1]
    p = dict(params, Wy=np.eye(H), by=np.zeros(H))
    out = {k: np.empty_like(h_prev) for k in ("dz", "delta", "dr", "dh_prev")}
    for n in range(x.shape[0]):
        _, c = forward(p, x[None, n:n + 1], h0=h_prev[n:n + 1])
        grads, _, dh0 = backward_from_logits(p, c, dh[None, n:n + 1], return_dh=True)
        out["dz"][n], out["delta"][n], out["dr"][n] = grads["bz"], grads["b"], grads["br"]
        out["dh_prev"][n] = dh0[0]
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
        out, _ = _call(exercise, gru_step_forward, *given)
        _check_untouched(exercise, ["x_t", "h_prev", "params"], given, (x, h_prev, params))
        if isinstance(out, np.ndarray):
            raise _fail(exercise, "missing_cache", "You returned h_t alone.",
                        "return h, StepCache(x=x_t, h_prev=h_prev, z=z, r=r, h_tilde=h_tilde, "
                        "h=h): exercise 3's backward needs z, r and h̃.")
        h_out, cache = _parts(exercise, out, ("h", "cache"), "gru_step_forward").values()
        h = _array(exercise, h_out, "h_t", (N, H))
        true = _engine_step(params, x, h_prev)
        if not _same(h, true.h):
            for name, flags, sentence, hint in FORWARD_MISTAKES:
                if _same(h, step_forward_with(x, h_prev, params, flags).h):
                    raise _fail(exercise, name, sentence, hint)
            _diagnose_forward_cache(exercise, cache, true, N, H)
            raise _fail(exercise, "wrong_h",
                        f"Your h_t differs from the engine's (relative error "
                        f"{rel_error(h, true.h):.1e}) in a way that matches no common mistake.",
                        "compute z, r, h̃ and h one per line, exactly as in the equations above, "
                        "and compare each with gl.forward(params, x_t[None], h0=h_prev).")
        _diagnose_forward_cache(exercise, cache, true, N, H)
    return CheckResult(exercise, True, None,
                       "✅ Correct: gru_step_forward matches the engine's step (h, z, r, h̃) with "
                       "D ≠ H, non-zero biases and non-zero h_prev.")


def _diagnose_forward_cache(exercise, cache, true, N, H):
    names = ("z", "r", "h_tilde")
    fields = _parts(exercise, cache, names, "your cache")
    equations = {"z": "z_t = σ(x_t Wz + h_{t−1} Uz + bz)", "r": "r_t = σ(x_t Wr + h_{t−1} Ur + br)",
                 "h_tilde": "h̃_t = tanh(x_t W + (r_t ⊙ h_{t−1}) U + b)"}
    for name in names:
        got = _array(exercise, fields[name], f"cache.{name}", (N, H))
        if not _same(got, getattr(true, name)):
            raise _fail(exercise, f"wrong_{name}",
                        f"Your cache.{name} is not the engine's {name} (relative error "
                        f"{rel_error(got, getattr(true, name)):.1e}).",
                        f"{equations[name]}; store exactly the values you used to compute h_t.")


# ---------------------------------------------------------------------------------------------
# Exercise 3: one step backward
# ---------------------------------------------------------------------------------------------

_STEP_OUTPUTS = ("dz", "delta", "dr", "dh_prev")


@_checker("Exercise 3, gru_step_backward")
def check_step_backward(gru_step_backward):
    """Check dz, delta, dr, dh_prev = gru_step_backward(dh, cache, params) against the engine."""
    exercise = "Exercise 3, gru_step_backward"
    for k, (N, D, H) in enumerate(_STEP_SHAPES):
        params, x, h_prev, dh = _step_case(k, N, D, H)
        cache = _engine_step(params, x, h_prev)
        given = (_copy(dh), StepCache(*(_copy(a) for a in cache)), _copy(params))
        out, _ = _call(exercise, gru_step_backward, *given)
        _check_untouched(exercise, ["dh", "params"], (given[0], given[2]), (dh, params))
        got = _parts(exercise, out, _STEP_OUTPUTS, "gru_step_backward")
        got = {n: _array(exercise, got[n], n, (N, H)) for n in _STEP_OUTPUTS}
        true = _engine_step_backward(params, x, h_prev, dh)
        wrong = [n for n in _STEP_OUTPUTS if not _same(got[n], true[n])]
        if wrong:
            _diagnose_step_backward(exercise, got, true, wrong, dh, cache, params)
    return CheckResult(exercise, True, None,
                       "✅ Correct: δz, δ, δr and δh_{t−1} all match the engine, with D ≠ H, "
                       "non-zero biases and non-zero h_{t−1}.")


def _diagnose_step_backward(exercise, got, true, wrong, dh, cache, params):
    variants = [(m, step_backward_with(dh, cache, params, m[1])) for m in BACKWARD_MISTAKES]
    for (name, _, sentence, hint), v in variants:             # the whole step matches a mistake
        if all(_same(got[n], v[n]) for n in _STEP_OUTPUTS):
            raise _fail(exercise, name, sentence, hint)
    if all(_same(got[n], -true[n]) for n in wrong):
        raise _fail(exercise, "sign_error",
                    f"Your {', '.join(wrong)} have the right size but the wrong sign.",
                    "every factor in these equations enters with a plus sign; look for a stray "
                    "minus, e.g. (h_prev - h_tilde) or (z - 1).")
    first = wrong[0]
    upto = _STEP_OUTPUTS[:_STEP_OUTPUTS.index(first) + 1]
    for (name, _, sentence, hint), v in variants:             # the first wrong output does
        if all(_same(got[n], v[n]) for n in upto):
            raise _fail(exercise, name, sentence, hint)
    swapped = [(a, b) for a in _STEP_OUTPUTS for b in _STEP_OUTPUTS
               if a != b and _same(got[a], true[b])]
    if swapped:
        raise _fail(exercise, "wrong_order",
                    f"Your {swapped[0][0]} holds what should be {swapped[0][1]}: the return "
                    f"values are in the wrong order.", "return dz, delta, dr, dh_prev, in that "
                    "order.")
    if first == "dh_prev":
        _diagnose_paths(exercise, got["dh_prev"], dh, cache, params, true)
    equations = {
        "dz": "δz_t = δh_t ⊙ (h̃_t − h_{t−1}) ⊙ z_t ⊙ (1 − z_t)",
        "delta": "δ_t = δh_t ⊙ z_t ⊙ (1 − h̃_t²)",
        "dr": "δr_t = h_{t−1} ⊙ (δ_t Uᵀ) ⊙ r_t ⊙ (1 − r_t)",
        "dh_prev": DH_PREV,
    }
    raise _fail(exercise, f"wrong_{first}",
                f"Your {first} is wrong (relative error {rel_error(got[first], true[first]):.1e}) "
                f"and matches none of the usual mistakes.",
                f"rebuild it factor by factor from {equations[first]}.")


def _diagnose_paths(exercise, dh_prev, dh, cache, params, true):
    """Fit dh_prev as a combination of the four paths: finds several missing or negated terms."""
    z, r = cache.z, cache.r
    dz, delta, dr = true["dz"], true["delta"], true["dr"]
    terms = {"direct": dh * (1.0 - z), "update": dz @ params["Uz"].T,
             "reset": dr @ params["Ur"].T, "candidate": (delta @ params["U"].T) * r}
    A = np.stack([t.ravel() for t in terms.values()], axis=1)
    coef, *_ = np.linalg.lstsq(A, dh_prev.ravel(), rcond=None)
    rounded = np.round(coef)
    if rel_error(A @ rounded, dh_prev.ravel()) > TOL or np.all(rounded == 1.0):
        return
    names = list(terms)
    missing = [PATHS[n] for n, c in zip(names, rounded, strict=True) if c == 0]
    negated = [PATHS[n] for n, c in zip(names, rounded, strict=True) if c == -1]
    other = [f"{int(c)} × {PATHS[n]}" for n, c in zip(names, rounded, strict=True)
             if c not in (0, 1, -1)]
    if negated:
        raise _fail(exercise, "sign_error",
                    f"Your δh_{{t−1}} subtracts {' and '.join(negated)} instead of adding it.",
                    DH_PREV + ", all with a plus sign.")
    if other:
        raise _fail(exercise, "path_counted_twice",
                    f"Your δh_{{t−1}} counts {' and '.join(other)}.", DH_PREV + ", each once.")
    raise _fail(exercise, "missing_paths",
                f"Your δh_{{t−1}} misses {len(missing)} paths: {'; '.join(missing)}.",
                DH_PREV + ".")


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
        out, _ = _call(exercise, gru_backward, *given)
        if not isinstance(out, dict):
            raise _fail(exercise, "wrong_return",
                        f"gru_backward returned a {type(out).__name__}, not a dict of gradients.",
                        "return a dict with the same keys as params: {'Wz': ..., 'Uz': ..., ...}.")
        missing = [name for name in params if name not in out]
        if missing:
            raise _fail(exercise, "missing_key", f"Your grads have no {', '.join(missing)}.",
                        "return a gradient for every entry of params, biases included.")
        got = {name: _grad_array(exercise, name, out[name], true[name]) for name in params}
        wrong = [name for name in _GRAD_ORDER if not _same(got[name], true[name])]
        if wrong:
            _diagnose_bptt(exercise, got, true, wrong, params, cache, dy)
    return CheckResult(exercise, True, None,
                       "✅ Correct: all 11 gradients match gl.backward on sequences with a "
                       "non-zero h0 and D ≠ H ≠ O.")


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


def _transposed(exercise, name):
    left = {"Wz": "x_t", "Wr": "x_t", "W": "x_t", "Uz": "h_{t−1}", "Ur": "h_{t−1}",
            "U": "(r_t ⊙ h_{t−1})", "Wy": "h_t"}[name]
    delta = {"Wz": "δz_t", "Uz": "δz_t", "Wr": "δr_t", "Ur": "δr_t", "W": "δ_t", "U": "δ_t",
             "Wy": "δy_t"}[name]
    return _fail(exercise, "transposed_gradient",
                 f"Your grads['{name}'] is the transpose of the right gradient.",
                 f"∂E/∂{name} = Σ_t {left}ᵀ {delta}: the input's transpose on the left, as the "
                 f"weight sits on the right of the input in forward.")


def _diagnose_bptt(exercise, got, true, wrong, params, cache, dy):
    variants = []
    for name, flags, sentence, hint in LOOP_MISTAKES:
        variants.append((name, sentence, hint, bptt_with(params, cache, dy, loop=flags)[0]))
    for name, flags, sentence, hint in BACKWARD_MISTAKES:
        variants.append((name, "Your loop is fine, but the step it calls is not: "
                         + sentence[0].lower() + sentence[1:],
                         hint + " Make exercise 3's check pass first.",
                         bptt_with(params, cache, dy, step_flags=flags)[0]))
    for name, sentence, hint, v in variants:                   # every wrong gradient fits one
        if all(_same(got[k], v[k]) for k in wrong):
            raise _fail(exercise, name, sentence, hint)
    if all(_same(got[k], -true[k]) for k in wrong):
        raise _fail(exercise, "sign_error",
                    f"Your grads for {', '.join(wrong)} have the right size but the wrong sign.",
                    "look for a minus sign in δy or δh_t: gradients are followed downhill by "
                    "the optimiser (p -= lr * g), not flipped by the backward pass.")
    _, share = bptt_with(params, cache, dy)
    T = cache.x.shape[0]
    for k in wrong:                                            # one gradient does
        if any(_same(got[k], share[t][k]) for t in (0, T - 1)):
            raise _fail(exercise, "overwritten_not_accumulated",
                        f"Your grads['{k}'] holds one step's contribution only: it is "
                        f"overwritten inside the loop instead of summed over time.",
                        f"start each gradient at zero before the loop and add with +=: "
                        f"∂E/∂{k} = Σ_t (that step's share).")
        for name, sentence, hint, v in variants:
            if _same(got[k], v[k]):
                raise _fail(exercise, name, sentence.rstrip(".") + f" (seen in grads['{k}']).",
                            hint)
    right = [k for k in _GRAD_ORDER if k not in wrong]
    worst = max(rel_error(got[k], true[k]) for k in wrong)
    raise _fail(exercise, "wrong_gradient",
                f"Your grads for {', '.join(wrong)} are wrong (relative error up to {worst:.1e})"
                f"{'; ' + ', '.join(right) + ' are right' if right else ''}, matching none of "
                f"the usual mistakes.",
                "make exercise 3's check pass first, then try T = 1 (one step) against "
                "gl.backward before the full loop.")


# ---------------------------------------------------------------------------------------------
# Exercise 5: train your own engine on the adder
# ---------------------------------------------------------------------------------------------

@_checker("Exercise 5, train_my_gru")
def check_training(trained, *, budget=STEP_BUDGET):
    """Check a GRU trained with the student's own engine adds the 1,000 held-out pairs exactly.

    trained: the function train_my_gru (called with no arguments) or what it returned:
    (params, losses) with one loss per optimisation step, or params alone.
    """
    import gru_lesson as gl

    exercise = "Exercise 5, train_my_gru"
    out = _call(exercise, trained)[0] if callable(trained) else trained
    if isinstance(out, tuple) and len(out) == 2:
        params, losses = out
    else:
        params, losses = out, None
    try:
        D, H, O = validate_params(params)
    except ValueError as exc:
        raise _fail(exercise, "bad_params", f"Your trained params are not a valid GRU: {exc}.",
                    "return (params, losses) where params is the dict you trained, as from "
                    "gl.init_params(2, H, 1).") from None
    if (D, O) != (2, 1):
        raise _fail(exercise, "wrong_sizes", f"Your GRU has D = {D} inputs and O = {O} outputs.",
                    "the adder reads two bits per step and writes one: gl.init_params(2, H, 1).")
    if losses is not None:
        losses = np.asarray(losses, dtype=np.float64).ravel()
        if len(losses) > budget:
            raise _fail(exercise, "over_budget",
                        f"You used {len(losses):,} optimisation steps; the budget is {budget:,}.",
                        "raise the learning rate (Adam with lr ≈ 0.01 works), or stop early once "
                        "a validation set is all exact.")
        if not np.all(np.isfinite(losses)):
            raise _fail(exercise, "diverged", "Your loss became NaN or inf: training diverged.",
                        "lower the learning rate, and check_bptt must pass first.")
        tenth = max(1, len(losses) // 10)
        if len(losses) >= 20 and losses[-tenth:].mean() >= losses[:tenth].mean():
            raise _fail(exercise, "loss_not_decreasing",
                        "Your loss did not go down: the last tenth of training is no better than "
                        "the first.", "the update subtracts the gradient (p -= lr * g); check "
                        "the sign, then the learning rate.")
    a, b = gl.held_out_pairs()
    acc = float(gl.accuracy(params, a, b))
    if acc < 1.0:
        raise _fail(exercise, "not_converged",
                    f"Your GRU adds {acc:.1%} of the {len(a):,} held-out pairs exactly; the goal "
                    f"is 100%.", "train for more steps (within the budget), use Adam with "
                    "lr ≈ 0.01 and batches of 64, and make sure check_bptt passes.")
    return CheckResult(exercise, True, None,
                       f"✅ Correct: your own GRU adds all {len(a):,} held-out 16-bit pairs "
                       f"exactly, within the {budget:,}-step budget.", value=out)


# ---------------------------------------------------------------------------------------------
# What the checkers recognise
# ---------------------------------------------------------------------------------------------

def _names(catalogue):
    return tuple(dict.fromkeys(entry[0] for entry in catalogue))


KNOWN_MISTAKES = {
    "Exercise 1a, sigmoid": ("overflow_warning", "nan_for_large_x", "sign_error",
                             "tanh_instead", "not_elementwise"),
    "Exercise 1b, dsigmoid_from_output": ("derivative_from_input", "tanh_derivative",
                                          "sign_error"),
    "Exercise 2, gru_step_forward": _names(FORWARD_MISTAKES) + ("shape_mismatch",
                                                                 "missing_cache"),
    "Exercise 3, gru_step_backward": _names(BACKWARD_MISTAKES) + (
        "missing_paths", "path_counted_twice", "wrong_order"),
    "Exercise 4, gru_backward": tuple(dict.fromkeys(
        _names(LOOP_MISTAKES) + ("overwritten_not_accumulated", "transposed_gradient",
                                  "bias_not_summed", "sign_error") + _names(BACKWARD_MISTAKES))),
    "Exercise 5, train_my_gru": ("over_budget", "diverged", "loss_not_decreasing",
                                 "not_converged", "wrong_sizes"),
}
"""{exercise: the mistakes its checker names}. Every checker also reports, for any exercise:
not_attempted, exception, modified_input, wrong_shape, not_float64, not_finite, returned_none;
and when nothing matches, which output is wrong (wrong_<name>) and by how much."""


def known_mistakes():
    """Print, per exercise, the mistakes its checker recognises by name."""
    import textwrap

    for exercise, names in KNOWN_MISTAKES.items():
        print(textwrap.fill(", ".join(names), width=96, initial_indent=f"{exercise}: ",
                            subsequent_indent="    "))
