"""The lessons' figures. Every function returns a matplotlib Figure and never shows it.

    from gru_lesson.teach import plots
    plots.use_lesson_style()                 # big fonts, no version stamp in inline PNGs
    fig = plots.gate_heatmaps(cache, a_bits=a, b_bits=b)
    plt.show()

Colour maps are colour-blind safe: ``cividis`` for gates in [0, 1], ``PuOr`` with a symmetric
range for signed values (h_tilde, h in [-1, 1]). matplotlib is imported here, never by
``import gru_lesson``. The diagrams (the cell, the net unrolled, the BPTT graph, the two
products) are in diagrams.py.
"""

import numpy as np

from ..engine.checks import unit_indices

GATE_CMAP = "cividis"        # values in [0, 1]: r, z, y
SIGNED_CMAP = "PuOr"         # values in [-1, 1]: h_tilde, h (diverging, colour-blind safe)
LINE_COLORS = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#000000")

# name in the cache -> (LaTeX label, colour map, value range)
GATES = {
    "r": (r"reset gate $r_t$", GATE_CMAP, (0.0, 1.0)),
    "z": (r"update gate $z_t$", GATE_CMAP, (0.0, 1.0)),
    "h_tilde": (r"candidate $\tilde h_t$", SIGNED_CMAP, (-1.0, 1.0)),
    "h": (r"hidden state $h_t$", SIGNED_CMAP, (-1.0, 1.0)),
}

LESSON_STYLE = {
    "font.size": 15, "axes.titlesize": 17, "axes.labelsize": 15, "xtick.labelsize": 13,
    "ytick.labelsize": 13, "legend.fontsize": 13, "figure.titlesize": 18,
    "lines.linewidth": 2.5, "image.cmap": GATE_CMAP, "axes.grid": False,
}


def _plt():
    import matplotlib.pyplot as plt
    return plt


def use_lesson_style():
    """Projector-size fonts and a colour-blind-safe line cycle; in IPython, inline PNGs without
    matplotlib's version stamp (so re-executed notebooks do not change with the version)."""
    import matplotlib as mpl
    from cycler import cycler
    mpl.rcParams.update(LESSON_STYLE)
    mpl.rcParams["axes.prop_cycle"] = cycler(color=LINE_COLORS)
    try:
        from IPython import get_ipython
    except ImportError:
        return
    ip = get_ipython()
    if ip is not None:
        ip.run_line_magic("config", "InlineBackend.print_figure_kwargs = "
                          "{'bbox_inches': 'tight', 'metadata': {'Software': None}}")


# ----------------------------------------------------------------------------- helpers

def _step_labels(T, a_bits=None, b_bits=None):
    """Tick labels for time steps 1..T, with the input bits a, b under each step if given."""
    if a_bits is None or b_bits is None:
        return [str(t) for t in range(1, T + 1)]
    a_bits, b_bits = np.asarray(a_bits), np.asarray(b_bits)
    if a_bits.shape != (T,) or b_bits.shape != (T,):
        raise ValueError(f"a_bits and b_bits must each have one bit per time step ({T}), "
                         f"got shapes {a_bits.shape} and {b_bits.shape}")
    steps = range(1, T + 1)
    return [f"{t}\n{int(a)}\n{int(b)}" for t, a, b in zip(steps, a_bits, b_bits, strict=True)]


def _bits_xlabel(with_bits):
    if with_bits:
        return "time step t  (under it: bit of a, bit of b; least significant first)"
    return "time step t"


def _sequence(cache, n):
    N = cache.h.shape[1]
    if not 0 <= n < N:
        raise ValueError(f"sequence index n={n} is out of range: the cache holds {N} sequences")
    return n


# ----------------------------------------------------------------------------- training

def training_curves(history, *, title="Training", smooth=None, loss_label="loss"):
    """Loss per step (left) and accuracy at the checkpoints (right) of a train History (gl.train:
    its validation sets; gl.train_seed: the held-out pairs).

    smooth: also draw a moving average of the loss over this many steps (default: about 1% of
    the run when there are more than 200 steps; 0 to switch off). loss_label: what the loss
    is, for the y axis (two runs with different losses must not share one label), e.g.
    "seed's 1/2 sum (y - d)^2 per sample" for gl.train_seed or "mean BCE per output bit"
    for gl.train.
    """
    plt = _plt()
    from matplotlib.ticker import PercentFormatter

    loss = np.asarray(history.loss, dtype=float)
    if loss.size == 0:
        raise ValueError("history has no steps to plot; train for at least one step")
    steps = np.arange(1, loss.size + 1)
    if smooth is None:
        smooth = max(loss.size // 100, 2) if loss.size > 200 else 0
    fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(14, 5))
    ax_loss.plot(steps, loss, color=LINE_COLORS[0], lw=1.0, alpha=0.45 if smooth else 1.0,
                 label="loss per step")
    if smooth:
        kernel = np.ones(smooth) / smooth
        avg = np.convolve(loss, kernel, mode="valid")
        ax_loss.plot(steps[smooth - 1:], avg, color=LINE_COLORS[5], lw=2.5,
                     label=f"mean of {smooth} steps")
        ax_loss.legend(loc="upper right")
    ax_loss.set_yscale("log")
    ax_loss.set_xlabel("training step")
    ax_loss.set_ylabel(f"{loss_label} (log scale)")
    ax_loss.set_title("Loss")

    names = {"random": "validation: random pairs", "small": "validation: small sums",
             "carry": "validation: carry chains",
             "threshold": "held-out, decoded with y > 0.5",
             "matlab_round": "held-out, decoded with MATLAB round()"}
    markers = ("o", "s", "^", "D")
    for k, (key, acc) in enumerate(history.accuracy.items()):
        ax_acc.plot(history.checkpoints, acc, marker=markers[k % 4], markersize=7,
                    color=LINE_COLORS[k % len(LINE_COLORS)], label=names.get(key, key))
    ax_acc.yaxis.set_major_formatter(PercentFormatter(xmax=1.0))
    ax_acc.set_ylim(-0.03, 1.03)
    ax_acc.set_xlabel("training step")
    ax_acc.set_ylabel("sums exactly right")
    ax_acc.set_title("Accuracy at the checkpoints")
    if history.accuracy:
        ax_acc.legend(loc="lower right")
    ax_acc.grid(alpha=0.3)
    fig.suptitle(title)
    fig.tight_layout()
    return fig


# ----------------------------------------------------------------------------- inside the net

def gate_heatmaps(cache, *, n=0, a_bits=None, b_bits=None, names=("r", "z", "h_tilde", "h"),
                  units=None, chosen=None, title=None):
    """Heatmaps of the gates over time for sequence n of a forward cache.

    One panel per name in ``names`` (from r, z, h_tilde, h): time steps on the x axis (with the
    input bits under each step when a_bits, b_bits are given), hidden units on the y axis.
    units: which hidden units to show, in that order (default all); chosen: units to mark
    with a * (e.g. the carry units).
    """
    plt = _plt()
    unknown = [k for k in names if k not in GATES]
    if unknown or not names:
        raise ValueError(f"names must be chosen from {', '.join(GATES)}, got {list(names)}")
    n = _sequence(cache, n)
    T, _, H = cache.h.shape
    units = np.arange(H) if units is None else np.asarray(units, dtype=int)
    if units.size == 0 or units.min() < 0 or units.max() >= H:
        raise ValueError(f"units must be indices of hidden units in 0..{H - 1}")
    labels = _step_labels(T, a_bits, b_bits)
    with_bits = a_bits is not None and b_bits is not None
    chosen = set() if chosen is None else set(unit_indices(chosen, H, "chosen"))

    # two panels side by side (all four gates on one screen) unless the sequence is long
    ncols = 1 if len(names) == 1 or T > 40 else 2
    nrows = -(-len(names) // ncols)
    width = max(7.0, 0.34 * min(T, 40) + 2.5) * ncols
    height = nrows * (0.28 * len(units) + 1.7) + (0.7 if title else 0.0) + 0.5
    fig, axes = plt.subplots(nrows, ncols, figsize=(width, height), sharex=True, sharey=True,
                             squeeze=False)
    for ax, name in zip(axes.ravel(), names, strict=False):
        label, cmap, (lo, hi) = GATES[name]
        data = getattr(cache, name)[:, n, :][:, units].T               # (units, T)
        im = ax.imshow(data, aspect="auto", cmap=cmap, vmin=lo, vmax=hi,
                       interpolation="nearest",
                       extent=(0.5, T + 0.5, len(units) - 0.5, -0.5))
        cbar = fig.colorbar(im, ax=ax, pad=0.015, fraction=0.05)
        cbar.set_ticks([lo, (lo + hi) / 2, hi])
        ax.set_title(label, loc="left")
    for ax in axes.ravel()[len(names):]:
        ax.set_visible(False)
    ticks = np.arange(len(units))
    step = 1 if len(units) <= 16 else int(np.ceil(len(units) / 16))
    for ax in axes[:, 0]:
        ax.set_ylabel("hidden unit" + (" (* carry)" if chosen else ""))
        ax.set_yticks(ticks[::step],
                      [f"{u}*" if u in chosen else str(u) for u in units[::step]])
    shown = np.arange(1, T + 1)[::max(1, int(np.ceil(T / 24)))]
    for ax in axes[-1]:
        ax.set_xticks(shown, [labels[t - 1] for t in shown])
        ax.set_xlabel("time step t")
    if with_bits:
        fig.supxlabel("under each step: the bit of a, then the bit of b (least significant first)",
                      fontsize=13)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


TRACE_STYLES = (("-", "o", 9), ("--", "s", 6), (":", "^", 6), ("-.", "D", 5))


def unit_traces(cache, units, *, n=0, name="h", carry=None, a_bits=None, b_bits=None,
                title=None):
    """Line plot of chosen hidden units over time (default h_t) for sequence n of a cache, with
    the true carry (0/1 per time step) drawn as a step line when given.

    On a signed scale (h, h_tilde in [-1, 1]) the carry is drawn as 2 carry - 1 (-1: no carry,
    +1: carry), so it sits where a carry unit's values do. Each unit gets its own colour, line
    style and marker (the first with big hollow markers), so units that coincide stay visible.
    """
    plt = _plt()
    if name not in GATES:
        raise ValueError(f"name must be one of {', '.join(GATES)}, got {name!r}")
    n = _sequence(cache, n)
    T, _, H = cache.h.shape
    units = np.atleast_1d(np.asarray(units, dtype=int))
    if units.size == 0 or units.min() < 0 or units.max() >= H:
        raise ValueError(f"units must be indices of hidden units in 0..{H - 1}")
    steps = np.arange(1, T + 1)
    values = getattr(cache, name)[:, n, :]
    lo, hi = GATES[name][2]
    fig, ax = plt.subplots(figsize=(max(10, 0.55 * T + 3), 5))
    if carry is not None:
        carry = np.asarray(carry, dtype=float)
        if carry.shape != (T,):
            raise ValueError(f"carry must have one value per time step ({T}), "
                             f"got shape {carry.shape}")
        signed = lo < 0
        ax.step(steps, 2 * carry - 1 if signed else carry, where="mid", color="#777777", lw=6,
                alpha=0.45, label="true carry out of bit t" + (r" (as 2 carry $-$ 1)"
                                                               if signed else ""))
    for k, u in enumerate(units):
        ls, marker, size = TRACE_STYLES[k % len(TRACE_STYLES)]
        color = LINE_COLORS[k % len(LINE_COLORS)]
        ax.plot(steps, values[:, u], ls=ls, marker=marker, markersize=size, color=color,
                markerfacecolor="none" if k == 0 else color, markeredgewidth=2,
                lw=3.5 if k == 0 else 2.0, label=f"unit {u}", zorder=2 + k)
    ax.set_ylim(lo - 0.08, hi + 0.08)
    ax.axhline(0.0 if lo < 0 else 0.5, color="black", lw=0.8, ls=":")
    ax.set_xticks(steps, _step_labels(T, a_bits, b_bits))
    ax.set_xlabel(_bits_xlabel(a_bits is not None and b_bits is not None))
    ax.set_ylabel(GATES[name][0])
    ax.set_title(title or f"{GATES[name][0]} of chosen units over time")
    ax.legend(loc="center left", bbox_to_anchor=(1.01, 0.5))
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig


def output_probabilities(prob, true_bits, *, a_bits=None, b_bits=None, title=None):
    """The net's output y_t per time step as bars, the true sum bits as markers, and the 0.5
    line where decoding decides (MATLAB's round(0.5) = 1, the threshold y > 0.5 says 0)."""
    plt = _plt()
    prob = np.asarray(prob, dtype=float).reshape(-1)
    true_bits = np.asarray(true_bits).reshape(-1)
    if prob.shape != true_bits.shape:
        raise ValueError(f"prob and true_bits must have the same length, got {prob.size} "
                         f"and {true_bits.size}")
    T = prob.size
    steps = np.arange(1, T + 1)
    fig, ax = plt.subplots(figsize=(max(10, 0.55 * T + 3), 4.8))
    ax.bar(steps, prob, color=LINE_COLORS[0], alpha=0.8, label=r"net output $y_t$")
    ax.plot(steps, true_bits, linestyle="none", marker="D", markersize=10,
            color=LINE_COLORS[1], markeredgecolor="black", label="true sum bit")
    ax.axhline(0.5, color="black", lw=1.5, ls="--", label="0.5")
    ax.set_ylim(0, 1.08)
    ax.set_xticks(steps, _step_labels(T, a_bits, b_bits))
    ax.set_xlabel(_bits_xlabel(a_bits is not None and b_bits is not None))
    ax.set_ylabel(r"$y_t$")
    ax.set_title(title or "Output bit by bit")
    ax.legend(loc="center left", bbox_to_anchor=(1.01, 0.5))
    fig.tight_layout()
    return fig


def carry_correlations(corr, *, chosen=None, threshold=None, title=None):
    """Bar chart of each hidden unit's correlation with the true carry (from
    gru_lesson.addition.analysis.carry_correlations); the chosen carry units are highlighted,
    and with ``threshold`` (e.g. analysis.CARRY_THRESHOLD) the lines |corr| = threshold are
    drawn."""
    plt = _plt()
    corr = np.asarray(corr, dtype=float).reshape(-1)
    H = corr.size
    chosen = set() if chosen is None else set(unit_indices(chosen, H, "chosen"))
    colors = [LINE_COLORS[5] if u in chosen else LINE_COLORS[0] for u in range(H)]
    fig, ax = plt.subplots(figsize=(max(9, 0.5 * H + 3), 4.8))
    ax.bar(np.arange(H), corr, color=colors)
    ax.axhline(0, color="black", lw=0.8)
    if threshold is not None:
        for level in (threshold, -threshold):
            ax.axhline(level, color="black", lw=1.2, ls="--",
                       label=rf"$|\rho| = {threshold:g}$" if level > 0 else None)
        ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0))
    ax.set_ylim(-1.05, 1.05)
    ax.set_xticks(np.arange(H))
    ax.set_xlabel("hidden unit")
    ax.set_ylabel(r"correlation of $h_t$ with carry")
    ax.set_title(title or "Which hidden units track the carry?"
                 + ("  (highlighted: chosen)" if chosen else ""))
    ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    return fig


CONDITIONS = ("0+0, no carry in", "0+0, carry in", "0+1, no carry in", "0+1, carry in",
              "1+1, no carry in", "1+1, carry in")


def gate_conditions(means, *, name="z", units=None, chosen=None, title=None):
    """Heatmap of a gate's mean value in each kind of step (rows: the input pair a_t + b_t and
    the carry coming in) for each hidden unit (columns), from
    gru_lesson.addition.analysis.gate_by_pair_and_carry; the values are written in the cells.

    units: the unit index of each column of means (default 0..U-1); chosen: units to mark.
    """
    plt = _plt()
    if name not in GATES:
        raise ValueError(f"name must be one of {', '.join(GATES)}, got {name!r}")
    data = np.asarray(means[name], dtype=float)
    if data.ndim != 3 or data.shape[:2] != (3, 2):
        raise ValueError(f"means[{name!r}] must have shape (3, 2, units) as returned by "
                         f"gate_by_pair_and_carry, got {data.shape}")
    data = data.reshape(6, -1)                                       # (conditions, units)
    U = data.shape[1]
    units = np.arange(U) if units is None else np.asarray(units, dtype=int)
    if units.shape != (U,):
        raise ValueError(f"units must name the {U} columns of means, got {units.shape}")
    chosen = set() if chosen is None else {int(u) for u in np.atleast_1d(chosen)}
    label, cmap, (lo, hi) = GATES[name]
    fig, ax = plt.subplots(figsize=(max(8, 0.75 * U + 5), 5.2))
    im = ax.imshow(data, aspect="auto", cmap=cmap, vmin=lo, vmax=hi, interpolation="nearest")
    for i in range(6):
        for j in range(U):
            v = data[i, j]
            dark_cell = (v - lo) / (hi - lo) < 0.5 if cmap == GATE_CMAP else abs(v) > 0.6
            ax.text(j, i, f"{v:.2f}", ha="center", va="center", fontsize=11,
                    color="white" if dark_cell else "black")
    fig.colorbar(im, ax=ax, pad=0.01, fraction=0.04)
    ax.set_yticks(np.arange(6), CONDITIONS)
    ax.set_xticks(np.arange(U), [f"{u}*" if u in chosen else str(u) for u in units])
    ax.set_xlabel("hidden unit" + ("   (* = carry unit)" if chosen else ""))
    ax.set_ylabel("kind of step")
    ax.set_title(title or f"Mean {label} in each kind of step")
    fig.tight_layout()
    return fig
