"""The README's learning path and the notebooks folder agree, both ways."""

import json
import pathlib
import re

ROOT = pathlib.Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"


def readme_links():
    return set(re.findall(r"\(notebooks/([^)]+\.ipynb)\)", (ROOT / "README.md").read_text()))


def notebook_files():
    return {p.name for p in NOTEBOOKS.glob("*.ipynb")}


def test_every_notebook_is_listed_in_the_readme():
    missing = notebook_files() - readme_links()
    assert not missing, f"add these notebooks to README.md's learning path: {sorted(missing)}"


def test_every_listed_notebook_exists():
    dangling = readme_links() - notebook_files()
    assert not dangling, f"README.md links to notebooks that do not exist: {sorted(dangling)}"


def test_notebooks_are_committed_executed_and_checked():
    for path in sorted(NOTEBOOKS.glob("*.ipynb")):
        nb = json.loads(path.read_text())
        code = [c for c in nb["cells"] if c["cell_type"] == "code"]
        counts = [c.get("execution_count") for c in code if "".join(c["source"]).strip()]
        assert all(counts), f"{path.name}: run it top to bottom before committing"
        assert counts == sorted(counts), f"{path.name}: cells were executed out of order"
        checked = [c for c in code if "".join(c["source"]).lstrip().startswith(
            "# NBVAL_CHECK_OUTPUT")]
        assert len(checked) >= 3, f"{path.name}: mark at least 3 cells # NBVAL_CHECK_OUTPUT"
        first = nb["cells"][0]
        assert first["cell_type"] == "markdown", f"{path.name}: open with the learning goals"


def test_every_notebook_names_its_kernel():
    # Other front ends (nbclient, Voila, JupyterHub, the static site) then never ask for one.
    for path in sorted(NOTEBOOKS.glob("*.ipynb")):
        meta = json.loads(path.read_text())["metadata"]
        spec = meta.get("kernelspec", {})
        assert spec.get("name") == "python3" and spec.get("language") == "python", path.name
        assert meta.get("language_info", {}).get("name") == "python", path.name


def test_notebooks_print_the_reading_engine_not_the_fast_one():
    # Notebooks 01 and 02 show engine/gru.py; the fast engine appears only in an aside.
    for name in ("01_forward_pass.ipynb", "02_backprop_through_time.ipynb"):
        nb = json.loads((NOTEBOOKS / name).read_text())
        code = "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code")
        assert "show_source(" in code, f"{name}: show the reading engine with show_source"
        assert "def show_source" not in code and "inspect.getsource" not in code, \
            f"{name}: no source-printing helper in a notebook cell (use teach.source)"
