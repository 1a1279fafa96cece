"""``gru-lesson notebooks DIR`` and ``gru-lesson lab [DIR]``: what is copied, what is kept."""

import json
import pathlib
import subprocess
import sys

import pytest

from gru_lesson import course
from gru_lesson.cli import main

ROOT = pathlib.Path(__file__).resolve().parents[1]
SHIPPED = sorted(p.name for p in (ROOT / "notebooks").glob("*.ipynb"))


def statuses(out):
    """{notebook: status word} from the command's per-notebook lines."""
    found = {}
    for line in out.splitlines()[:-1]:
        word, name = line[:11].strip(), line[11:].split()[0]
        found[name] = word
    return found


def test_a_checkout_ships_the_repositorys_notebooks():
    assert course.shipped_dir() == ROOT / "notebooks"
    assert [p.name for p in course.shipped_notebooks()] == SHIPPED
    assert len(SHIPPED) >= 10


def test_notebooks_copies_every_notebook_byte_for_byte(tmp_path, capsys):
    dest = tmp_path / "a" / "course"                       # parents are made too
    assert main(["notebooks", str(dest)]) == 0
    out = capsys.readouterr().out
    assert statuses(out) == dict.fromkeys(SHIPPED, "copied")
    assert out.splitlines()[-1] == f"{len(SHIPPED)} notebooks in {dest}: {len(SHIPPED)} copied"
    for name in SHIPPED:
        assert (dest / name).read_bytes() == (ROOT / "notebooks" / name).read_bytes()


def test_an_edited_copy_is_kept_until_force(tmp_path, capsys):
    course.copy_notebooks(tmp_path)
    edited, deleted = tmp_path / SHIPPED[3], tmp_path / SHIPPED[1]
    nb = json.loads(edited.read_text())
    nb["cells"][0]["source"] = ["# my notes\n"]
    edited.write_text(json.dumps(nb))
    deleted.unlink()

    assert main(["notebooks", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    got = statuses(out)
    assert got[SHIPPED[3]] == "kept" and got[SHIPPED[1]] == "copied"
    assert sum(w == "up to date" for w in got.values()) == len(SHIPPED) - 2
    assert "--force" in next(line for line in out.splitlines() if SHIPPED[3] in line)
    assert "1 copied, 1 kept" in out.splitlines()[-1]
    assert json.loads(edited.read_text())["cells"][0]["source"] == ["# my notes\n"]

    # a second run without --force still keeps it: the edit is remembered as an edit
    assert course.copy_notebooks(tmp_path).kept == [SHIPPED[3]]
    report = course.copy_notebooks(tmp_path, force=True)
    assert report.replaced == [SHIPPED[3]] and not report.kept
    assert edited.read_bytes() == (ROOT / "notebooks" / SHIPPED[3]).read_bytes()
    assert course.copy_notebooks(tmp_path).unchanged == SHIPPED


def test_an_unedited_copy_from_an_older_package_is_updated(tmp_path, monkeypatch):
    old = tmp_path / "old_package"
    old.mkdir()
    for name in SHIPPED[:2]:
        nb = json.loads((ROOT / "notebooks" / name).read_text())
        nb["cells"][0]["source"] = ["# last year's version\n"]
        (old / name).write_text(json.dumps(nb))
    dest = tmp_path / "course"
    monkeypatch.setattr(course, "shipped_dir", lambda: old)
    assert course.copy_notebooks(dest).copied == SHIPPED[:2]
    (dest / "mine.ipynb").write_text("{}")                 # a student's own notebook
    monkeypatch.undo()

    report = course.copy_notebooks(dest)
    assert report.updated == SHIPPED[:2] and report.copied == SHIPPED[2:] and not report.kept
    assert (dest / SHIPPED[0]).read_bytes() == (ROOT / "notebooks" / SHIPPED[0]).read_bytes()
    assert (dest / "mine.ipynb").read_text() == "{}"


def test_a_copy_that_predates_the_record_counts_as_edited(tmp_path):
    (tmp_path / SHIPPED[0]).write_text('{"cells": []}')   # no .gru-lesson.json beside it
    report = course.copy_notebooks(tmp_path)
    assert report.kept == [SHIPPED[0]] and (tmp_path / SHIPPED[0]).read_text() == '{"cells": []}'


@pytest.mark.parametrize("args, words", [
    (["notebooks"], ["required", "DIR"]),
    (["notebooks", "{file}"], ["is a file, not a folder"]),
    (["lab", "--port", "70000"], ["--port", "port number from 1 to 65535"]),
])
def test_mistakes_get_one_line_and_status_2(tmp_path, args, words):
    (tmp_path / "notes.txt").write_text("x")
    args = [a.replace("{file}", str(tmp_path / "notes.txt")) for a in args]
    out = subprocess.run([sys.executable, "-m", "gru_lesson", *args], capture_output=True,
                         text=True, timeout=60, cwd=tmp_path)
    assert out.returncode == 2 and out.stdout == "", out
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in out.stderr, out.stderr
    for w in words:
        assert w in lines[0], lines[0]


def test_lab_copies_what_is_missing_then_starts_jupyterlab_there(tmp_path, monkeypatch, capsys):
    started = []
    monkeypatch.setattr(course, "_exec", started.append)
    (tmp_path / SHIPPED[0]).write_text('{"cells": []}')   # the student's own version
    assert main(["lab", str(tmp_path), "--no-browser", "--port", "8899"]) == 0
    out = capsys.readouterr().out
    assert statuses(out)[SHIPPED[0]] == "kept"
    assert out.splitlines()[-1] == f"starting JupyterLab in {tmp_path}"
    [cmd] = started
    assert cmd[:3] == [sys.executable, "-m", "jupyterlab"]
    assert f"--ServerApp.root_dir={tmp_path}" in cmd and "--ServerApp.port=8899" in cmd
    assert "--no-browser" in cmd
    assert sorted(p.name for p in tmp_path.glob("*.ipynb")) == SHIPPED


def test_lab_defaults_to_a_folder_in_the_current_directory(tmp_path, monkeypatch, capsys):
    started = []
    monkeypatch.setattr(course, "_exec", started.append)
    monkeypatch.chdir(tmp_path)
    assert main(["lab"]) == 0
    folder = tmp_path / course.DEFAULT_LAB_DIR
    assert f"--ServerApp.root_dir={folder}" in started[0]
    assert sorted(p.name for p in folder.glob("*.ipynb")) == SHIPPED


def test_lab_without_jupyterlab_says_how_to_install_it(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(course.importlib.util, "find_spec",
                        lambda name: None if name == "jupyterlab" else object())
    monkeypatch.setattr(course, "_exec", lambda cmd: pytest.fail("must not start"))
    assert main(["lab", str(tmp_path / "course")]) == 2
    err = capsys.readouterr().err.strip()
    assert "JupyterLab is not installed" in err and "gru_lesson[lessons]" in err
    assert not (tmp_path / "course").exists()          # nothing copied before the error
