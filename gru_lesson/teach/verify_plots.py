"""Figures for notebook 5, "Does it really add?": where uniform sampling looks, and the boxes.

    fig = verify_plots.bit_lengths(bits=16, wrong=v.wrong)   # which sums random tests draw
    fig = verify_plots.box_widths({"shipped": gl.box_abstraction(params)})  # the boxes
"""

import numpy as np

from .plots import LINE_COLORS, _plt


def length_shares(bits=16):
    """share[k - 1] = the probability that a uniform random pair of bits-bit operands has
    max(bit length of a, b) = k, for k = 1..bits (k = 0, i.e. 0 + 0, has 4^-bits).

    P(max bit length <= k) = (2^k / 2^bits)^2 = 4^(k - bits), so each length below the top is
    4 times rarer than the next.
    """
    k = np.arange(1, bits + 1)
    return 4.0 ** (k - bits) - 4.0 ** (k - 1 - bits)


def bit_lengths(bits=16, wrong=(), *, title="Which sums uniform random tests draw"):
    """Bars: the share of uniform random bits-bit pairs of each operand length (log scale);
    dots: how many of the listed wrong sums (a, b) have that length."""
    plt = _plt()
    share = length_shares(bits)
    k = np.arange(1, bits + 1)
    fig, ax = plt.subplots(figsize=(10, 4.5))
    ax.bar(k, share, color=LINE_COLORS[0], label="share of uniform random pairs")
    ax.set_yscale("log")
    ax.set_xlabel("operand length: max(bit length of a, b)")
    ax.set_ylabel("share of random pairs (log)")
    ax.set_xticks(k)
    if len(wrong):
        lengths = np.array([max(int(a).bit_length(), int(b).bit_length()) for a, b in wrong])
        counts = np.bincount(lengths, minlength=bits + 1)[1:]
        ax2 = ax.twinx()
        ax2.plot(k[counts > 0], counts[counts > 0], "o", color=LINE_COLORS[5], markersize=9,
                 label="wrong sums found (right axis)")
        ax2.set_ylabel("wrong sums of that length")
        ax2.set_ylim(0, counts.max() * 1.2)
        h1, l1 = ax.get_legend_handles_labels()
        h2, l2 = ax2.get_legend_handles_labels()
        ax.legend(h1 + h2, l1 + l2, loc="upper left")
    else:
        ax.legend(loc="upper left")
    ax.set_title(title)
    ax.grid(alpha=0.3, axis="y")
    fig.tight_layout()
    return fig


def box_widths(runs, *, title="One box per carry state: how wide the boxes get"):
    """The mean unit width of the carry-0 and carry-1 boxes after each iteration of
    gl.box_abstraction, for each run in ``runs`` ({label: BoxRun})."""
    plt = _plt()
    fig, ax = plt.subplots(figsize=(10, 4.5))
    markers = ("o", "s", "^", "D")
    for k, (label, run) in enumerate(runs.items()):
        it = np.arange(run.widths.shape[0])
        for c, style in enumerate(("-", "--")):
            ax.plot(it, run.widths[:, c], marker=markers[k % 4], linestyle=style,
                    color=LINE_COLORS[2 * k + c], markersize=7,
                    label=f"{label}: box of carry {c}")
        verdict = "proven for every length" if run.proven else \
            f"an output undecided at iteration {run.undecided_at}"
        ax.plot([], [], " ", label=f"{label}: {verdict}")
    ax.axhline(2.0, color=LINE_COLORS[6], lw=1, linestyle=":",
               label="width 2: the whole range [-1, 1]")
    ax.set_xlabel("iteration (every input sequence up to this length)")
    ax.set_ylabel("mean width of a unit's interval")
    ax.set_ylim(-0.05, 2.15)
    ax.legend(loc="center right", fontsize=9)
    ax.set_title(title)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig
