"""The static site (``make site``) in Debian's Chromium, offline: every request to another host
is blocked and recorded, and the test fails if one was made. On every page the math is typeset
(no raw ``$$`` or ``\\delta`` left), the figures load, saved widgets show with their note, and
every notebook has a page in the navigation, in the README's learning-path order.

The site is rebuilt first by docs/build.py (about 10 s), and the build must give no warning.
"""

import functools
import http.server
import importlib.util
import json
import pathlib
import re
import shutil
import subprocess
import sys
import threading

import browser_helpers as bh
import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
SITE = ROOT / "_build" / "site"
STAGED = ROOT / "_build" / "src" / "notebooks"     # the copies the site was built from
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
IMAGE_TYPES = ("image/png", "image/jpeg", "image/svg+xml", "image/gif")
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def _skip_reason():
    for module in ("sphinx", "myst_nb"):
        if importlib.util.find_spec(module) is None:
            return f"{module} is not installed (pip install -r requirements-docs.txt)"
    widgets = ROOT / "_build" / "vendor" / "static" / "widgets" / "embed.js"
    if shutil.which("npm") is None and not widgets.is_file():
        return "npm is needed once to fetch the ipywidgets HTML manager (apt-get install npm)"
    return bh.browser_skip_reason()


SKIP = _skip_reason()
pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(SKIP is not None, reason=SKIP or "site tools available")]


def _outputs(nb, kinds, unless=()):
    """How many outputs carry one of the mime types `kinds` and none of `unless`."""
    return sum(1 for cell in nb["cells"] for out in cell.get("outputs", [])
               if any(k in out.get("data", {}) for k in kinds)
               and not any(k in out.get("data", {}) for k in unless))


def _first_heading(nb):
    for cell in nb["cells"]:
        for line in "".join(cell["source"]).splitlines():
            if cell["cell_type"] == "markdown" and line.startswith("# "):
                return re.sub(r"[*_`]", "", line[2:]).strip()
    raise AssertionError("no '# ' title in the notebook")


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def site():
    build = subprocess.run([sys.executable, str(ROOT / "docs" / "build.py")], cwd=ROOT,
                           capture_output=True, text=True, timeout=600)
    assert build.returncode == 0, build.stdout[-3000:] + build.stderr[-3000:]
    assert "WARNING" not in build.stderr, build.stderr[-3000:]
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", bh.free_port()), functools.partial(_Quiet, directory=str(SITE)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def browser(site):
    """(page, log): a page whose every request off this server is blocked and logged."""
    log = {"external": [], "failed": [], "errors": []}

    def route(r):
        if r.request.url.startswith(site):
            r.continue_()
        else:
            log["external"].append(r.request.url)
            r.abort()

    with bh.chromium_page() as page:
        page.route("**/*", route)
        page.on("response", lambda resp: resp.status >= 400 and log["failed"].append(
            f"{resp.status} {resp.url}"))
        page.on("requestfailed", lambda req: req.url.startswith(site) and log["failed"].append(
            f"{req.failure} {req.url}"))
        page.on("pageerror", lambda e: log["errors"].append(str(e)))
        yield page, log


def open_page(browser, url):
    page, log = browser
    for entries in log.values():
        entries.clear()
    page.goto(url, wait_until="load")
    page.wait_for_load_state("networkidle")
    # MathJax 3 (on pages with math) has finished typesetting, widgets included
    page.evaluate("async () => { if (window.MathJax && MathJax.startup) {"
                  " await MathJax.startup.promise; } }")
    return page, log


# the visible text outside code, math and scripts: where raw TeX would show
VISIBLE_PROSE = """() => {
  const skip = "pre, code, script, style, mjx-container, .highlight, .math";
  const walker = document.createTreeWalker(document.querySelector("article"),
                                           NodeFilter.SHOW_TEXT);
  const parts = [];
  while (walker.nextNode()) {
    const el = walker.currentNode.parentElement;
    if (el.closest(skip) || el.getClientRects().length === 0) continue;
    parts.push(walker.currentNode.nodeValue);
  }
  return parts.join(" ");
}"""


def assert_offline_and_clean(log, what):
    assert not log["external"], f"{what} asked another host: {log['external'][:5]}"
    assert not log["failed"], f"{what}: requests failed: {log['failed'][:5]}"
    assert not log["errors"], f"{what}: script errors: {log['errors'][:3]}"


def test_the_index_is_the_readmes_front_matter_and_links_every_notebook(site, browser):
    page, log = open_page(browser, site + "index.html")
    assert_offline_and_clean(log, "index.html")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    title = readme.splitlines()[0].lstrip("# ").strip()
    assert page.locator("article h1").first.inner_text().rstrip("#").strip() == title
    assert page.locator("article h2", has_text="The learning path").count() == 1
    assert page.locator("article h2", has_text="The two commands").count() == 0   # front only

    # the navigation is the learning path: the README's order, every notebook in it
    nav = page.eval_on_selector_all(".sidebar-tree a.reference",
                                    "links => links.map(a => a.getAttribute('href'))")
    stems = [p.stem for p in NOTEBOOKS]
    listed = [s for s in dict.fromkeys(re.findall(r"\(notebooks/([^)]+)\.ipynb\)", readme))
              if s in stems]
    expected = listed + sorted(set(stems) - set(listed))
    assert nav == [f"notebooks/{s}.html" for s in expected]
    body_links = page.eval_on_selector_all("article table a", "a => a.map(x => x.href)")
    assert {site + f"notebooks/{s}.html" for s in listed} <= set(body_links)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_every_notebook_has_a_page_with_typeset_math_and_figures(site, browser, path):
    nb = json.loads((STAGED / path.name).read_text(encoding="utf-8"))
    assert (SITE / "notebooks" / f"{path.stem}.html").is_file(), f"no page for {path.name}"
    page, log = open_page(browser, site + f"notebooks/{path.stem}.html")
    assert_offline_and_clean(log, path.name)

    heading = page.locator("article h1").first.inner_text().rstrip("#").strip()
    assert heading == _first_heading(nb)

    # math: every formula typeset, none an error, no TeX left in the prose
    math = page.locator("article .math")
    markdown = "".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")
    if "$" in markdown:
        assert math.count() > 0, "the notebook's $...$ were not recognised as math"
    assert page.locator("article .math:not(:has(mjx-container))").count() == 0, \
        "some math was left untypeset"
    assert page.locator("mjx-merror").count() == 0, "MathJax could not typeset a formula"
    prose = page.evaluate(VISIBLE_PROSE)
    assert len(prose) > 500, "the page's prose was not found"
    assert "$$" not in prose
    assert "$" not in prose, "a stray $ on the page: a formula was not recognised as math " \
        "(a $$ block needs a blank line before and after it)"
    raw_tex = re.findall(r"\\[A-Za-z]{2,}", prose)
    assert not raw_tex, f"raw TeX on the page: {raw_tex[:5]}"

    # figures: one loaded image per image output
    images = page.eval_on_selector_all(
        "article .cell_output img", "imgs => imgs.map(i => i.complete && i.naturalWidth > 0)")
    # (myst-nb shows a widget, script or HTML output in preference to its picture)
    assert len(images) == _outputs(nb, IMAGE_TYPES, unless=[WIDGET_VIEW, "text/html",
                                                             "application/javascript"])
    assert all(images), "a figure did not load"

    # widgets: shown from the saved state, each with its "open in JupyterLab" note
    views = _outputs(nb, [WIDGET_VIEW])
    rendered = page.locator(".widget-subarea:has(.jupyter-widgets)")
    assert rendered.count() == views
    notes = page.locator(".widget-snapshot-note")
    assert notes.count() == views
    for i in range(views):
        assert "open in jupyterlab to use it" in notes.nth(i).inner_text().lower()
        assert rendered.nth(i).bounding_box()["height"] > 50


def test_the_widget_snapshot_shows_its_saved_answer(site, browser):
    """The adder's saved state is on the page: its two numbers and the net's sum."""
    path = STAGED / "06_interactive_adder.ipynb"
    nb = json.loads(path.read_text(encoding="utf-8"))
    state = nb["metadata"]["widgets"]["application/vnd.jupyter.widget-state+json"]["state"]
    texts = [m["state"]["value"] for m in state.values() if m["model_name"] == "TextModel"]
    page, log = open_page(browser, site + "notebooks/06_interactive_adder.html")
    assert_offline_and_clean(log, path.name)
    first = page.locator(".widget-subarea").first
    shown = first.locator("input[type=text]").evaluate_all("xs => xs.map(x => x.value)")
    assert len(texts) == 2 and sorted(shown) == sorted(texts)
    a, b = (int(t) for t in shown)
    assert f"{a} + {b} = {a + b}" in first.inner_text()


def test_no_page_loads_a_script_or_stylesheet_from_another_host(site):
    external = re.compile(r"<(?:script|link|img)\b[^>]*\b(?:src|href)=\"(?:https?:)?//", re.I)
    pages = sorted(SITE.rglob("*.html"))
    assert len(pages) >= len(NOTEBOOKS) + 1
    offenders = [str(p.relative_to(SITE)) for p in pages if external.search(p.read_text())]
    assert not offenders, offenders
