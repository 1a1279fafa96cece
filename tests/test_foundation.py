"""The project's ground: the package installs and imports cheaply, the README's commands exist."""

import pathlib
import re
import subprocess
import sys

import gru_lesson

ROOT = pathlib.Path(__file__).resolve().parents[1]


def test_package_is_installed_not_path_hacked():
    # Imported from the repo (editable install), and declared in pyproject.toml.
    assert pathlib.Path(gru_lesson.__file__).resolve().parent == ROOT / "gru_lesson"
    assert 'name = "gru_lesson"' in (ROOT / "pyproject.toml").read_text()


def test_import_is_cheap_and_lazy():
    code = ("import sys; import gru_lesson; "
            "heavy = ('matplotlib', 'ipywidgets', 'torch', 'tqdm'); "
            "print([m for m in heavy if m in sys.modules])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", f"import gru_lesson pulled in {out.stdout.strip()}"


def test_lazy_names_resolve_to_real_modules():
    for name, module in gru_lesson._LAZY.items():
        path = ROOT / "gru_lesson" / (module.replace(".", "/") + ".py")
        assert path.exists(), f"{name}: {path} missing"


def test_readme_commands_exist_in_makefile():
    readme = (ROOT / "README.md").read_text()
    makefile = (ROOT / "Makefile").read_text()
    for target in ("lab", "test"):
        assert f"make {target}" in readme
        assert re.search(rf"^{target}:", makefile, re.M), f"Makefile has no '{target}' target"
    assert "conda env create -f environment.yml" in readme


def test_ci_runs_make_test():
    ci = (ROOT / ".ci" / "run").read_text()
    assert "make test" in ci


def test_requirements_are_lower_bounds_not_pins():
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            assert "==" not in line, f"exact pin in requirements.txt: {line}"


def test_the_package_docstring_maps_every_file():
    # The map in gru_lesson/__init__.py names every module of every layer (issue 11).
    doc = gru_lesson.__doc__
    for path in sorted((ROOT / "gru_lesson").rglob("*.py")):
        if path.name in ("__init__.py", "__main__.py"):
            continue
        assert re.search(rf"\b{re.escape(path.name)}\b", doc), \
            f"{path.relative_to(ROOT)} is missing from the map in gru_lesson/__init__.py"


def test_the_readme_layout_names_every_part():
    layout = (ROOT / "README.md").read_text().split("## Layout", 1)[1]
    for part in sorted((ROOT / "gru_lesson").iterdir()):
        if part.name.startswith(("_", ".")) or part.name in ("assets",):
            continue
        assert part.stem in layout, f"README's layout section does not name {part.name}"
    for path in sorted((ROOT / "gru_lesson" / "addition").glob("*.py")):
        if path.name != "__init__.py":
            assert path.stem in layout, f"README's layout section does not name {path.name}"


def test_gl_keeps_every_name_it_had_before_the_layout_change():
    # The names of gru_lesson/__init__.py at bc5d456, before engine/, addition/ and teach/.
    before = ["init_params", "validate_params", "forward", "backward", "backward_from_logits",
              "GRUCache", "loss_and_grads", "check_gradients", "rel_error", "int_to_bits",
              "bits_to_int", "addition_batch", "held_out_pairs", "carry_chain_pairs",
              "random_pairs", "train_seed", "train", "add", "add_details", "accuracy",
              "matlab_round", "load_pretrained", "save_params", "load_params", "from_torch",
              "to_torch", "rnn_init_params", "rnn_forward", "rnn_backward",
              "rnn_backward_from_logits", "rnn_loss_and_grads", "RNNCache", "carry_units"]
    assert set(before) <= set(gru_lesson.__all__)
    for name in before:
        assert callable(getattr(gru_lesson, name)), name
