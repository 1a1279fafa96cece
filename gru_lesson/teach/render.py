"""What the widgets show, as HTML and SVG strings: pure functions, testable without a browser
or a kernel, and cheap enough to redraw on every click (benchmarks/bench_widgets.py).

    parse_number(text, name)        the int a user typed, or a ValueError that says what to type
                                    (gru_lesson.addition.data's, which the CLI uses too)
    result_html(details)            "a + b = <the net's answer>" and whether it is right
    bit_table_html(details, t)      the sum bit by bit, least significant bit first, step t outlined
    gates_svg(details, t, units)    r_t, z_t, h_tilde_t, h_t of step t as bars, carry units marked,
                                    above a heatmap of h over every step
    loss_curve_svg(loss)            a training loss curve, log scale

``details`` is an AdditionDetails from ``gl.add_details``. Colours: viridis for gates in [0, 1],
ColorBrewer's PuOr for states in [-1, 1] (both colour-blind safe); figures have a light
background so they read the same in light and dark themes.
"""

import base64
import html
import re
import struct
import zlib
from functools import lru_cache

import numpy as np

from ..addition.data import TYPED_MAX_BITS, parse_number  # noqa: F401  (the one number parser)
from ..engine.checks import is_int, unit_indices

MAX_BITS = TYPED_MAX_BITS      # operands up to 2^256 - 1; the net reads max bit length + 1 steps
_FONT = "font-family:var(--jp-code-font-family,monospace)"

# Colour maps sampled at 9 evenly spaced points: viridis for gates in [0, 1], ColorBrewer's PuOr
# (colour-blind safe, orange = negative, purple = positive) for states in [-1, 1].
_VIRIDIS = ["#440154", "#472d7b", "#3b528b", "#2c728e", "#21918c", "#28ae80", "#5ec962",
            "#addc30", "#fde725"]
_PUOR = ["#b35806", "#e08214", "#fdb863", "#fee0b6", "#f7f7f7", "#d8daeb", "#b2abd2",
         "#8073ac", "#542788"]


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
    """The addition bit by bit, least significant bit first: step t = 1 reads the 1s place.

    Rows: a's bits, b's bits, the net's output probability y_t and its bit (y_t > 0.5), the true
    bit of a + b, and the true carry out of each position. Wrong bits are marked ✗.
    ``highlight`` is a step t = 1..T to outline (the gate explorer's step); its cells get class
    "hi". Steps count from 1 as in the equations (h_0 is the state before step 1); Python's
    arrays hold step t at index t - 1.
    """
    T = int(details.T)
    hi = -1 if highlight is None else _step(highlight, T, "highlight") - 1   # its array index
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
        ("t", "".join(f'<th{_cls(i == hi)} data-step="{i + 1}">{i + 1}</th>' for i in range(T))),
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


def _step(t, T, name):
    """t as a step 1..T, or a ValueError (a step 2.5 or 99 is refused, not rounded or clamped)."""
    if not is_int(t) or not 1 <= t <= T:
        raise ValueError(f"{name} must be a whole-number step from 1 to {T}, got {t!r}")
    return int(t)


def _cls(highlight, bad=False):
    names = " ".join(n for n, on in (("hi", highlight), ("bad", bad)) if on)
    return f' class="{names}"' if names else ""


def gates_svg(details, t, carry_units=()):
    """Bars of r_t, z_t, h̃_t and h_t (one bar per hidden unit) at step t = 1..T, carry units
    marked, above a heatmap of h over every step with step t outlined. Pure SVG: fast to redraw.
    """
    cache = details.cache
    T, H = cache.h.shape[0], cache.h.shape[2]
    step = _step(t, T, "t")             # the step t as in the equations
    t = step - 1                        # its index in the arrays
    carry = set(unit_indices(carry_units, H, "carry_units"))
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
         f'style="background:#fff" role="img" aria-label="gate values at step {step}">']
    s.append(f'<text x="0" y="18" font-size="16" font-weight="bold">Step t = {step}: '
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
             f't = 1</text><text x="{label_w + T * cell_w:.1f}" y="{carry_top + 28}"'
             f' font-size="11" fill="#555" text-anchor="end">t = {T}</text>')
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


# --------------------------------------------------------------------------- helpers

def plain_text(markup):
    """The text of a small HTML snippet (tags dropped, entities decoded)."""
    return html.unescape(re.sub(r"<[^>]+>", "", markup)).strip()


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
