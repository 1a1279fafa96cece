"""The ablation ladder of notebook 3: each rung changes one thing, and says what it measured."""

import numpy as np
import pytest

import gru_lesson as gl
from gru_lesson.addition import ablation


def test_the_seed_rung_is_the_seeds_own_procedure():
    # same first net, same samples, same SGD: gl.train_seed to rounding
    ours = ablation.climb("seed", seed=3, max_steps=120, check_every=1000)
    theirs, _ = gl.train_seed(120, seed=3, check_every=None, progress=False)
    assert ours["samples"] == 120 and ours["solved_step"] is None
    assert set(ours["params"]) == set(theirs)                        # no biases
    for k in theirs:
        np.testing.assert_allclose(ours["params"][k], theirs[k], rtol=1e-9, atol=1e-11)


def test_the_biases_rung_starts_from_the_seeds_net_and_adds_only_biases():
    seed = ablation.climb("seed", seed=1, max_steps=1, check_every=10)["params"]
    biased = ablation.climb("biases", seed=1, max_steps=1, check_every=10)["params"]
    assert set(biased) - set(seed) == {"bz", "br", "b", "by"}
    first = gl.init_params(2, 16, 1, bias=False, rng=1)
    # one SGD step from the same weights: the weights move by less than a step can differ ...
    for k in seed:
        assert np.abs(seed[k] - first[k]).max() < 0.5
    # ... and with zero biases at the start, the first forward pass is the seed's
    x, d = gl.addition_batch([1234], [4321], bits=16)
    zeros = {**first, **{k: np.zeros(1 if k == "by" else 16) for k in ("bz", "br", "b", "by")}}
    np.testing.assert_array_equal(gl.forward(first, x)[0], gl.forward(zeros, x)[0])
    only_by = ablation.climb("biases", seed=1, max_steps=50, check_every=100, biases="by")
    assert only_by["params"]["by"][0] != 0                          # the output bias learns
    for k in ("bz", "br", "b"):                                     # the gate biases stay 0
        np.testing.assert_array_equal(only_by["params"][k], 0.0)


@pytest.mark.parametrize("loss", ["half_squared_error", "bce"])
def test_rung_gradients_are_the_engines(loss):
    p = gl.init_params(2, 5, 1, rng=4)                               # biases, non-square
    x, d = gl.addition_batch([5, 300, 77], [9, 1, 200])
    grads = ablation._gradients(p, x, d, loss)
    _, expect = gl.loss_and_grads(p, x, d, loss=loss)
    for k in p:
        np.testing.assert_allclose(grads[k], expect[k], rtol=1e-12, atol=1e-14)


def test_biases_fix_the_seeds_rounding_and_cross_entropy_keeps_it_fixed():
    # notebook 3's ladder: the seed's recipe + biases solves under both decodings
    stuck = ablation.climb("seed", seed=0, max_steps=600)
    assert stuck["solved_step"] is None
    assert stuck["test"]["matlab_round"] < 0.8 <= stuck["test"]["threshold"]
    for rung in ("biases", "cross_entropy"):
        result = ablation.climb(rung, seed=0)
        assert result["solved_step"] is not None, rung
        assert result["validation"] == {"threshold": 1.0, "matlab_round": 1.0}
        assert result["test"]["matlab_round"] > 0.99                 # the test set agrees
        assert result["samples"] == result["steps"] == result["solved_step"]


def test_the_adam_rung_takes_minibatches_of_the_same_samples():
    result = ablation.climb("adam", seed=2, max_steps=30, check_every=1000)
    assert result["steps"] == 30 and result["samples"] == 30 * ablation.BATCH
    assert set(result["params"]) == {"Wz", "Uz", "Wr", "Ur", "W", "U", "Wy", "bz", "br", "b",
                                     "by"}


def test_ladder_lists_every_rung_and_seed_without_params():
    table = ablation.ladder(rungs=("seed", "adam"), seeds=(0, 1), max_steps=20,
                            check_every=1000)
    assert [(r["rung"], r["seed"]) for r in table] == [("seed", 0), ("seed", 1), ("adam", 0),
                                                       ("adam", 1)]
    assert all("params" not in r and 0 <= r["carry_chains"] <= 1 for r in table)
    assert set(ablation.WHY) == set(ablation.RUNGS)


@pytest.mark.parametrize("kwargs, match", [
    ({"rung": "lstm"}, "rung must be one of"),
    ({"rung": "biases", "biases": "bz"}, "biases must be one of"),
    ({"rung": "seed", "seed": -1}, "seed must be a non-negative integer"),
    ({"rung": "seed", "max_steps": 0}, "max_steps must be a positive integer"),
    ({"rung": "adam", "check_every": 0}, "check_every must be a positive integer"),
])
def test_bad_arguments_are_clear(kwargs, match):
    with pytest.raises(ValueError, match=match):
        ablation.climb(**kwargs)


def test_the_data_rung_is_gl_train_stopped_like_the_rungs_below_and_train_adds_the_checks():
    # one change per rung: data = gl.train's batches stopped on the random validation pairs
    # alone; train = the same batches stopped by gl.train's full validation (later here)
    data = ablation.climb("data", seed=0, max_steps=400, check_every=10)
    same, hist = gl.train(seed=0, max_steps=400, check_every=10, checks=("random",),
                          progress=False)
    assert all(np.array_equal(data["params"][k], same[k]) for k in same)
    assert data["solved_step"] == hist.solved_step is not None
    assert data["validation"] == {"threshold": 1.0, "matlab_round": 1.0}
    assert data["samples"] == data["steps"] * ablation.BATCH
    full = ablation.climb("train", seed=0, max_steps=400, check_every=10)
    ref, _ = gl.train(seed=0, max_steps=400, check_every=10, progress=False)
    assert all(np.array_equal(full["params"][k], ref[k]) for k in ref)
    assert full["steps"] > data["steps"]             # the stricter stop trained on
    assert full["carry_chains"] == 1.0               # part of its validation
    assert ablation.RUNGS.index("data") == ablation.RUNGS.index("adam") + 1


def test_the_data_rung_starts_from_the_seeds_weights_with_random_biases():
    # what notebook 3 says of rung 5's first net: the seed rung's weights, biases not 0
    from gru_lesson.engine.params import as_generator, init_params

    seeds_first = init_params(2, 16, 1, bias=False, rng=as_generator(4))     # rungs 1-4
    trains_first, _ = gl.train(seed=4, max_steps=1, check_every=0, lr=1e-300, progress=False)
    assert all(np.array_equal(trains_first[k], seeds_first[k]) for k in seeds_first)
    assert all(np.abs(trains_first[k]).max() > 0.1 for k in ("bz", "br", "b", "by"))
