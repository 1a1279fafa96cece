"""Plots for notebook 07 (why gates): gradient norms in time, accuracy vs dependency length.

Each function returns a matplotlib Figure (it never calls plt.show()); matplotlib is imported
inside, so `import gru_lesson` stays cheap. Colours are Okabe-Ito (colour-blind safe), fonts
big enough for a projector.
"""

import numpy as np

# Okabe-Ito: readable for every common kind of colour blindness
COLOURS = {"rnn": "#D55E00", "gru": "#0072B2"}
LABELS = {"rnn": "plain RNN", "gru": "GRU"}
FONT = 14


def plot_gradient_norms(curves, *, title="How much gradient reaches step T - k", ymin=1e-30,
                        ax=None):
    """||dE/dh_{T-k}|| against the distance k to the loss, on a log scale.

    curves: {label: 1-D array indexed by distance}. A label starting with "rnn" or "gru" gets
    that model's colour; one containing "init" is drawn dashed (at initialisation), others solid.
    The y axis stops at ``ymin`` (None: wherever the data go); a curve that falls below it
    leaves the chart and its legend entry says so.
    """
    plt = _pyplot()
    fig, ax = _figure_and_axes(plt, ax, (9, 5))
    if not curves:
        raise ValueError("curves is empty: give {label: norms by distance}")
    for label, norms in curves.items():
        norms = np.asarray(norms, dtype=float)
        if norms.ndim != 1:
            raise ValueError(f"curve {label!r} must be 1-D (one norm per distance), "
                             f"got shape {norms.shape}")
        model = "rnn" if label.lower().startswith("rnn") else \
            "gru" if label.lower().startswith("gru") else None
        below = ymin is not None and np.any(norms < ymin)
        ax.semilogy(np.arange(len(norms)), np.maximum(norms, 1e-300), lw=2.5,
                    ls="--" if "init" in label else "-", color=COLOURS.get(model),
                    label=label + (f"  (below {ymin:.0e} from k = "
                                   f"{int(np.argmax(norms < ymin))})" if below else ""))
    if ymin is not None:
        top = max(float(np.max(np.asarray(v, dtype=float))) for v in curves.values())
        ax.set_ylim(ymin, 10 ** np.ceil(np.log10(max(top, ymin)) + 0.5))
    ax.set_xlabel("distance k from the loss (steps back in time)", fontsize=FONT)
    ax.set_ylabel(r"$\|\partial E / \partial h_{T-k}\|$  (log scale)", fontsize=FONT)
    ax.set_title(title, fontsize=FONT + 2)
    ax.tick_params(labelsize=FONT - 2)
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(fontsize=FONT - 2, loc="lower left")
    fig.tight_layout()
    return fig


def plot_accuracy_vs_lag(results, *, ax=None):
    """Test accuracy against the lag for both models: every seed a dot, the mean a line.

    results: the dict of gru_lesson.teach.why_gates.run_experiment / load_results.
    """
    plt = _pyplot()
    fig, ax = _figure_and_axes(plt, ax, (9, 5))
    lags = results["config"]["lags"]
    offsets = {"rnn": -0.04, "gru": 0.04}                 # side by side, not on top
    for model in ("rnn", "gru"):
        runs = [r for r in results["runs"] if r["model"] == model]
        if not runs:
            continue
        means = [np.mean([r["accuracy"] for r in runs if r["lag"] == lag]) for lag in lags]
        ax.plot(lags, means, "-", lw=2.5, color=COLOURS[model],
                label=f"{LABELS[model]} (mean of {len(results['config']['seeds'])} seeds)")
        ax.scatter([r["lag"] * 2 ** offsets[model] for r in runs], [r["accuracy"] for r in runs],
                   s=60, color=COLOURS[model], alpha=0.6, edgecolor="white",
                   marker="o" if model == "gru" else "s")
    ax.axhline(0.5, color="grey", ls=":", lw=1.5)
    ax.text(lags[-1], 0.51, "chance", color="grey", fontsize=FONT - 2, ha="right")
    ax.set_xscale("log", base=2)
    ax.set_xticks(lags)
    ax.set_xticklabels([str(v) for v in lags])
    ax.set_ylim(0.4, 1.04)
    ax.set_xlabel("lag: distractor steps between the bit and the question", fontsize=FONT)
    ax.set_ylabel("test accuracy (1,000 sequences)", fontsize=FONT)
    ax.set_title("Remembering one bit: accuracy vs lag", fontsize=FONT + 2)
    ax.tick_params(labelsize=FONT - 2)
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=FONT - 2, loc="lower left")
    fig.tight_layout()
    return fig


def plot_training_log(log, *, lr=None, title=None):
    """One logged training run (why_gates.training_log / the stored results' "log"), step by step.

    Top: the largest gradient reaching the weights that read the flag, and the largest step
    Adam took on them (log scale; with lr, Adam's full-size step is drawn as a line). Middle:
    ||dE/dh_1|| / ||dE/dh_T||, how much of the gradient at the loss reaches the flagged step
    (log scale, 1 marked). Bottom: the loss. Zeros (a step too small to change a float64 weight)
    are drawn at the bottom edge.
    """
    plt = _pyplot()
    steps = np.asarray(log["step"])
    if steps.size == 0:
        raise ValueError("the log is empty: train for at least one step")
    fig, (ax_g, ax_r, ax_l) = plt.subplots(3, 1, figsize=(11, 9), sharex=True,
                                           gridspec_kw={"height_ratios": [2, 1.4, 1]})
    floor = 1e-40
    ax_g.semilogy(steps, np.maximum(log["flag_grad"], floor), lw=1.2, color=COLOURS["rnn"],
                  label="gradient on the flag weights (largest |dE/dw|)")
    ax_g.semilogy(steps, np.maximum(log["flag_step"], floor), lw=1.2, color=COLOURS["gru"],
                  alpha=0.8, label="Adam's step on them (largest |change|)")
    if lr is not None:
        ax_g.axhline(lr, color="black", ls="--", lw=1.2, label=f"learning rate {lr:g}")
    ax_g.set_ylim(floor, 10)
    ax_g.set_ylabel("size (log scale)", fontsize=FONT)
    ax_g.legend(fontsize=FONT - 3, loc="lower right")
    ax_r.semilogy(steps, np.maximum(log["reach"], floor), lw=1.2, color="#009E73")
    ax_r.axhline(1.0, color="black", ls=":", lw=1.2)
    ax_r.set_ylim(floor, 100)
    ax_r.set_ylabel(r"$\|\partial E/\partial h_1\| \,/\, \|\partial E/\partial h_T\|$",
                    fontsize=FONT - 1)
    ax_l.plot(steps, log["loss"], lw=0.8, color="#777777")
    ax_l.set_ylabel("loss (BCE)", fontsize=FONT)
    ax_l.set_xlabel("training step", fontsize=FONT)
    for ax in (ax_g, ax_r, ax_l):
        ax.tick_params(labelsize=FONT - 2)
        ax.grid(True, alpha=0.3)
    fig.suptitle(title or "One training run, step by step", fontsize=FONT + 2)
    fig.tight_layout()
    return fig


def plot_nudges(results, *, ax=None):
    """Solved (filled) or not (hollow) for every seed and learning-rate nudge, both models.

    results: the stored experiment (why_gates.load_results()); its "runs" at the longest lag
    give the 0-ulp column and its "nudges" the others.
    """
    plt = _pyplot()
    cfg = results["config"]
    lag = cfg["gradient_lag"]
    ulps = sorted({0, *cfg["nudge_ulps"]})
    rows = [r for r in results["runs"] if r["lag"] == lag] + list(results["nudges"])
    fig, ax = _figure_and_axes(plt, ax, (9, 4.5))
    for m, model in enumerate(("rnn", "gru")):
        for r in rows:
            if r["model"] != model:
                continue
            x = ulps.index(r.get("ulps", 0)) + (m - 0.5) * 0.3
            ax.scatter(x, r["seed"], s=160, marker="s" if model == "rnn" else "o",
                       facecolors=COLOURS[model] if r["solved"] else "none",
                       edgecolors=COLOURS[model], linewidths=2)
        ax.scatter([], [], s=160, marker="s" if model == "rnn" else "o", color=COLOURS[model],
                   label=f"{LABELS[model]} (filled: solved)")
    ax.set_xticks(range(len(ulps)), [f"{u:+d} ulp" if u else f"lr = {cfg['lr']:g}"
                                     for u in ulps])
    ax.set_yticks(cfg["seeds"])
    ax.set_xlabel(f"learning rate, nudged by units in the last place, ulp (lag {lag})",
                  fontsize=FONT)
    ax.set_ylabel("seed", fontsize=FONT)
    ax.set_title("Solved or not, when the learning rate moves by one float", fontsize=FONT + 2)
    ax.tick_params(labelsize=FONT - 2)
    ax.legend(fontsize=FONT - 2, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    fig.tight_layout()
    return fig


def plot_hidden_difference(h_a, h_b, *, labels=("reset after", "reset before"), unit=0,
                           sequence=0, ax=None):
    """One hidden unit over time under two variants: where two functions part ways."""
    plt = _pyplot()
    fig, ax = _figure_and_axes(plt, ax, (9, 4))
    h_a, h_b = np.asarray(h_a), np.asarray(h_b)
    if h_a.shape != h_b.shape or h_a.ndim != 3:
        raise ValueError(f"h_a and h_b must both be (T, N, H), got {h_a.shape} and {h_b.shape}")
    t = np.arange(1, h_a.shape[0] + 1)
    ax.plot(t, h_a[:, sequence, unit], "-o", lw=2.5, color=COLOURS["gru"], label=labels[0])
    ax.plot(t, h_b[:, sequence, unit], "--s", lw=2.5, color=COLOURS["rnn"], label=labels[1])
    ax.set_xlabel("step t", fontsize=FONT)
    ax.set_ylabel(f"h_t, unit {unit}", fontsize=FONT)
    ax.set_title("Same weights, two candidate formulas", fontsize=FONT + 2)
    ax.tick_params(labelsize=FONT - 2)
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=FONT - 2)
    fig.tight_layout()
    return fig


def _pyplot():
    import matplotlib.pyplot as plt
    return plt


def _figure_and_axes(plt, ax, size):
    if ax is not None:
        return ax.figure, ax
    fig, ax = plt.subplots(figsize=size)
    return fig, ax
