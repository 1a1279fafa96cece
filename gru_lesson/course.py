"""The course from pip: the wheel ships the notebooks, and two commands put them to work.

    gru-lesson notebooks DIR     # copy the notebooks into DIR (an edited copy is kept)
    gru-lesson lab [DIR]         # copy what is missing, then start JupyterLab in DIR

The notebooks live in notebooks/ at the repository's root; the wheel carries them as package
data in gru_lesson/notebooks/ (setup.py copies them at build time), and an editable install or
a checkout reads notebooks/ in place.

A copy the student has edited is never overwritten without ``force``. DIR/.gru-lesson.json
records the hash of every copy as it was written, so a later run tells an edited copy (kept)
from an untouched one that a newer package has changed (updated).
"""

import dataclasses
import hashlib
import importlib.util
import json
import os
import pathlib
import sys

PACKAGE_DIR = pathlib.Path(__file__).resolve().parent
MANIFEST = ".gru-lesson.json"
DEFAULT_LAB_DIR = "gru_lesson_notebooks"


def shipped_dir():
    """The folder the shipped notebooks are read from: the package's own copy in a wheel, else
    notebooks/ beside the package (a checkout or an editable install)."""
    for folder in (PACKAGE_DIR / "notebooks", PACKAGE_DIR.parent / "notebooks"):
        if any(folder.glob("*.ipynb")):
            return folder
    raise ValueError(f"no notebooks shipped with this installation of gru_lesson "
                     f"(looked in {PACKAGE_DIR / 'notebooks'}); reinstall the package")


def shipped_notebooks():
    """The shipped notebook files, in learning-path (name) order."""
    return sorted(shipped_dir().glob("*.ipynb"))


@dataclasses.dataclass
class CopyReport:
    """What copy_notebooks did to each notebook, by file name."""

    folder: pathlib.Path
    copied: list = dataclasses.field(default_factory=list)     # was missing
    updated: list = dataclasses.field(default_factory=list)    # untouched copy, newer package
    replaced: list = dataclasses.field(default_factory=list)   # edited copy, overwritten (force)
    kept: list = dataclasses.field(default_factory=list)       # edited copy, left alone
    unchanged: list = dataclasses.field(default_factory=list)  # already the shipped file

    def lines(self):
        """One line per notebook, then a summary: what the command prints."""
        out, counts = [], []
        for status, label, note in _STATUSES:
            names = getattr(self, status)
            out += [f"{label:<11}{name}" + (f"   ({note})" if note else "") for name in names]
            if names:
                counts.append(f"{len(names)} {label}")
        total = sum(len(getattr(self, status)) for status, _, _ in _STATUSES)
        out.append(f"{total} notebooks in {self.folder}: {', '.join(counts)}")
        return out


# (CopyReport field, the word printed, the note beside the name)
_STATUSES = [
    ("copied", "copied", None),
    ("updated", "updated", "unedited copy, refreshed from this version of the package"),
    ("replaced", "replaced", "your edits were overwritten: --force"),
    ("kept", "kept", "you edited it; --force replaces it with the shipped one"),
    ("unchanged", "up to date", None),
]


def _digest(data):
    return hashlib.sha256(data).hexdigest()


def _read_manifest(folder):
    try:
        recorded = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))["notebooks"]
    except (OSError, ValueError, KeyError, TypeError):
        return {}
    return recorded if isinstance(recorded, dict) else {}


def _prepare_folder(dest):
    if not str(dest).strip():           # Path("") is ".": never fill the current folder unasked
        raise ValueError("the folder name is empty: give a folder such as gru_course")
    folder = pathlib.Path(dest).expanduser()
    if folder.exists() and not folder.is_dir():
        raise ValueError(f"{dest} is a file, not a folder: give a folder for the notebooks")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise ValueError(f"cannot create the folder {dest}: {e.strerror or e}") from None
    return folder.resolve()


def copy_notebooks(dest, force=False):
    """Copy the shipped notebooks into the folder dest (made if missing); return a CopyReport.

    A notebook already in dest is left alone if it is the shipped file, refreshed if it is an
    untouched earlier copy, and kept if the student has edited it, unless force is true.
    """
    folder = _prepare_folder(dest)
    sources = shipped_notebooks()
    recorded = _read_manifest(folder)
    report = CopyReport(folder)
    for src in sources:
        data = src.read_bytes()
        shipped = _digest(data)
        target = folder / src.name
        if not target.exists():
            status = "copied"
        else:
            current = _digest(target.read_bytes())
            if current == shipped:
                status = "unchanged"
            elif recorded.get(src.name) == current:
                status = "updated"
            elif force:
                status = "replaced"
            else:
                status = "kept"
        if status in ("copied", "updated", "replaced"):
            try:
                target.write_bytes(data)
            except OSError as e:
                raise ValueError(f"cannot write {target}: {e.strerror or e}") from None
        if status != "kept":          # an edited copy keeps its old record: it stays "edited"
            recorded[src.name] = shipped
        getattr(report, status).append(src.name)
    manifest = {"written by": "gru-lesson notebooks", "notebooks": recorded}
    try:
        (folder / MANIFEST).write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n",
                                       encoding="utf-8")
    except OSError as e:
        raise ValueError(f"cannot write {folder / MANIFEST}: {e.strerror or e}") from None
    return report


def lab_command(folder, no_browser=False, port=None):
    """The command that starts JupyterLab on folder, with this Python (and so this package)."""
    if importlib.util.find_spec("jupyterlab") is None:
        raise ValueError("JupyterLab is not installed in this Python; install it with "
                         "pip install 'gru_lesson[lessons]'")
    cmd = [sys.executable, "-m", "jupyterlab", f"--ServerApp.root_dir={folder}"]
    if no_browser:
        cmd.append("--no-browser")
    if port is not None:
        cmd.append(f"--ServerApp.port={port}")
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--allow-root")
    return cmd


def _exec(cmd):
    """Replace this process with cmd (JupyterLab then gets Ctrl-C itself)."""
    sys.stdout.flush()
    os.execv(cmd[0], cmd)


# ------------------------------------------------------------------------ the CLI commands

def add_subcommands(sub):
    """Register `notebooks` and `lab` on the CLI's subparsers (called by gru_lesson.cli)."""
    q = sub.add_parser("notebooks", help="copy the course's notebooks into a folder",
                       description="Copy the shipped notebooks into DIR (made if missing). A "
                                   "copy you have edited is kept unless --force is given; "
                                   "each notebook's line says what happened to it.")
    q.add_argument("DIR", help="the folder to copy the notebooks into")
    q.add_argument("--force", action="store_true",
                   help="overwrite copies you have edited with the shipped notebooks")
    q.set_defaults(run=_cmd_notebooks)

    q = sub.add_parser("lab", help="copy the notebooks if missing and start JupyterLab there",
                       description="Copy the notebooks DIR lacks (edited copies are kept), "
                                   "then start JupyterLab in DIR "
                                   f"(default ./{DEFAULT_LAB_DIR}).")
    q.add_argument("DIR", nargs="?", default=DEFAULT_LAB_DIR,
                   help=f"the notebooks' folder (default {DEFAULT_LAB_DIR})")
    q.add_argument("--no-browser", action="store_true", help="do not open a browser")
    q.add_argument("--port", type=_port, help="JupyterLab's port (default 8888)")
    q.set_defaults(run=_cmd_lab)


def _port(text):
    """An argparse type: a TCP port number, 1 to 65535."""
    import argparse

    try:
        port = int(text)
    except ValueError:
        port = None
    if port is None or not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"expected a port number from 1 to 65535, got {text!r}")
    return port


def _cmd_notebooks(args):
    for line in copy_notebooks(args.DIR, force=args.force).lines():
        print(line)
    return 0


def _cmd_lab(args):
    cmd = lab_command(pathlib.Path(args.DIR).expanduser().resolve(),
                      no_browser=args.no_browser, port=args.port)
    report = copy_notebooks(args.DIR)
    for line in report.lines():
        print(line)
    print(f"starting JupyterLab in {report.folder}")
    _exec(cmd)
    return 0
