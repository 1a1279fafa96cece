"""The course from pip, end to end: build the wheel, install it into a fresh venv, copy the
notebooks out with ``gru-lesson notebooks``, run one of them under nbval, start ``gru-lesson lab``.

Offline and quick: the wheel is built with this environment's setuptools (no build isolation;
if it is older than pyproject.toml asks, pip fetches one) from a copy of the sources, and
installed with --no-deps --no-index. The fresh venv reaches the dependencies (numpy,
ipykernel, nbval, ...) through a .pth line naming this environment's site-packages, placed
after its own, so gru_lesson itself can only come from the wheel.
"""

import json
import os
import pathlib
import shutil
import subprocess
import sys
import sysconfig
import urllib.request
import zipfile

import browser_helpers as bh
import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
RUN_UNDER_NBVAL = "06_interactive_adder.ipynb"    # shipped weights, widgets, checked outputs
SOURCES = ["pyproject.toml", "setup.py", "MANIFEST.in", "README.md", "gru_lesson", "notebooks"]


def _env():
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
    return {**env, "MPLBACKEND": "Agg", "PIP_DISABLE_PIP_VERSION_CHECK": "1"}


def _run(cmd, cwd, timeout=300):
    out = subprocess.run([str(c) for c in cmd], cwd=cwd, env=_env(), capture_output=True,
                         text=True, timeout=timeout)
    assert out.returncode == 0, f"{cmd} failed:\n{out.stdout[-3000:]}\n{out.stderr[-3000:]}"
    return out


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """(wheel, the fresh venv's python, the sources it was built from), installed."""
    tmp = tmp_path_factory.mktemp("wheel")
    src = tmp / "src"
    src.mkdir()
    for name in SOURCES:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, src / name, ignore=shutil.ignore_patterns(
                "__pycache__", "*.pyc", ".ipynb_checkpoints"))
        else:
            shutil.copy2(ROOT / name, src / name)
    wheel_cmd = [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", tmp / "dist"]
    try:     # offline, with this environment's setuptools (requirements.txt asks for >= 77)
        _run(wheel_cmd + ["--no-build-isolation", "--no-index", src], cwd=tmp)
    except AssertionError:       # an older setuptools here: pip fetches pyproject's own
        _run(wheel_cmd + [src], cwd=tmp)
    [wheel] = (tmp / "dist").glob("gru_lesson-*.whl")

    venv = tmp / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", venv], cwd=tmp)
    python = venv / "bin" / "python"
    site = _run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                cwd=tmp).stdout.strip()
    ours = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    (pathlib.Path(site) / "zz_test_dependencies.pth").write_text("\n".join(sorted(ours)) + "\n")
    _run([sys.executable, "-m", "pip", "--python", python, "install", "--no-deps", "--no-index",
          "-q", wheel], cwd=tmp)
    return wheel, python, src


def test_the_wheel_ships_every_notebook_and_the_weights(installed):
    wheel, _, src = installed
    notebooks = sorted((src / "notebooks").glob("*.ipynb"))      # as they were at build time
    assert [nb.name for nb in notebooks] == [nb.name for nb in NOTEBOOKS]
    with zipfile.ZipFile(wheel) as z:
        names = set(z.namelist())
        for nb in notebooks:
            assert z.read(f"gru_lesson/notebooks/{nb.name}") == nb.read_bytes(), nb.name
        assert {n for n in names if n.startswith("gru_lesson/notebooks/")} == \
            {f"gru_lesson/notebooks/{nb.name}" for nb in notebooks}
        assert "gru_lesson/assets/pretrained.npz" in names
        entry_points = z.read(next(n for n in names if n.endswith("entry_points.txt")))
        assert b"gru-lesson = gru_lesson.cli:main" in entry_points


def test_the_fresh_venv_runs_the_wheel_not_the_checkout(installed, tmp_path):
    _, python, _ = installed
    out = _run([python, "-c", "import gru_lesson, gru_lesson.course as c; "
                "print(gru_lesson.__file__); print(c.shipped_dir())"], cwd=tmp_path)
    module, shipped = out.stdout.split()
    venv = python.parents[1]
    assert pathlib.Path(module).is_relative_to(venv), module
    assert pathlib.Path(shipped).is_relative_to(venv) and shipped.endswith("gru_lesson/notebooks")


def test_gru_lesson_notebooks_then_nbval_on_a_copied_notebook(installed, tmp_path):
    _, python, _ = installed
    out = _run([python.parent / "gru-lesson", "notebooks", "course"], cwd=tmp_path)
    course = tmp_path / "course"
    assert out.stdout.splitlines()[-1] == \
        f"{len(NOTEBOOKS)} notebooks in {course}: {len(NOTEBOOKS)} copied"
    assert sorted(p.name for p in course.glob("*.ipynb")) == [nb.name for nb in NOTEBOOKS]

    (tmp_path / "pytest.ini").write_text("[pytest]\n")      # not the repository's settings
    run = _run([python, "-m", "pytest", "-c", tmp_path / "pytest.ini", "-p", "no:cacheprovider",
                "--nbval-lax", "--nbval-current-env", "-q", course / RUN_UNDER_NBVAL],
               cwd=tmp_path, timeout=600)
    assert " passed" in run.stdout and "failed" not in run.stdout, run.stdout

    # a second run keeps what the student changed (nbval does not write the notebook back)
    nb = json.loads((course / RUN_UNDER_NBVAL).read_text())
    nb["cells"].append({"cell_type": "markdown", "id": "mine", "metadata": {},
                        "source": ["my notes"]})
    (course / RUN_UNDER_NBVAL).write_text(json.dumps(nb))
    again = _run([python.parent / "gru-lesson", "notebooks", "course"], cwd=tmp_path)
    assert f"kept       {RUN_UNDER_NBVAL}" in again.stdout
    assert "my notes" in (course / RUN_UNDER_NBVAL).read_text()


def test_gru_lesson_lab_serves_the_copied_notebooks(installed, tmp_path):
    _, python, _ = installed
    port = bh.free_port()
    config = tmp_path / "home" / "config"                  # start_server's JUPYTER_CONFIG_DIR
    config.mkdir(parents=True)
    (config / "jupyter_server_config.json").write_text(json.dumps({
        "IdentityProvider": {"token": ""}, "ServerApp": {"ip": "127.0.0.1"}}))
    api = f"http://127.0.0.1:{port}/api/contents/"
    cmd = [str(python.parent / "gru-lesson"), "lab", str(tmp_path / "lab"), "--no-browser",
           "--port", str(port)]
    with bh.start_server(cmd, tmp_path / "home", api, timeout=90):
        with urllib.request.urlopen(api, timeout=10) as reply:
            listing = json.load(reply)
    served = sorted(item["name"] for item in listing["content"] if item["type"] == "notebook")
    assert served == [nb.name for nb in NOTEBOOKS]
