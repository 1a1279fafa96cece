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
