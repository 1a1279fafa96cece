"""Widgets to poke the trained GRU: add two numbers, step through its gates, train one live.

    from gru_lesson import widgets
    adder = widgets.Adder()                 # the shipped net; adder.widget is what you display
    explorer = widgets.GateExplorer(adder)  # follows the adder's current sum
    panel = widgets.TrainPanel(adder)       # trains a new net and hands it to the adder
    widgets.app()                           # all three in one widget (for Voila)

Each class keeps its ipywidgets tree in ``.widget``. What the user reads is rendered by pure
functions (``parse_number``, ``result_html``, ``bit_table_html``, ``gates_svg``,
``loss_curve_svg``) into HTML strings, so they can be tested without a browser or a kernel.
ipywidgets is imported only when a widget is built.
"""

import base64
import html
import inspect
import re
import struct
import threading
import time
import zlib
from functools import lru_cache

import numpy as np

MAX_BITS = 256                 # operands up to 2^256 - 1; the net reads max bit length + 1 steps
_SEPARATORS = str.maketrans("", "", "_ '")      # digit-group separators people type
_LEARNING_RATES = (1e-4, 3e-4, 1e-3, 3e-3, 0.01, 0.03, 0.1, 0.3, 1.0)   # the panel's choices
_EXAMPLE = (45, 19)            # 101101 + 010011: a carry that ripples through six bits
_CSS_ERROR = "color:#8c2d04;background:#fff3e0;border-left:4px solid #e08214;padding:4px 8px"
_CSS_HINT = "color:#333;background:#eef2fb;border-left:4px solid #3b528b;padding:4px 8px"
_FONT = "font-family:var(--jp-code-font-family,monospace)"

# Colour maps sampled at 9 evenly spaced points: viridis for gates in [0, 1], ColorBrewer's PuOr
# (colour-blind safe, orange = negative, purple = positive) for states in [-1, 1].
_VIRIDIS = ["#440154", "#472d7b", "#3b528b", "#2c728e", "#21918c", "#28ae80", "#5ec962",
            "#addc30", "#fde725"]
_PUOR = ["#b35806", "#e08214", "#fdb863", "#fee0b6", "#f7f7f7", "#d8daeb", "#b2abd2",
         "#8073ac", "#542788"]


# --------------------------------------------------------------------------- pure functions

def parse_number(text, name="The number", max_bits=MAX_BITS):
    """The non-negative int a user typed, or a ValueError whose message says what to type.

    Strict on purpose: only the ASCII digits 0-9, nothing else (no sign, spaces, "_", decimal
    point, exponent, hex prefix or non-ASCII digits such as "٣"), and below 2**max_bits.

    >>> parse_number("65535")
    65535
    >>> parse_number("+5")
    Traceback (most recent call last):
    ...
    ValueError: The number starts with "+": leave the sign out and type digits only, e.g. 5.
    """
    if not isinstance(text, str):
        raise ValueError(f"{name} must be text typed in the box, got {type(text).__name__}.")
    shown = _shorten(text)
    if text.isascii() and text.isdigit():
        significant = text.lstrip("0")
        if (len(significant) > len(str(2 ** max_bits - 1))
                or int(significant or "0").bit_length() > max_bits):
            raise ValueError(f"{name} is too big: it has {_describe_size(significant)}; this "
                             f"adder takes numbers below 2^{max_bits} ≈ {2 ** max_bits:.3g} "
                             f"(at most {max_bits} bits).")
        return int(text)
    if text == "":
        message = "is empty: type a whole number such as 42."
    elif text.strip() == "":
        message = "is only spaces: type a whole number such as 42."
    elif text != text.strip():
        message = f'has spaces around it ("{shown}"): remove them and type digits only.'
    elif text[0] == "-" and _is_number_like(text[1:]):
        message = (f'is negative ("{shown}"): the adder works on 0, 1, 2, ... Type a number '
                   "without the minus sign.")
    elif text[0] == "+" and _is_number_like(text[1:]):
        example = text[1:] if text[1:].isascii() and text[1:].isdigit() else "5"
        message = (f'starts with "+": leave the sign out and type digits only, e.g. '
                   f"{_shorten(example)}.")
    elif _is_number_like(text) and any(c in text for c in ".,"):
        message = (f'is not a whole number ("{shown}"): type digits only, with no decimal '
                   "point or thousands separator.")
    elif all(c.isdigit() for c in text):
        message = f'uses digits other than 0-9 ("{shown}"): type it with the digits 0123456789.'
    elif any(c in text for c in "_ '") and _is_number_like(text.translate(_SEPARATORS)):
        message = (f'has something between its digits ("{shown}"): type the digits with '
                   "nothing between them.")
    else:
        message = (f'is not a number ("{shown}"): type a whole number using the digits 0-9 '
                   "only, e.g. 42.")
    raise ValueError(f"{name} {message}")


def result_html(details):
    """The answer line: "a + b = <net's answer>" and whether that is the true sum."""
    a, b, answer, true_sum = details.a, details.b, details.answer, details.true_sum
    line = f"{a} + {b} = {answer}"
    if details.correct:
        verdict = ('<span style="color:#1b7837;font-weight:bold">✓ correct</span>')
    else:
        wrong = int(np.sum(np.asarray(details.out_bits) != np.asarray(details.true_bits)))
        verdict = (f'<span style="color:#b35806;font-weight:bold">✗ wrong</span>: the true sum '
                   f"is {true_sum} ({wrong} bit{'s differ' if wrong != 1 else ' differs'})")
    return (f'<div style="font-size:1.35em;word-break:break-all;{_FONT}">'
            f'<span class="gru-sum">{html.escape(line)}</span></div>'
            f'<div style="font-size:1.1em">{verdict}</div>')


def result_text(details):
    """result_html as plain text, for printing: "45 + 19 = 64 (correct)"."""
    line = f"{details.a} + {details.b} = {details.answer}"
    if details.correct:
        return f"{line} (correct)"
    return f"{line} (wrong: the true sum is {details.true_sum})"


_TABLE_CSS = (
    "<style>"
    ".gru-bits{border-collapse:collapse;font-family:var(--jp-code-font-family,monospace);"
    "font-size:0.95em;background:#fff;color:#222}"          # light, like a figure, in any theme
    ".gru-bits td,.gru-bits th{padding:1px 4px;text-align:center;border:1px solid #ccc;"
    "min-width:2.4em}"
    ".gru-bits th.row{text-align:right;background:#f2f2f2;position:sticky;left:0;"
    "white-space:nowrap;min-width:5.5em}"
    ".gru-bits .hi{outline:3px solid #3b528b;outline-offset:-2px;background:#e3e8f5}"
    ".gru-bits .bad{background:#fdb863;font-weight:bold}"
    "</style>")


def bit_table_html(details, highlight=None):
    """The addition bit by bit, least significant bit first (t = 0 is the 1s place).

    Rows: a's bits, b's bits, the net's output probability y_t and its bit (y_t > 0.5), the true
    bit of a + b, and the true carry out of each position. Wrong bits are marked ✗.
    ``highlight`` is a step t to outline (the gate explorer's step); its cells get class "hi".
    """
    T = int(details.T)
    hi = -1 if highlight is None else int(highlight)
    prob = np.asarray(details.prob, dtype=float).reshape(-1)
    out_bits = np.asarray(details.out_bits).reshape(-1)
    wrong = out_bits != np.asarray(details.true_bits).reshape(-1)

    def cells(texts, bad=None):
        return "".join(
            f"<td{_cls(t == hi, bad is not None and bad[t])}>{text}</td>"
            for t, text in enumerate(texts))

    def bits(values):
        return [str(int(v)) for v in np.asarray(values).reshape(-1)]

    rows = [
        ("t", "".join(f'<th{_cls(t == hi)} data-step="{t}">{t}</th>' for t in range(T))),
        ("a", cells(bits(details.a_bits))),
        ("b", cells(bits(details.b_bits))),
        ("net y<sub>t</sub>", cells([f"{p:.3f}" for p in prob])),
        ("net bit", cells([b + ("✗" if w else "") for b, w in zip(bits(out_bits), wrong,
                                                                   strict=True)], wrong)),
        ("true bit", cells(bits(details.true_bits))),
        ("carry out", cells(bits(details.carry))),
    ]
    body = "".join(f'<tr><th class="row">{label}</th>{cells_}</tr>' for label, cells_ in rows)
    caption = ("Least significant bit first: the net reads the columns left to right, one per "
               "time step" + (f"; {int(wrong.sum())} wrong bit(s) marked ✗" if wrong.any()
                              else "") + ".")
    return (f'{_TABLE_CSS}<div style="overflow-x:auto;max-width:100%"><table class="gru-bits">'
            f'{body}</table></div><div style="color:#555;font-size:0.9em">{caption}</div>')


def _cls(highlight, bad=False):
    names = " ".join(n for n, on in (("hi", highlight), ("bad", bad)) if on)
    return f' class="{names}"' if names else ""


def gates_svg(details, t, carry_units=()):
    """Bars of r_t, z_t, h̃_t and h_t (one bar per hidden unit) at step t, carry units marked,
    above a heatmap of h over every step with step t outlined. Pure SVG: fast to redraw."""
    cache = details.cache
    T, H = cache.h.shape[0], cache.h.shape[2]
    t = int(min(max(t, 0), T - 1))
    carry = {int(u) for u in carry_units}
    panels = [("r", "reset gate r<tspan font-size='70%' baseline-shift='sub'>t</tspan>",
               cache.r[t, 0], (0.0, 1.0)),
              ("z", "update gate z<tspan font-size='70%' baseline-shift='sub'>t</tspan>",
               cache.z[t, 0], (0.0, 1.0)),
              ("h_tilde", "candidate h̃<tspan font-size='70%' baseline-shift='sub'>t</tspan>",
               cache.h_tilde[t, 0], (-1.0, 1.0)),
              ("h", "state h<tspan font-size='70%' baseline-shift='sub'>t</tspan>",
               cache.h[t, 0], (-1.0, 1.0))]
    row, label_w, panel_w, gap, top = 17, 104, 170, 22, 52
    width = label_w + 4 * panel_w + 3 * gap + 10
    bars_h = top + H * row + 28
    heat_top = bars_h + 30
    cell_w = max(min((width - label_w - 10) / T, 40.0), 1.0)
    cell_h = max(min(10.0, 220.0 / H), 3.0)
    carry_top = heat_top + H * cell_h + 4              # the true carry, one strip under h
    height = carry_top + 12 + 34
    s = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height:.0f}" '
         f'viewBox="0 0 {width} {height:.0f}" font-family="sans-serif" font-size="13" '
         f'style="background:#fff" role="img" aria-label="gate values at step {t}">']
    s.append(f'<text x="0" y="18" font-size="16" font-weight="bold">Step t = {t}: '
             f"reads a<tspan font-size='70%' baseline-shift='sub'>t</tspan> = "
             f"{int(details.a_bits[t])}, b<tspan font-size='70%' baseline-shift='sub'>t</tspan>"
             f" = {int(details.b_bits[t])}; writes {int(details.out_bits[t])} "
             f"(y = {float(np.ravel(details.prob)[t]):.3f}); true carry out "
             f"{int(details.carry[t])}</text>")
    for j in range(H):
        y = top + j * row
        is_carry = j in carry
        name = f"unit {j}" + (" carry" if is_carry else "")
        weight = ' font-weight="bold" fill="#b35806"' if is_carry else ""
        s.append(f'<text x="{label_w - 6}" y="{y + 12}" text-anchor="end"{weight}>{name}</text>')
        if is_carry:
            s.append(f'<rect x="{label_w - 2}" y="{y}" width="{4 * panel_w + 3 * gap + 4}" '
                     f'height="{row - 1}" fill="#fee0b6"/>')
    for k, (_, title, values, (lo, hi)) in enumerate(panels):
        x0 = label_w + k * (panel_w + gap)
        s.append(f'<text x="{x0 + panel_w / 2}" y="{top - 6}" text-anchor="middle" '
                 f'font-weight="bold">{title}</text>')
        zero = x0 + panel_w * (0.0 - lo) / (hi - lo)
        s.append(f'<line x1="{zero:.1f}" y1="{top - 2}" x2="{zero:.1f}" y2="{top + H * row}" '
                 'stroke="#999"/>')
        for j in range(H):
            v = float(values[j])
            end = x0 + panel_w * (min(max(v, lo), hi) - lo) / (hi - lo)
            x, w = (zero, end - zero) if end >= zero else (end, zero - end)
            colour = _colour(v, lo, hi)
            s.append(f'<rect x="{x:.1f}" y="{top + j * row + 2}" width="{max(w, 0.5):.1f}" '
                     f'height="{row - 5}" fill="{colour}" stroke="#333" stroke-width="0.4">'
                     f"<title>unit {j}: {v:+.3f}</title></rect>")
        s.append(f'<text x="{x0}" y="{top + H * row + 14}" font-size="11" fill="#555">{lo:g}'
                 f'</text><text x="{x0 + panel_w}" y="{top + H * row + 14}" font-size="11" '
                 f'text-anchor="end" fill="#555">{hi:g}</text>')
    s.append(f'<text x="0" y="{heat_top - 10}" font-weight="bold">h at every step '
             "(purple +1, orange −1), the true carry below it; the outlined column is step t"
             "</text>")
    for j in sorted(carry):
        s.append(f'<text x="{label_w - 6}" y="{heat_top + (j + 1) * cell_h - 1:.1f}" '
                 'text-anchor="end" font-size="11" fill="#b35806" font-weight="bold">'
                 f"carry {j}</text>")
    s.append(f'<text x="{label_w - 6}" y="{carry_top + 10}" text-anchor="end" font-size="11">'
             "true carry</text>")
    carry_rgb = np.where(np.asarray(details.carry).reshape(1, T, 1) > 0, 0, 235)
    s.append(f'<image x="{label_w}" y="{carry_top}" width="{T * cell_w:.2f}" height="12" '
             'preserveAspectRatio="none" style="image-rendering:pixelated" '
             f'href="{_png_data_uri(np.repeat(carry_rgb, 3, axis=2).astype(np.uint8))}"/>')
    s.append(f'<image x="{label_w}" y="{heat_top}" width="{T * cell_w:.2f}" '
             f'height="{H * cell_h:.2f}" preserveAspectRatio="none" '
             f'style="image-rendering:pixelated" href="{_heatmap_png(cache.h[:, 0, :])}"/>')
    s.append(f'<rect x="{label_w + t * cell_w:.2f}" y="{heat_top - 1:.2f}" '
             f'width="{cell_w:.2f}" height="{carry_top + 14 - heat_top:.2f}" fill="none" '
             'stroke="#000" stroke-width="2"/>')
    s.append(f'<text x="{label_w}" y="{carry_top + 28}" font-size="11" fill="#555">'
             f't = 0</text><text x="{label_w + T * cell_w:.1f}" y="{carry_top + 28}"'
             f' font-size="11" fill="#555" text-anchor="end">t = {T - 1}</text>')
    s.append("</svg>")
    return "".join(s)


def loss_curve_svg(loss, max_steps=None, width=520, height=260, title="Training loss"):
    """A loss curve (log scale) as SVG; at most ~400 points, so redrawing it stays cheap.

    The step axis runs to max_steps, or (None) to a round number just past len(loss)."""
    loss = np.asarray(loss, dtype=float)
    left, right, top, bottom = 62, 12, 28, 40
    pw, ph = width - left - right, height - top - bottom
    n = len(loss)
    total = int(max_steps) if max_steps else _round_up(max(n, 100))
    s = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
         f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="13" '
         f'style="background:#fff" role="img" aria-label="{html.escape(title)}">',
         f'<text x="{left + pw / 2}" y="18" text-anchor="middle" font-weight="bold" '
         f'font-size="15">{html.escape(title)}</text>',
         f'<rect x="{left}" y="{top}" width="{pw}" height="{ph}" fill="#fafafa" stroke="#999"/>',
         f'<text x="{left + pw / 2}" y="{height - 6}" text-anchor="middle">step</text>',
         f'<text x="14" y="{top + ph / 2}" text-anchor="middle" transform="rotate(-90 14 '
         f'{top + ph / 2})">loss (log scale)</text>',
         f'<text x="{left}" y="{top + ph + 16}" text-anchor="middle" font-size="11">0</text>',
         f'<text x="{left + pw}" y="{top + ph + 16}" text-anchor="middle" font-size="11">'
         f"{total:,}</text>"]
    finite = loss[np.isfinite(loss) & (loss > 0)]
    if finite.size:
        steps = np.arange(1, n + 1, dtype=float)
        if n > 400:      # mean over equal bins of steps
            edges = np.linspace(0, n, 401).astype(int)
            steps = np.array([steps[i:j].mean() for i, j in zip(edges[:-1], edges[1:],
                                                                 strict=True)])
            loss = np.array([loss[i:j].mean() for i, j in zip(edges[:-1], edges[1:],
                                                              strict=True)])
        lo_exp = np.floor(np.log10(finite.min()))
        hi_exp = np.ceil(np.log10(finite.max()))
        if hi_exp <= lo_exp:
            hi_exp = lo_exp + 1
        for e in range(int(lo_exp), int(hi_exp) + 1):
            y = top + ph * (hi_exp - e) / (hi_exp - lo_exp)
            s.append(f'<line x1="{left}" y1="{y:.1f}" x2="{left + pw}" y2="{y:.1f}" '
                     f'stroke="#ddd"/><text x="{left - 4}" y="{y + 4:.1f}" text-anchor="end" '
                     f'font-size="11">1e{e}</text>')
        ok = np.isfinite(loss) & (loss > 0)
        xs = left + pw * steps[ok] / total
        ys = top + ph * (hi_exp - np.log10(loss[ok])) / (hi_exp - lo_exp)
        points = " ".join(f"{x:.1f},{y:.1f}" for x, y in zip(xs, ys, strict=True))
        s.append(f'<polyline points="{points}" fill="none" stroke="#3b528b" '
                 'stroke-width="2"/>')
    s.append("</svg>")
    return "".join(s)


# --------------------------------------------------------------------------- widgets

class Adder:
    """Two text boxes ("First number", "Second number") and an "Add" button.

    Clicking Add (or pressing Enter in a box) shows the net's sum, whether it is right, and the
    bit table. Bad input shows a friendly message and changes nothing else.

    adder.widget      the widget to display
    adder.details     the current AdditionDetails (gl.add_details), or None
    adder.text        what the answer line says, as plain text
    adder.message     the message HTML widget (empty when all is well)
    """

    def __init__(self, params=None, a=_EXAMPLE[0], b=_EXAMPLE[1]):
        import ipywidgets as w

        import gru_lesson as gl

        self.params = gl.load_pretrained() if params is None else params
        self.details = None
        self._listeners = []
        box = {"width": "34em"}
        self.first = w.Text(value=str(a), description="First number", continuous_update=False,
                            placeholder="e.g. 65535", layout=box,
                            style={"description_width": "8em"})
        self.second = w.Text(value=str(b), description="Second number", continuous_update=False,
                             placeholder="e.g. 1", layout=box,
                             style={"description_width": "8em"})
        self.button = w.Button(description="Add", button_style="primary",
                               tooltip="Add the two numbers with the GRU")
        self.message = w.HTML()
        self.result = w.HTML()
        self.table = w.HTML()
        self.button.on_click(lambda _button: self.submit())
        self.first.observe(self._on_enter, names="value")
        self.second.observe(self._on_enter, names="value")
        self.widget = w.VBox([w.HBox([w.VBox([self.first, self.second]), self.button],
                                     layout={"align_items": "center"}),
                              self.message, self.result, self.table])
        self.widget.add_class("gru-adder")
        self.submit()

    @property
    def text(self):
        """The answer line as plain text (what a reader sees above the bit table)."""
        return "" if self.details is None else result_text(self.details)

    @property
    def message_text(self):
        """The message under the boxes as plain text ("" when there is none)."""
        return _plain(self.message.value)

    def on_change(self, callback):
        """Call callback(details) after every new addition (the gate explorer listens)."""
        self._listeners.append(callback)

    def submit(self):
        """Read both boxes and add; what a click on Add does. Returns True when it added."""
        try:
            a = parse_number(self.first.value, "The first number")
            b = parse_number(self.second.value, "The second number")
        except ValueError as e:
            self.message.value = f'<div style="{_CSS_ERROR}">{html.escape(str(e))}</div>'
            return False
        d = self.details
        if d is not None and (d.a, d.b) == (a, b):
            self.message.value = ""      # already on show (leaving a box then clicking Add)
            return True
        self._show(a, b)
        return True

    def set_params(self, params):
        """Switch to another net and redo the current sum with it."""
        self.params = params
        if self.details is not None:
            self._show(self.details.a, self.details.b)

    def _on_enter(self, change):
        # Enter (or leaving the box) commits its value: add if both boxes are filled, else hint.
        if self.first.value == "" or self.second.value == "":
            other = "second" if self.first.value else "first"
            self.message.value = (f'<div style="{_CSS_HINT}">Now type the {other} number, then '
                                  "press Enter or click Add.</div>")
            return
        self.submit()

    def _show(self, a, b):
        import gru_lesson as gl

        details = gl.add_details(self.params, a, b)
        self.details = details
        self.message.value = ""
        self.result.value = result_html(details)
        self.table.value = bit_table_html(details)
        for callback in self._listeners:
            callback(details)


class GateExplorer:
    """A time-step slider (with Play) over the adder's current sum: highlights bit t and shows
    r_t, z_t, h̃_t and h_t as bars, carry units marked, above a heatmap of h over time."""

    def __init__(self, adder, carry_units=None):
        import ipywidgets as w

        self.adder = adder
        self._fixed_units = carry_units
        self.carry_units = self._find_carry_units()
        self._params = adder.params
        self.slider = w.IntSlider(value=0, min=0, max=0, description="Step t",
                                  continuous_update=True, layout={"width": "40em"})
        self.play = w.Play(value=0, min=0, max=0, step=1, interval=700, description="Play",
                           show_repeat=False)
        w.jslink((self.play, "value"), (self.slider, "value"))
        self.table = w.HTML()
        self.view = w.HTML()
        self.note = w.HTML()
        self.slider.observe(lambda change: self.render(), names="value")
        adder.on_change(lambda details: self.update())
        self.widget = w.VBox([w.HBox([self.play, self.slider]), self.table, self.view,
                              self.note])
        self.widget.add_class("gru-gate-explorer")
        self.update()

    @property
    def step(self):
        return self.slider.value

    @property
    def text(self):
        """What the highlighted step does, in words: what it reads, the carry coming in, the bit
        the net writes and whether that is the true bit."""
        d = self.adder.details
        if d is None:
            return ""
        t = min(self.slider.value, int(d.T) - 1)
        carry_in = int(d.carry[t - 1]) if t > 0 else 0
        verdict = "right" if d.out_bits[t] == d.true_bits[t] else "wrong"
        return (f"Step t = {t}: reads a_t = {int(d.a_bits[t])}, b_t = {int(d.b_bits[t])}, carry "
                f"in {carry_in}; writes {int(d.out_bits[t])} ({verdict})")

    def update(self):
        """Follow the adder: a new sum (or a new net) resets the slider's range."""
        details = self.adder.details
        if details is None:
            return
        if self.adder.params is not self._params:
            self._params = self.adder.params
            self.carry_units = self._find_carry_units()
        T = int(details.T)
        t = min(self.slider.value, T - 1)
        with self.slider.hold_trait_notifications():
            self.slider.max = T - 1
            self.play.max = T - 1
        if self.slider.value != t:
            self.slider.value = t            # renders through the observer
        else:
            self.render()

    def render(self):
        """Redraw the table and the gate bars for the slider's step (a few ms)."""
        details = self.adder.details
        if details is None:
            return
        t = min(self.slider.value, int(details.T) - 1)
        self.table.value = bit_table_html(details, highlight=t)
        self.view.value = gates_svg(details, t, self.carry_units)
        self.note.value = self._note()

    def _note(self):
        if not len(self.carry_units):
            return ""
        units = ", ".join(
            f"<b>{u}</b>" + (f" (correlation with the carry {self.carry_corr[u]:+.2f})"
                             if u in self.carry_corr else "")
            for u in (int(u) for u in self.carry_units))
        return (f"<div>Carry units, marked in orange (<code>gl.carry_units</code>): {units}. "
                "Watch their h<sub>t</sub> when the carry row changes.</div>")

    def _find_carry_units(self):
        """The lesson's carry units of the adder's net (gl.carry_units: the units whose h_t
        correlates best with the true carry), at most three, and their correlations."""
        self.carry_corr = {}
        if self._fixed_units is not None:
            return np.asarray(self._fixed_units, dtype=int).reshape(-1)
        import gru_lesson as gl
        from gru_lesson.analysis import carry_correlations

        params = self.adder.params
        H = params["Uz"].shape[0]
        found = np.asarray(gl.carry_units(params, top=min(3, H)), dtype=int).reshape(-1)
        corr = carry_correlations(params)
        self.carry_corr = {int(u): float(corr[u]) for u in found}
        return found


class TrainPanel:
    """Train a new adder live: pick hidden size, learning rate, steps, biases, seed and the
    procedure, click Train; a progress bar and the loss curve update while it trains (at most
    every ``redraw_every`` seconds), the held-out accuracy shows at the end, and the adder
    switches to the new net.

    background=True trains in a thread so the page stays live (the Stop button works);
    panel.train() runs synchronously and returns (params, history).
    """

    def __init__(self, adder=None, *, background=True, redraw_every=0.2):
        import ipywidgets as w

        import gru_lesson as gl

        self.adder = adder
        self.background = background
        self.redraw_every = float(redraw_every)
        self.thread = None
        self.params = None
        self.history = None
        self._stop = threading.Event()
        self._shipped = None if adder is None else adder.params
        defaults = inspect.signature(gl.train).parameters
        seed_defaults = inspect.signature(gl.train_seed).parameters
        self._seed_iterations = int(seed_defaults["iterations"].default)
        label = {"description_width": "9em"}
        self.procedure = w.ToggleButtons(
            options=[("Fast (mini-batches)", "fast"), ("The seed's (one sum a step)", "seed")],
            value="fast", description="Procedure",
            style={"description_width": "9em", "button_width": "15em"})
        self.hidden_size = w.IntSlider(value=int(defaults["hidden_size"].default), min=1,
                                       max=64, description="Hidden size H", style=label)
        rates = sorted({*_LEARNING_RATES, float(defaults["lr"].default)})
        self.lr = w.SelectionSlider(options=[(f"{v:g}", v) for v in rates],
                                    value=float(defaults["lr"].default),
                                    description="Learning rate", style=label)
        self._fast_steps = int(defaults["max_steps"].default)
        self.steps = w.BoundedIntText(value=self._fast_steps, min=1, max=100_000, step=100,
                                      description="Steps (at most)", style=label)
        self.bias = w.Checkbox(value=bool(defaults["bias"].default), description="Biases",
                               indent=False)
        self.seed = w.BoundedIntText(value=int(defaults["seed"].default), min=0, max=2**31 - 1,
                                     description="Random seed", style=label)
        self.train_button = w.Button(description="Train", button_style="success",
                                     icon="play")
        self.stop_button = w.Button(description="Stop", disabled=True, icon="stop")
        self.shipped_button = w.Button(description="Use the shipped net",
                                       disabled=adder is None)
        self.progress = w.IntProgress(value=0, min=0, max=self.steps.value,
                                      description="Progress", style=label)
        self.progress_text = w.HTML()
        self.plot = w.HTML(loss_curve_svg([], title=self._plot_title()))
        self.status = w.HTML()
        self.procedure.observe(self._on_procedure, names="value")
        self.train_button.on_click(lambda _b: self.start())
        self.stop_button.on_click(lambda _b: self.stop())
        self.shipped_button.on_click(lambda _b: self._use_shipped())
        controls = w.VBox([self.procedure, self.hidden_size, self.lr, self.steps,
                           w.HBox([self.seed, self.bias]),
                           w.HBox([self.train_button, self.stop_button, self.shipped_button]),
                           w.HBox([self.progress, self.progress_text])])
        self.widget = w.VBox([w.HBox([controls, self.plot]), self.status])
        self.widget.add_class("gru-train-panel")
        self._sync_controls()

    def start(self):
        """What the Train button does: train in a thread (or right here if not background)."""
        if self.thread is not None and self.thread.is_alive():
            return
        self._stop.clear()
        if not self.background:
            self._train()
            return
        self.thread = threading.Thread(target=self._train, name="gru-train", daemon=True)
        self.thread.start()

    def stop(self):
        """Ask a running training to stop after its current step."""
        self._stop.set()

    def train(self):
        """Train with the panel's settings, here and now; update the widgets as it goes.
        Returns (params, history), or None when training failed (the status says why)."""
        self._stop.clear()
        return self._train()

    def _train(self):
        import gru_lesson as gl

        steps = int(self.steps.value)
        seed = int(self.seed.value)
        self._set_running(True)
        self.progress.max = steps
        self.progress.value = 0
        self.progress_text.value = ""
        self.plot.value = loss_curve_svg([], title=self._plot_title())
        what = self._describe(steps, seed)
        self.status.value = f"<div>Training {what} …</div>"
        last = [time.perf_counter()]

        title = self._plot_title()

        def callback(step, history):
            now = time.perf_counter()
            if now - last[0] >= self.redraw_every:      # throttled: widgets cost a message each
                last[0] = now
                self.progress.value = min(step, steps)
                self.progress_text.value = f"step {step:,} of at most {steps:,}"
                self.plot.value = loss_curve_svg(history.loss, title=title)
            return self._stop.is_set()

        started = time.perf_counter()
        try:
            if self.procedure.value == "seed":
                params, history = gl.train_seed(iterations=steps, seed=seed, progress=False,
                                                callback=callback)
            else:
                params, history = gl.train(bits=16, hidden_size=int(self.hidden_size.value),
                                           seed=seed, bias=bool(self.bias.value),
                                           lr=float(self.lr.value), max_steps=steps,
                                           progress=False, callback=callback)
        except ValueError as e:
            self.status.value = f'<div style="{_CSS_ERROR}">{html.escape(str(e))}</div>'
            self._set_running(False)
            return None
        except Exception as e:    # a thread has nowhere to show a traceback: say what happened
            self.status.value = (f'<div style="{_CSS_ERROR}">Training failed: '
                                 f"{html.escape(type(e).__name__)}: {html.escape(str(e))}</div>")
            self._set_running(False)
            return None
        elapsed = time.perf_counter() - started
        self.params, self.history = params, history
        taken = len(history.loss)
        self.progress.max = max(taken, 1)
        self.progress.value = taken
        self.progress_text.value = f"done: {taken:,} steps"
        self.plot.value = loss_curve_svg(history.loss, taken, title=self._plot_title())
        switched = ""
        if self.adder is not None:
            self.adder.set_params(params)
            switched = " The adder above now uses this net: try your sums again."
        self.status.value = (f"<div style='font-size:1.1em'>Trained {what}: {taken:,} steps in "
                             f"{elapsed:.1f} s{_how_it_ended(history, taken, steps)}. "
                             f"{_accuracy_sentence(history)}{switched}</div>")
        self._set_running(False)
        return params, history

    def _plot_title(self):
        if self.procedure.value == "seed":
            return "Loss E = ½Σ(y − d)² of each sample"
        return "Loss: cross-entropy per output bit"

    def _describe(self, steps, seed):
        if self.procedure.value == "seed":
            return f"the seed's way (H = 16, lr 0.1, no biases, seed {seed})"
        bias = "with biases" if self.bias.value else "without biases"
        return (f"the fast way (H = {self.hidden_size.value}, lr {self.lr.value:g}, {bias}, "
                f"seed {seed})")

    def _set_running(self, running):
        self.train_button.disabled = running
        self.stop_button.disabled = not running
        for control in (self.procedure, self.steps, self.seed):
            control.disabled = running
        self._sync_controls(running)

    def _sync_controls(self, running=False):
        # The seed's procedure is fixed: H = 16, lr 0.1, no biases; only steps and seed apply.
        fixed = self.procedure.value == "seed"
        for control in (self.hidden_size, self.lr, self.bias):
            control.disabled = fixed or running

    def _on_procedure(self, change):
        # Each procedure has its own natural length: the seed ran 10,000 samples; the fast
        # trainer stops by itself once every held-out sum is right.
        self.steps.value = self._seed_iterations if change["new"] == "seed" else self._fast_steps
        self.plot.value = loss_curve_svg([], title=self._plot_title())
        self._sync_controls()

    def _use_shipped(self):
        if self.adder is not None and self._shipped is not None:
            self.adder.set_params(self._shipped)
            self.status.value = "<div>The adder is back on the shipped net.</div>"


def app(params=None):
    """The adder, the gate explorer and the training panel in one widget (for Voila)."""
    import ipywidgets as w

    adder = Adder(params)
    explorer = GateExplorer(adder)
    panel = TrainPanel(adder)
    heading = '<h3 style="margin:0.6em 0 0.2em 0">{}</h3>'
    box = w.VBox([w.HTML(heading.format("Add two numbers with the GRU")), adder.widget,
                  w.HTML(heading.format("Inside the net, step by step")), explorer.widget,
                  w.HTML(heading.format("Train your own")), panel.widget])
    box.adder, box.explorer, box.panel = adder, explorer, panel
    return box


# --------------------------------------------------------------------------- helpers

def _plain(markup):
    """The text of a small HTML snippet (tags dropped, entities decoded)."""
    return html.unescape(re.sub(r"<[^>]+>", "", markup)).strip()


def _shorten(text, limit=24):
    """User text fit to quote in a message: short, with tabs and newlines made visible."""
    text = text if len(text) <= limit else text[:limit] + "…"
    return text.replace("\n", "\\n").replace("\t", "\\t").replace("\r", "\\r")


def _describe_size(digits):
    n = len(digits)
    if n > 100:
        return f"{n:,} digits"
    return f"{int(digits).bit_length()} bits"


def _is_number_like(text):
    """Digits (any script) with at most a decimal point or separators: "5", "1.5", "1,000"."""
    core = text.replace(".", "").replace(",", "")
    return core != "" and all(c.isdigit() for c in core)


def _colour(v, lo, hi):
    """v in [lo, hi] as a hex colour: viridis for gates (lo = 0), PuOr for states (lo = -1)."""
    stops = _VIRIDIS if lo == 0.0 else _PUOR
    if not np.isfinite(v):
        return "#888888"
    f = (min(max(v, lo), hi) - lo) / (hi - lo) * (len(stops) - 1)
    i = min(int(f), len(stops) - 2)
    frac = f - i
    c0, c1 = stops[i], stops[i + 1]
    rgb = [round(int(c0[k:k + 2], 16) * (1 - frac) + int(c1[k:k + 2], 16) * frac)
           for k in (1, 3, 5)]
    return "#{:02x}{:02x}{:02x}".format(*rgb)


def _colours(values, stops):
    """Array of values in [0, 1] -> uint8 RGB through the colour stops (linear between them)."""
    rgb = np.array([[int(c[k:k + 2], 16) for k in (1, 3, 5)] for c in stops], dtype=float)
    f = np.clip(np.nan_to_num(values, nan=0.5), 0.0, 1.0) * (len(stops) - 1)
    i = np.minimum(f.astype(int), len(stops) - 2)
    frac = (f - i)[..., None]
    return np.round(rgb[i] * (1 - frac) + rgb[i + 1] * frac).astype(np.uint8)


@lru_cache(maxsize=8)
def _heatmap_png_cached(key, shape):
    values = np.frombuffer(key).reshape(shape)
    return _png_data_uri(_colours((values + 1.0) / 2.0, _PUOR))


def _heatmap_png(h):
    """h of shape (T, H) as a PNG data URI, one pixel per (unit, step): units down, time across.
    Cached: the explorer redraws the same sum's heatmap at every step."""
    h = np.ascontiguousarray(np.asarray(h, dtype=np.float64).T)
    return _heatmap_png_cached(h.tobytes(), h.shape)


def _png_data_uri(rgb):
    """An (rows, cols, 3) uint8 array as a base64 PNG data URI (no imaging library needed)."""
    rows, cols, _ = rgb.shape
    raw = b"".join(b"\x00" + rgb[r].tobytes() for r in range(rows))    # filter 0 on each row

    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    png = (b"\x89PNG\r\n\x1a\n"
           + chunk(b"IHDR", struct.pack(">IIBBBBB", cols, rows, 8, 2, 0, 0, 0))
           + chunk(b"IDAT", zlib.compress(raw, 6)) + chunk(b"IEND", b""))
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def _round_up(n):
    """The smallest of 1, 2, 5 x 10^k that is >= n."""
    power = 10 ** (len(str(int(n))) - 1)
    return next(m * power for m in (1, 2, 5, 10) if m * power >= n)


def _how_it_ended(history, taken, steps):
    if history.solved_step is not None:
        return f", solved at step {history.solved_step:,}"
    if taken < steps:
        return " (stopped early)"
    return ""


def _accuracy_sentence(history):
    """The held-out accuracy at the end of training, in words."""
    final = history.final_accuracy
    if "random" in final:
        text = (f"<b>Held-out accuracy: {100 * final['random']:.1f}%</b> of 1,000 random 16-bit "
                "sums exactly right")
        carry = final.get("carry", float("nan"))
        if carry == carry:                       # measured (NaN until the random set is 100%)
            text += f"; carry-chain sums up to 256 bits: {100 * carry:.1f}%"
        return text + "."
    if "threshold" in final:
        return (f"<b>Held-out accuracy: {100 * final['threshold']:.1f}%</b> of 1,000 random "
                f"16-bit sums (reading y > 0.5); {100 * final['matlab_round']:.1f}% read with "
                "the seed's MATLAB round().")
    return ""
