"""The reading engine (engine/gru.py) is the same maths as the fast one (engine/fast.py).

The contract of CMU 11-785's NumPy GRU autograder, and more: forward on several shapes, a
one-step backward, dx, dh and every gradient; against fast.py to 1e-12, against centred
differences, and against torch.nn.GRUCell in float64. Shapes are never square and biases
and h0 are never zero: zeros and squares hide transposes and missing terms.
"""

import ast
import inspect
import pathlib

import numpy as np
import pytest

import gru_lesson as gl
from gru_lesson import torch_compat as tc
from gru_lesson.engine import fast
from gru_lesson.engine import gru as reading
from gru_lesson.engine.gradcheck import numerical_gradient, rel_error

ROOT = pathlib.Path(__file__).resolve().parents[1]
SHAPES = [(3, 5, 2, 7, 4), (1, 4, 3, 5, 2), (4, 3, 6, 9, 3), (2, 16, 1, 16, 5)]   # D, H, O, T, N


def problem(D, H, O, T, N, *, reset_after, bias=True, seed=0):
    rng = np.random.default_rng(seed)
    params = gl.init_params(D, H, O, bias=bias, rng=rng)
    for k in params:                                   # non-zero biases, larger weights
        params[k] = rng.uniform(-1.5, 1.5, size=params[k].shape)
    if reset_after:
        params["bhn"] = rng.uniform(-1, 1, size=H)
    x = rng.normal(size=(T, N, D))
    h0 = rng.uniform(-0.9, 0.9, size=(N, H))
    dy = rng.normal(size=(T, N, O))
    return params, x, h0, dy


def assert_close(a, b, tol=1e-12):
    a, b = np.asarray(a), np.asarray(b)
    assert a.shape == b.shape, (a.shape, b.shape)
    err = float(np.max(np.abs(a - b)))
    assert err <= tol * max(1.0, float(np.max(np.abs(b)))), f"max |diff| {err:.3e}"


@pytest.mark.parametrize("reset_after", [False, True])
@pytest.mark.parametrize("shape", SHAPES)
def test_reading_engine_equals_the_fast_engine(shape, reset_after):
    params, x, h0, dy = problem(*shape, reset_after=reset_after, seed=sum(shape))
    y_read, c_read = reading.forward(params, x, h0)
    y_fast, c_fast = fast.forward(params, x, h0)
    assert_close(y_read, y_fast)
    assert_close(c_read.h, c_fast.h)
    assert_close(np.stack([s.z for s in c_read.steps]), c_fast.z)
    assert_close(np.stack([s.r for s in c_read.steps]), c_fast.r)
    assert_close(np.stack([s.h_tilde for s in c_read.steps]), c_fast.h_tilde)
    g_read = reading.backward(params, c_read, dy)
    g_fast = fast.backward(params, c_fast, dy)
    assert list(g_read) == list(g_fast) == list(params)       # same keys, same order
    for k in params:
        assert_close(g_read[k], g_fast[k])


def test_reading_engine_equals_the_fast_engine_without_biases_from_zero():
    params, x, _, dy = problem(3, 5, 2, 6, 4, reset_after=False, bias=False, seed=3)
    y_read, c_read = reading.forward(params, x)
    y_fast, c_fast = fast.forward(params, x)
    assert_close(y_read, y_fast)
    g_read, g_fast = reading.backward(params, c_read, dy), fast.backward(params, c_fast, dy)
    assert set(g_read) == set(params) == {"Wz", "Uz", "Wr", "Ur", "W", "U", "Wy"}
    for k in params:
        assert_close(g_read[k], g_fast[k])


@pytest.mark.parametrize("reset_after", [False, True])
def test_step_backward_agrees_with_centred_differences(reset_after):
    params, x, h0, _ = problem(3, 5, 2, 1, 4, reset_after=reset_after, seed=11)
    x_t = x[0]
    dh_t = np.random.default_rng(1).normal(size=h0.shape)
    h_t, cache = reading.step_forward(x_t, h0, params)
    dx_t, dh_prev, grads = reading.step_backward(dh_t, cache, params)

    def E(x_t=x_t, h_prev=h0):                      # E = sum(dh_t * h_t): dE/dh_t = dh_t
        return float(np.sum(dh_t * reading.step_forward(x_t, h_prev, params)[0]))

    xp, hp = x_t.copy(), h0.copy()
    assert rel_error(dx_t.ravel(), numerical_gradient(lambda: E(xp, h0), xp)) < 1e-8
    assert rel_error(dh_prev.ravel(), numerical_gradient(lambda: E(x_t, hp), hp)) < 1e-8
    gate_keys = {"Wz", "Uz", "Wr", "Ur", "W", "U", "bz", "br", "b"} | (
        {"bhn"} if reset_after else set())
    assert set(grads) == gate_keys                  # the output layer is not part of a step
    for k in grads:
        num = numerical_gradient(lambda: E(), params[k]).reshape(params[k].shape)
        assert rel_error(grads[k], num) < 1e-8, k


def test_each_term_of_dh_prev_is_needed():
    # Dropping any of terms (2)-(5) changes dh_prev: none of them is zero on this problem.
    params, x, h0, _ = problem(2, 4, 1, 1, 3, reset_after=False, seed=5)
    dh_t = np.ones_like(h0)
    _, cache = reading.step_forward(x[0], h0, params)
    _, dh_prev, _ = reading.step_backward(dh_t, cache, params)
    c, p = cache, params
    dz = dh_t * (c.h_tilde - c.h_prev) * c.z * (1 - c.z)
    delta = dh_t * c.z * (1 - c.h_tilde ** 2)
    dr = c.h_prev * (delta @ p["U"].T) * c.r * (1 - c.r)
    terms = [dz @ p["Uz"].T, (delta @ p["U"].T) * c.r, dr @ p["Ur"].T, dh_t * (1 - c.z)]
    np.testing.assert_allclose(sum(terms), dh_prev, rtol=1e-14, atol=1e-15)
    for term in terms:
        assert np.max(np.abs(term)) > 1e-3


def test_step_agrees_with_torch_grucell_forward_and_backward():
    # torch.nn.GRUCell is the reset-after variant, float64, with every bias non-zero.
    torch = pytest.importorskip("torch")
    D, H, N = 3, 5, 4
    params, x, h0, _ = problem(D, H, 2, 1, N, reset_after=True, seed=17)
    x_t = x[0]
    dh_t = np.random.default_rng(2).normal(size=(N, H))
    gru, _ = gl.to_torch(params)                     # the one weight converter
    cell = torch.nn.GRUCell(D, H, dtype=torch.float64)
    with torch.no_grad():
        for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
            getattr(cell, name).copy_(getattr(gru, name + "_l0"))
    xt = torch.tensor(x_t, requires_grad=True)
    ht = torch.tensor(h0, requires_grad=True)
    out = cell(xt, ht)
    (out * torch.as_tensor(dh_t)).sum().backward()

    h_t, cache = reading.step_forward(x_t, h0, params)
    dx_t, dh_prev, grads = reading.step_backward(dh_t, cache, params)
    assert_close(h_t, out.detach().numpy(), tol=1e-13)
    assert_close(dx_t, xt.grad.numpy(), tol=1e-12)
    assert_close(dh_prev, ht.grad.numpy(), tol=1e-12)
    # torch's gradients, mapped to our names by the one converter (grads_from_torch reads a
    # torch.nn.GRU's .grad: hand it the cell's).
    for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
        getattr(gru, name + "_l0").grad = getattr(cell, name).grad
    theirs = tc.grads_from_torch(gru)
    assert set(theirs) == set(grads)
    for k in grads:
        assert_close(grads[k], theirs[k])


def test_bad_input_is_refused_at_the_edge():
    params, x, h0, dy = problem(3, 5, 2, 4, 2, reset_after=False, seed=0)
    with pytest.raises(ValueError, match="x_t must have shape"):
        reading.step_forward(x[0][:, :2], h0, params)
    with pytest.raises(ValueError, match="h_prev has shape"):
        reading.step_forward(x[0], h0[:, :3], params)
    with pytest.raises(ValueError, match="masked"):
        reading.step_forward(np.ma.masked_array(x[0]), h0, params)
    _, cache = reading.forward(params, x, h0)
    with pytest.raises(ValueError, match="nothing is broadcast"):
        reading.backward(params, cache, dy[:, :1])
    with pytest.raises(ValueError, match="dh_t has shape"):
        reading.step_backward(np.ones((2, 1)), cache.steps[0], params)


def test_a_cache_of_another_gru_is_refused_not_differentiated():
    # Issue 16, item 10, for the reading engine too: a cache of the other variant or other
    # sizes would give the gradient of another net without a word.
    params, x, h0, dy = problem(3, 5, 2, 4, 2, reset_after=False, seed=0)
    after = dict(params, bhn=np.full(5, 0.3))
    wider = problem(3, 6, 2, 4, 2, reset_after=False, seed=1)[0]
    more_outputs = problem(3, 5, 3, 4, 2, reset_after=False, seed=2)[0]
    _, seed_cache = reading.forward(params, x, h0)
    _, after_cache = reading.forward(after, x, h0)
    for p, cache in ((after, seed_cache), (params, after_cache), (wider, seed_cache),
                     (more_outputs, seed_cache)):
        with pytest.raises(ValueError, match="another GRU"):
            reading.backward(p, cache, dy)
    for p, step in ((after, seed_cache.steps[0]), (params, after_cache.steps[0]),
                    (wider, seed_cache.steps[0])):
        with pytest.raises(ValueError, match="another GRU"):
            reading.step_backward(np.ones((2, 5)), step, p)
    with pytest.raises(ValueError, match="Cache that engine.gru's forward returned"):
        reading.backward(params, fast.forward(params, x, h0)[1], dy)
    with pytest.raises(ValueError, match="StepCache that engine.gru's step_forward"):
        reading.step_backward(np.ones((2, 5)), seed_cache, params)
    with pytest.raises(ValueError, match="params must be a dict"):
        reading.step_backward(np.ones((2, 5)), seed_cache.steps[0], [params])
    # the right cache still works, step by step and whole
    assert set(reading.step_backward(np.ones((2, 5)), after_cache.steps[0], after)[2]) >= {"bhn"}
    assert set(reading.backward(after, after_cache, dy)) == set(after)


def test_reading_engine_is_plain():
    # One equation a line, readable in one sitting: no out= buffers, no in-place updates of
    # the gates, and about 150 lines. Its imports stay inside the engine.
    source = inspect.getsource(reading)
    assert "out=" not in source
    assert len(source.splitlines()) <= 170
    tree = ast.parse(source)
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level:
            assert node.level == 1, "engine/gru.py imports only from engine/"
    assert "same maths as gru.py" in fast.__doc__


def test_engine_imports_nothing_above_it():
    for path in sorted((ROOT / "gru_lesson" / "engine").glob("*.py")):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.ImportFrom):
                if node.level >= 2:
                    names.append("." * node.level + (node.module or ""))
                elif node.level == 0 and node.module:
                    names.append(node.module)
            elif isinstance(node, ast.Import):
                names += [a.name for a in node.names]
            for name in names:
                assert "addition" not in name and "teach" not in name and \
                    "exercises" not in name and not name.startswith(".."), \
                    f"{path.name} imports {name}: the engine imports nothing above it"
