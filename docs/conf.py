"""Sphinx configuration for the course's static site; docs/build.py stages the sources and runs
Sphinx with it (``make site``). Every page is a notebook rendered from its committed outputs.

Offline by design: MathJax and the ipywidgets HTML manager are served from the site's own
_static/ (docs/build.py puts them in _build/vendor/static/), the Furo theme ships its own
assets, and no option below names another host.
"""

import pathlib

from docutils import nodes

ROOT = pathlib.Path(__file__).resolve().parents[1]

project = "gru_lesson"
html_title = "gru_lesson · the GRU course"
author = "the gru_lesson authors"
copyright = "the gru_lesson authors, MIT licence"

extensions = ["myst_nb"]
root_doc = "index"
exclude_patterns = ["**.ipynb_checkpoints"]

# ---- notebooks: rendered as committed, never executed
nb_execution_mode = "off"
nb_merge_streams = True
myst_enable_extensions = ["dollarmath", "amsmath"]
myst_heading_anchors = 3
# saved widget state is rendered by the HTML manager from _static/ (not a CDN's require.js)
nb_ipywidgets_js = {"widgets/embed.js": {}}

# ---- math: MathJax 3 from _static/mathjax (fonts beside it), no CDN
mathjax_path = "mathjax/tex-chtml.js"

# ---- HTML
html_theme = "furo"
html_static_path = [str(ROOT / "docs" / "_static"), str(ROOT / "_build" / "vendor" / "static")]
html_css_files = ["course.css"]
html_copy_source = False
html_show_sourcelink = False
html_theme_options = {"navigation_with_keys": True}
html_permalinks_icon = "#"

WIDGET_VIEW = 'type="application/vnd.jupyter.widget-view+json"'
WIDGET_NOTE = ("A saved snapshot of this widget: it shows what the notebook showed when it was "
               "saved, and nothing runs on this page. Open in JupyterLab to use it "
               "(gru-lesson lab).")


def note_saved_widgets(app, doctree, docname):
    """Put a line under every saved widget saying it is a snapshot, to be used in JupyterLab."""
    for raw in list(doctree.findall(nodes.raw)):
        if WIDGET_VIEW in raw.astext():
            note = nodes.paragraph(classes=["widget-snapshot-note"])
            note += nodes.Text(WIDGET_NOTE)
            raw.parent.insert(raw.parent.index(raw) + 1, note)


def add_mathjax_hub(app, pagename, templatename, context, doctree):
    """ipywidgets 8 typesets widget text with MathJax 2's Hub.Queue: on pages with math, give
    MathJax 3 a Hub (docs/mathjax_widgets.js), after Sphinx's MathJax config (priority 500)."""
    if context.get("has_maths_elements"):
        body = (ROOT / "docs" / "mathjax_widgets.js").read_text(encoding="utf-8")
        app.builder.add_js_file("", body=body, priority=510)


def setup(app):
    app.connect("doctree-resolved", note_saved_widgets)
    app.connect("html-page-context", add_mathjax_hub)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
