"""The lessons' diagrams: the GRU cell, its step-by-step build, the net unrolled over time, the
two-step graph of backpropagation through time, and the two products. Each returns a matplotlib
Figure and never shows it.

    from gru_lesson.teach import diagrams
    fig = diagrams.cell_diagram()                 # the whole cell
    fig = diagrams.cell_diagram(highlight="r")    # only the reset gate's equation in colour
    fig = diagrams.cell_build()                   # the four equations, one panel each
    fig = diagrams.unrolled(T=4)                  # one cell per step, the same weights
    fig = diagrams.bptt_graph()                   # the five edges out of h_t, by term (1)-(5)
    fig = diagrams.hadamard_vs_matmul(a, b, x, W)

Wiring conventions of the cell: a dot marks a junction (a wire splits, or joins a bus); wires
that cross without a dot do not meet. Colours are Okabe-Ito (colour-blind safe).
"""

from dataclasses import dataclass

import numpy as np

from .plots import _plt

# Okabe & Ito (2008), "Color Universal Design": distinguishable under every common colour
# vision deficiency. The yellow (#F0E442) is left out: too pale for lines on white.
OKABE_ITO = {"orange": "#E69F00", "sky_blue": "#56B4E9", "bluish_green": "#009E73",
             "blue": "#0072B2", "vermillion": "#D55E00", "reddish_purple": "#CC79A7",
             "black": "#000000"}

# the equations of the cell, in the order notebook 1 builds them
EQUATIONS = {
    "z": (r"$z_t = \sigma(x_t W_z + h_{t-1} U_z + b_z)$", OKABE_ITO["blue"]),
    "r": (r"$r_t = \sigma(x_t W_r + h_{t-1} U_r + b_r)$", OKABE_ITO["orange"]),
    "h_tilde": (r"$\tilde h_t = \tanh(x_t W + (r_t \odot h_{t-1})\, U + b)$",
                OKABE_ITO["bluish_green"]),
    "h": (r"$h_t = (1 - z_t) \odot h_{t-1} + z_t \odot \tilde h_t$", OKABE_ITO["vermillion"]),
}
FADED = "#c8c8c8"            # what the highlighted equation does not use
WIRE = "black"

# the five terms of delta h_t: number -> (colour, where h_t goes, the term)
BPTT_TERMS = {
    1: (OKABE_ITO["orange"], "output", r"$\delta y_t\, W_y^\top$"),
    2: (OKABE_ITO["sky_blue"], "update gate", r"$\delta z_{t+1}\, U_z^\top$"),
    3: (OKABE_ITO["bluish_green"], "candidate", r"$(\delta_{t+1} U^\top) \odot r_{t+1}$"),
    4: (OKABE_ITO["reddish_purple"], "reset gate", r"$\delta r_{t+1}\, U_r^\top$"),
    5: (OKABE_ITO["blue"], "direct path", r"$\delta h_{t+1} \odot (1 - z_{t+1})$"),
}


def _arrow(ax, points, *, head=True, color=WIRE, lw=2.0, gid=None, zorder=1):
    """A polyline through points, with an arrowhead on its last segment."""
    pts = np.asarray(points, dtype=float)
    if len(pts) > 2:
        line, = ax.plot(pts[:-1, 0], pts[:-1, 1], color=color, lw=lw, solid_capstyle="round",
                        zorder=zorder)
        line.set_gid(gid)
    if head:
        ann = ax.annotate("", xy=pts[-1], xytext=pts[-2], zorder=zorder,
                          arrowprops=dict(arrowstyle="-|>", color=color, lw=lw,
                                          mutation_scale=22, shrinkA=0, shrinkB=0))
        ann.set_gid(gid)
    else:
        line, = ax.plot(pts[-2:, 0], pts[-2:, 1], color=color, lw=lw, solid_capstyle="round",
                        zorder=zorder)
        line.set_gid(gid)


# ----------------------------------------------------------------------------- the cell

@dataclass(frozen=True)
class Wire:
    """A wire of the cell diagram: a polyline, an arrowhead at its end unless head=False, and
    the equations (keys of EQUATIONS, or "y") whose computation uses it."""

    points: tuple
    uses: frozenset
    head: bool = True


def _w(points, uses, head=True):
    return Wire(tuple(points), frozenset(uses.split()), head)


GATES_IN = "z r h_tilde"     # both input buses feed all three pre-activations

# Boxes: key -> (centre, squashing function, what it is, name, weights, fill colour).
CELL_BOXES = {
    "z": ((2.9, 3.4), r"$\sigma$", "update gate", r"$z_t$", r"$W_z, U_z$", "#cfe3f1"),
    "r": ((5.5, 3.4), r"$\sigma$", "reset gate", r"$r_t$", r"$W_r, U_r$", "#f8e1b0"),
    "h_tilde": ((10.5, 3.4), r"$\tanh$", "candidate", r"$\tilde h_t$", r"$W, U$", "#bfe6d8"),
}
# Operation nodes: key -> (centre, symbol, equation).
CELL_NODES = {
    "keep": ((2.9, 7.0), r"$\odot$", "h"),            # (1 - z) * h_{t-1}
    "one_minus": ((2.9, 5.9), r"$1-$", "h"),
    "reset": ((7.9, 3.4), r"$\odot$", "h_tilde"),     # r * h_{t-1}
    "take": ((10.5, 5.0), r"$\odot$", "h"),           # z * h_tilde
    "sum": ((10.5, 7.0), "+", "h"),
}
NODE_R = 0.32
BOX_W, BOX_H = 1.6, 1.2

CELL_WIRES = (
    # the memory line along the top: h_{t-1} -> (1 - z) * h_{t-1} -> + -> h_t
    _w([(0.0, 7.0), (0.6, 7.0)], GATES_IN + " h", head=False),
    _w([(0.6, 7.0), (2.58, 7.0)], "h"),
    _w([(3.22, 7.0), (10.18, 7.0)], "h"),
    _w([(10.82, 7.0), (13.6, 7.0)], "h y"),
    _w([(12.0, 7.0), (12.0, 8.2)], "y"),
    # the h_{t-1} bus drops down the left edge and runs under the gates
    # (split where a gate taps it off, so that each part says which equations use it)
    _w([(0.6, 7.0), (0.6, 1.9), (2.6, 1.9)], GATES_IN, head=False),
    _w([(2.6, 1.9), (5.2, 1.9)], "r h_tilde", head=False),
    _w([(5.2, 1.9), (7.9, 1.9), (7.9, 3.08)], "h_tilde"),
    _w([(2.6, 1.9), (2.6, 2.8)], "z"),
    _w([(5.2, 1.9), (5.2, 2.8)], "r"),
    # the x_t bus comes in from below, under the h_{t-1} bus
    _w([(1.4, -0.2), (1.4, 1.0), (3.2, 1.0)], GATES_IN, head=False),
    _w([(3.2, 1.0), (5.8, 1.0)], "r h_tilde", head=False),
    _w([(5.8, 1.0), (10.5, 1.0), (10.5, 2.8)], "h_tilde"),
    _w([(3.2, 1.0), (3.2, 2.8)], "z"),                # crosses the h_{t-1} bus: no dot
    _w([(5.8, 1.0), (5.8, 2.8)], "r"),                # crosses the h_{t-1} bus: no dot
    # z_t: up to 1 - z and the memory line, right to z * h_tilde
    _w([(2.9, 4.0), (2.9, 5.0)], "z h", head=False),
    _w([(2.9, 5.0), (2.9, 5.58)], "h"),
    _w([(2.9, 6.22), (2.9, 6.68)], "h"),
    _w([(2.9, 5.0), (10.18, 5.0)], "h"),
    # r_t over to r * h_{t-1}, and r * h_{t-1} on into the candidate
    _w([(5.5, 4.0), (5.5, 4.45), (7.9, 4.45), (7.9, 3.72)], "r h_tilde"),
    _w([(8.22, 3.4), (9.7, 3.4)], "h_tilde"),
    # the candidate up to z * h_tilde, and on to the sum
    _w([(10.5, 4.0), (10.5, 4.68)], "h_tilde h"),
    _w([(10.5, 5.32), (10.5, 6.68)], "h"),
)

# Labels: (position, text, the equations that use it, alignment, vertical alignment, size)
CELL_LABELS = (
    ((-0.1, 7.35), r"$h_{t-1}$", GATES_IN + " h", "left", "bottom", 20),
    ((13.6, 7.35), r"$h_t$", "h y", "right", "bottom", 20),
    ((3.35, 7.45), r"$(1 - z_t) \odot h_{t-1}$", "h", "left", "bottom", 15),
    ((12.15, 8.05), r"$y_t = \sigma(h_t W_y)$", "y", "left", "bottom", 15),
    ((0.75, 2.05), r"$h_{t-1}$", GATES_IN, "left", "bottom", 15),
    ((1.55, -0.15), r"$x_t$", GATES_IN, "left", "bottom", 20),
    ((6.3, 5.1), r"$z_t$", "h", "center", "bottom", 17),
    ((3.05, 6.45), r"$1 - z_t$", "h", "left", "center", 13),
    ((8.96, 3.5), r"$r_t \odot h_{t-1}$", "h_tilde", "center", "bottom", 13),  # its wire to tanh
    ((10.65, 6.0), r"$z_t \odot \tilde h_t$", "h", "left", "center", 15),
)


def _on_segment(p, a, b, tol=1e-9):
    """Is point p on segment ab (ends included)?"""
    (px, py), (ax_, ay), (bx, by) = p, a, b
    cross = (bx - ax_) * (py - ay) - (by - ay) * (px - ax_)
    inside = min(ax_, bx) - tol <= px <= max(ax_, bx) + tol and \
        min(ay, by) - tol <= py <= max(ay, by) + tol
    return abs(cross) < tol and inside


def _segments(wire):
    return list(zip(wire.points[:-1], wire.points[1:], strict=True))


def cell_junctions(wires=CELL_WIRES):
    """The points where wires meet: a wire's end (or start) on another wire's path, or on
    another wire's end that continues in a third direction. These get a dot."""
    dots = []
    for w in wires:
        for end in (w.points[0], w.points[-1]):
            others = [o for o in wires if o is not w]
            touching = sum(1 for o in others for a, b in _segments(o) if _on_segment(end, a, b))
            if touching >= 2 or any(_on_segment(end, a, b) and end not in (a, b)
                                    for o in others for a, b in _segments(o)):
                if end not in dots:
                    dots.append(end)
    return dots


def cell_crossings(wires=CELL_WIRES):
    """The points where two wires cross without meeting (inside both): no dot there."""
    points = []
    for i, w in enumerate(wires):
        for o in wires[i + 1:]:
            for a, b in _segments(w):
                for c, d in _segments(o):
                    p = _intersection(a, b, c, d)
                    if p is not None and p not in points:
                        points.append(p)
    return points


def _intersection(a, b, c, d):
    """The point where segment ab crosses segment cd strictly inside both, else None."""
    (x1, y1), (x2, y2), (x3, y3), (x4, y4) = a, b, c, d
    den = (x1 - x2) * (y3 - y4) - (y1 - y2) * (x3 - x4)
    if abs(den) < 1e-12:
        return None
    s = ((x1 - x3) * (y3 - y4) - (y1 - y3) * (x3 - x4)) / den
    u = ((x1 - x3) * (y1 - y2) - (y1 - y3) * (x1 - x2)) / den
    if 1e-9 < s < 1 - 1e-9 and 1e-9 < u < 1 - 1e-9:
        return (round(x1 + s * (x2 - x1), 9), round(y1 + s * (y2 - y1), 9))
    return None


def _check_highlight(highlight):
    if highlight is not None and highlight not in EQUATIONS:
        raise ValueError(f"highlight must be one of {', '.join(EQUATIONS)} or None, "
                         f"got {highlight!r}")


def _draw_cell(ax, highlight=None, *, small=False):
    from matplotlib.patches import Circle, FancyBboxPatch

    scale = 0.7 if small else 1.0

    def colour(uses):
        if highlight is None:
            return WIRE
        return EQUATIONS[highlight][1] if highlight in uses else FADED

    ax.set_xlim(-0.4, 14.6)
    ax.set_ylim(-0.4, 8.6)
    ax.set_aspect("equal")
    ax.axis("off")
    for w in CELL_WIRES:
        _arrow(ax, w.points, head=w.head, color=colour(w.uses), lw=2.0 * scale + 0.3,
               gid="wire")
    junctions = cell_junctions()
    for p in junctions:
        uses = set().union(*(w.uses for w in CELL_WIRES
                             if any(_on_segment(p, a, b) for a, b in _segments(w))))
        ax.add_patch(Circle(p, 0.11, fc=colour(uses), ec="none", zorder=4, gid="junction"))
    for key, ((xc, yc), fn, what, name, weights, fill) in CELL_BOXES.items():
        on = highlight in (None, key)
        ax.add_patch(FancyBboxPatch((xc - BOX_W / 2, yc - BOX_H / 2), BOX_W, BOX_H,
                                    boxstyle="round,pad=0.05", fc=fill if on else "white",
                                    ec=colour({key}), lw=2, zorder=2, gid=f"box:{key}"))
        text = "black" if on else FADED
        ax.text(xc, yc + 0.2, fn, ha="center", va="center", fontsize=20 * scale, zorder=3,
                color=text)
        ax.text(xc, yc - 0.33, what, ha="center", va="center", fontsize=12 * scale, zorder=3,
                color=text)
        ax.text(xc + 0.95, yc + 0.15, name, ha="left", va="center", fontsize=17 * scale,
                zorder=3, color=text)
        ax.text(xc + 0.95, yc - 0.35, weights, ha="left", va="center", fontsize=13 * scale,
                color="#444444" if on else FADED, zorder=3)
    for (xc, yc), sym, eq in CELL_NODES.values():
        ax.add_patch(Circle((xc, yc), NODE_R, fc="white", ec=colour({eq}), lw=2, zorder=2))
        ax.text(xc, yc, sym, ha="center", va="center", fontsize=18 * scale, zorder=3,
                color="black" if highlight in (None, eq) else FADED)
    for (xc, yc), text, uses, ha, va, size in CELL_LABELS:
        on = highlight is None or highlight in uses.split()
        t = ax.text(xc, yc, text, fontsize=size * scale, ha=ha, va=va, zorder=3,
                    color="black" if on else FADED)
        t.set_gid(f"label:{text}")


def cell_diagram(highlight=None):
    """The GRU cell as the seed computes it: inputs x_t and h_{t-1}, the gates z_t and r_t, the
    candidate h_tilde_t, the (1 - z) and z paths, and the output h_t (and y_t).

    highlight: one of "z", "r", "h_tilde", "h" draws that equation's wires and boxes in its
    colour and fades the rest (the title is then the equation). Dots mark junctions; wires
    that cross without a dot do not meet.
    """
    _check_highlight(highlight)
    plt = _plt()
    fig, ax = plt.subplots(figsize=(13.5, 8.5))
    _draw_cell(ax, highlight)
    if highlight is None:
        ax.set_title(r"The GRU cell:  $h_t = (1 - z_t) \odot h_{t-1} + z_t \odot \tilde h_t$")
    else:
        ax.set_title(EQUATIONS[highlight][0], color=EQUATIONS[highlight][1])
    fig.tight_layout()
    return fig


def cell_build():
    """The cell built one equation at a time, as colah's LSTM post does: four panels, each
    with one equation highlighted (z, then r, then the candidate, then the blend)."""
    plt = _plt()
    fig, axes = plt.subplots(2, 2, figsize=(16, 10.5))
    for k, (ax, key) in enumerate(zip(axes.ravel(), EQUATIONS, strict=True)):
        _draw_cell(ax, key, small=True)
        ax.set_title(f"{k + 1}.  " + EQUATIONS[key][0], color=EQUATIONS[key][1], fontsize=16)
    fig.suptitle("Building the GRU cell, one equation at a time")
    fig.tight_layout()
    return fig


# ----------------------------------------------------------------------------- over time

def unrolled(T=4):
    """The GRU unrolled over T steps: one cell per step, h_0 -> h_1 -> ... -> h_T along the
    top, x_t in from below, y_t out above; every cell uses the same weights."""
    if not isinstance(T, (int, np.integer)) or isinstance(T, bool) or not 1 <= T <= 8:
        raise ValueError(f"T must be a whole number of steps from 1 to 8, got {T!r}")
    plt = _plt()
    from matplotlib.patches import FancyBboxPatch

    gap = 3.2
    fig, ax = plt.subplots(figsize=(2.9 * T + 2.5, 5.4))
    ax.set_xlim(-1.2, gap * T + 0.6)
    ax.set_ylim(-2.0, 3.6)
    ax.set_aspect("equal")
    ax.axis("off")
    for t in range(1, T + 1):
        xc = gap * t - 1.2
        ax.add_patch(FancyBboxPatch((xc - 0.9, -0.7), 1.8, 1.4, boxstyle="round,pad=0.06",
                                    fc="#cfe3f1", ec="black", lw=2, zorder=2, gid="cell"))
        ax.text(xc, 0.15, "GRU", ha="center", va="center", fontsize=17, zorder=3)
        ax.text(xc, -0.35, f"step {t}", ha="center", va="center", fontsize=12, zorder=3)
        _arrow(ax, [(xc - gap + 1.0 if t > 1 else -0.45, 0.0), (xc - 0.95, 0.0)])
        ax.text(xc - 0.95 - 0.12, 0.15, rf"$h_{{{t - 1}}}$", fontsize=15, ha="right",
                va="bottom")
        _arrow(ax, [(xc, -1.6), (xc, -0.75)])
        ax.text(xc + 0.12, -1.65, rf"$x_{{{t}}}$", fontsize=17, ha="left", va="bottom")
        _arrow(ax, [(xc, 0.75), (xc, 2.0)])
        ax.text(xc + 0.12, 1.9, rf"$y_{{{t}}}$", fontsize=17, ha="left", va="center")
    xe = gap * T - 0.25
    _arrow(ax, [(xe, 0.0), (xe + 0.75, 0.0)])
    ax.text(xe + 0.75, 0.15, rf"$h_{{{T}}}$", fontsize=17, ha="right", va="bottom")
    ax.text(gap * T / 2 - 0.3, 2.95, r"the same $W_z, U_z, W_r, U_r, W, U, W_y$ in every step",
            ha="center", va="center", fontsize=14, color="#444444")
    ax.set_title(rf"The GRU unrolled over $T = {T}$ steps: $h_t$ carries the memory from step "
                 rf"to step")
    fig.tight_layout()
    return fig


# ----------------------------------------------------------------------------- BPTT

# node -> (centre, label)
BPTT_NODES = {
    "h_prev": ((0.0, 3.0), r"$h_{t-1}$"), "h_t": ((4.6, 3.0), r"$h_t$"),
    "y_t": ((4.6, 6.8), r"$y_t$"), "z_next": ((10.2, 5.8), r"$z_{t+1}$"),
    "h_tilde_next": ((10.2, 1.0), r"$\tilde h_{t+1}$"), "r_next": ((10.2, -1.6), r"$r_{t+1}$"),
    "h_next": ((14.2, 3.0), r"$h_{t+1}$"), "y_next": ((14.2, 6.8), r"$y_{t+1}$"),
}
BPTT_R = 0.55
# term -> target node of the forward edge out of h_t, and where along it the label sits:
# (fraction of the way, offset to the left of the direction of travel; 0: a fixed place)
_BPTT_EDGES = {1: ("y_t", None), 2: ("z_next", (0.5, 0.42)), 3: ("h_tilde_next", (0.55, 0.42)),
               4: ("r_next", (0.5, -0.42)), 5: ("h_next", (0.42, 0.35))}


def _edge_points(a, b, r=BPTT_R):
    """From circle a to circle b, stopping at both rims."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    u = (b - a) / np.linalg.norm(b - a)
    return [tuple(a + r * u), tuple(b - r * u)]


def bptt_graph():
    """Two steps unrolled (t and t + 1) with the five forward edges out of h_t coloured by the
    term of delta h_t they carry back, (1)-(5), each labelled with its equation:

        delta h_t = (1) dy_t Wy^T + (2) dz_{t+1} Uz^T + (3) (delta_{t+1} U^T) * r_{t+1}
                    + (4) dr_{t+1} Ur^T + (5) dh_{t+1} * (1 - z_{t+1})

    The other edges of the graph are grey. Forward arrows point left to right; the gradient
    travels each coloured edge backwards, into h_t.
    """
    plt = _plt()
    from matplotlib.patches import Circle, FancyBboxPatch

    fig, ax = plt.subplots(figsize=(15.5, 9.5))
    ax.set_xlim(-1.2, 15.6)
    ax.set_ylim(-3.3, 8.0)
    ax.set_aspect("equal")
    ax.axis("off")
    grey = "#9a9a9a"
    pos = {k: v[0] for k, v in BPTT_NODES.items()}
    # step t, compressed into one box; x_t into it
    ax.add_patch(FancyBboxPatch((1.5, 2.3), 1.6, 1.4, boxstyle="round,pad=0.06",
                                fc="#eeeeee", ec=grey, lw=1.5, zorder=2))
    ax.text(2.3, 3.0, "step $t$", ha="center", va="center", fontsize=15, color="#555555")
    _arrow(ax, [_edge_points(pos["h_prev"], (2.3, 3.0))[0], (1.45, 3.0)], color=grey)
    _arrow(ax, [(3.15, 3.0), (pos["h_t"][0] - BPTT_R, 3.0)], color=grey)
    _arrow(ax, [(2.3, 1.0), (2.3, 2.25)], color=grey)
    ax.text(2.45, 1.0, r"$x_t$", fontsize=16, ha="left", va="bottom", color="#555555")
    # step t + 1's inner edges
    for a, b in (("r_next", "h_tilde_next"), ("z_next", "h_next"), ("h_tilde_next", "h_next"),
                 ("h_next", "y_next")):
        _arrow(ax, _edge_points(pos[a], pos[b]), color=grey)
    ax.text(10.45, -0.3, r"$\odot$", fontsize=15, ha="left", va="center", color="#555555")
    ax.text(15.0, 3.0, r"$\to$ step $t+2$", fontsize=14, ha="left", va="center", color=grey)
    ax.text(10.2, -2.65, r"($x_{t+1}$ also feeds $z_{t+1}, r_{t+1}, \tilde h_{t+1}$; "
            "not drawn)", fontsize=12, ha="center", va="center", color="#555555")
    # the five edges out of h_t
    for term, (target, where) in _BPTT_EDGES.items():
        color, _, equation = BPTT_TERMS[term]
        a, b = _edge_points(pos["h_t"], pos[target])
        _arrow(ax, [a, b], color=color, lw=3.5, gid=f"term{term}", zorder=2)
        if where is None:                         # the vertical edge: label to its left
            (lx, ly), angle, ha = (a[0] - 0.25, (a[1] + b[1]) / 2), 0.0, "right"
        else:
            frac, off = where
            d = np.subtract(b, a)
            normal = np.array([-d[1], d[0]]) / np.linalg.norm(d)
            lx, ly = np.add(a, frac * d) + off * normal
            angle, ha = np.degrees(np.arctan2(d[1], d[0])), "center"
        t = ax.text(lx, ly, f"({term}) {equation}", fontsize=15, ha=ha, va="center",
                    color=color, zorder=5, rotation=angle, rotation_mode="anchor",
                    bbox=dict(fc="white", ec="none", alpha=0.85, pad=1.5))
        t.set_gid(f"term{term}")
    for key, ((xc, yc), label) in BPTT_NODES.items():
        mine = key == "h_t"
        ax.add_patch(Circle((xc, yc), BPTT_R, fc="#fde0c5" if mine else "white",
                            ec="black" if mine else grey, lw=2.5 if mine else 1.5, zorder=3))
        ax.text(xc, yc, label, ha="center", va="center", fontsize=18, zorder=4)
    ax.text(2.3, 7.4, "step $t$", fontsize=15, ha="center", color="#555555")
    ax.text(10.2, 7.4, "step $t+1$", fontsize=15, ha="center", color="#555555")
    ax.plot([6.6, 6.6], [-3.2, 7.7], color="#dddddd", lw=1, ls="--", zorder=0)
    ax.set_title(r"$h_t$ is used five times, so $\delta h_t$ = (1) + (2) + (3) + (4) + (5): "
                 "each coloured edge carries one term back")
    fig.tight_layout()
    return fig


# ----------------------------------------------------------------------------- products

def _grid(ax, M, x0, y0, *, label, colors=None, fmt="{:g}"):
    """Draw matrix M as a grid of numbered cells with its top-left corner at (x0, y0)."""
    from matplotlib.patches import Rectangle
    M = np.atleast_2d(M)
    rows, cols = M.shape
    for i in range(rows):
        for j in range(cols):
            fc = "white" if colors is None else colors[i][j]
            ax.add_patch(Rectangle((x0 + j, y0 - i - 1), 1, 1, fc=fc, ec="black", lw=1.5))
            ax.text(x0 + j + 0.5, y0 - i - 0.5, fmt.format(M[i, j]), ha="center",
                    va="center", fontsize=16)
    ax.text(x0 + cols / 2, y0 + 0.35, label, ha="center", va="bottom", fontsize=16)
    return x0 + cols


def hadamard_vs_matmul(a, b, x, W):
    """Two panels: the Hadamard product a ⊙ b (same shapes, entry by entry, colour-paired) and
    the matrix product x W (row times column), each drawn as grids of numbers."""
    plt = _plt()
    a, b = np.atleast_2d(np.asarray(a, float)), np.atleast_2d(np.asarray(b, float))
    x, W = np.atleast_2d(np.asarray(x, float)), np.atleast_2d(np.asarray(W, float))
    if a.shape != b.shape:
        raise ValueError(f"a ⊙ b needs equal shapes, got {a.shape} and {b.shape}")
    if x.shape[1] != W.shape[0]:
        raise ValueError(f"x W needs x's columns = W's rows, got {x.shape} and {W.shape}")
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(15, 4.6),
                                   gridspec_kw={"width_ratios": [3 * a.shape[1] + 3,
                                                                 x.shape[1] + 2 * W.shape[1]
                                                                 + 3]})
    pair = ["#fdd49e", "#c7e9c0", "#9ecae1", "#dadaeb", "#fcbba1", "#d9d9d9"]
    cols = [[pair[j % len(pair)] for j in range(a.shape[1])] for _ in range(a.shape[0])]
    x0 = _grid(ax1, a, 0, 0, label="$a$", colors=cols)
    ax1.text(x0 + 0.5, -a.shape[0] / 2, r"$\odot$", ha="center", va="center", fontsize=24)
    x0 = _grid(ax1, b, x0 + 1, 0, label="$b$", colors=cols)
    ax1.text(x0 + 0.5, -a.shape[0] / 2, "=", ha="center", va="center", fontsize=24)
    x0 = _grid(ax1, a * b, x0 + 1, 0, label=r"$a \odot b$", colors=cols)
    ax1.set_xlim(-0.3, x0 + 0.3)
    ax1.set_ylim(-a.shape[0] - 1.0, 1.2)
    ax1.text(0, -a.shape[0] - 0.5, "same shapes in and out; no sums",
             ha="left", va="center", fontsize=14, color="#444444")
    ax1.set_title(r"Hadamard product $a \odot b$: entry by entry" + f"\n{a.shape} ⊙ {b.shape}"
                  f" → {a.shape}")
    # matrix product: highlight row 0 of x and column 0 of W, and the entry they make
    hl = "#fdd49e"
    xc = [[hl if i == 0 else "white" for _ in range(x.shape[1])] for i in range(x.shape[0])]
    Wc = [[hl if j == 0 else "white" for j in range(W.shape[1])] for _ in range(W.shape[0])]
    P = x @ W
    Pc = [[hl if (i, j) == (0, 0) else "white" for j in range(P.shape[1])]
          for i in range(P.shape[0])]
    x0 = _grid(ax2, x, 0, 0, label="$x$", colors=xc)
    ax2.text(x0 + 0.5, -W.shape[0] / 2, r"$\cdot$", ha="center", va="center", fontsize=30)
    x0 = _grid(ax2, W, x0 + 1, 0, label="$W$", colors=Wc)
    ax2.text(x0 + 0.5, -W.shape[0] / 2, "=", ha="center", va="center", fontsize=24)
    x0 = _grid(ax2, P, x0 + 1, 0, label="$x W$", colors=Pc)
    ax2.set_xlim(-0.3, x0 + 0.3)
    rows = max(W.shape[0], x.shape[0])
    ax2.set_ylim(-rows - 1.0, 1.2)
    terms = " + ".join(f"{x[0, k]:g}·{W[k, 0]:g}" for k in range(x.shape[1]))
    ax2.text(0, -rows - 0.5, f"first entry: {terms} = {P[0, 0]:g}",
             ha="left", va="center", fontsize=14, color="#444444")
    ax2.set_title(r"Matrix product $x W$: row times column" + f"\n{x.shape} · {W.shape}"
                  f" → {P.shape}")
    for ax in (ax1, ax2):
        ax.set_aspect("equal")
        ax.axis("off")
    fig.tight_layout()
    return fig
