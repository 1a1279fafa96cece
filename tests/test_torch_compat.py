"""torch.nn.GRU <-> gru_lesson: exact agreement with torch, round trips, the two conventions.

The NumPy-only parts (torch's layout, the transcription of torch's documented equations, the
z relabelling, reset-before vs reset-after, the stored comparison) run without torch; the
tests that need torch skip with a reason when it is absent.
"""

import builtins

import numpy as np
import pytest

import gru_lesson as gl
from gru_lesson import torch_compat as tc
from gru_lesson.engine.gradcheck import numerical_gradient
from gru_lesson.engine.params import expected_shapes

T, N, D, H, O = 6, 3, 5, 4, 2


def _reset_after_params(seed=0, bias=True, O=O):
    rng = np.random.default_rng(seed)
    shapes = expected_shapes(D, H, O, bias=bias, reset_after=True)
    return {k: rng.uniform(-1, 1, size=s) for k, s in shapes.items()}


def _x(seed=1):
    return np.random.default_rng(seed).normal(size=(T, N, D))


# ------------------------------------------------------------------ without torch -----------

def test_layout_round_trip_is_exact():
    for bias in (True, False):
        p = _reset_after_params(bias=bias)
        if not bias:
            p["bhn"] = np.zeros(H)
        layout = tc.to_torch_layout(p)
        assert layout["weight_ih"].shape == (3 * H, D) and layout["weight_hh"].shape == (3 * H, H)
        back = tc.from_torch_layout(layout["weight_ih"], layout["weight_hh"], layout["bias_ih"],
                                    layout["bias_hh"], layout["linear_weight"],
                                    layout["linear_bias"])
        assert list(back) == list(p)
        for k in p:
            np.testing.assert_array_equal(back[k], p[k])


def test_engine_matches_torchs_documented_equations():
    p = _reset_after_params()
    layout = tc.to_torch_layout(p)
    ref = tc.torch_gru_reference(layout["weight_ih"], layout["weight_hh"], layout["bias_ih"],
                                 layout["bias_hh"], _x())
    _, cache = gl.forward(p, _x())
    np.testing.assert_allclose(cache.h, ref["h"], rtol=0, atol=1e-14)
    np.testing.assert_allclose(cache.h_tilde, ref["n"], rtol=0, atol=1e-14)
    np.testing.assert_allclose(cache.r, ref["r"], rtol=0, atol=1e-15)
    np.testing.assert_allclose(cache.z, 1 - ref["z"], rtol=0, atol=1e-15)   # the relabelling


def test_z_flip_is_a_relabelling_and_skipping_it_changes_the_function():
    p = _reset_after_params(seed=3)
    x = _x(4)
    _, cache = gl.forward(p, x)
    _, flipped_cache = gl.forward(tc.flip_update_gate(p), x)
    # same h_0, so the first step's gate is exactly 1 - z (later steps see different h's)
    np.testing.assert_allclose(flipped_cache.z[0], 1 - cache.z[0], rtol=0, atol=1e-15)
    naive = tc.to_torch_layout(p, flip_z=False)
    wrong = tc.torch_gru_reference(naive["weight_ih"], naive["weight_hh"], naive["bias_ih"],
                                   naive["bias_hh"], x)
    assert np.max(np.abs(wrong["h"] - cache.h)) > 0.05
    tc.flip_update_gate(p)                       # a copy: p itself is untouched
    np.testing.assert_array_equal(tc.flip_update_gate(tc.flip_update_gate(p))["Wz"], p["Wz"])


def test_reset_before_and_after_differ_unless_U_is_diagonal():
    p = _reset_after_params(seed=5)
    p["bhn"] = np.zeros(H)
    x = _x(6)
    _, after = gl.forward(p, x)
    _, before = gl.forward(tc.as_reset_before(p), x)
    assert np.max(np.abs(after.h - before.h)) > 0.01
    p["U"] = np.diag(np.diag(p["U"]))            # r * (h U) == (r * h) U for diagonal U
    _, after = gl.forward(p, x)
    _, before = gl.forward(tc.as_reset_before(p), x)
    np.testing.assert_allclose(after.h, before.h, rtol=0, atol=1e-15)
    back = tc.as_reset_after(tc.as_reset_before(p))
    np.testing.assert_array_equal(back["bhn"], np.zeros(H))


def test_layout_errors_are_clear():
    seed_params = gl.init_params(D, H, O, rng=0)
    with pytest.raises(ValueError, match="cannot express"):
        tc.to_torch_layout(seed_params)
    with pytest.raises(ValueError, match="non-zero bhn"):
        tc.to_torch_layout(_reset_after_params(bias=False))
    p = _reset_after_params()
    p["bhn"] = np.ones(H)
    with pytest.raises(ValueError, match="bhn is non-zero"):
        tc.as_reset_before(p)
    with pytest.raises(ValueError, match=r"\(3H, D\)"):
        tc.from_torch_layout(np.zeros((7, D)), np.zeros((6, 2)))
    with pytest.raises(ValueError, match=r"\(3H, H\)"):
        tc.from_torch_layout(np.zeros((6, D)), np.zeros((6, 3)))
    with pytest.raises(ValueError, match="both bias_ih and bias_hh"):
        tc.from_torch_layout(np.zeros((6, D)), np.zeros((6, 2)), np.zeros(6))
    with pytest.raises(ValueError, match="hidden units"):
        tc.from_torch_layout(np.zeros((6, D)), np.zeros((6, 2)), linear_weight=np.zeros((1, 3)))


def test_hidden_state_grads_agree_with_centred_differences():
    p = _reset_after_params(seed=7, O=0)
    x = _x(8)
    G = np.random.default_rng(9).normal(size=(T, N, H))
    _, cache = gl.forward(p, x)
    grads = tc.hidden_state_grads(p, cache, G)

    def E():
        return float(np.sum(gl.forward(p, x)[1].h * G))

    for k in ("Wz", "U", "bhn", "br"):
        numeric = numerical_gradient(E, p[k]).reshape(p[k].shape)
        assert gl.rel_error(grads[k], numeric) < 1e-7, k


def test_stored_comparison_is_complete_and_passed():
    stored = tc.load_torch_comparison()
    assert stored["torch_version"].startswith("2.13.0")
    cases = {(c["dtype"], c["batch_first"], c["linear"]) for c in stored["cases"]}
    assert cases == {(c["dtype"], c["batch_first"], c["linear"]) for c in tc.COMPARISON_CASES}
    assert all(c["passed"] for c in stored["cases"])
    summary = tc.comparison_summary(stored)
    assert summary.count("True") == 2 * len(stored["cases"]) and "False" not in summary


def test_without_torch_the_converters_say_how_to_install_it(monkeypatch):
    real_import = builtins.__import__

    def no_torch(name, *args, **kwargs):
        if name == "torch" or name.startswith("torch."):
            raise ImportError("No module named 'torch'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_torch)
    for call in (lambda: gl.from_torch(object()), lambda: gl.to_torch(_reset_after_params()),
                 lambda: tc.compare_with_torch()):
        with pytest.raises(ImportError, match=r"pip install -e \.\[torch\]"):
            call()


# ------------------------------------------------------------------ with torch --------------

@pytest.fixture
def torch():
    """torch itself, or a skip with the reason (only these tests need it)."""
    return pytest.importorskip("torch", reason="PyTorch not installed: pip install -e .[torch]")



@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("linear", [True, False])
@pytest.mark.parametrize("bias", [True, False])
def test_forward_and_grads_agree_with_torch(torch, dtype, batch_first, linear, bias):
    r = tc.compare_with_torch(dtype=dtype, batch_first=batch_first, linear=linear, bias=bias,
                              seed=11, T=9, N=4, D=3, H=5, O=2)
    tol_h, tol_g = tc.TOLERANCES[dtype]
    assert r["max_abs_diff_h"] < tol_h
    assert r.get("max_abs_diff_logits", 0.0) < tol_h
    assert r["max_grad_rel_error"] < tol_g, r["grad_rel_errors"]
    assert r["passed"]
    expected = {"Wz", "Uz", "Wr", "Ur", "W", "U"} | ({"bz", "br", "b", "bhn"} if bias else set())
    expected |= ({"Wy"} | ({"by"} if bias else set())) if linear else set()
    assert set(r["grad_rel_errors"]) == expected


def test_from_torch_shapes_and_no_linear_means_no_outputs(torch):
    gru = torch.nn.GRU(D, H)
    p = gl.from_torch(gru)
    assert p["Wy"].shape == (H, 0) and p["by"].shape == (0,) and "bhn" in p
    y, cache = gl.forward(p, _x())
    assert y.shape == (T, N, 0) and cache.h.shape == (T, N, H)
    p = gl.from_torch(torch.nn.GRU(D, H, bias=False), torch.nn.Linear(H, O))
    np.testing.assert_array_equal(p["bz"], np.zeros(H))     # zero GRU biases beside the Linear's
    assert p["by"].shape == (O,)


def test_round_trips(torch):
    p = _reset_after_params(seed=12)
    gru, lin = gl.to_torch(p)
    assert gru.weight_ih_l0.dtype == torch.float64 and lin.out_features == O
    back = gl.from_torch(gru, lin)
    for k in p:
        np.testing.assert_array_equal(back[k], p[k])
    # torch -> gl -> torch: the same function (the r and z biases are moved into bias_ih)
    gru = torch.nn.GRU(D, H, batch_first=True, dtype=torch.float64)
    lin = torch.nn.Linear(H, O, dtype=torch.float64)
    gru2, lin2 = gl.to_torch(gl.from_torch(gru, lin), batch_first=True)
    xb = torch.tensor(_x().transpose(1, 0, 2))
    np.testing.assert_allclose(lin2(gru2(xb)[0]).detach().numpy(),
                               lin(gru(xb)[0]).detach().numpy(), rtol=0, atol=1e-14)
    gru32, lin32 = gl.to_torch(p, dtype="float32")
    assert gru32.weight_hh_l0.dtype == torch.float32 and lin32.weight.dtype == torch.float32
    gru0, lin0 = gl.to_torch(gl.from_torch(torch.nn.GRU(D, H)))
    assert lin0 is None


def test_from_torch_rejects_what_it_cannot_convert(torch):
    with pytest.raises(ValueError, match="num_layers=2"):
        gl.from_torch(torch.nn.GRU(D, H, num_layers=2))
    with pytest.raises(ValueError, match="bidirectional"):
        gl.from_torch(torch.nn.GRU(D, H, bidirectional=True))
    with pytest.raises(ValueError, match="got LSTM"):
        gl.from_torch(torch.nn.LSTM(D, H))
    with pytest.raises(ValueError, match="GRUCell"):
        gl.from_torch(torch.nn.GRUCell(D, H))
    with pytest.raises(ValueError, match="torch.nn.Linear or None"):
        gl.from_torch(torch.nn.GRU(D, H), torch.nn.Conv1d(H, 1, 1))
    with pytest.raises(ValueError, match="must match"):
        gl.from_torch(torch.nn.GRU(D, H), torch.nn.Linear(H + 1, O))
    gru = torch.nn.GRU(D, H)
    with torch.no_grad():
        gru.weight_hh_l0[0, 0] = float("nan")
    with pytest.raises(ValueError, match="NaN or inf"):
        gl.from_torch(gru)
    with pytest.raises(ValueError, match="dtype must be"):
        gl.to_torch(_reset_after_params(), dtype="float16")
    with pytest.raises(ValueError, match="no .grad"):
        tc.grads_from_torch(torch.nn.GRU(D, H))
    with pytest.raises(ValueError, match="batch_first must be True or False, got 'yes'"):
        gl.to_torch(_reset_after_params(), batch_first="yes")
    with pytest.raises(ValueError, match="dtype must be 'float32' or 'float64', got 'x'"):
        tc.compare_with_torch(dtype="x")


def test_hidden_state_grads_checks_its_cache():
    params = _reset_after_params()
    x = np.random.default_rng(0).normal(size=(3, 2, params["Wz"].shape[0]))
    _, cache = gl.forward(params, x)
    dh = np.ones_like(cache.h)
    assert set(tc.hidden_state_grads(params, cache, dh)) == set(params)
    with pytest.raises(ValueError, match="GRUCache returned by gl.forward, got NoneType"):
        tc.hidden_state_grads(params, None, dh)
    with pytest.raises(ValueError, match="different GRU variants"):
        tc.hidden_state_grads(tc.as_reset_before(dict(params, bhn=0 * params["bhn"])), cache, dh)


# ------------------------------------------------------------------ notebook 08 without torch

def test_notebook_07_without_torch_prints_the_same_checks(monkeypatch):
    """Run notebook 08 as if torch were absent: it must finish, never import torch, and print
    exactly the committed text in every NBVAL_CHECK_OUTPUT cell (made with torch present)."""
    import pathlib

    import nbformat
    from nbclient import NotebookClient

    path = pathlib.Path(__file__).resolve().parents[1] / "notebooks" / "08_gru_in_frameworks.ipynb"
    committed = nbformat.read(path, as_version=4)
    nb = nbformat.read(path, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell("import sys\nprint('torch' in sys.modules)"))
    monkeypatch.setenv("GRU_LESSON_NO_TORCH", "1")
    NotebookClient(nb, timeout=120, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parent)}}).execute()

    def text(cell):
        return "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream")

    assert text(nb.cells[1]).strip() == "PyTorch available: False"
    checks = [(a, b) for a, b in zip(committed.cells, nb.cells, strict=False)
              if a.cell_type == "code" and a.source.startswith("# NBVAL_CHECK_OUTPUT")]
    assert len(checks) >= 3
    for before, after in checks:
        assert text(after) == text(before), before.source.splitlines()[1]
    assert text(nb.cells[-1]).strip() == "False"           # torch was never imported
