"""init_params builds the seed's parameters; validate_params names every problem and the fix."""

import numpy as np
import pytest

import gru_lesson as gl
from gru_lesson.engine.params import as_generator, expected_shapes


def test_init_params_shapes_dtype_and_range():
    p = gl.init_params(3, 5, 2, rng=0)
    assert {k: v.shape for k, v in p.items()} == {
        "Wz": (3, 5), "Uz": (5, 5), "Wr": (3, 5), "Ur": (5, 5), "W": (3, 5), "U": (5, 5),
        "Wy": (5, 2), "bz": (5,), "br": (5,), "b": (5,), "by": (2,)}
    for v in p.values():
        assert v.dtype == np.float64
        assert np.all(np.abs(v) <= 1) and np.all(v != 0)      # uniform in [-1, 1], as the seed
    assert max(np.max(v) for v in p.values()) > 0.5 and min(np.min(v) for v in p.values()) < -0.5
    assert gl.validate_params(p) == (3, 5, 2)


def test_bias_false_is_the_seeds_net():
    p = gl.init_params(2, 16, 1, bias=False, rng=0)
    assert list(p) == ["Wz", "Uz", "Wr", "Ur", "W", "U", "Wy"]
    assert expected_shapes(2, 16, 1, bias=False) == {k: v.shape for k, v in p.items()}


def test_rng_int_generator_and_none():
    a, b = gl.init_params(2, 3, 1, rng=7), gl.init_params(2, 3, 1, rng=7)
    for k in a:
        np.testing.assert_array_equal(a[k], b[k])
    c = gl.init_params(2, 3, 1, rng=np.random.default_rng(7))
    np.testing.assert_array_equal(a["Wz"], c["Wz"])
    assert not np.array_equal(gl.init_params(2, 3, 1, rng=8)["Wz"], a["Wz"])
    assert gl.init_params(2, 3, 1)["Wz"].shape == (2, 3)
    g = np.random.default_rng(1)
    assert as_generator(g) is g


@pytest.mark.parametrize("args, message", [
    ((0, 3, 1), "input_size must be a positive integer, got 0"),
    ((2, -1, 1), "hidden_size must be a positive integer, got -1"),
    ((2, 3, 1.5), "output_size must be a positive integer, got 1.5"),
    ((True, 3, 1), "input_size must be a positive integer, got True"),
    (("2", 3, 1), "input_size must be a positive integer, got '2'"),
])
def test_init_params_rejects_bad_sizes(args, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        gl.init_params(*args)


@pytest.mark.parametrize("rng", ["seed", 1.5, True, object()])
def test_init_params_rejects_bad_rng(rng):
    with pytest.raises(ValueError, match="rng must be None, an int seed or a numpy Generator"):
        gl.init_params(2, 3, 1, rng=rng)


def good():
    return gl.init_params(3, 4, 2, rng=0)


def broken(change):
    p = good()
    change(p)
    return p


@pytest.mark.parametrize("params, pieces", [
    ([1, 2], ["params must be a dict of arrays", "gl.init_params", "got list"]),
    (None, ["params must be a dict", "got NoneType"]),
    (broken(lambda p: p.pop("Uz")), ["params is missing Uz", "gl.init_params(D, H, O)"]),
    (broken(lambda p: [p.pop(k) for k in ("W", "Wy")]), ["params is missing W, Wy"]),
    (broken(lambda p: p.pop("br")), ["params has biases bz, b, by but not br",
                                     "give all four biases or none"]),
    (broken(lambda p: p.update(bias=np.zeros(4))), ["unknown entries ['bias']", "expected only"]),
    (broken(lambda p: p.update(Wz=[[0.0] * 4] * 3)), ["params['Wz'] must be a numpy array",
                                                      "got list"]),
    (broken(lambda p: p.update(U=np.ones((4, 4), dtype=int))), [
        "params['U'] has dtype int", "use float arrays", ".astype(np.float64)"]),
    (broken(lambda p: p.update(Wz=np.ones(4))), ["params['Wz'] must be 2-D (D, H)", "(4,)"]),
    (broken(lambda p: p.update(Wy=np.ones(4))), ["params['Wy'] must be 2-D (H, O)"]),
    (broken(lambda p: p.update(Uz=np.ones((4, 3)))), [
        "params['Uz'] has shape (4, 3) but Wz (3, 4) and Wy (4, 2) imply (4, 4)",
        "fix the shape of 'Uz'"]),
    (broken(lambda p: p.update(W=np.ones((4, 3)))), [
        "params['W'] has shape (4, 3)", "imply (3, 4)"]),     # a transposed weight
    (broken(lambda p: p.update(by=np.ones(3))), ["params['by'] has shape (3,)", "imply (2,)"]),
    (broken(lambda p: p.update(bhn=np.ones(5))), ["params['bhn'] has shape (5,)", "imply (4,)"]),
    (broken(lambda p: p["Ur"].__setitem__((1, 2), np.nan)), [
        "params['Ur'] contains NaN or inf", "re-initialise or reload it"]),
    (broken(lambda p: p["by"].__setitem__(0, -np.inf)), ["params['by'] contains NaN or inf"]),
])
def test_validate_params_names_the_problem_and_the_fix(params, pieces):
    with pytest.raises(ValueError) as info:
        gl.validate_params(params)
    message = str(info.value)
    assert "\n" not in message
    for piece in pieces:
        assert piece in message, (piece, message)


@pytest.mark.parametrize("params, pieces", [
    (broken(lambda p: p.pop("Uz")), ["params is missing Uz"]),
    (broken(lambda p: p["W"].__setitem__((0, 0), np.inf)), ["params['W'] contains NaN or inf"]),
    (broken(lambda p: p.update(U=np.ones((4, 4), dtype=np.int64))), ["has dtype int64"]),
])
def test_every_entry_point_validates_params(params, pieces):
    x = np.zeros((2, 1, 3))
    d = np.zeros((2, 1, 2))
    calls = [lambda: gl.forward(params, x), lambda: gl.loss_and_grads(params, x, d),
             lambda: gl.check_gradients(params, x, d)]
    for call in calls:
        with pytest.raises(ValueError) as info:
            call()
        for piece in pieces:
            assert piece in str(info.value)


def test_float32_params_are_accepted_and_computed_in_float64():
    p32 = {k: v.astype(np.float32) for k, v in good().items()}
    x = np.ones((2, 1, 3))
    y, cache = gl.forward(p32, x)
    y64, _ = gl.forward({k: v.astype(np.float64) for k, v in p32.items()}, x)
    assert y.dtype == np.float64
    np.testing.assert_allclose(y, y64, rtol=0, atol=1e-15)


def test_reset_after_params_validate():
    p = good()
    p["bhn"] = np.zeros(4)
    assert gl.validate_params(p) == (3, 4, 2)
    assert set(expected_shapes(3, 4, 2, reset_after=True)) == set(p)


@pytest.mark.parametrize("make", [gl.init_params, gl.rnn_init_params])
@pytest.mark.parametrize("bias", ["no", 0, 1, None])
def test_bias_must_be_true_or_false(make, bias):
    # bias="no" once gave biases, silently (issue 16, item 10: silent coercions).
    with pytest.raises(ValueError, match="bias must be True or False"):
        make(2, 5, 3, bias=bias, rng=0)
    assert len(make(2, 5, 3, bias=np.bool_(False), rng=0)) in (3, 7)


def test_gl_train_refuses_a_bias_that_is_not_a_bool():
    with pytest.raises(ValueError, match="bias must be True or False, got 'no'"):
        gl.train(bits=4, max_steps=1, bias="no", progress=False)


@pytest.mark.parametrize("make, what", [(gl.init_params, "GRU"), (gl.rnn_init_params, "RNN")])
def test_a_net_past_memory_is_a_value_error_not_a_memory_error(make, what):
    with pytest.raises(ValueError, match=f"this {what} would have .* over the limit of 67,108,864"):
        make(2, 10 ** 6, 1)
    assert make(2, 1000, 1, rng=0)["Wy"].shape == (1000, 1)


@pytest.mark.parametrize("train", [gl.train, gl.train_seed])
def test_the_trainers_refuse_a_progress_that_is_not_a_bool(train):
    with pytest.raises(ValueError, match="progress must be True or False, got 'no'"):
        train(max_steps=1, progress="no") if train is gl.train else train(1, progress="no")
