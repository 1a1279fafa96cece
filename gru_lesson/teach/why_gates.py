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
    loss = float(np.mean(np.logaddexp(0.0, a) - target * a))
    dlogits = np.zeros_like(cache.logits)
    dlogits[-1, :, 0] = (0.5 * np.tanh(0.5 * a) + 0.5 - target) / n   # (sigmoid(a) - d) / N
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
                 clip=1.0, check_every=100, stop_at=1.0):
    """Train ``model`` on the flagged-bit task with Adam. Returns (params, info).

    Stops early once the accuracy on a 500-sequence check batch reaches ``stop_at`` (so a solved
    task costs less; the budget ``steps`` is the same for both models). info: {"steps": used,
    "loss": [loss every check], "train_acc": [...]}.
    """
    rng = np.random.default_rng(seed)
    params = init_model(model, hidden_size, rng)
    m = {k: np.zeros_like(v) for k, v in params.items()}
    v = {k: np.zeros_like(p) for k, p in params.items()}
    beta1, beta2, eps = 0.9, 0.999, 1e-8
    info = {"steps": steps, "loss": [], "train_acc": []}
    for step in range(1, steps + 1):
        x, target = flagged_bit_batch(lag, batch_size, rng)
        loss, grads = last_step_loss_and_grads(model, params, x, target)
        norm = np.sqrt(sum(float(np.sum(g * g)) for g in grads.values()))
        scale = min(1.0, clip / norm) if norm > 0 else 1.0
        for k in params:                                                 # Adam
            g = grads[k] * scale
            m[k] = beta1 * m[k] + (1 - beta1) * g
            v[k] = beta2 * v[k] + (1 - beta2) * g * g
            m_hat = m[k] / (1 - beta1 ** step)
            v_hat = v[k] / (1 - beta2 ** step)
            params[k] = params[k] - lr * m_hat / (np.sqrt(v_hat) + eps)
        if step % check_every == 0:
            acc = memory_accuracy(model, params, lag, n=500, rng=rng)
            info["loss"].append(round(loss, 6))
            info["train_acc"].append(acc)
            if acc >= stop_at:
                info["steps"] = step
                break
    return params, info


def gradient_norms(model, params, lag, *, n=256, rng=0):
    """Mean over n sequences of ||dE/dh_t||, indexed by the distance to the loss (0 .. lag).

    E is the last-step loss of the flagged-bit task, so distance k means step T - k.
    """
    x, target = flagged_bit_batch(lag, n, rng)
    _, _, dh = last_step_loss_and_grads(model, params, x, target, return_dh=True)
    norms = np.linalg.norm(dh * n, axis=2).mean(axis=1)     # per-sequence gradient (undo the 1/N)
    return norms[::-1].copy()                               # distance 0 first


def update_gate_path(params, lag, *, n=256, rng=0):
    """Where a trained GRU keeps the flagged bit, and how open its (1 - z) path is.

    The memory unit is the one whose final state correlates most with the bit. Returns a dict:
    unit, corr (|correlation| of h_T with the bit), z_flagged (mean z at the flagged step: how
    much it writes), keep (mean 1 - z over the distractor steps: how much it keeps per step),
    keep_product (mean over sequences of the product of 1 - z over all ``lag`` distractor steps:
    the factor the direct path multiplies the gradient by) and keep_by_unit (mean 1 - z, every
    unit).
    """
    x, target = flagged_bit_batch(lag, n, rng)
    _, cache = forward(params, x)
    h_T = cache.h[-1]
    spread = h_T.std(axis=0)
    corr = np.zeros(h_T.shape[1])
    ok = spread > 0
    corr[ok] = np.abs([np.corrcoef(h_T[:, u], target)[0, 1] for u in np.flatnonzero(ok)])
    unit = int(np.argmax(corr))
    keep = 1.0 - cache.z[1:, :, unit]                                  # (lag, n)
    return {"unit": unit, "corr": float(corr[unit]),
            "z_flagged": float(cache.z[0, :, unit].mean()),
            "keep": float(keep.mean()) if lag else 1.0,
            "keep_product": float(np.prod(keep, axis=0).mean()),
            "keep_by_unit": (1.0 - cache.z[1:]).mean(axis=(0, 1)) if lag else np.ones(len(corr))}


def run_experiment(lags=(5, 10, 20, 40, 80), seeds=(0, 1, 2, 3, 4), *, hidden_size=8,
                   steps=10_000, batch_size=32, lr=0.02, clip=1.0, test_size=1000, progress=None):
    """Train both models at every lag and seed; return the results as a JSON-ready dict.

    The nets trained at the longest lag with the first seed are kept (under "trained") for the
    gradient-norm plots. progress: optional callable(message) told about each finished run.
    """
    lags, seeds = [int(v) for v in lags], [int(v) for v in seeds]
    if not lags or not seeds:
        raise ValueError("give at least one lag and one seed")
    gradient_lag = max(lags)
    runs, trained = [], {}
    for lag in lags:
        for model in MODELS:
            for seed in seeds:
                params, info = train_memory(model, lag, hidden_size=hidden_size, seed=seed,
                                            steps=steps, batch_size=batch_size, lr=lr, clip=clip)
                acc = memory_accuracy(model, params, lag, n=test_size)
                runs.append({"model": model, "lag": lag, "seed": seed, "accuracy": acc,
                             "steps_used": info["steps"]})
                if lag == gradient_lag and seed == seeds[0]:
                    trained[model] = params_to_json(params)
                if progress is not None:
                    progress(f"{model} lag={lag:3d} seed={seed}: accuracy {acc:.3f} "
                             f"after {info['steps']} steps")
    return {"config": {"lags": lags, "seeds": seeds, "hidden_size": hidden_size,
                       "steps": steps, "batch_size": batch_size, "lr": lr, "clip": clip,
                       "test_size": test_size, "gradient_lag": gradient_lag,
                       "gradient_seed": seeds[0],
                       "task": "flagged bit, loss at the last step only",
                       "init": "uniform(-1/sqrt(H), 1/sqrt(H)), biases too",
                       "optimiser": "Adam(0.9, 0.999, 1e-8), global-norm clipping, early stop "
                                    "at 100% on a 500-sequence check batch"},
            "runs": runs, "trained": trained}


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

    Keys: "config", "runs", "created", "runtime_seconds", "command" and "trained" ({model:
    params} trained at config["gradient_lag"], for the gradient plots).
    """
    try:
        text = resources.files("gru_lesson").joinpath("assets", RESULTS_FILE).read_text()
    except FileNotFoundError:
        raise ValueError(f"gru_lesson/assets/{RESULTS_FILE} is missing; regenerate it with "
                         f"`python scripts/why_gates_experiment.py`") from None
    results = json.loads(text)
    results["trained"] = {m: params_from_json(p) for m, p in results.get("trained", {}).items()}
    return results


def _engine(model):
    if model not in _ENGINES:
        raise ValueError(f"model must be one of {', '.join(MODELS)}, got {model!r}")
    return _ENGINES[model]


def _nonneg_int(v, name, minimum=0):
    if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {v!r}")
    return int(v)
