"""From the seed's recipe to gl.train, one change at a time: the ablation ladder of notebook 3.

The seed (GRUtest.m) trains with per-sample SGD (eta = 0.1) on E = 1/2 sum_t (y_t - d_t)^2,
weights uniform in [-1, 1], no biases. gl.train changes many things at once. The ladder adds
them one rung at a time, each rung keeping everything of the rung before:

    rung            what changes                                           procedure
    seed            nothing: the seed's recipe                             per-sample SGD
    biases          + biases bz, br, b, by (start at 0: the same first net)   per-sample SGD
    cross_entropy   + binary cross-entropy: delta at the logits is y - d   per-sample SGD
    adam            + Adam (lr 0.04, beta2 0.98), gradient clipped to norm 1, minibatches of 64
    data            + gl.train's data: random lengths, long chains, carry streams
                      (gl.train(checks=("random",)): the same first weights, biases drawn at
                      random instead of 0, and the same stopping rule as the rungs above)
    train           + gl.train's full validation: small sums, carry chains, hardest-sum margin

Rungs seed .. adam draw the seed's samples (a, b uniform in 1..2^15, 16 steps) from the same
Generator, so the first net and the first samples are the same on every rung: a minibatch step
of the adam rung uses the next 64 samples. The "step" is one update: one sample for SGD, one
minibatch for the others (``samples`` counts what each saw).

    result = climb("biases", seed=0)        # {"solved_step": 500, "samples": 500, ...}
    table = ladder(seeds=(0, 1, 2))         # every rung, every seed

A rung is solved at the first checkpoint where gl.train's 1,000 random 16-bit VALIDATION pairs
are 100% exact under both decodings, the threshold y > 0.5 and the seed's MATLAB round (halves
up); the train rung alone stops by gl.train's own, stricter validation (which includes the
carry-chain set). Then, never to decide anything, each rung is measured on the TEST set, the
1,000 held-out 16-bit pairs (both decodings), and on the carry-chain set: random pairs rarely
need a long carry, so a net can pass them and still drop one. (For the train rung the
carry-chain set is part of its validation, so its rate there is 100% by construction.)
"""

import numpy as np

from ..engine.checks import natural_int, positive_int
from ..engine.fast import backward_from_logits, forward
from ..engine.optim import Adam
from ..engine.params import BIASES, as_generator, init_params
from .seed_training import CORNERS, SEED_ETA, SEED_HIDDEN, _seed_samples
from .train import _scorer

RUNGS = ("seed", "biases", "cross_entropy", "adam", "data", "train")
WHY = {
    "seed": "no biases: on leading (0, 0) pairs every pre-activation is 0, so y = 0.5 exactly "
            "and MATLAB's round() says 1",
    "biases": "a bias moves y off 0.5 where the input is all zeros; the seed's own SGD does the "
              "rest",
    "cross_entropy": "the gradient at the logits is y - d, not (y - d) y (1 - y): it no longer "
                     "fades when an output is confidently wrong",
    "adam": "one step per minibatch of 64, each parameter's step scaled by its own gradient "
            "history, and no step larger than the clip allows",
    "data": "sums of every length, long chains and carry streams, so long carries are practised "
            "and not only random ones; still stopped by the random validation pairs alone",
    "train": "a stricter stop: small sums, the carry-chain set and the hardest-sum margin must "
             "pass too, so a net that still drops a long carry trains on",
}
ADAM_LR, ADAM_BETA2, CLIP, BATCH = 0.04, 0.98, 1.0, 64
BIAS_CHOICES = ("all", "by")


def climb(rung, seed=0, *, max_steps=None, check_every=None, biases="all"):
    """Train one rung of the ladder (see the module docstring) and measure it. Returns a dict:

    rung, seed, solved_step (None if not solved within max_steps), steps (taken), samples
    (sequences seen), validation and test ({"threshold", "matlab_round"} exact-sum rates at the
    end on the validation pairs and on the held-out test pairs), carry_chains (exact-sum rate at
    the end), params.

    max_steps: default 4,000 for the SGD rungs and 1,000 for adam; the data and train rungs use
    gl.train's own budget; data stops on the random validation pairs like the rungs below
    (gl.train(checks=("random",))), train on gl.train's full validation. check_every: steps
    between checkpoints (default 50 for one sample a step, 10 for a minibatch a step).
    biases: "all" or "by" (the output bias alone), for the biases and later rungs.
    """
    if rung not in RUNGS:
        raise ValueError(f"rung must be one of {', '.join(RUNGS)}, got {rung!r}")
    if biases not in BIAS_CHOICES:
        raise ValueError(f"biases must be one of {', '.join(BIAS_CHOICES)}, got {biases!r}")
    seed = natural_int(seed, "seed")
    if check_every is None:
        check_every = 10 if rung in ("adam", "data", "train") else 50
    check_every = positive_int(check_every, "check_every")
    if rung in ("data", "train"):
        return _climb_train(rung, seed, max_steps, check_every)
    if max_steps is None:
        max_steps = 1000 if rung == "adam" else 4000
    max_steps = positive_int(max_steps, "max_steps")
    rng = as_generator(seed)
    params = init_params(2, SEED_HIDDEN, 1, bias=False, rng=rng)         # the seed's weights
    frozen = ()
    if rung != "seed":
        params.update({k: np.zeros(1 if k == "by" else SEED_HIDDEN) for k in BIASES})
        frozen = () if biases == "all" else ("bz", "br", "b")        # held at 0: b_y alone
    batch = BATCH if rung == "adam" else 1
    codes, targets = _seed_samples(rng, max_steps * batch)              # the seed's samples
    loss = "half_squared_error" if rung in ("seed", "biases") else "bce"
    adam = Adam(params, ADAM_LR, beta2=ADAM_BETA2) if rung == "adam" else None
    solved_step, step = None, 0
    for step in range(1, max_steps + 1):
        rows = slice((step - 1) * batch, step * batch)
        x = CORNERS[codes[rows].T]                                        # (16, batch, 2)
        d = targets[rows].T[:, :, None]                                   # (16, batch, 1)
        grads = _gradients(params, x, d, loss)
        for k in frozen:
            grads[k][:] = 0.0
        if adam is None:
            for k in params:
                params[k] -= SEED_ETA * grads[k]
        else:
            adam.step(params, grads, scale=1.0 / batch, clip=CLIP)
        if step % check_every == 0 and _rates(params, "random") == {"threshold": 1.0,
                                                                    "matlab_round": 1.0}:
            solved_step = step
            break
    return _result(rung, seed, solved_step, step, step * batch, params)


def ladder(rungs=RUNGS, seeds=(0, 1, 2), **kwargs):
    """climb() every rung for every seed: a list of result dicts (without the params)."""
    out = []
    for rung in rungs:
        for seed in seeds:
            result = climb(rung, seed, **kwargs)
            result.pop("params")
            out.append(result)
    return out


def _gradients(params, x, d, loss):
    """Gradients of the summed loss over the batch: the seed's 1/2 sum (y - d)^2, or BCE."""
    y, cache = forward(params, x)
    if loss == "bce":
        dlogits = y - d                                   # BCE's gradient at the logits
    else:
        dlogits = (y - d) * y * (1 - y)                   # the seed's delta_y
    return backward_from_logits(params, cache, dlogits)


def _climb_train(rung, seed, max_steps, check_every):
    from .train import train

    kwargs = {} if max_steps is None else {"max_steps": positive_int(max_steps, "max_steps")}
    if rung == "data":
        kwargs["checks"] = ("random",)                    # the rungs below stop on these alone
    params, history = train(seed=seed, check_every=check_every, progress=False, **kwargs)
    solved = history.solved_step
    if solved is not None and _rates(params, "random")["matlab_round"] < 1.0:
        solved = None                                     # not solved under both decodings
    return _result(rung, seed, solved, history.steps, history.steps * BATCH, params)


def _result(rung, seed, solved_step, steps, samples, params):
    return {"rung": rung, "seed": seed, "solved_step": solved_step, "steps": steps,
            "samples": samples, "validation": _rates(params, "random"),
            "test": _rates(params, "held_out"),
            "carry_chains": _scorer("carry").accuracy(params)["threshold"], "params": params}


def _rates(params, name):
    """{decoding: exact-sum rate} on one of gl.train's fixed sets, under both decodings."""
    return _scorer(name).accuracy(params, ("threshold", "matlab_round"))
