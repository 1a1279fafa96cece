"""diagrams: the cell's wiring (junction dots, plain crossings, the r ⊙ h_{t-1} label on its
wire), the highlighted build, the unrolled net, the BPTT graph's five coloured terms, the two
products."""

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.colors import to_hex  # noqa: E402
from matplotlib.text import Annotation  # noqa: E402

from gru_lesson.teach import diagrams  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def texts(ax):
    return {t.get_text(): t for t in ax.texts}


def with_gid(ax, gid):
    return [a for a in ax.get_children() if a.get_gid() == gid]


def test_no_diagram_calls_show(monkeypatch):
    monkeypatch.setattr(plt, "show", lambda *a, **k: pytest.fail("diagrams called plt.show()"))
    figs = [diagrams.cell_diagram(), diagrams.cell_diagram(highlight="h"), diagrams.cell_build(),
            diagrams.unrolled(3), diagrams.bptt_graph(),
            diagrams.hadamard_vs_matmul([1, 2], [3, 4], [[1, 2]], [[1, 0], [0, 1]])]
    assert all(isinstance(f, matplotlib.figure.Figure) for f in figs)


def test_cell_diagram_names_every_quantity():
    ax = diagrams.cell_diagram().axes[0]
    assert "GRU cell" in ax.get_title()
    labels = " ".join(texts(ax))
    for name in (r"$x_t$", r"$h_{t-1}$", r"$h_t$", r"$z_t$", r"$r_t$", r"$\tilde h_t$",
                 r"$W_z, U_z$", r"$W_r, U_r$", r"$W, U$", r"$1-$", r"$\odot$", r"$1 - z_t$",
                 r"$(1 - z_t) \odot h_{t-1}$", r"$z_t \odot \tilde h_t$", r"$r_t \odot h_{t-1}$",
                 r"$y_t = \sigma(h_t W_y)$", "update gate", "reset gate", "candidate"):
        assert name in labels, name


def test_r_times_h_label_sits_on_the_wire_from_the_product_to_tanh():
    ax = diagrams.cell_diagram().axes[0]
    (px, py), _, _ = diagrams.CELL_NODES["reset"]
    (bx, by), *_ = diagrams.CELL_BOXES["h_tilde"]
    label = texts(ax)[r"$r_t \odot h_{t-1}$"]
    lx, ly = label.get_position()
    # between the ⊙ and the candidate box, just above the horizontal wire that joins them
    assert px + diagrams.NODE_R < lx < bx - diagrams.BOX_W / 2
    assert py == by and 0 < ly - py < 0.3 and label.get_va() == "bottom"
    wire = [w for w in diagrams.CELL_WIRES if w.points[0][0] > px and w.points[-1][1] == py
            and w.points[0][1] == py]
    assert len(wire) == 1 and wire[0].points[-1][0] == pytest.approx(bx - diagrams.BOX_W / 2)


def test_junctions_get_dots_and_plain_crossings_do_not():
    ax = diagrams.cell_diagram().axes[0]
    dots = {tuple(np.round(p.center, 6)) for p in with_gid(ax, "junction")}
    segments = [(a, b) for w in diagrams.CELL_WIRES
                for a, b in zip(w.points[:-1], w.points[1:], strict=True)]

    def directions(p):          # how many wire directions leave point p
        out = set()
        for a, b in segments:
            for end, other in ((a, b), (b, a)):
                if np.allclose(end, p):
                    out.add(tuple(np.sign(np.subtract(other, end))))
            if diagrams._on_segment(p, a, b) and not (np.allclose(a, p) or np.allclose(b, p)):
                d = tuple(np.sign(np.subtract(b, a)))
                out |= {d, tuple(-np.array(d))}
        return len(out)

    assert len(dots) >= 6
    assert all(directions(p) >= 3 for p in dots)                 # a dot: three ways meet
    crossings = diagrams.cell_crossings()
    assert len(crossings) == 2                                   # x_t's taps over h_{t-1}'s bus
    assert not dots & {tuple(np.round(p, 6)) for p in crossings}
    # every point where a wire starts or ends inside another wire is a dot
    for w in diagrams.CELL_WIRES:
        for end in (w.points[0], w.points[-1]):
            if any(diagrams._on_segment(end, a, b) and end not in (a, b) for a, b in segments):
                assert tuple(np.round(end, 6)) in dots, end


def test_highlight_colours_one_equation_and_fades_the_rest():
    for key, (equation, colour) in diagrams.EQUATIONS.items():
        ax = diagrams.cell_diagram(highlight=key).axes[0]
        assert ax.get_title() == equation
        wires = [to_hex(a.get_color()) for a in with_gid(ax, "wire")
                 if isinstance(a, matplotlib.lines.Line2D)]
        assert to_hex(colour) in wires and to_hex(diagrams.FADED) in wires
        assert set(wires) == {to_hex(colour), to_hex(diagrams.FADED)}
        for other in diagrams.CELL_BOXES:
            box, = with_gid(ax, f"box:{other}")
            assert to_hex(box.get_edgecolor()) == to_hex(colour if other == key
                                                         else diagrams.FADED)
    with pytest.raises(ValueError, match="highlight must be one of"):
        diagrams.cell_diagram(highlight="y")


def test_cell_build_is_four_equations_in_order():
    fig = diagrams.cell_build()
    titles = [ax.get_title() for ax in fig.axes]
    assert titles == [f"{k}.  {eq}" for k, (eq, _) in enumerate(diagrams.EQUATIONS.values(), 1)]
    assert "one equation at a time" in fig._suptitle.get_text()


def test_unrolled_has_one_cell_per_step():
    ax = diagrams.unrolled(T=3).axes[0]
    assert len(with_gid(ax, "cell")) == 3
    labels = texts(ax)
    for t in range(1, 4):
        assert f"$x_{{{t}}}$" in labels and f"$y_{{{t}}}$" in labels and f"step {t}" in labels
    assert "$h_{0}$" in labels and "$h_{3}$" in labels and "$h_{4}$" not in labels
    assert "same" in " ".join(labels)
    for bad in (0, 9, 2.5, True, "4"):
        with pytest.raises(ValueError, match="T must be"):
            diagrams.unrolled(T=bad)


OKABE_ITO = {"#e69f00", "#56b4e9", "#009e73", "#f0e442", "#0072b2", "#d55e00", "#cc79a7",
             "#000000"}


def test_bptt_graph_colours_the_five_terms_distinctly():
    ax = diagrams.bptt_graph().axes[0]
    colours = []
    for term in range(1, 6):
        arrow = [a for a in with_gid(ax, f"term{term}") if isinstance(a, Annotation)]
        label = [a for a in with_gid(ax, f"term{term}")
                 if isinstance(a, matplotlib.text.Text) and not isinstance(a, Annotation)]
        assert len(arrow) == 1 and len(label) == 1
        colour = to_hex(arrow[0].arrow_patch.get_edgecolor())
        assert colour in OKABE_ITO and to_hex(label[0].get_color()) == colour
        assert label[0].get_text() == f"({term}) {diagrams.BPTT_TERMS[term][2]}"
        colours.append(colour)
        # the edge starts on h_t's rim and ends on its target's rim
        (hx, hy), _ = diagrams.BPTT_NODES["h_t"]
        x0, y0 = arrow[0].xyann
        assert np.hypot(x0 - hx, y0 - hy) == pytest.approx(diagrams.BPTT_R)
    assert len(set(colours)) == 5
    eqs = " ".join(t.get_text() for t in ax.texts)
    for piece in (r"\delta y_t\, W_y^\top", r"\delta z_{t+1}\, U_z^\top",
                  r"(\delta_{t+1} U^\top) \odot r_{t+1}", r"\delta r_{t+1}\, U_r^\top",
                  r"\delta h_{t+1} \odot (1 - z_{t+1})"):
        assert piece in eqs
    assert "five" in ax.get_title()


def test_bptt_terms_reach_the_right_nodes():
    targets = {term: target for term, (target, _) in diagrams._BPTT_EDGES.items()}
    assert targets == {1: "y_t", 2: "z_next", 3: "h_tilde_next", 4: "r_next", 5: "h_next"}
    ax = diagrams.bptt_graph().axes[0]
    for term, target in targets.items():
        arrow, = [a for a in with_gid(ax, f"term{term}") if isinstance(a, Annotation)]
        (tx, ty), _ = diagrams.BPTT_NODES[target]
        x1, y1 = arrow.xy
        assert np.hypot(x1 - tx, y1 - ty) == pytest.approx(diagrams.BPTT_R)


def test_hadamard_vs_matmul_shows_the_products():
    a, b = np.array([[1.0, 2, 3]]), np.array([[4.0, 0.5, -1]])
    x, W = np.array([[1.0, 2]]), np.array([[1.0, 0, -1], [2, 1, 0.5]])
    fig = diagrams.hadamard_vs_matmul(a, b, x, W)
    ax1, ax2 = fig.axes
    assert "Hadamard" in ax1.get_title() and "Matrix product" in ax2.get_title()
    t1 = [t.get_text() for t in ax1.texts]
    for v in (a * b).ravel():
        assert f"{v:g}" in t1
    t2 = [t.get_text() for t in ax2.texts]
    for v in (x @ W).ravel():
        assert f"{v:g}" in t2
    assert "first entry: 1·1 + 2·2 = 5" in t2
    with pytest.raises(ValueError, match="equal shapes"):
        diagrams.hadamard_vs_matmul([1, 2], [1, 2, 3], x, W)
    with pytest.raises(ValueError, match="columns"):
        diagrams.hadamard_vs_matmul(a, b, [[1, 2, 3]], W)
