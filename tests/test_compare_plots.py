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
    assert len(results["nudges"]) == 2 * 2 and {r["ulps"] for r in results["nudges"]} == {-1, 1}
    assert results["log"] is None or results["log"]["steps_used"] == len(results["log"]["step"])
    assert list(tmp_path.iterdir()) == [out]                      # no temporary file left
    bad = subprocess.run([sys.executable, str(script), "--lags", "0", "--out", str(out)],
                         capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2 and "--lags must be positive" in bad.stderr
    assert "Traceback" not in bad.stderr
    assert json.loads(out.read_text()) == results                 # the old file is untouched


# --------------------------------------------------------------------------- the logged run

def test_watching_a_run_does_not_change_it():
    plain, info = why_gates.train_memory("rnn", 6, seed=2, steps=300, hidden_size=5)
    seen = []
    watched, info_w = why_gates.train_memory("rnn", 6, seed=2, steps=300, hidden_size=5,
                                             callback=lambda step, *rest: seen.append(step))
    assert info == info_w and seen == list(range(1, info["steps"] + 1))
    for k in plain:
        np.testing.assert_array_equal(plain[k], watched[k])             # bit for bit


def test_training_log_records_the_first_step_as_computed_by_hand():
    lag, seed, batch, lr = 7, 4, 16, 0.01
    params, info, log = why_gates.training_log("rnn", lag, seed=seed, steps=120, batch_size=batch,
                                               lr=lr, hidden_size=5)
    assert set(log) == {"step", "loss", "flag_grad", "flag_step", "reach"}
    assert all(len(v) == info["steps"] for v in log.values())
    rng = np.random.default_rng(seed)                                  # step 1 again, by hand
    p0 = why_gates.init_model("rnn", 5, rng)
    x, target = why_gates.flagged_bit_batch(lag, batch, rng)
    loss, grads, dh = why_gates.last_step_loss_and_grads("rnn", p0, x, target, return_dh=True)
    g = grads["Wx"][1]                                                  # the flag's row
    assert log["loss"][0] == loss
    assert log["flag_grad"][0] == np.abs(g).max()
    norms = np.linalg.norm(dh, axis=2).mean(axis=1)
    assert log["reach"][0] == pytest.approx(norms[0] / norms[-1], rel=1e-12)
    # Adam's first step is lr * g / (|g| + eps) whatever the clipping: the largest is about lr
    expect = np.max(lr * np.abs(g) / (np.abs(g) + 1e-8))
    assert log["flag_step"][0] == pytest.approx(expect, rel=1e-6)
    _, _, gru_log = why_gates.training_log("gru", 3, seed=0, steps=100, hidden_size=4)
    assert gru_log["flag_grad"][0] > 0


def test_nudged_learning_rates_are_neighbouring_floats():
    assert why_gates.nudged_lr(0.02, 0) == 0.02
    up = why_gates.nudged_lr(0.02, 1)
    assert up == np.nextafter(0.02, 1.0) and up > 0.02
    assert why_gates.nudged_lr(0.02, -2) == np.nextafter(np.nextafter(0.02, 0.0), 0.0)


def test_log_summary_reads_a_made_up_log():
    n = 400
    step = np.arange(1, n + 1)
    grad = np.full(n, 1e-14)
    moved = np.zeros(n)
    grad[200:210] = 1e-3                                      # a burst at steps 201..210
    moved[200:210] = 0.02
    moved[210:215] = 1e-3                                     # momentum after it
    moved[300] = 5e-5                                         # a late, small step
    reach = np.full(n, 1e-9)
    reach[205] = 2.5
    loss = np.linspace(0.7, 0.3, n)
    s = why_gates.log_summary({"step": step, "loss": loss, "flag_grad": grad,
                               "flag_step": moved, "reach": reach}, window=20)
    grad[:200] = np.linspace(1e-14, 1e-11, 200)               # quiet until step 200
    s = why_gates.log_summary({"step": step, "loss": loss, "flag_grad": grad,
                               "flag_step": moved, "reach": reach}, window=20)
    assert s["quiet_steps"] == 200 and s["quiet_grad"] == 1e-11 and s["quiet_step"] == 0.0
    assert s["busiest"][0] <= 201 and s["busiest"][1] >= 210
    assert s["busiest_share"] == pytest.approx(1.0, abs=1e-3) and s["busiest_reach"] == 2.5
    assert s["still_from"] == 302                             # after the last change > 1e-6
    assert s["loss_end"] == pytest.approx(loss[-100:].mean())
    with pytest.raises(ValueError, match="at least 20"):
        why_gates.log_summary({k: v[:5] for k, v in {"step": step, "loss": loss,
                               "flag_grad": grad, "flag_step": moved, "reach": reach}.items()},
                              window=20)


def test_stored_log_and_nudges_back_notebook_07():
    results = why_gates.load_results()
    cfg, log = results["config"], results["log"]
    lag = cfg["gradient_lag"]
    run = next(r for r in results["runs"]
               if (r["model"], r["lag"], r["seed"]) == ("rnn", lag, log["seed"]))
    assert run["solved"] and log["steps_used"] == run["steps_used"] == len(log["step"])
    assert why_gates.memory_accuracy("rnn", log["params"], lag, n=cfg["test_size"]) == \
        run["accuracy"]
    assert why_gates.log_summary(log)["busiest_reach"] > 1      # the gradient got through
    gru = [r for r in results["nudges"] if r["model"] == "gru"]
    assert len(gru) == len(cfg["seeds"]) * len(cfg["nudge_ulps"]) and all(r["solved"] for r in gru)
    rnn = {(r["seed"], r.get("ulps", 0)): r["solved"] for r in results["runs"] + results["nudges"]
           if r["model"] == "rnn" and r["lag"] == lag}
    ulps = (0, *cfg["nudge_ulps"])
    flips = [seed for seed in cfg["seeds"] if len({rnn[seed, u] for u in ulps}) > 1]
    assert flips                                                 # chaos: some seed flips


def test_training_log_plot_and_nudge_plot_show_the_data():
    results = why_gates.load_results()
    log = results["log"]
    fig = compare_plots.plot_training_log(log, lr=0.02)
    ax_g, ax_r, ax_l = fig.axes
    assert ax_g.get_yscale() == "log" and ax_r.get_yscale() == "log"
    np.testing.assert_array_equal(ax_g.get_lines()[0].get_ydata(),
                                  np.maximum(log["flag_grad"], 1e-40))
    np.testing.assert_array_equal(ax_l.get_lines()[0].get_ydata(), log["loss"])
    assert ax_l.get_xlabel() == "training step" and ax_r.get_ylabel() and ax_g.get_ylabel()
    with pytest.raises(ValueError, match="empty"):
        compare_plots.plot_training_log({k: [] for k in log})
    fig = compare_plots.plot_nudges(results)
    ax = fig.axes[0]
    lag = results["config"]["gradient_lag"]
    rows = [r for r in results["runs"] if r["lag"] == lag] + results["nudges"]
    drawn = [c for c in ax.collections if len(c.get_offsets())]
    assert len(drawn) == len(rows)
    filled = sum(c.get_facecolors().size > 0 and c.get_facecolors()[0][3] > 0 for c in drawn)
    assert filled == sum(r["solved"] for r in rows)
    assert "ulp" in ax.get_xlabel() and ax.get_ylabel() == "seed"
    assert "one float" in ax.get_title()               # the finding: the nudge does matter


def test_the_memory_unit_is_the_follower_that_keeps_the_bit():
    # unit 0 writes the bit at the flag and keeps it (z ~ 0 after); unit 1 copies unit 0 at every
    # step (z = 1): both follow the bit at the end, only unit 0 is on the (1 - z) path
    p = {k: np.zeros_like(v) for k, v in why_gates.init_model("gru", 2, rng=0).items()}
    p["bz"][:] = [-20.0, 40.0]
    p["Wz"][1, 0] = 40.0                       # the flag opens unit 0's update gate
    p["W"][0, 0], p["b"][0] = 4.0, -2.0        # unit 0's candidate: tanh(4 bit - 2)
    p["br"][1] = 40.0
    p["U"][0, 1] = 10.0                        # unit 1's candidate: tanh(10 h_{t-1}[0])
    p["Wy"][1, 0] = 5.0
    assert why_gates.memory_accuracy("gru", p, 30) == 1.0
    path = why_gates.update_gate_path(p, 30, n=64)
    assert path["followers"] == [0, 1]
    assert path["unit"] == 0 and path["keep"] > 0.99 and path["keep_product"] > 0.99
    assert path["keep_by_unit"][1] < 1e-6
