"""Write notebooks/09_exercises.ipynb and 09_exercises_solutions.ipynb from ONE source.

Both notebooks share every cell except the exercise cells. The solutions notebook is the
nbgrader *source*: each exercise cell holds the worked solution between ``### BEGIN SOLUTION``
and ``### END SOLUTION``. The exercises notebook is exactly what ``nbgrader
generate_assignment`` makes of it: the region replaced by ``# YOUR CODE HERE`` and
``raise NotImplementedError()``. Every cell carries nbgrader metadata: exercise cells are
solution cells, check cells are autograded test cells worth points (their value,
``result.points(n)``, is the score nbgrader reads), everything else is locked. Exercise cells
are also tagged "exercise" or "solution" for tag-aware tools.

    .venv/bin/python scripts/make_exercise_notebooks.py            # write both notebooks
    .venv/bin/python scripts/make_exercise_notebooks.py --execute  # ... and run them in place
    .venv/bin/python scripts/make_exercise_notebooks.py --handout  # course/release/ (nbgrader)
"""

import argparse
import os
import pathlib
import re
import subprocess
import sys

import nbformat

ROOT = pathlib.Path(__file__).resolve().parents[1]
EXERCISES = ROOT / "notebooks" / "09_exercises.ipynb"
SOLUTIONS = ROOT / "notebooks" / "09_exercises_solutions.ipynb"
COURSE = ROOT / "course"                 # nbgrader's course directory (nbgrader_config.py)
ASSIGNMENT = "gru_exercises"
CODE_STUB = "# YOUR CODE HERE\nraise NotImplementedError()"     # nbgrader's, for Python


def md(text):
    return ("md", text.strip("\n"))


def code(text):
    return ("code", text.strip("\n"))


def exercise(grade_id, solution):
    """A solution cell: the solution between ### BEGIN/END SOLUTION here, the stub there."""
    return ("exercise", solution.strip("\n"), grade_id)


def check(grade_id, points, text):
    """An autograded test cell worth `points`; its last line is the score."""
    return ("check", text.strip("\n"), grade_id, points)


def stub(solution):
    """What nbgrader's ClearSolutions makes of a solution cell (same rule, same stub)."""
    lines, out, inside = solution.split("\n"), [], False
    for line in lines:
        if "### BEGIN SOLUTION" in line:
            indent = re.match(r"\s*", line).group(0)
            out += [indent + s for s in CODE_STUB.split("\n")]
            inside = True
        elif "### END SOLUTION" in line:
            inside = False
        elif not inside:
            out.append(line)
    return "\n".join(out)


CELLS = [
    md(r"""
# 9 · Exercises: write the GRU yourself, with feedback that names your mistake

You have read the GRU's equations (notebook 01) and its backward pass (notebook 02). Now you
write them. After each exercise, a **check cell** runs your function on fixed test cases and
compares it with the package's engine. It does not just say "wrong": it recognises the common
mistakes (a missing path in $\delta h_{t-1}$, a transposed $U$, $\sigma'$ taken from the
input, $z$ and $1-z$ swapped, gradients overwritten instead of summed, $h_0$ forgotten at the
first step, ...) and tells you which one you made, with a hint. Two mistakes at once are
named both, or you are told that another one remains.

**Learning goals.** After these exercises you can

1. write a numerically safe sigmoid and take its derivative from its *output*;
2. write one GRU step forward, exactly as the equations say;
3. write one step backward from given formulas, then **derive** two yourself: the input
   gradient $\partial E/\partial x_t$ and the backward of PyTorch's reset-after step;
4. write backpropagation through time over $T$ steps, including the first step's $h_0$;
5. write a centred-difference gradient check and use it on your own backward;
6. train **your own** engine to add 16-bit numbers, 100% exact on pairs it has never seen.

**Prerequisites.** Notebooks 01 (forward pass) and 02 (backprop through time); NumPy arrays and
`@`. Shapes: $T$ steps, $N$ sequences, $D$ inputs, $H$ hidden units, $O$ outputs. Rows are
vectors, as in the seed: $x_t$ is $(N, D)$ and we write $x_t W_z$.

**How to work.** Replace each `# YOUR CODE HERE` and `raise NotImplementedError()` with your
code, then run the check cell below it. A check prints one of: ✅ *Correct*, ❌ *what is
wrong* plus a *hint*, or ⏳ *not attempted yet*, and shows the points it is worth (0 until it
passes). Run the cells in order; later exercises use your earlier functions.

*For teachers:* the worked solutions are in `09_exercises_solutions.ipynb`, the nbgrader source
of this notebook; `make handout` writes the student release without them and the README says
how to grade. Both notebooks are generated from `scripts/make_exercise_notebooks.py`, so they
never drift apart.
"""),
    code(r"""
# setup: NumPy, the package, and the checkers
import numpy as np

import gru_lesson as gl
from gru_lesson import exercises as ex
from gru_lesson.exercises import StepCache
"""),
    md(r"""
## Exercise 1a · The sigmoid

$$\sigma(x) = \frac{1}{1 + e^{-x}}$$

The obvious `1 / (1 + np.exp(-x))` gives the right numbers, but for $x = -1000$ it computes
$e^{1000}$, which overflows: NumPy prints a `RuntimeWarning`. Write a sigmoid that is exact
**and silent** for any finite $x$. (Two routes: only ever exponentiate $-|x|$, or use
$\sigma(x) = \tfrac12 \tanh(x/2) + \tfrac12$.)
"""),
    exercise("ex1a_sigmoid", r'''
# Exercise 1a: your sigmoid
def sigmoid(x):
    """sigma(x) = 1 / (1 + e^-x), element-wise on an array x of any shape.

    Must stay exact and silent (no RuntimeWarning) for large |x|, e.g. x = -1000.
    """
    ### BEGIN SOLUTION
    e = np.exp(-np.abs(x))                      # in (0, 1]: never overflows
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
    ### END SOLUTION
'''),
    check("check_1a", 1, r"""
# NBVAL_CHECK_OUTPUT
# check exercise 1a (1 point)
result = ex.check_sigmoid(sigmoid)
result.points(1)
"""),
    md(r"""
## Exercise 1b · The sigmoid's derivative, from its output

With $f = \sigma(x)$,

$$\sigma'(x) = \frac{e^{-x}}{(1 + e^{-x})^2} = f\,(1 - f).$$

The backward pass never needs $x$: it only keeps the outputs $z$, $r$, $y$ and computes
$z \odot (1 - z)$. Write the derivative **as a function of the output** `f`.
"""),
    exercise("ex1b_dsigmoid", r'''
# Exercise 1b: the derivative from the output
def dsigmoid_from_output(f):
    """sigma'(x) written with the output f = sigma(x); f is an array of values in [0, 1]."""
    ### BEGIN SOLUTION
    return f * (1.0 - f)
    ### END SOLUTION
'''),
    check("check_1b", 1, r"""
# NBVAL_CHECK_OUTPUT
# check exercise 1b (1 point)
result = ex.check_sigmoid_derivative(dsigmoid_from_output)
result.points(1)
"""),
    md(r"""
## Exercise 2 · One GRU step forward

For $N$ sequences at once ($\odot$ is the element-wise product):

$$
\begin{aligned}
z_t &= \sigma(x_t W_z + h_{t-1} U_z + b_z) && \text{update gate}\\
r_t &= \sigma(x_t W_r + h_{t-1} U_r + b_r) && \text{reset gate}\\
\tilde h_t &= \tanh\big(x_t W + (r_t \odot h_{t-1})\, U + b\big) && \text{candidate}\\
h_t &= (1 - z_t) \odot h_{t-1} + z_t \odot \tilde h_t
\end{aligned}
$$

| maths | $W_z, W_r, W$ | $U_z, U_r, U$ | $b_z, b_r, b$ | $h_{t-1}$ | $\tilde h_t$ |
|---|---|---|---|---|---|
| code | `Wz, Wr, W` $(D, H)$ | `Uz, Ur, U` $(H, H)$ | `bz, br, b` $(H,)$ | `h_prev` | `h_tilde` |

Return $h_t$ and a `StepCache` holding what the backward pass will need, each field by name.
The check uses $D \ne H$, non-zero biases and a non-zero $h_{t-1}$, so a transposed weight or
a forgotten bias cannot hide.
"""),
    exercise("ex2_step_forward", r'''
# Exercise 2: one step forward
def gru_step_forward(x_t, h_prev, params):
    """One GRU step for N sequences at once.

    x_t    : (N, D) the inputs at step t
    h_prev : (N, H) the hidden state h_{t-1}
    params : dict from gl.init_params(D, H, O): Wz, Wr, W (D, H); Uz, Ur, U (H, H);
             bz, br, b (H,). (Wy and by are for the output; not used here.)
    Returns h (N, H) and StepCache(x=x_t, h_prev=h_prev, z=z, r=r, h_tilde=h_tilde, h=h).
    """
    ### BEGIN SOLUTION
    z = sigmoid(x_t @ params["Wz"] + h_prev @ params["Uz"] + params["bz"])
    r = sigmoid(x_t @ params["Wr"] + h_prev @ params["Ur"] + params["br"])
    h_tilde = np.tanh(x_t @ params["W"] + (r * h_prev) @ params["U"] + params["b"])
    h = (1.0 - z) * h_prev + z * h_tilde
    return h, StepCache(x=x_t, h_prev=h_prev, z=z, r=r, h_tilde=h_tilde, h=h)
    ### END SOLUTION
'''),
    check("check_2", 2, r"""
# NBVAL_CHECK_OUTPUT
# check exercise 2 (2 points)
result = ex.check_step_forward(gru_step_forward)
result.points(2)
"""),
    md(r"""
## Exercise 3 · One GRU step backward

You are given $\delta h_t = \partial E / \partial h_t$ (everything that reaches $h_t$) and the
step's cache. The $\delta$'s are gradients with respect to the **pre-activations** (what goes
into $\sigma$ or $\tanh$), and local derivatives come from the saved outputs:

$$
\begin{aligned}
\delta z_t &= \delta h_t \odot (\tilde h_t - h_{t-1}) \odot z_t \odot (1 - z_t)\\
\delta_t &= \delta h_t \odot z_t \odot (1 - \tilde h_t^2)
  && \text{(the candidate's } \delta\text{)}\\
\delta r_t &= h_{t-1} \odot (\delta_t\, U^\top) \odot r_t \odot (1 - r_t)
\end{aligned}
$$

Then $\delta h_{t-1}$, the gradient the step sends back in time. $h_{t-1}$ reaches $h_t$ along
**four paths**: directly (weighted by $1 - z_t$), through the update gate's pre-activation
(via $U_z$), through the reset gate's (via $U_r$), and through the candidate, where it is
multiplied by $r_t$ before $U$. Add one term per path.

<details><summary>Stuck? The full equation</summary>

$$\delta h_{t-1} = \delta h_t \odot (1 - z_t) + \delta z_t\, U_z^\top + \delta r_t\, U_r^\top
+ (\delta_t\, U^\top) \odot r_t$$

</details>

<br>

Code names: $\delta z_t$ `dz`, $\delta_t$ `delta`, $\delta r_t$ `dr`, $\delta h_{t-1}$ `dh_prev`.
"""),
    exercise("ex3_step_backward", r'''
# Exercise 3: one step backward
def gru_step_backward(dh, cache, params):
    """Backward through one GRU step.

    dh     : (N, H) dE/dh_t, everything that reaches h_t
    cache  : the StepCache of this step (x, h_prev, z, r, h_tilde, h)
    params : the GRU's parameters (you need Uz, Ur and U)
    Returns dz, delta, dr, dh_prev, each (N, H).
    """
    ### BEGIN SOLUTION
    z, r, h_tilde, h_prev = cache.z, cache.r, cache.h_tilde, cache.h_prev
    dz = dh * (h_tilde - h_prev) * dsigmoid_from_output(z)
    delta = dh * z * (1.0 - h_tilde ** 2)
    d_rh = delta @ params["U"].T                          # dE/d(r * h_prev)
    dr = h_prev * d_rh * dsigmoid_from_output(r)
    dh_prev = (dh * (1.0 - z)                             # direct path
               + dz @ params["Uz"].T                      # through the update gate
               + dr @ params["Ur"].T                      # through the reset gate
               + d_rh * r)                                # through the candidate
    return dz, delta, dr, dh_prev
    ### END SOLUTION
'''),
    check("check_3", 3, r"""
# NBVAL_CHECK_OUTPUT
# check exercise 3 (3 points)
result = ex.check_step_backward(gru_step_backward)
result.points(3)
"""),
    md(r"""
## Exercise 3b · The input gradient of a step: derive it

From here on no formula is given: you derive the backward from the forward. In a stack of GRU
layers (or with any layer below the GRU) the layer below needs $\partial E / \partial x_t$,
written `dx`. Look at exercise 2's four equations. **Where does $x_t$ appear?** Each
appearance is a route from $x_t$ to $h_t$, and each route adds one term to `dx`, built from
the $\delta$ of that pre-activation and the weight $x_t$ meets there.

Write `gru_step_dx(dh, cache, params)`, returning `dx` of shape $(N, D)$. You may call your
`gru_step_backward` for the $\delta$'s.

<details><summary>A hint, not the answer</summary>

Forward computes $a = x_t W_z + \dots$; going back through a product with a weight on the
right multiplies by that weight's transpose on the right, as in $\delta z_t U_z^\top$. Check
the shapes: `dx` must come out $(N, D)$.

</details>
"""),
    exercise("ex3b_step_dx", r'''
# Exercise 3b: dx, the input gradient of one step (derive it)
def gru_step_dx(dh, cache, params):
    """dE/dx_t of one GRU step, given dh = dE/dh_t (N, H) and the step's cache.

    Returns dx, an array of shape (N, D).
    """
    ### BEGIN SOLUTION
    dz, delta, dr, _ = gru_step_backward(dh, cache, params)
    return dz @ params["Wz"].T + dr @ params["Wr"].T + delta @ params["W"].T   # 3 routes
    ### END SOLUTION
'''),
    check("check_3b", 2, r"""
# NBVAL_CHECK_OUTPUT
# check exercise 3b (2 points)
result = ex.check_step_dx(gru_step_dx)
result.points(2)
"""),
    md(r"""
## Exercise 3c · PyTorch's step backward: derive it

PyTorch's `nn.GRU` (notebook 08) applies the reset gate **after** the product with $U$, and
has one more bias $b_{hn}$ there. Its step forward is

$$
\begin{aligned}
z_t &= \sigma(x_t W_z + h_{t-1} U_z + b_z), \qquad r_t = \sigma(x_t W_r + h_{t-1} U_r + b_r)\\
hn_t &= h_{t-1} U + b_{hn}\\
\tilde h_t &= \tanh\big(x_t W + b + r_t \odot hn_t\big)\\
h_t &= (1 - z_t) \odot h_{t-1} + z_t \odot \tilde h_t
\end{aligned}
$$

The cache has one more field, `cache.hn` $= hn_t$, and `params["bhn"]` is $b_{hn}$. Write its
backward, returning `dz, delta, dr, dh_prev` as in exercise 3. No formula is given: start from
your exercise 3 and ask, line by line, **which terms change** when $r_t$ moves behind $U$.

<details><summary>A hint, not the answer</summary>

Only the lines that involve $r_t$ and $U$ change. In the candidate's pre-activation,
$r_t$ now multiplies $hn_t$, and $h_{t-1}$ reaches it only through $hn_t$.

</details>
"""),
    exercise("ex3c_reset_after", r'''
# Exercise 3c: the backward of PyTorch's reset-after step (derive it)
def gru_step_backward_reset_after(dh, cache, params):
    """Backward through one step of h_tilde = tanh(x W + b + r * (h_prev U + bhn)).

    dh     : (N, H) dE/dh_t
    cache  : StepCache(x, h_prev, z, r, h_tilde, h, hn) with hn = h_prev @ U + bhn
    params : the GRU's parameters, with bhn
    Returns dz, delta, dr, dh_prev, each (N, H).
    """
    ### BEGIN SOLUTION
    z, r, h_tilde, h_prev, hn = cache.z, cache.r, cache.h_tilde, cache.h_prev, cache.hn
    dz = dh * (h_tilde - h_prev) * dsigmoid_from_output(z)      # unchanged
    delta = dh * z * (1.0 - h_tilde ** 2)                       # unchanged
    d_hn = delta * r                                            # dE/dhn: r acts after U
    dr = delta * hn * dsigmoid_from_output(r)                   # r multiplies hn, not h_prev
    dh_prev = (dh * (1.0 - z) + dz @ params["Uz"].T + dr @ params["Ur"].T
               + d_hn @ params["U"].T)                          # through hn = h_prev U + bhn
    return dz, delta, dr, dh_prev
    ### END SOLUTION
'''),
    check("check_3c", 3, r"""
# NBVAL_CHECK_OUTPUT
# check exercise 3c (3 points)
result = ex.check_step_backward_reset_after(gru_step_backward_reset_after)
result.points(3)
"""),
    md(r"""
## Exercise 4 · Backpropagation through time

Now the whole sequence, like `gl.backward(params, cache, dy)`. The cache comes from
`gl.forward(params, x, h0)`: fields `x` $(T, N, D)$, `h0` $(N, H)$, `z`, `r`, `h_tilde`, `h`
$(T, N, H)$ and `y` $(T, N, O)$, with $y_t = \sigma(h_t W_y + b_y)$. Go backwards in time:

$$
\begin{aligned}
\delta y_t &= dy_t \odot y_t \odot (1 - y_t)\\
\delta h_t &= \delta y_t\, W_y^\top + \delta h_t^{\,\text{from } t+1}
\end{aligned}
$$

where $\delta h_t^{\,\text{from } t+1}$ is the `dh_prev` that step $t+1$ returned (zero at
$t = T$: nothing comes after the last step). At each step call your `gru_step_backward`.
Every weight is shared by all steps, so its gradient is a **sum over time** (and over the
batch):

$$
\begin{aligned}
\frac{\partial E}{\partial W_z} &= \sum_t x_t^\top \delta z_t, &
\frac{\partial E}{\partial U_z} &= \sum_t h_{t-1}^\top \delta z_t, &
\frac{\partial E}{\partial b_z} &= \sum_t \sum_n \delta z_{t,n},\\
\frac{\partial E}{\partial U} &= \sum_t (r_t \odot h_{t-1})^\top \delta_t, &
\frac{\partial E}{\partial W_y} &= \sum_t h_t^\top \delta y_t &&
\end{aligned}
$$

and likewise $W_r, U_r, b_r$ with $\delta r_t$; $W, b$ with $\delta_t$; $b_y$ with $\delta y_t$.
The maths counts $t = 1 \dots T$, the code $0 \dots T-1$: at the **first** step,
$h_{t-1}$ is $h_0$ = `cache.h0`, which the check makes non-zero.
"""),
    exercise("ex4_bptt", r'''
# Exercise 4: backpropagation through time
def gru_backward(params, cache, dy):
    """Gradients of E w.r.t. every parameter, like gl.backward(params, cache, dy).

    params : the GRU's parameters (with biases)
    cache  : gl.GRUCache from gl.forward(params, x, h0)
    dy     : (T, N, O) dE/dy
    Returns grads, a dict with the same keys and shapes as params.
    """
    ### BEGIN SOLUTION
    T = cache.x.shape[0]
    grads = {name: np.zeros_like(p) for name, p in params.items()}
    dlogits = dy * dsigmoid_from_output(cache.y)          # delta_y, all steps
    dh_next = np.zeros_like(cache.h0)                     # nothing comes from step T + 1
    for t in reversed(range(T)):
        h_prev = cache.h0 if t == 0 else cache.h[t - 1]   # the first step starts from h0
        step = StepCache(cache.x[t], h_prev, cache.z[t], cache.r[t], cache.h_tilde[t],
                         cache.h[t])
        dh = dlogits[t] @ params["Wy"].T + dh_next
        dz, delta, dr, dh_next = gru_step_backward(dh, step, params)
        grads["Wy"] += cache.h[t].T @ dlogits[t]
        grads["by"] += dlogits[t].sum(axis=0)
        grads["Wz"] += cache.x[t].T @ dz
        grads["Uz"] += h_prev.T @ dz
        grads["bz"] += dz.sum(axis=0)
        grads["Wr"] += cache.x[t].T @ dr
        grads["Ur"] += h_prev.T @ dr
        grads["br"] += dr.sum(axis=0)
        grads["W"] += cache.x[t].T @ delta
        grads["U"] += (cache.r[t] * h_prev).T @ delta
        grads["b"] += delta.sum(axis=0)
    return grads
    ### END SOLUTION
'''),
    check("check_4", 3, r"""
# NBVAL_CHECK_OUTPUT
# check exercise 4 (3 points)
result = ex.check_bptt(gru_backward)
result.points(3)
"""),
    md(r"""
## Exercise 4b · A gradient check of your own: centred differences

The checks above compare you with the engine. Out in the world there is no engine to compare
with; there is the definition of a derivative. For one entry $x_i$ of an array $x$,

$$\frac{\partial f}{\partial x_i} \approx \frac{f(x + \varepsilon e_i) - f(x - \varepsilon e_i)}
{2\varepsilon},$$

where $e_i$ is 1 at entry $i$ and 0 elsewhere. This **centred** difference is off by
$O(\varepsilon^2)$; the one-sided $(f(x + \varepsilon e_i) - f(x)) / \varepsilon$ is off by
$O(\varepsilon)$, a difference the check below can see.

Write `numerical_gradient(f, x, eps=1e-5)`: `f` takes an array shaped like `x` and returns a
number; return the array of all $\partial f / \partial x_i$, shaped like `x` (of any number of
dimensions). Perturb one entry at a time, and leave `x` as you found it.
"""),
    exercise("ex4b_numerical_gradient", r'''
# Exercise 4b: centred differences
def numerical_gradient(f, x, eps=1e-5):
    """(f(x + eps e_i) - f(x - eps e_i)) / (2 eps) for every index i of x; same shape as x."""
    ### BEGIN SOLUTION
    grad = np.zeros(x.shape)
    for i in np.ndindex(x.shape):                # every index of an array of any shape
        x_plus, x_minus = x.copy(), x.copy()
        x_plus[i] += eps
        x_minus[i] -= eps
        grad[i] = (f(x_plus) - f(x_minus)) / (2 * eps)
    return grad
    ### END SOLUTION
'''),
    check("check_4b", 2, r"""
# NBVAL_CHECK_OUTPUT
# check exercise 4b (2 points)
result = ex.check_numerical_gradient(numerical_gradient)
result.points(2)
"""),
    md(r"""
## Exercise 4c · Use it on your own backward

Write `gradient_check(backward_fn, params, x, d, eps=1e-5)`. It runs `gl.forward(params, x)`,
gets the gradients from `backward_fn(params, cache, dy)` for the loss
$E = \tfrac12 \sum (y - d)^2$ (so $dy = y - d$), and compares each parameter's gradient with
your `numerical_gradient` of that same loss. Return `{name: relative error}`, one number per
parameter; `gl.rel_error(a, b)` computes $\lVert a - b\rVert / (\lVert a\rVert + \lVert
b\rVert)$.

The check runs your `gradient_check` three times: on `gl.backward` (it must pass), on a
backward with a bug planted in it (it must catch it), and then on **your** `gru_backward`
from exercise 4, telling you what your own check finds there.

*Tip:* to vary one parameter, build a new dict rather than writing into `params`:
`f = lambda w: loss({**params, name: w})`.
"""),
    exercise("ex4c_gradient_check", r'''
# Exercise 4c: a gradient check, per parameter
def gradient_check(backward_fn, params, x, d, eps=1e-5):
    """{name: relative error between backward_fn's gradient and centred differences} for the
    loss E = 1/2 sum (y - d)^2 of the GRU gl.forward(params, x)."""
    ### BEGIN SOLUTION
    def loss(p):
        y, _ = gl.forward(p, x)
        return 0.5 * np.sum((y - d) ** 2)

    y, cache = gl.forward(params, x)
    grads = backward_fn(params, cache, y - d)              # dE/dy = y - d
    errors = {}
    for name in params:
        numeric = numerical_gradient(lambda w: loss({**params, name: w}), params[name], eps)
        errors[name] = gl.rel_error(grads[name], numeric)
    return errors
    ### END SOLUTION
'''),
    check("check_4c", 2, r"""
# NBVAL_CHECK_OUTPUT
# check exercise 4c (2 points), then your check on your own gru_backward
result = ex.check_gradient_check(gradient_check, my_backward=gru_backward)
result.points(2)
"""),
    md(r"""
## Exercise 5 · Train your own engine to add

Your functions are a complete GRU engine. The cell below (given, nothing to write) runs your
step over a whole sequence and packs the results into a `gl.GRUCache`, so `my_forward` and
your `gru_backward` work as a pair, just like `gl.forward` and `gl.backward`.

Then write `train_my_gru`: a GRU with $D = 2$ inputs (a bit of $a$ and a bit of $b$ per step,
least-significant first), $H = 16$, $O = 1$ and biases, trained with **your** forward and
backward until it adds 16-bit numbers exactly, within `ex.STEP_BUDGET` optimisation steps.
The check tests your net on the 1,000 held-out pairs (`gl.held_out_pairs()`) and on 1,000
fresh pairs it draws itself, which your training cannot have seen. A recipe that works:

- batches of 64 random 16-bit pairs: `a, b = gl.random_pairs(64, 16, rng)`, then
  `x, d = gl.addition_batch(a, b, bits=17)` (17 steps, so the final carry fits);
- loss $E = \frac{1}{2N}\sum (y - d)^2$, so `dy = (y - d) / N`;
- Adam with learning rate 0.01 (or plain SGD, with patience);
- every 50 steps, decode a **validation** batch of your own ($y > 0.5$) and stop once it is
  exact twice in a row. Never train or stop on the held-out pairs: they are the exam.

Start from `gl.init_params` (the shipped `gl.load_pretrained()` net does not count) and return
`(params, losses)`, one loss per step.
"""),
    code(r'''
# your engine: the full forward pass, built from YOUR step (given)
def my_forward(params, x, h0=None):
    """Your gru_step_forward over x (T, N, D); returns y (T, N, O) and a gl.GRUCache."""
    T, N, _ = x.shape
    h_prev = np.zeros((N, params["Uz"].shape[0])) if h0 is None else h0
    steps = []
    for t in range(T):
        h_prev, step = gru_step_forward(x[t], h_prev, params)
        steps.append(step)
    z, r, h_tilde, h = (np.stack([getattr(s, k) for s in steps])
                        for k in ("z", "r", "h_tilde", "h"))
    logits = h @ params["Wy"] + params["by"]
    y = sigmoid(logits)
    return y, gl.GRUCache(x=x, h0=steps[0].h_prev, z=z, r=r, h_tilde=h_tilde, h=h,
                          logits=logits, y=y)
'''),
    exercise("ex5_train", r'''
# Exercise 5: train your own GRU to add
def train_my_gru(steps=ex.STEP_BUDGET, seed=0, lr=0.01, batch_size=64, check_every=50):
    """Train a GRU (D = 2, H = 16, O = 1, biases) on 16-bit addition with my_forward and
    your gru_backward, for at most `steps` optimisation steps.

    Returns (params, losses): the trained parameters and one loss per step.
    """
    ### BEGIN SOLUTION
    rng = np.random.default_rng(seed)
    params = gl.init_params(2, 16, 1, rng=rng)
    m = {k: np.zeros_like(p) for k, p in params.items()}         # Adam's running means
    v = {k: np.zeros_like(p) for k, p in params.items()}
    x_val, d_val = gl.addition_batch(*gl.random_pairs(2000, 16, rng), bits=17)
    losses, exact_in_a_row = [], 0
    for step in range(1, steps + 1):
        x, d = gl.addition_batch(*gl.random_pairs(batch_size, 16, rng), bits=17)
        y, cache = my_forward(params, x)
        losses.append(0.5 * np.sum((y - d) ** 2) / batch_size)
        grads = gru_backward(params, cache, (y - d) / batch_size)
        for k, p in params.items():                                # Adam update, in place
            m[k] = 0.9 * m[k] + 0.1 * grads[k]
            v[k] = 0.999 * v[k] + 0.001 * grads[k] ** 2
            m_hat, v_hat = m[k] / (1 - 0.9 ** step), v[k] / (1 - 0.999 ** step)
            p -= lr * m_hat / (np.sqrt(v_hat) + 1e-8)
        if step % check_every == 0:                                # validation, not the exam
            exact = np.all((my_forward(params, x_val)[0] > 0.5) == (d_val > 0.5))
            exact_in_a_row = exact_in_a_row + 1 if exact else 0
            if exact_in_a_row == 2:
                break
    return params, losses
    ### END SOLUTION
'''),
    check("check_5", 3, r"""
# NBVAL_CHECK_OUTPUT
# check exercise 5 (3 points): runs your train_my_gru, then the held-out and fresh sums
result = ex.check_training(train_my_gru)
result.points(3)
"""),
    code(r"""
# what your net learned: steps taken, and a harder exam, the carry-chain set (notebook 03)
if result.passed:
    params, losses = result.value
    carry = gl.accuracy(params, *gl.carry_chain_pairs())
    print(f"trained in {len(losses)} steps; loss {losses[0]:.3f} -> {losses[-1]:.4f}")
    print(f"carry-chain set (long carries, up to 256 bits): {carry:.1%} exact")
else:
    print("Finish exercise 5 first: then this cell reports your net's training and a harder test.")
"""),
    md(r"""
## Under the hood: how a check knows *which* mistake

A checker first compares your answer with the engine's (`gl.forward`, `gl.backward`). When they
differ, it recomputes the answer with each common mistake made on purpose (a path left out of
$\delta h_{t-1}$, $U$ where $U^\top$ belongs, ...), and with every pair of them, and names the
one your output matches to a relative error of $10^{-8}$. That only works because the test
data are random, non-square ($D \ne H \ne O$), with non-zero biases and non-zero $h_0$: on
such data every mistake gives a *different* wrong answer. Here is everything the checkers
recognise by name:
"""),
    code(r"""
# NBVAL_CHECK_OUTPUT
# the mistakes each checker recognises, by name
ex.known_mistakes()
"""),
    md(r"""
## Summary

- A sigmoid must never exponentiate a large positive number; its derivative comes free from its
  output, $f(1-f)$, which is why the backward pass stores outputs only.
- One GRU step is four lines forward and five backward; $\delta h_{t-1}$ collects **one term per
  path** from $h_{t-1}$ to $h_t$: direct, update gate, reset gate, candidate. The same rule
  gives `dx` (three routes) and PyTorch's variant, where only the lines with $r_t$ and $U$
  change.
- Backpropagation through time runs the step backward from $t = T$ down to 1, carrying
  $\delta h$; weights are shared, so their gradients are **sums** over time; the first step
  starts from $h_0$, not from zeros and not from `h[-1]`.
- A centred-difference gradient check needs nothing but the forward pass, so it can check any
  backward, including yours; it must pass a right backward and catch a wrong one.
- Testing with $D \ne H$, non-zero biases and non-symmetric $U$ is what exposes transposes and
  missing terms: square, zero or symmetric test data would let them pass.

## Questions

1. The check for exercise 2 uses $D \ne H$. Which transposes does that catch by itself, and
   which need something more?
2. Why can the backward pass use $z \odot (1 - z)$ without ever storing $z$'s pre-activation?
3. Your net is 100% exact on the held-out and fresh pairs but may fail on the carry-chain set.
   Why, and how would you fix the training?
4. Exercise 3c's backward also gives $\partial E/\partial U$ and $\partial E/\partial b_{hn}$.
   What are they, summed over time?
"""),
    md(r"""
<details><summary>Answers (click to open)</summary>

1. A transposed $W_z$, $W_r$ or $W$ is $(H, D)$, so `x_t @ W.T` fails with a shape error. The
   recurrent weights are $H \times H$: a transposed $U$ has the right shape and only its values
   betray it, and only if $U$ is not symmetric. That is why the checks use random
   (non-symmetric) weights and compare values.
2. Because $\sigma'(a) = \sigma(a)(1 - \sigma(a)) = z(1 - z)$: the derivative is a function of
   the output alone. Storing outputs is enough, and it saves recomputing $\sigma$.
3. Random 16-bit pairs rarely contain a carry that runs for more than a few bits, so the net
   never has to hold a carry for long. Add long carry chains to the batches (as `gl.train`
   does, notebook 03) and check on `gl.carry_chain_pairs()` as well.
4. With $\delta hn_t = \delta_t \odot r_t$ (the `d_hn` of the solution):
   $\partial E / \partial U = \sum_t h_{t-1}^\top\, \delta hn_t$ and
   $\partial E / \partial b_{hn} = \sum_t \sum_n \delta hn_{t,n}$. In the seed's variant it is
   $\sum_t (r_t \odot h_{t-1})^\top \delta_t$ instead: $r_t$ sits on the other side of $U$.

</details>
"""),
]


def _nbgrader(grade_id, *, solution=False, grade=False, points=None):
    meta = {"grade": grade, "grade_id": grade_id, "locked": not solution,
            "schema_version": 3, "solution": solution, "task": False}
    if points is not None:
        meta["points"] = points
    return meta


def build(solutions, *, nbgrader_source=False):
    """The exercises notebook (solutions=False) or the solutions notebook; nbgrader_source: the
    solutions without the "with solutions" title, as the students' release must read."""
    nb = nbformat.v4.new_notebook()
    nb.metadata = {
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
    }
    for i, cell in enumerate(CELLS):
        kind = cell[0]
        if kind == "md":
            new = nbformat.v4.new_markdown_cell(cell[1])
            new.metadata["nbgrader"] = _nbgrader(f"text-{i:02d}")
        elif kind == "code":
            new = nbformat.v4.new_code_cell(cell[1])
            new.metadata["nbgrader"] = _nbgrader(f"given-{i:02d}")
        elif kind == "exercise":
            new = nbformat.v4.new_code_cell(cell[1] if solutions else stub(cell[1]))
            new.metadata["tags"] = ["solution" if solutions else "exercise"]
            new.metadata["nbgrader"] = _nbgrader(cell[2], solution=True)
        else:                                        # an autograded check
            new = nbformat.v4.new_code_cell(cell[1])
            new.metadata["nbgrader"] = _nbgrader(cell[2], grade=True, points=cell[3])
        new.id = f"ex09-{i:02d}"                     # stable ids: regenerating gives no diff
        nb.cells.append(new)
    if solutions and not nbgrader_source:
        nb.cells[0].source = nb.cells[0].source.replace(
            "# 9 · Exercises:", "# 9 · Exercises, with solutions:", 1)
    return nb


def handout(course=COURSE):
    """The student release through nbgrader: course/release/gru_exercises/09_exercises.ipynb.

    Writes the nbgrader source (course/source/gru_exercises/) from CELLS, then runs
    `nbgrader generate_assignment` in the course directory (its nbgrader_config.py applies).
    """
    course = pathlib.Path(course)
    source = course / "source" / ASSIGNMENT
    source.mkdir(parents=True, exist_ok=True)
    nbformat.write(build(True, nbgrader_source=True), source / EXERCISES.name)
    nbgrader(course, "generate_assignment", ASSIGNMENT, "--force")
    return course / "release" / ASSIGNMENT / EXERCISES.name


def nbgrader(course, *args):
    """Run `nbgrader *args` in the course directory with this Python. nbgrader calls the
    `alembic` command, so this environment's bin/ goes first on PATH."""
    env = dict(os.environ)
    env["PATH"] = os.pathsep.join([str(pathlib.Path(sys.executable).parent), env.get("PATH", "")])
    return subprocess.run([sys.executable, "-m", "nbgrader", *args, "--log-level=WARN"],
                          cwd=course, env=env, check=True, capture_output=True, text=True)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--execute", action="store_true",
                        help="also execute both notebooks in place with nbconvert")
    parser.add_argument("--handout", action="store_true",
                        help="only write the student release with nbgrader (course/release/)")
    args = parser.parse_args(argv)
    if args.handout:
        released = handout()
        print(f"wrote {released.relative_to(ROOT)} (no solutions); hand out that file")
        return 0
    for path, solutions in ((EXERCISES, False), (SOLUTIONS, True)):
        nb = build(solutions)
        nbformat.validate(nb)
        tmp = path.with_suffix(".ipynb.tmp")
        nbformat.write(nb, tmp)
        tmp.replace(path)
        print(f"wrote {path.relative_to(ROOT)}")
        if args.execute:
            subprocess.run([sys.executable, "-m", "jupyter", "nbconvert", "--to", "notebook",
                            "--execute", "--inplace", str(path)], check=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
