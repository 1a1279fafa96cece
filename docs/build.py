"""Build the course's static site: ``make site`` (or ``.venv/bin/python docs/build.py``).

The site is written to _build/site/ (open _build/site/index.html, or serve the folder) and
works offline: nothing on its pages loads from another host.

1. Stage (_build/src/): index.md is the README's front matter (its top, through the learning
   path) with the learning path as the navigation; notebooks/ is a copy of every notebook,
   outputs as committed. Nothing is executed.
2. Vendor (_build/vendor/static/): the scripts and fonts the pages need, served by the site
   itself: MathJax 3 from the sphinx-mathjax-offline wheel (PyPI) and the ipywidgets HTML
   manager (renders the notebooks' saved widget state) from npm. npm is asked once; later
   builds reuse the copy.
3. Sphinx with myst-nb (configured in docs/conf.py) writes _build/site/, reading every
   notebook each time so that each build reports every warning (a broken link, say).

Bad setup (a missing package, no npm on a first build) is reported in one line, exit status 2.
"""

import argparse
import importlib.metadata
import json
import os
import pathlib
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile

ROOT = pathlib.Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
BUILD = ROOT / "_build"
SRC = BUILD / "src"
VENDOR = BUILD / "vendor" / "static"
SITE = BUILD / "site"
DOCTREES = BUILD / "doctrees"

LEARNING_PATH = "## The learning path"
NOTEBOOK_LINK = re.compile(r"\]\(notebooks/([^)\s]+)\.ipynb\)")
# the ipywidgets 8 HTML manager (widget models @jupyter-widgets/controls 2.0)
HTML_MANAGER = "@jupyter-widgets/html-manager@^1.0.15"
MATHJAX_DIST = "sphinx-mathjax-offline"
# what the pages use of MathJax: the TeX-to-HTML component, its fonts, its TeX extensions
# (loaded on demand) and the menu's accessibility add-on; the rest of the wheel is left out
MATHJAX_PARTS = ["tex-chtml.js", "input", "output/chtml", "a11y", "ui"]


class SetupError(Exception):
    """Something the build needs is missing: reported in one line."""


# ------------------------------------------------------------------------------------ stage

def front_matter(readme):
    """The README from its title through the learning path section (up to the next '## ')."""
    lines = readme.splitlines()
    try:
        start = next(i for i, line in enumerate(lines) if line.strip() == LEARNING_PATH)
    except StopIteration:
        raise SetupError(f"README.md has no {LEARNING_PATH!r} section to make the index "
                         "page from") from None
    end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")),
               len(lines))
    return "\n".join(lines[:end]).rstrip() + "\n"


def learning_path(front, notebook_stems):
    """Notebook stems in the order the README's learning path links them; notebooks it does
    not link yet come last, in name order (tests/test_notebook_index.py asks for a link)."""
    order = []
    for stem in NOTEBOOK_LINK.findall(front):
        if stem in notebook_stems and stem not in order:
            order.append(stem)
    return order + sorted(set(notebook_stems) - set(order))


def index_page(readme, notebook_stems):
    front = front_matter(readme)
    toctree = "\n".join(f"notebooks/{stem}" for stem in learning_path(front, notebook_stems))
    return (front + "\n"
            "These pages show every notebook with the outputs it was committed with; nothing "
            "runs here, and the widgets are saved snapshots. To run and change the notebooks, "
            "install the course (`pip install .` in a checkout, or its wheel) and start "
            "`gru-lesson lab`.\n\n"
            "```{toctree}\n:hidden:\n:caption: The learning path\n\n" + toctree + "\n```\n")


def _write_if_changed(path, text):
    """Write text unless the file already holds it (Sphinx rebuilds what is newer)."""
    if not path.is_file() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")


def stage():
    """Fill _build/src/ with index.md and the notebooks; return the notebook stems."""
    notebooks = sorted((ROOT / "notebooks").glob("*.ipynb"))
    if not notebooks:
        raise SetupError(f"no notebooks in {ROOT / 'notebooks'}")
    (SRC / "notebooks").mkdir(parents=True, exist_ok=True)
    stems = [p.stem for p in notebooks]
    for old in (SRC / "notebooks").glob("*.ipynb"):
        if old.stem not in stems:
            old.unlink()
    for p in notebooks:
        dst = SRC / "notebooks" / p.name
        if not dst.is_file() or dst.read_bytes() != p.read_bytes():
            shutil.copy2(p, dst)
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    _write_if_changed(SRC / "index.md", index_page(readme, stems))
    return stems


# ----------------------------------------------------------------------------------- vendor

def _copy_tree(src, dst):
    if src.is_dir():
        shutil.copytree(src, dst, dirs_exist_ok=True)
    else:
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src, dst)


def vendor_mathjax():
    """MathJax 3 (its TeX input, HTML output and fonts) into _build/vendor/static/mathjax/."""
    dst = VENDOR / "mathjax"
    if (dst / "tex-chtml.js").is_file():
        return
    try:
        dist = importlib.metadata.distribution(MATHJAX_DIST)
    except importlib.metadata.PackageNotFoundError:
        raise SetupError(f"{MATHJAX_DIST} is not installed (pip install -r "
                         "requirements-docs.txt)") from None
    src = pathlib.Path(dist.locate_file("sphinx-mathjax-offline/static/mathjax"))
    if not (src / "tex-chtml.js").is_file():
        raise SetupError(f"{MATHJAX_DIST} {dist.version} has no static/mathjax/tex-chtml.js")
    tmp = dst.with_name("mathjax.partial")
    shutil.rmtree(tmp, ignore_errors=True)
    for part in MATHJAX_PARTS:
        _copy_tree(src / part, tmp / part)
    tmp.rename(dst)


def vendor_widgets():
    """The ipywidgets HTML manager's embed.js and its icon fonts into static/widgets/."""
    dst = VENDOR / "widgets"
    if (dst / "embed.js").is_file():
        return
    npm = shutil.which("npm")
    if npm is None:
        raise SetupError("npm is needed once, to fetch the ipywidgets HTML manager "
                         "(apt-get install npm)")
    with tempfile.TemporaryDirectory() as tmp:
        run = subprocess.run([npm, "pack", HTML_MANAGER, "--json", "--pack-destination", tmp],
                             capture_output=True, text=True, cwd=tmp,
                             env={**_npm_env(), "npm_config_cache": str(BUILD / "npm-cache")})
        if run.returncode != 0:
            last = (run.stderr.strip().splitlines() or ["no message"])[-1]
            raise SetupError(f"npm pack {HTML_MANAGER} failed: {last}")
        tarball = pathlib.Path(tmp) / json.loads(run.stdout)[0]["filename"]
        with tarfile.open(tarball) as tar:
            members = [m for m in tar.getmembers() if m.isfile()
                       and m.name.startswith("package/dist/")
                       and not m.name.endswith((".map", "embed-amd.js"))]
            members.append(tar.getmember("package/package.json"))
            safe = {"filter": "data"} if hasattr(tarfile, "data_filter") else {}
            tar.extractall(tmp, members=members, **safe)
        partial = dst.with_name("widgets.partial")
        shutil.rmtree(partial, ignore_errors=True)
        shutil.copytree(pathlib.Path(tmp) / "package" / "dist", partial)
        shutil.copy2(pathlib.Path(tmp) / "package" / "package.json", partial)
        partial.rename(dst)


def _npm_env():
    return {**os.environ, "npm_config_update_notifier": "false", "npm_config_fund": "false",
            "npm_config_audit": "false", "npm_config_loglevel": "error"}


# ------------------------------------------------------------------------------------ build

def build(out=SITE, quiet=True):
    """Stage, vendor and run Sphinx; return Sphinx's exit status."""
    try:
        from sphinx.cmd.build import build_main
    except ImportError:
        raise SetupError("Sphinx is not installed (pip install -r requirements-docs.txt)") \
            from None
    stage()
    vendor_mathjax()
    vendor_widgets()
    # -E: read every notebook each time, so every build reports every warning (~10 s)
    args = ["-b", "html", "-E", "-c", str(DOCS), "-d", str(DOCTREES), str(SRC), str(out)]
    return build_main((["-q"] if quiet else []) + args)


def main(argv=None):
    p = argparse.ArgumentParser(prog="docs/build.py", description=__doc__.split("\n\n")[0])
    p.add_argument("--out", type=pathlib.Path, default=SITE, help="output folder "
                   "(default _build/site)")
    p.add_argument("--verbose", action="store_true", help="Sphinx's progress, not just warnings")
    args = p.parse_args(argv)
    try:
        status = build(args.out.resolve(), quiet=not args.verbose)
    except SetupError as e:
        print(f"docs/build.py: error: {e}", file=sys.stderr)
        return 2
    if status == 0:
        print(f"site written to {args.out / 'index.html'}")
    return status


if __name__ == "__main__":
    sys.exit(main())
