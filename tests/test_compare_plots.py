"""The why-gates plots and the experiment code behind them (fast settings only)."""

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

import gru_lesson as gl  # noqa: E402
from gru_lesson.engine.gradcheck import numerical_gradient  # noqa: E402
from gru_lesson.teach import compare_plots, why_gates  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    import matplotlib.pyplot as plt
    plt.close("all")


def test_gradient_norm_plot_is_log_scale_labelled_and_flags_curves_that_leave_it():
    curves = {"RNN at init": 0.5 ** np.arange(81), "GRU trained": np.full(81, 0.1)}
    fig = compare_plots.plot_gradient_norms(curves, ymin=1e-20)
    ax = fig.axes[0]
    assert ax.get_yscale() == "log"
    assert "distance" in ax.get_xlabel() and "partial E" in ax.get_ylabel()
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels[0] == "RNN at init  (below 1e-20 from k = 67)"     # 0.5^67 < 1e-20
    assert labels[1] == "GRU trained"
    lines = ax.get_lines()
    assert lines[0].get_linestyle() == "--" and lines[1].get_linestyle() == "-"
    assert lines[0].get_color() == compare_plots.COLOURS["rnn"]
    assert ax.get_ylim()[0] == pytest.approx(1e-20)
    with pytest.raises(ValueError, match="empty"):
        compare_plots.plot_gradient_norms({})
    with pytest.raises(ValueError, match="1-D"):
        compare_plots.plot_gradient_norms({"rnn": np.ones((2, 3))})


def test_accuracy_plot_draws_every_seed_and_the_means():
    results = why_gates.load_results()
    fig = compare_plots.plot_accuracy_vs_lag(results)
    ax = fig.axes[0]
    assert ax.get_xscale() == "log"
    n_runs = len(results["runs"])
    assert sum(len(c.get_offsets()) for c in ax.collections) == n_runs
    means = {line.get_label(): line.get_ydata() for line in ax.get_lines()
             if "mean" in line.get_label()}
    table = why_gates.accuracy_table(results)
    gru_line = next(v for k, v in means.items() if k.startswith("GRU"))
    np.testing.assert_allclose(gru_line, [np.mean(table["gru"][lag])
                                          for lag in results["config"]["lags"]])


def test_hidden_difference_plot_checks_shapes():
    h = np.zeros((4, 2, 3))
    fig = compare_plots.plot_hidden_difference(h, h + 0.1, unit=2, sequence=1)
    assert len(fig.axes[0].get_lines()) == 2
    with pytest.raises(ValueError, match=r"\(T, N, H\)"):
        compare_plots.plot_hidden_difference(h, h[:, :, :2])


def test_stored_experiment_records_how_it_was_made_and_shows_the_gap():
    results = why_gates.load_results()
    cfg = results["config"]
    assert {"created", "runtime_seconds", "command", "machine"} <= set(results)
    assert cfg["lags"] == [5, 10, 20, 40, 80] and len(cfg["seeds"]) == 5
    assert len(results["runs"]) == 2 * len(cfg["lags"]) * len(cfg["seeds"])
    table = why_gates.accuracy_table(results)
    longest = max(cfg["lags"])
    assert min(table["gru"][longest]) >= 0.99                   # the GRU solves every seed
    assert np.mean(table["rnn"][longest]) < np.mean(table["gru"][longest]) - 0.2
    for model in ("rnn", "gru"):                                 # the stored nets are real
        acc = why_gates.memory_accuracy(model, results["trained"][model], longest)
        run = next(r for r in results["runs"] if (r["model"], r["lag"], r["seed"]) ==
                   (model, longest, cfg["gradient_seed"]))
        assert acc == run["accuracy"]


def test_task_batch_and_training_on_a_short_lag():
    x, target = why_gates.flagged_bit_batch(4, 6, rng=0)
    assert x.shape == (5, 6, 2)
    np.testing.assert_array_equal(x[:, :, 1].sum(axis=0), np.ones(6))    # one flag, at t = 1
    np.testing.assert_array_equal(target, x[0, :, 0])
    params, info = why_gates.train_memory("gru", 3, seed=0, steps=400)
    assert why_gates.memory_accuracy("gru", params, 3) == 1.0
    assert info["steps"] <= 400
    with pytest.raises(ValueError, match="model must be one of"):
        why_gates.init_model("lstm", 4)
    with pytest.raises(ValueError, match="lag must be an integer"):
        why_gates.flagged_bit_batch(-1, 3)


@pytest.mark.parametrize("model", ["rnn", "gru"])
def test_last_step_gradients_agree_with_centred_differences(model):
    params = why_gates.init_model(model, 3, rng=1)
    x, target = why_gates.flagged_bit_batch(5, 4, rng=2)
    _, grads, dh = why_gates.last_step_loss_and_grads(model, params, x, target, return_dh=True)
    assert dh.shape == (6, 4, 3)

    def E():
        return why_gates.last_step_loss_and_grads(model, params, x, target)[0]

    for name in params:
        numeric = numerical_gradient(E, params[name]).reshape(params[name].shape)
        assert gl.rel_error(grads[name], numeric) < 1e-6, name


def test_gradient_norms_vanish_for_the_rnn_at_init():
    params = why_gates.init_model("rnn", 8, rng=0)
    norms = why_gates.gradient_norms("rnn", params, 40, n=64)
    assert norms.shape == (41,)
    assert norms[40] < 1e-6 * norms[0]
    path = why_gates.update_gate_path(why_gates.load_results()["trained"]["gru"], 80, n=64)
    assert path["keep"] > 0.95 and path["corr"] > 0.95


def test_experiment_script_writes_a_complete_file_and_rejects_bad_arguments(tmp_path):
    import json
    import pathlib
    import subprocess
    import sys

    script = pathlib.Path(__file__).resolve().parents[1] / "scripts" / "why_gates_experiment.py"
    out = tmp_path / "small.json"
    run = subprocess.run([sys.executable, str(script), "--lags", "2", "3", "--seeds", "0",
                          "--steps", "200", "--out", str(out), "--quiet"],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    results = json.loads(out.read_text())
    assert results["config"]["lags"] == [2, 3] and results["config"]["steps"] == 200
    assert results["command"].endswith("--quiet") and results["created"].endswith("UTC")
    assert len(results["runs"]) == 4 and set(results["trained"]) == {"rnn", "gru"}
    assert list(tmp_path.iterdir()) == [out]                      # no temporary file left
    bad = subprocess.run([sys.executable, str(script), "--lags", "0", "--out", str(out)],
                         capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2 and "--lags must be positive" in bad.stderr
    assert "Traceback" not in bad.stderr
    assert json.loads(out.read_text()) == results                 # the old file is untouched
