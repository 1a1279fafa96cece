"""Why gates: the plain RNN and the GRU side by side on a memory task, and their gradients in time.

The task ("flagged bit"): at t = 1 the net sees a bit together with a flag; then come ``lag``
distractor steps of random bits without the flag; at the last step (T = lag + 1) it must
output the flagged bit. The loss is only at that last step, so everything the net learns about
the first step has to flow back through ``lag`` steps of BPTT.

    x_t = [bit_t, flag_t]      flag_1 = 1, flag_t = 0 for t > 1      target = bit_1

Both models get the same hidden size, the same initialisation (uniform in +-1/sqrt(H), as
torch.nn.RNN and torch.nn.GRU do), the same optimiser (Adam on the binary cross-entropy, global
gradient-norm clipping) and the same budget of steps. scripts/why_gates_experiment.py runs the
grid of lags x seeds and stores gru_lesson/assets/why_gates.json; :func:`load_results` reads it.
"""

import json
from importlib import resources

import numpy as np

from ..engine.fast import backward_from_logits, forward
from ..engine.losses import bce_with_logits
from ..engine.optim import Adam
from ..engine.params import as_generator, init_params
from ..engine.rnn import rnn_backward_from_logits, rnn_forward, rnn_init_params

MODELS = ("rnn", "gru")
RESULTS_FILE = "why_gates.json"
_ENGINES = {
    "gru": (init_params, forward, backward_from_logits),
    "rnn": (rnn_init_params, rnn_forward, rnn_backward_from_logits),
}


def flagged_bit_batch(lag, n, rng=None):
    """n sequences of the flagged-bit task: x (lag + 1, n, 2) and the targets (n,) in {0, 1}.

    Example with lag = 3 (bits are random, the flag marks the one to remember):
        t:      1  2  3  4
        bit:    1  0  0  1       target = 1 (the bit at t = 1), asked for at t = 4
        flag:   1  0  0  0
    """
    lag = _nonneg_int(lag, "lag")
    n = _nonneg_int(n, "n", minimum=1)
    rng = as_generator(rng)
    T = lag + 1
    x = np.zeros((T, n, 2))
    x[:, :, 0] = rng.integers(0, 2, size=(T, n))
    x[0, :, 1] = 1.0
    return x, x[0, :, 0].copy()


def init_model(model, hidden_size, rng=None):
    """Params for ``model`` ("rnn" or "gru"): 2 inputs, 1 output, biases, uniform +-1/sqrt(H)."""
    init = _engine(model)[0]
    k = 1.0 / np.sqrt(hidden_size)
    return {name: k * v for name, v in init(2, hidden_size, 1, bias=True, rng=rng).items()}


def last_step_loss_and_grads(model, params, x, target, *, return_dh=False):
    """Mean BCE of the last step's output against ``target``, and its gradients.

    Returns (loss, grads), or (loss, grads, dh) with ``return_dh=True`` where dh (T, N, H) is
    dE/dh_t: the gradient that reaches step t from the loss at step T.
    """
    _, fwd, bwd = _engine(model)
    _, cache = fwd(params, x)
    a = cache.logits[-1, :, 0]                                        # (N,)
    n = a.shape[0]
    E, dE_da = bce_with_logits(a, target)                             # the package's one BCE
    loss = E / n                                                      # the mean over the batch
    dlogits = np.zeros_like(cache.logits)
    dlogits[-1, :, 0] = dE_da / n                                     # (sigmoid(a) - d) / N
    if return_dh:
        grads, dh, _ = bwd(params, cache, dlogits, return_dh=True)
        return loss, grads, dh
    return loss, bwd(params, cache, dlogits)


def memory_accuracy(model, params, lag, *, n=1000, rng=12345):
    """Fraction of n fresh sequences whose flagged bit the net recalls (y_T > 0.5 <=> bit = 1)."""
    x, target = flagged_bit_batch(lag, n, rng)
    y, _ = _engine(model)[1](params, x)
    return float(np.mean((y[-1, :, 0] > 0.5) == (target == 1)))


def train_memory(model, lag, *, hidden_size=8, seed=0, steps=10_000, batch_size=32, lr=0.02,
                 clip=1.0, check_every=100, stop_at=1.0, callback=None):
    """Train ``model`` on the flagged-bit task with Adam. Returns (params, info).

    Adam is the package's one optimiser (gru_lesson.engine.optim.Adam, as in gl.train), on the
    gradient clipped to global norm ``clip``. Stops early once the accuracy on a 500-sequence
    check batch reaches ``stop_at`` (so a solved task costs less; the budget ``steps`` is the
    same for both models). info: {"steps": used, "solved": bool (the check batch reached
    stop_at), "loss": [loss every check], "train_acc": [...]}.

    callback(step, loss, grads, dh, moved), if given, is called after every update, with the
    step's gradients (before clipping), dh = dE/dh_t (T, N, H) and moved = {name: the change
    Adam made to that weight}; it only watches (see :func:`training_log`).
    """
    rng = np.random.default_rng(seed)
    params = init_model(model, hidden_size, rng)
    opt = Adam(params, lr)
    info = {"steps": steps, "solved": False, "loss": [], "train_acc": []}
    for step in range(1, steps + 1):
        x, target = flagged_bit_batch(lag, batch_size, rng)
        if callback is None:
            loss, grads = last_step_loss_and_grads(model, params, x, target)
            opt.step(params, grads, clip=clip)
        else:
            loss, grads, dh = last_step_loss_and_grads(model, params, x, target, return_dh=True)
            before = {k: v.copy() for k, v in params.items()}
            opt.step(params, grads, clip=clip)
            callback(step, loss, grads, dh, {k: params[k] - before[k] for k in params})
        if step % check_every == 0:
            acc = memory_accuracy(model, params, lag, n=500, rng=rng)
            info["loss"].append(round(loss, 6))
            info["train_acc"].append(acc)
            if acc >= stop_at:
                info["steps"], info["solved"] = step, True
                break
    return params, info


# The weights that read the flag (input 1 of x_t = [bit_t, flag_t]): row 1 of each input matrix.
FLAG_WEIGHTS = {"rnn": ("Wx",), "gru": ("Wz", "Wr", "W")}


def training_log(model, lag, *, seed=0, **train_kwargs):
    """Train as :func:`train_memory` does (the same steps, bit for bit) and log every step.

    Returns (params, info, log) where log holds one entry per step (numpy arrays):
      step        1, 2, ...
      loss        the batch's loss
      flag_grad   largest |dE/dw| over the weights that read the flag (FLAG_WEIGHTS, row 1),
                  before clipping
      flag_step   largest |change| Adam made to those weights at that step
      reach       ||dE/dh_1|| / ||dE/dh_T||, each averaged over the batch: how much of the
                  gradient at the loss reaches the flagged step (above 1: more than at the loss)
    """
    rows = []
    names = FLAG_WEIGHTS[_check_model(model)]

    def watch(step, loss, grads, dh, moved):
        norms = np.linalg.norm(dh, axis=2).mean(axis=1)                 # (T,)
        rows.append((step, loss, max(float(np.abs(grads[k][1]).max()) for k in names),
                     max(float(np.abs(moved[k][1]).max()) for k in names),
                     float(norms[0] / norms[-1]) if norms[-1] > 0 else 0.0))

    params, info = train_memory(model, lag, seed=seed, callback=watch, **train_kwargs)
    cols = np.array(rows, dtype=float).reshape(-1, 5).T
    log = dict(zip(("step", "loss", "flag_grad", "flag_step", "reach"), cols, strict=True))
    log["step"] = log["step"].astype(int)
    return params, info, log


def log_summary(log, *, tiny=1e-10, window=50, share=0.8):
    """What a :func:`training_log` says about how the memory was learned, as a dict.

      quiet_steps               the steps before the flag gradient first rose above ``tiny``
      quiet_grad, quiet_step    the largest flag gradient, and the largest change Adam made to
                                the flag weights, in those steps
      busiest, busiest_share    the ``window`` consecutive steps in which the flag weights
                                moved most (first, last step), and their share of all the
                                movement (sums of the per-step largest changes)
      busiest_reach             the largest ||dE/dh_1|| / ||dE/dh_T|| in that window
      central                   the first and last step of the central ``share`` of the movement
      still_from                the step after the last change above 1e-6
      loss_at_still, loss_end   the mean loss over the 100 steps around still_from, and over
                                the last 100 steps
    """
    s, g, moved, reach, loss = (np.asarray(log[k]) for k in ("step", "flag_grad", "flag_step",
                                                               "reach", "loss"))
    if s.size < window:
        raise ValueError(f"the log has {s.size} steps; log_summary needs at least {window}")
    above = np.flatnonzero(g > tiny)
    q = int(above[0]) if above.size else s.size                       # steps before: 0 .. q-1
    sums = np.convolve(moved, np.ones(window), "valid")
    i = int(np.argmax(sums))
    cum = np.cumsum(moved)
    lo, hi = np.searchsorted(cum, [(1 - share) / 2 * cum[-1], (1 + share) / 2 * cum[-1]])
    hi = min(int(hi), s.size - 1)
    moving = np.flatnonzero(moved > 1e-6)
    k = int(moving[-1]) + 1 if moving.size else 0
    return {"quiet_steps": q,
            "quiet_grad": float(g[:q].max()) if q else float("nan"),
            "quiet_step": float(moved[:q].max()) if q else float("nan"),
            "busiest": (int(s[i]), int(s[i + window - 1])),
            "busiest_share": float(sums[i] / cum[-1]) if cum[-1] > 0 else 0.0,
            "busiest_reach": float(reach[i:i + window].max()),
            "central": (int(s[lo]), int(s[hi])),
            "still_from": int(s[min(k, s.size - 1)]),
            "loss_at_still": float(loss[max(k - 50, 0):k + 50].mean()),
            "loss_end": float(loss[-100:].mean())}


def nudged_lr(lr, ulps):
    """lr moved by ``ulps`` units in the last place (np.nextafter, one float64 at a time)."""
    ulps = int(ulps)
    out = np.float64(lr)
    for _ in range(abs(ulps)):
        out = np.nextafter(out, np.inf if ulps > 0 else -np.inf)
    return float(out)


def gradient_norms(model, params, lag, *, n=256, rng=0):
    """Mean over n sequences of ||dE/dh_t||, indexed by the distance to the loss (0 .. lag).

    E is the last-step loss of the flagged-bit task, so distance k means step T - k.
    """
    x, target = flagged_bit_batch(lag, n, rng)
    _, _, dh = last_step_loss_and_grads(model, params, x, target, return_dh=True)
    norms = np.linalg.norm(dh * n, axis=2).mean(axis=1)     # per-sequence gradient (undo the 1/N)
    return norms[::-1].copy()                               # distance 0 first


def update_gate_path(params, lag, *, n=256, rng=0, min_corr=0.9):
    """Where a trained GRU keeps the flagged bit, and how open its (1 - z) path is.

    Several units may follow the bit at the end (|correlation of h_T with the bit| >=
    min_corr); most of them are rewritten at every step, recomputing the bit from the one that
    keeps it. The memory unit is the one of them with the most open direct path (the largest
    mean product of 1 - z over the distractor steps), or the best-correlated unit when none
    reaches min_corr. Returns a dict: unit, corr (its |correlation|), z_flagged (its mean z at
    the flagged step: how much it writes), keep (its mean 1 - z over the distractor steps: how
    much it keeps per step), keep_product (mean over sequences of the product of its 1 - z over
    all ``lag`` distractor steps: the factor the direct path multiplies the gradient by),
    followers (the units with |corr| >= min_corr), corr_by_unit and keep_by_unit (mean 1 - z,
    every unit).
    """
    x, target = flagged_bit_batch(lag, n, rng)
    _, cache = forward(params, x)
    h_T = cache.h[-1]
    spread = h_T.std(axis=0)
    corr = np.zeros(h_T.shape[1])
    ok = spread > 0
    corr[ok] = np.abs([np.corrcoef(h_T[:, u], target)[0, 1] for u in np.flatnonzero(ok)])
    keep = 1.0 - cache.z[1:]                                           # (lag, n, H)
    products = np.prod(keep, axis=0).mean(axis=0)                      # (H,)
    followers = np.flatnonzero(corr >= min_corr)
    unit = int(followers[np.argmax(products[followers])]) if followers.size else \
        int(np.argmax(corr))
    return {"unit": unit, "corr": float(corr[unit]),
            "z_flagged": float(cache.z[0, :, unit].mean()),
            "keep": float(keep[:, :, unit].mean()) if lag else 1.0,
            "keep_product": float(products[unit]),
            "followers": followers.tolist(), "corr_by_unit": corr,
            "keep_by_unit": keep.mean(axis=(0, 1)) if lag else np.ones(len(corr))}


def run_experiment(lags=(5, 10, 20, 40, 80), seeds=(0, 1, 2, 3, 4), *, hidden_size=8,
                   steps=10_000, batch_size=32, lr=0.02, clip=1.0, test_size=1000,
                   nudge_ulps=(-1, 1), progress=None):
    """Train both models at every lag and seed; return the results as a JSON-ready dict.

    Three parts:
      runs     every (model, lag, seed) at the learning rate lr;
      nudges   the same at the longest lag with lr moved by each of ``nudge_ulps`` units in the
               last place (:func:`nudged_lr`): is "solved" a property of the net, or of the run?
      log      one RNN run that solved the longest lag (its first such seed), logged step by
               step (:func:`logged_run`), or None.
    The nets trained at the longest lag with the first seed are kept (under "trained") for the
    gradient-norm plots. progress: optional callable(message) told about each finished run.
    """
    lags, seeds = [int(v) for v in lags], [int(v) for v in seeds]
    if not lags or not seeds:
        raise ValueError("give at least one lag and one seed")
    gradient_lag = max(lags)
    settings = dict(hidden_size=hidden_size, steps=steps, batch_size=batch_size, clip=clip)
    runs, nudges, trained = [], [], {}

    def run(model, lag, seed, ulps, into):
        rate = nudged_lr(lr, ulps)
        params, info = train_memory(model, lag, seed=seed, lr=rate, **settings)
        acc = memory_accuracy(model, params, lag, n=test_size)
        into.append({"model": model, "lag": lag, "seed": seed, "accuracy": acc,
                     "steps_used": info["steps"], "solved": info["solved"],
                     **({"ulps": ulps, "lr": rate} if ulps else {})})
        if progress is not None:
            progress(f"{model} lag={lag:3d} seed={seed}" + (f" lr{ulps:+d}ulp" if ulps else "")
                     + f": accuracy {acc:.3f} after {info['steps']} steps")
        return params

    for lag in lags:
        for model in MODELS:
            for seed in seeds:
                params = run(model, lag, seed, 0, runs)
                if lag == gradient_lag and seed == seeds[0]:
                    trained[model] = params_to_json(params)
    for model in MODELS:
        for seed in seeds:
            for ulps in nudge_ulps:
                run(model, gradient_lag, seed, int(ulps), nudges)
    log = None
    solved = [r["seed"] for r in runs if (r["model"], r["lag"]) == ("rnn", gradient_lag)
              and r["solved"]]
    if solved:
        log = logged_run(solved[0], gradient_lag, lr=lr, **settings)
    return {"config": {"lags": lags, "seeds": seeds, "hidden_size": hidden_size,
                       "steps": steps, "batch_size": batch_size, "lr": lr, "clip": clip,
                       "test_size": test_size, "gradient_lag": gradient_lag,
                       "gradient_seed": seeds[0], "nudge_ulps": [int(u) for u in nudge_ulps],
                       "task": "flagged bit, loss at the last step only",
                       "init": "uniform(-1/sqrt(H), 1/sqrt(H)), biases too",
                       "optimiser": "Adam(0.9, 0.999, 1e-8) of gru_lesson.engine.optim, "
                                    "global-norm clipping, early stop at 100% on a "
                                    "500-sequence check batch"},
            "runs": runs, "nudges": nudges, "log": log, "trained": trained}


def logged_run(seed, lag, *, model="rnn", **train_kwargs):
    """:func:`training_log` of one run as a JSON-ready dict: model, lag, seed, steps_used,
    solved, the trained params, and the log's columns (values to 4 significant digits)."""
    params, info, steps_log = training_log(model, lag, seed=seed, **train_kwargs)
    return {"model": model, "lag": lag, "seed": seed, "steps_used": info["steps"],
            "solved": info["solved"], "params": params_to_json(params),
            **{k: (v.tolist() if k == "step" else [float(f"{x:.4g}") for x in v])
               for k, v in steps_log.items()}}


def accuracy_table(results):
    """{model: {lag: [accuracy per seed]}} from a results dict."""
    table = {m: {lag: [] for lag in results["config"]["lags"]} for m in MODELS}
    for run in results["runs"]:
        table[run["model"]][run["lag"]].append(run["accuracy"])
    return table


def params_to_json(params):
    return {k: np.asarray(v).tolist() for k, v in params.items()}


def params_from_json(d):
    return {k: np.asarray(v, dtype=np.float64) for k, v in d.items()}


def load_results():
    """The stored experiment (gru_lesson/assets/why_gates.json) as a dict; trained params as arrays.

    Keys: "config", "runs", "nudges", "log", "created", "runtime_seconds", "command" and
    "trained" ({model: params} trained at config["gradient_lag"], for the gradient plots). The
    log's params and columns come back as arrays.
    """
    try:
        text = resources.files("gru_lesson").joinpath("assets", RESULTS_FILE).read_text()
    except FileNotFoundError:
        raise ValueError(f"gru_lesson/assets/{RESULTS_FILE} is missing; regenerate it with "
                         f"`python scripts/why_gates_experiment.py`") from None
    results = json.loads(text)
    results["trained"] = {m: params_from_json(p) for m, p in results.get("trained", {}).items()}
    if results.get("log"):
        log = results["log"]
        log["params"] = params_from_json(log["params"])
        for k in ("step", "loss", "flag_grad", "flag_step", "reach"):
            log[k] = np.asarray(log[k], dtype=int if k == "step" else float)
    return results


def _engine(model):
    return _ENGINES[_check_model(model)]


def _check_model(model):
    if model not in _ENGINES:
        raise ValueError(f"model must be one of {', '.join(MODELS)}, got {model!r}")
    return model


def _nonneg_int(v, name, minimum=0):
    if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {v!r}")
    return int(v)
