"""Checkers for the lessons' "your turn" cells: one line or one equation at a time.

Notebooks 01, 02 and 04 stop at the line they have just explained and let the student write
it. The student writes a small function whose body is that one line; the checker runs it on
its own seeded cases (D != H, non-zero biases, a U that is not symmetric, so that a transpose
cannot hide) and compares with the reading engine (gru_lesson.engine.gru):

    notebook 01   check_candidate(fn)      fn(x_t, h_prev, r, p) -> h_tilde_t
                  check_blend(fn)          fn(z, h_prev, h_tilde) -> h_t
    notebook 02   check_term3(fn)          fn(delta_next, r_next, U) -> term (3) of dh_t
                  check_dr(fn)             fn(delta, h_prev, r, U) -> dr_t
                  check_dU(fn)             fn(r, h_prev, delta) -> dE/dU, summed over t
    notebook 04   check_carry_unit_guess(guess, params)   a hidden unit that carries
    notebook 05   check_tests_needed(n)    the fewest random tests that bound a failure rate

Each prints one verdict and returns a CheckResult, exactly as the exercises notebook's
checkers do (gru_lesson.exercises.checkers): "✅ Correct: ...", "❌ <the mistake, by name>"
with a hint, or "⏳ ... not attempted yet" while the body is still ``...``. The wrong
computations come from the same catalogue (gru_lesson.exercises.mistakes), so a mistake gets
the same name here as in notebook 09.

cmp(name, mine, reference) is Karpathy's check of one intermediate (exact / approximate /
max diff), for the worked numeric steps.
"""

import numpy as np

from ..engine import gru
from ..engine.gradcheck import rel_error
from ..engine.params import init_params
from .checkers import TOL, CheckResult, _array, _call, _checker, _fail, _same, _Verdict
from .mistakes import (
    BACKWARD_MISTAKES,
    FORWARD_MISTAKES,
    LOOP_MISTAKES,
    step_backward_with,
    step_forward_with,
)

_SHAPES = ((3, 2, 4), (2, 4, 3))              # (N, D, H) of the cases: D != H, N != H


def _case(k, N, D, H):
    """Seeded params (biases, no symmetry), x_t, h_prev, dh for one check case."""
    rng = np.random.default_rng(1400 + k)
    p = init_params(D, H, 2, rng=rng)
    for name in ("bz", "br", "b"):
        p[name] = rng.uniform(-0.5, 0.5, size=H)
    x = rng.uniform(-1.0, 1.0, size=(N, D))
    h_prev = rng.uniform(-1.0, 1.0, size=(N, H))
    dh = rng.normal(size=(N, H))
    return p, x, h_prev, dh


def _run(exercise, fn, args, shape, what, *, elementwise=False):
    """The student's answer as a float64 array of this shape, or a verdict; ``...`` (the
    shipped body) means not attempted. elementwise: the line has no matrix product, so a
    product whose shapes clash is an @ where * belongs."""
    try:
        out, _ = _call(exercise, fn, *args)
    except _Verdict as verdict:
        if elementwise and verdict.result.mistake == "shape_mismatch":
            raise _fail(exercise, "matmul_not_hadamard",
                        f"Your {what} uses a matrix product (@) where the Hadamard product "
                        f"belongs.", "⊙ is element-wise: write it with *, as in "
                        "(1 - z) * h_prev.") from None
        raise
    if out is Ellipsis:
        name = getattr(fn, "__name__", "your function")
        raise _not_attempted(exercise, name)
    return _array(exercise, out, what, shape)


def _not_attempted(exercise, name):
    return _Verdict(CheckResult(exercise, False, "not_attempted",
                                f"⏳ {exercise}: not attempted yet (replace the ... in {name})"))


def _name_mistake(exercise, got, true, variants, what):
    """A verdict naming the first variant the answer matches, else the relative error."""
    for name, value, sentence, hint in variants:
        if not _same(value, true) and _same(got, value):
            raise _fail(exercise, name, sentence, hint)
    if _same(got, -true):
        raise _fail(exercise, "sign_error", f"Your {what} has the right size but the wrong sign.",
                    "every factor enters with a plus sign; look for a stray minus.")
    raise _fail(exercise, f"wrong_{what}",
                f"Your {what} is wrong (relative error {rel_error(got, true):.1e}) and matches "
                f"none of the usual mistakes.",
                "rebuild it factor by factor from the equation above the cell.")


def _catalogue(entries, names):
    """{name: (flags, sentence, hint)} for the named entries of a mistakes catalogue."""
    found = {}
    for name, flags, sentence, hint in entries:
        if name in names and name not in found:
            found[name] = (flags, sentence, hint)
    return found


# ---------------------------------------------------------------------------------------------
# Notebook 01: the candidate and the blend
# ---------------------------------------------------------------------------------------------

_CANDIDATE_MISTAKES = ("transposed_U", "reset_after_matmul", "missing_reset_gate",
                       "sigmoid_for_candidate", "missing_tanh")


@_checker("Your turn, the candidate")
def check_candidate(candidate):
    """candidate(x_t, h_prev, r, p) should return h_tilde_t = tanh(x_t W + (r ⊙ h_prev) U + b)."""
    exercise = "Your turn, the candidate"
    known = _catalogue(FORWARD_MISTAKES, _CANDIDATE_MISTAKES)
    bias = [e for e in FORWARD_MISTAKES if e[1] == {"no_b"}][0]
    for k, (N, D, H) in enumerate(_SHAPES):
        p, x, h_prev, _ = _case(k, N, D, H)
        _, step = gru.step_forward(x, h_prev, p)
        got = _run(exercise, candidate, (x.copy(), h_prev.copy(), step.r.copy(), dict(p)),
                   (N, H), "h̃_t")
        if _same(got, step.h_tilde):
            continue
        variants = [(name, step_forward_with(x, h_prev, p, flags).h_tilde, sentence, hint)
                    for name, (flags, sentence, hint) in known.items()]
        variants.append((bias[0], step_forward_with(x, h_prev, p, bias[1]).h_tilde, bias[2],
                         bias[3]))
        _name_mistake(exercise, got, step.h_tilde, variants, "h̃_t")
    return CheckResult(exercise, True, None,
                       "✅ Correct: h̃_t = tanh(x_t W + (r_t ⊙ h_{t−1}) U + b), the Hadamard "
                       "product first, then U.")


@_checker("Your turn, the blend")
def check_blend(blend):
    """blend(z, h_prev, h_tilde) should return h_t = (1 − z) ⊙ h_prev + z ⊙ h_tilde."""
    exercise = "Your turn, the blend"
    known = _catalogue(FORWARD_MISTAKES, ("z_swapped", "missing_h_prev_term"))
    for k, (N, D, H) in enumerate(_SHAPES):
        p, x, h_prev, _ = _case(k, N, D, H)
        h_t, step = gru.step_forward(x, h_prev, p)
        got = _run(exercise, blend, (step.z.copy(), h_prev.copy(), step.h_tilde.copy()),
                   (N, H), "h_t", elementwise=True)
        if _same(got, h_t):
            continue
        variants = [(name, step_forward_with(x, h_prev, p, flags).h, sentence, hint)
                    for name, (flags, sentence, hint) in known.items()]
        z, h_tilde = step.z, step.h_tilde
        variants += [
            ("missing_one_minus_z", h_prev + z * h_tilde,
             "Your h_t keeps all of h_{t−1}: the factor (1 − z_t) on the old state is missing.",
             "h_t = (1 − z_t) ⊙ h_{t−1} + z_t ⊙ h̃_t: the two weights add up to 1."),
            ("candidate_missing_z", (1 - z) * h_prev + h_tilde,
             "Your h_t adds all of h̃_t: the factor z_t on the candidate is missing.",
             "h_t = (1 − z_t) ⊙ h_{t−1} + z_t ⊙ h̃_t: the two weights add up to 1."),
            ("sign_error", (1 - z) * h_prev - z * h_tilde,
             "Your h_t subtracts the candidate's share: the blend is a sum.",
             "h_t = (1 − z_t) ⊙ h_{t−1} + z_t ⊙ h̃_t."),
            ("plain_average", 0.5 * (h_prev + h_tilde),
             "Your h_t is the plain average of h_{t−1} and h̃_t; the gate z_t decides the mix.",
             "h_t = (1 − z_t) ⊙ h_{t−1} + z_t ⊙ h̃_t."),
        ]
        _name_mistake(exercise, got, h_t, variants, "h_t")
    return CheckResult(exercise, True, None,
                       "✅ Correct: h_t = (1 − z_t) ⊙ h_{t−1} + z_t ⊙ h̃_t, two Hadamard products "
                       "(z_t = 0 keeps the old state).")


# ---------------------------------------------------------------------------------------------
# Notebook 02: term (3), dr, dE/dU.  Notebook 02 counts from step t + 1 back to step t.
# ---------------------------------------------------------------------------------------------

def _step_at(k):
    """A case as step t + 1: its cache, dh_{t+1}, and the true dz, delta, dr, dh_t."""
    N, D, H = _SHAPES[k]
    p, x, h_prev, dh = _case(k, N, D, H)
    c = step_forward_with(x, h_prev, p, set())
    return p, c, dh, step_backward_with(dh, c, p)


@_checker("Your turn, term (3)")
def check_term3(term3):
    """term3(delta_next, r_next, U) should return (δ_{t+1} Uᵀ) ⊙ r_{t+1}, term (3) of δh_t."""
    exercise = "Your turn, term (3)"
    for k in range(len(_SHAPES)):
        p, c, dh, true = _step_at(k)
        delta, r, U = true["delta"], c.r, p["U"]
        want = (delta @ U.T) * r
        got = _run(exercise, term3, (delta.copy(), r.copy(), U.copy()), want.shape, "term (3)")
        if _same(got, want):
            continue
        variants = [
            ("transposed_U", (delta @ U) * r,
             "Your term (3) uses δ_{t+1} U where δ_{t+1} Uᵀ belongs.",
             "forward multiplies (r_{t+1} ⊙ h_t) by U, so backward multiplies by Uᵀ; U is "
             "H × H, so the shapes can't warn you."),
            ("candidate_path_missing_r", delta @ U.T,
             "Your term (3) forgets ⊙ r_{t+1}: h_t enters the candidate as r_{t+1} ⊙ h_t.",
             "the Hadamard product passes the gradient on times the other factor: "
             "(δ_{t+1} Uᵀ) ⊙ r_{t+1}."),
            ("reset_after_backward", (delta * r) @ U.T,
             "Your term (3) multiplies by r_{t+1} before Uᵀ: (δ_{t+1} ⊙ r_{t+1}) Uᵀ is the "
             "reset-after (PyTorch) variant's term, not this lesson's.",
             "here r acts on h_t before U, so backward takes Uᵀ first: (δ_{t+1} Uᵀ) ⊙ r_{t+1}."),
            ("term3_sigmoid_derivative", (delta @ U.T) * r * (1 - r),
             "Your term (3) multiplies by r_{t+1} ⊙ (1 − r_{t+1}), the sigmoid's derivative: "
             "that belongs to δr (term (4)'s path); here r_{t+1} is only the other factor of "
             "r_{t+1} ⊙ h_t.", "term (3) = (δ_{t+1} Uᵀ) ⊙ r_{t+1}: no derivative of r."),
        ]
        _name_mistake(exercise, got, want, variants, "term (3)")
    return CheckResult(exercise, True, None,
                       "✅ Correct: term (3) = (δ_{t+1} Uᵀ) ⊙ r_{t+1}: back through U, then "
                       "through the Hadamard product with r.")


_DR_FLAGS = {"transposed_U": {"dr_U_not_T"}, "dr_missing_h_prev": {"dr_no_h_prev"},
             "dr_r_for_h_prev": {"dr_r_for_h_prev"},
             "missing_sigmoid_derivative": {"dr_no_dsig"},
             "derivative_from_input": {"dr_dsig_input"}}


@_checker("Your turn, δr")
def check_dr(dr_fn):
    """dr_fn(delta, h_prev, r, U) should return δr_t = h_{t−1} ⊙ (δ_t Uᵀ) ⊙ r_t ⊙ (1 − r_t)."""
    exercise = "Your turn, δr"
    known = {name: (flags, sentence, hint) for name, flags, sentence, hint in BACKWARD_MISTAKES
             if _DR_FLAGS.get(name) == flags}
    for k in range(len(_SHAPES)):
        p, c, dh, true = _step_at(k)
        got = _run(exercise, dr_fn, (true["delta"].copy(), c.h_prev.copy(), c.r.copy(),
                                     p["U"].copy()), true["dr"].shape, "δr_t")
        if _same(got, true["dr"]):
            continue
        variants = [(name, step_backward_with(dh, c, p, flags)["dr"], sentence, hint)
                    for name, (flags, sentence, hint) in known.items()]
        variants.append(("reset_after_dr", true["delta"] * (c.h_prev @ p["U"]) * c.r * (1 - c.r),
                         "Your δr uses δ_t ⊙ (h_{t−1} U): that is the reset-after variant's "
                         "δr, where r multiplies h_{t−1} U.",
                         "here r multiplies h_{t−1} before U, so the gradient reaching "
                         "r_t ⊙ h_{t−1} is δ_t Uᵀ: δr_t = h_{t−1} ⊙ (δ_t Uᵀ) ⊙ r_t ⊙ (1 − r_t)."))
        variants.append(("tanh_derivative", c.h_prev * (true["delta"] @ p["U"].T) * (1 - c.r ** 2),
                         "Your δr uses 1 − r², tanh's derivative, for a sigmoid gate.",
                         "σ' from the output is r ⊙ (1 − r): δr_t = h_{t−1} ⊙ (δ_t Uᵀ) ⊙ r_t ⊙ "
                         "(1 − r_t)."))
        _name_mistake(exercise, got, true["dr"], variants, "δr_t")
    return CheckResult(exercise, True, None,
                       "✅ Correct: δr_t = h_{t−1} ⊙ (δ_t Uᵀ) ⊙ r_t ⊙ (1 − r_t).")


def _sequence_case(k):
    """r, h_prev, delta over T steps (from the reading engine's forward and backward)."""
    T, N, D, H = ((4, 3, 2, 5), (3, 2, 4, 3))[k]
    rng = np.random.default_rng(1450 + k)
    p = init_params(D, H, 2, rng=rng)
    x = rng.uniform(-1.0, 1.0, size=(T, N, D))
    h0 = rng.uniform(-1.0, 1.0, size=(N, H))
    y, cache = gru.forward(p, x, h0=h0)
    dlogits = rng.normal(size=y.shape) * y * (1 - y)
    r = np.stack([s.r for s in cache.steps])
    h_prev = np.stack([s.h_prev for s in cache.steps])
    deltas, dh_next = [], np.zeros_like(h0)
    for t in reversed(range(T)):                          # t = T .. 1, as gru.backward runs
        dh_t = dlogits[t] @ p["Wy"].T + dh_next
        deltas.append(step_backward_with(dh_t, cache.steps[t], p)["delta"])
        _, dh_next, _ = gru.step_backward(dh_t, cache.steps[t], p)
    return r, h_prev, np.stack(deltas[::-1])


@_checker("Your turn, ∂E/∂U")
def check_dU(dU_fn):
    """dU_fn(r, h_prev, delta), each (T, N, H), should return Σ_t (r_t ⊙ h_{t−1})ᵀ δ_t."""
    exercise = "Your turn, ∂E/∂U"
    no_r, mean_T, skip_1 = ([e for e in LOOP_MISTAKES if e[1] == {flag}][0]
                            for flag in ("U_grad_no_r", "mean_T", "skip_first_step"))
    for k in range(2):
        r, h_prev, delta = _sequence_case(k)
        H = r.shape[2]
        want = np.einsum("tnh,tnk->hk", r * h_prev, delta)
        got = _run(exercise, dU_fn, (r.copy(), h_prev.copy(), delta.copy()), (H, H), "∂E/∂U")
        if _same(got, want):
            continue
        variants = [
            (no_r[0], np.einsum("tnh,tnk->hk", h_prev, delta), no_r[2], no_r[3]),
            (mean_T[0], want / len(r), mean_T[2], mean_T[3]),
            (skip_1[0], np.einsum("tnh,tnk->hk", (r * h_prev)[1:], delta[1:]), skip_1[2],
             skip_1[3]),
            ("transposed_gradient", want.T, "Your ∂E/∂U is the transpose of the right gradient.",
             "∂E/∂U = Σ_t (r_t ⊙ h_{t−1})ᵀ δ_t: the input's transpose on the left, as U sits "
             "on the right of r_t ⊙ h_{t−1} in forward."),
            ("overwritten_not_accumulated", (r[-1] * h_prev[-1]).T @ delta[-1],
             "Your ∂E/∂U holds the last step's share only; U is used at every step.",
             "sum the outer products over every step t (and every sequence)."),
            ("overwritten_not_accumulated", (r[0] * h_prev[0]).T @ delta[0],
             "Your ∂E/∂U holds the first step's share only; U is used at every step.",
             "sum the outer products over every step t (and every sequence)."),
        ]
        _name_mistake(exercise, got, want, variants, "∂E/∂U")
    return CheckResult(exercise, True, None,
                       "✅ Correct: ∂E/∂U = Σ_t (r_t ⊙ h_{t−1})ᵀ δ_t, one outer product per step, "
                       "summed.")


# ---------------------------------------------------------------------------------------------
# Notebook 04: which hidden unit carries?
# ---------------------------------------------------------------------------------------------

@_checker("Your turn, a carry unit")
def check_carry_unit_guess(guess, params=None):
    """guess: a hidden unit's index (or a list of them) read off the correlation bars.

    Correct when every unit guessed is a carry unit of params (gl.carry_units: |correlation
    with the carry| >= CARRY_THRESHOLD, 0.9). params: the adder to open (default the shipped one).
    """
    from ..addition.analysis import CARRY_THRESHOLD, carry_correlations, carry_units
    from ..addition.weights import load_pretrained

    exercise = "Your turn, a carry unit"
    if guess is Ellipsis or guess is None:
        raise _not_attempted(exercise, "your guess")
    params = load_pretrained() if params is None else params
    corr = carry_correlations(params)
    best = [int(u) for u in carry_units(params)]
    H = corr.size
    guesses = list(guess) if isinstance(guess, (list, tuple, np.ndarray)) else [guess]
    if not guesses:
        raise _fail(exercise, "empty_guess", "Your guess is an empty list.",
                    "name at least one hidden unit, e.g. guess = 7.")
    units = []
    for g in guesses:
        if isinstance(g, (bool, np.bool_)) or not isinstance(g, (int, np.integer, float)):
            raise _fail(exercise, "not_a_unit", f"Your guess {g!r} is not a unit's number.",
                        f"hidden units are numbered 0 to {H - 1}: write guess = 7, say.")
        if isinstance(g, float) and not g.is_integer():
            raise _fail(exercise, "correlation_not_unit",
                        f"Your guess {g} looks like a correlation, not a unit's number.",
                        "give the unit (the bar's position on the x axis), not its height.")
        g = int(g)
        if not 0 <= g < H:
            raise _fail(exercise, "no_such_unit", f"There is no unit {g}: this net has units "
                        f"0 to {H - 1}.", "read the unit's number off the x axis.")
        units.append(g)
    wrong = [u for u in units if u not in best]
    if not wrong:
        said = " and ".join(f"unit {u} (correlation {corr[u]:+.2f})" for u in units)
        verb = "carries: its h_t follows" if len(units) == 1 else "carry: their h_t follow"
        return CheckResult(exercise, True, None, f"✅ Correct: {said} {verb} the carry.")
    u = wrong[0]
    if not best:
        raise _fail(exercise, "no_carry_unit",
                    f"No unit of this net tracks the carry (unit {u}: {corr[u]:+.2f}); a net "
                    f"that adds keeps the carry in a unit with |correlation| ≥ "
                    f"{CARRY_THRESHOLD:g}.",
                    "is this net trained? Try the shipped one, gl.load_pretrained().")
    if abs(corr[u]) < 0.5 and u - 1 in best and u - 1 not in units:
        raise _fail(exercise, "counted_from_one",
                    f"Unit {u} is not a carry unit, but unit {u - 1} is: did you count from 1?",
                    "Python counts from 0: the first bar is unit 0.")
    if abs(corr[u]) < 0.5:
        raise _fail(exercise, "weak_unit",
                    f"Unit {u}'s h_t correlates only {corr[u]:+.2f} with the carry.",
                    "a carry unit's bar reaches far from 0, up or down: the sign does not "
                    "matter (−0.9 means 'low means carry').")
    raise _fail(exercise, "not_top",
                f"Unit {u} follows the carry somewhat ({corr[u]:+.2f}), but not closely enough "
                f"to hold it: a carry unit's correlation is {CARRY_THRESHOLD:g} or more, up or "
                f"down.",
                "look for the tallest bars, up or down.")


# ---------------------------------------------------------------------------------------------
# Notebook 05: how many random tests
# ---------------------------------------------------------------------------------------------

@_checker("Your turn, tests needed")
def check_tests_needed(n, rate=1e-6, confidence=0.95):
    """n: the fewest random tests that, all passed, bound the failure rate below ``rate``.

    Correct from the exact count, the smallest n with (1 - rate)^n <= 1 - confidence, up to 1%
    more (the rule of three's 3 / rate is accepted)."""
    import math

    exercise = "Your turn, tests needed"
    if n is Ellipsis or n is None:
        raise _not_attempted(exercise, "n_tests")
    if isinstance(n, (bool, np.bool_)) or not isinstance(n, (int, float, np.integer,
                                                             np.floating)) or not n == n:
        raise _fail(exercise, "not_a_number", f"Your answer {n!r} is not a number of tests.",
                    "write a whole number, e.g. n_tests = 1000.")
    need = math.ceil(math.log(1 - confidence) / math.log1p(-rate))
    if need <= n <= 1.01 * need:
        return CheckResult(exercise, True, None,
                           f"✅ Correct: {need:,} passed tests (about 3 / {rate:g}) bound the "
                           f"failure rate below {rate:g} at {confidence:.0%}.")
    if 0 < n < 1:
        raise _fail(exercise, "rate_not_count", f"{n:g} is a rate, not a number of tests.",
                    "turn the rule round: p < 3 / n means n > 3 / p.")
    if abs(n - 1 / rate) <= 0.01 / rate:
        raise _fail(exercise, "forgot_the_three",
                    f"With {n:,.0f} tests all passed, the rate is only bounded below "
                    f"{3 * rate:g}, three times too high.",
                    "-ln(0.05) is about 3: you need about 3 / p tests, not 1 / p.")
    if n < need:
        bound = -math.expm1(math.log(1 - confidence) / max(n, 1))
        shown = f"{bound:.2g}" if f"{bound:.2g}" != f"{rate:.2g}" else f"{bound:.8g}"
        raise _fail(exercise, "too_few", f"{n:,.0f} tests bound the rate only below {shown}, "
                    f"not below {rate:g}.", "solve (1 - p)^n = 0.05 for n, or use n ≈ 3 / p.")
    raise _fail(exercise, "more_than_needed", f"{n:,.0f} tests are enough, but not the fewest.",
                "the fewest is about 3 / p: (1 - p)^n = 0.05.")


# ---------------------------------------------------------------------------------------------
# One intermediate against the engine, as Karpathy's cmp()
# ---------------------------------------------------------------------------------------------

def compare(mine, reference):
    """(exact, approximate, max |diff|) of two arrays of the same shape; approximate means
    relative error below TOL (1e-8)."""
    mine, reference = np.asarray(mine, dtype=np.float64), np.asarray(reference, dtype=np.float64)
    if mine.shape != reference.shape:
        raise ValueError(f"shapes differ: yours is {mine.shape}, the engine's {reference.shape}")
    exact = bool(np.array_equal(mine, reference))
    approximate = exact or rel_error(mine, reference) < TOL
    return exact, approximate, float(np.max(np.abs(mine - reference), initial=0.0))


def cmp(name, mine, reference):
    """Print one line: does my intermediate equal the engine's? exact / approximate / max diff.

    Returns True when it agrees to 1e-8 (relative), so a notebook can assert all(...) after.
    Shapes that differ get one line saying so (and False), not a traceback.
    """
    try:
        exact, approximate, diff = compare(mine, reference)
    except ValueError as exc:
        print(f"{name:<16} | {exc}")
        return False
    print(f"{name:<16} | exact: {exact!s:<5} | approximate: {approximate!s:<5} | "
          f"max diff: {diff:.1e}")
    return approximate


__all__ = ["check_candidate", "check_blend", "check_term3", "check_dr", "check_dU",
           "check_carry_unit_guess", "cmp", "compare"]
