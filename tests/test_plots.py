"""plots: each figure says what it shows (titles, labels) and shows exactly the data given."""

from dataclasses import dataclass, field

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

import gru_lesson as gl  # noqa: E402
from gru_lesson.teach import plots  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def cache():
    p = gl.init_params(2, 5, 1, rng=0)
    x = np.random.default_rng(1).integers(0, 2, size=(7, 3, 2)).astype(float)
    return gl.forward(p, x)[1]


@dataclass
class FakeHistory:           # the fields of train.History the plot reads
    loss: list = field(default_factory=list)
    checkpoints: list = field(default_factory=list)
    accuracy: dict = field(default_factory=dict)


def test_no_plot_function_calls_show(monkeypatch, cache):
    monkeypatch.setattr(plt, "show", lambda *a, **k: pytest.fail("plots called plt.show()"))
    history = FakeHistory(loss=[1.0, 0.5], checkpoints=[2], accuracy={"random": [0.5]})
    figs = [plots.training_curves(history), plots.gate_heatmaps(cache),
            plots.unit_traces(cache, [0]), plots.output_probabilities([0.2], [0]),
            plots.carry_correlations([0.5, -0.2]),
            plots.gate_conditions({"z": np.full((3, 2, 2), 0.5)})]
    assert all(isinstance(f, matplotlib.figure.Figure) for f in figs)


def test_gate_heatmaps_show_the_cache(cache):
    a_bits, b_bits = cache.x[:, 1, 0], cache.x[:, 1, 1]
    fig = plots.gate_heatmaps(cache, n=1, a_bits=a_bits, b_bits=b_bits, title="my sum")
    axes = [ax for ax in fig.axes if ax.images]
    assert len(axes) == 4
    assert fig._suptitle.get_text() == "my sum"
    for ax, name in zip(axes, ("r", "z", "h_tilde", "h"), strict=True):
        np.testing.assert_array_equal(ax.images[0].get_array(), getattr(cache, name)[:, 1, :].T)
        assert plots.GATES[name][0] == ax.get_title(loc="left")
    assert axes[0].get_ylabel() == axes[2].get_ylabel() == "hidden unit"     # left column
    assert axes[0].images[0].get_cmap().name == "cividis"
    assert axes[2].images[0].get_cmap().name == "PuOr"
    assert axes[2].images[0].get_clim() == (-1.0, 1.0)           # symmetric: 0 is the middle
    assert axes[-1].get_xlabel() == "time step t"
    assert "bit of a" in fig._supxlabel.get_text()
    ticks = [t.get_text() for t in axes[-1].get_xticklabels()]
    assert ticks[0] == f"1\n{int(a_bits[0])}\n{int(b_bits[0])}"
    assert len(ticks) == 7
    assert len(fig.axes) == 8                                     # 4 panels + 4 colourbars


def test_gate_heatmaps_subset_of_units_and_names(cache):
    fig = plots.gate_heatmaps(cache, names=("z",), units=[4, 0], chosen=[0])
    ax = fig.axes[0]
    np.testing.assert_array_equal(ax.images[0].get_array(), cache.z[:, 0, [4, 0]].T)
    assert [t.get_text() for t in ax.get_yticklabels()] == ["4", "0*"]
    assert ax.get_xlabel() == "time step t"
    assert fig._supxlabel is None                                  # no bits given


def test_gate_heatmaps_long_sequence_one_column_sparse_ticks():
    p = gl.init_params(2, 3, 1, rng=0)
    bits = np.zeros(60)
    fig = plots.gate_heatmaps(gl.forward(p, np.zeros((60, 1, 2)))[1], a_bits=bits, b_bits=bits)
    axes = [ax for ax in fig.axes if ax.images]
    assert len(axes) == 4 and all(ax.get_subplotspec().colspan.start == 0 for ax in axes)
    assert len(axes[-1].get_xticks()) <= 24


@pytest.mark.parametrize("kwargs, match", [
    ({"n": 3}, "out of range"), ({"names": ("q",)}, "names must be"),
    ({"units": [5]}, "units must be"), ({"a_bits": [0, 1], "b_bits": [1, 0]}, "one bit per"),
])
def test_gate_heatmaps_bad_input(cache, kwargs, match):
    with pytest.raises(ValueError, match=match):
        plots.gate_heatmaps(cache, **kwargs)


def test_unit_traces_plot_the_units_and_the_carry(cache):
    carry = np.array([0, 1, 1, 0, 0, 1, 0])
    fig = plots.unit_traces(cache, [2, 0], n=2, carry=carry)
    ax = fig.axes[0]
    lines = {ln.get_label(): ln for ln in ax.get_lines()}
    np.testing.assert_array_equal(lines["unit 2"].get_ydata(), cache.h[:, 2, 2])
    np.testing.assert_array_equal(lines["unit 0"].get_ydata(), cache.h[:, 2, 0])
    np.testing.assert_array_equal(lines["unit 0"].get_xdata(), np.arange(1, 8))
    # on h's scale [-1, 1] the carry is drawn as 2 carry - 1
    step = next(ln for label, ln in lines.items() if label.startswith("true carry out"))
    np.testing.assert_array_equal(step.get_ydata(), 2 * carry - 1)
    assert "2 carry" in step.get_label()
    assert ax.get_ylabel() == plots.GATES["h"][0]
    assert ax.get_xlabel() == "time step t"
    assert ax.get_title()
    fig = plots.unit_traces(cache, 1, name="z", carry=carry)         # a gate: carry as 0 / 1
    z_lines = fig.axes[0].get_lines()
    np.testing.assert_array_equal(z_lines[0].get_ydata(), carry)
    np.testing.assert_array_equal(z_lines[1].get_ydata(), cache.z[:, 0, 1])
    with pytest.raises(ValueError, match="one value per time step"):
        plots.unit_traces(cache, [0], carry=[0, 1])


def test_unit_traces_keep_coinciding_units_visible():
    # two units with identical values: each needs its own line style and marker to be seen
    @dataclass
    class Twin:
        h: np.ndarray

    h = np.tile(np.linspace(-0.9, 0.9, 6)[:, None, None], (1, 1, 3))
    fig = plots.unit_traces(Twin(h), [0, 1, 2])
    lines = fig.axes[0].get_lines()[:3]
    styles = {(ln.get_linestyle(), ln.get_marker()) for ln in lines}
    assert len(styles) == 3
    assert lines[0].get_markerfacecolor() == "none"                  # hollow: the next shows
    assert lines[0].get_linewidth() > lines[1].get_linewidth()       # under, and wider
    assert len({ln.get_color() for ln in lines}) == 3


def test_training_curves_plot_the_history():
    rng = np.random.default_rng(0)
    h = FakeHistory(loss=list(rng.uniform(0.1, 2, 400)), checkpoints=[100, 200, 300, 400],
                    accuracy={"random": [0.1, 0.5, 0.9, 1.0], "carry": [0.0, 0.2, 0.6, 1.0]})
    fig = plots.training_curves(h, title="run 1")
    ax_loss, ax_acc = fig.axes
    assert fig._suptitle.get_text() == "run 1"
    np.testing.assert_array_equal(ax_loss.get_lines()[0].get_ydata(), h.loss)
    np.testing.assert_array_equal(ax_loss.get_lines()[0].get_xdata(), np.arange(1, 401))
    smooth = ax_loss.get_lines()[1].get_ydata()
    np.testing.assert_allclose(smooth[0], np.mean(h.loss[:4]))
    assert ax_loss.get_xlabel() == "training step" and "loss" in ax_loss.get_ylabel()
    acc = {ln.get_label(): ln for ln in ax_acc.get_lines()}
    np.testing.assert_array_equal(acc["validation: random pairs"].get_ydata(),
                                  h.accuracy["random"])
    np.testing.assert_array_equal(acc["validation: carry chains"].get_xdata(), h.checkpoints)
    assert ax_acc.get_ylabel() == "sums exactly right" and ax_acc.get_title()
    with pytest.raises(ValueError, match="no steps"):
        plots.training_curves(FakeHistory())
    fig = plots.training_curves(h, loss_label="mean BCE per output bit")
    assert fig.axes[0].get_ylabel() == "mean BCE per output bit (log scale)"
    # the seed's trainer scores the held-out pairs: the legend names that set, not validation
    seed_h = FakeHistory(loss=[1.0, 0.5], checkpoints=[2],
                         accuracy={"threshold": [1.0], "matlab_round": [0.75]})
    labels = [ln.get_label() for ln in plots.training_curves(seed_h).axes[1].get_lines()]
    assert labels == ["held-out, decoded with y > 0.5", "held-out, decoded with MATLAB round()"]


def test_output_probabilities():
    prob = np.array([0.9, 0.1, 0.5, 0.5])
    bits = np.array([1, 0, 0, 0])
    fig = plots.output_probabilities(prob, bits, a_bits=[1, 0, 0, 0], b_bits=[0, 0, 0, 0])
    ax = fig.axes[0]
    np.testing.assert_array_equal([p.get_height() for p in ax.patches], prob)
    marks = [ln for ln in ax.get_lines() if ln.get_label() == "true sum bit"][0]
    np.testing.assert_array_equal(marks.get_ydata(), bits)
    assert ax.get_ylabel() == r"$y_t$" and ax.get_title()
    with pytest.raises(ValueError, match="same length"):
        plots.output_probabilities(prob, bits[:3])


def test_carry_correlations_bars():
    corr = np.array([0.1, -0.95, 0.3])
    fig = plots.carry_correlations(corr, chosen=[1])
    ax = fig.axes[0]
    np.testing.assert_array_equal([p.get_height() for p in ax.patches], corr)
    assert ax.patches[1].get_facecolor() != ax.patches[0].get_facecolor()
    assert ax.get_xlabel() == "hidden unit" and "carry" in ax.get_ylabel()
    assert ax.get_legend() is None                                    # no threshold asked for
    fig = plots.carry_correlations(corr, chosen=[1], threshold=0.9)
    levels = sorted(ln.get_ydata()[0] for ln in fig.axes[0].get_lines() if ln.get_linestyle()
                    == "--")
    assert levels == [-0.9, 0.9]
    assert "0.9" in fig.axes[0].get_legend().get_texts()[0].get_text()


def test_lesson_style_sets_big_fonts():
    plots.use_lesson_style()
    assert matplotlib.rcParams["font.size"] >= 14
    assert matplotlib.rcParams["image.cmap"] == "cividis"
    matplotlib.rcdefaults()


def test_gate_conditions_heatmap():
    rng = np.random.default_rng(3)
    means = {"z": rng.uniform(size=(3, 2, 4)), "h": rng.uniform(-1, 1, size=(3, 2, 4))}
    fig = plots.gate_conditions(means, units=[7, 1, 2, 9], chosen=[9])
    ax = fig.axes[0]
    np.testing.assert_array_equal(ax.images[0].get_array(), means["z"].reshape(6, 4))
    assert [t.get_text() for t in ax.get_xticklabels()] == ["7", "1", "2", "9*"]
    assert [t.get_text() for t in ax.get_yticklabels()] == list(plots.CONDITIONS)
    assert f"{means['z'][1, 0, 2]:.2f}" in [t.get_text() for t in ax.texts]
    assert "update gate" in ax.get_title() and "carry unit" in ax.get_xlabel()
    fig = plots.gate_conditions(means, name="h")
    assert fig.axes[0].images[0].get_cmap().name == "PuOr"
    with pytest.raises(ValueError, match="shape"):
        plots.gate_conditions({"z": np.zeros((6, 4))})
    with pytest.raises(ValueError, match="columns"):
        plots.gate_conditions(means, units=[1, 2])
