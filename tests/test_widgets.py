"""The widgets, headless: build them, type, click, and read what a student would read.

No browser and no kernel: ipywidgets models work without a front end, so setting a Text's value
is what pressing Enter sends, and button.click() is what a click does.
"""

import functools
import html
import re
import subprocess
import sys

import numpy as np
import pytest

import gru_lesson as gl

pytest.importorskip("ipywidgets")
from gru_lesson.teach import render, widgets  # noqa: E402  (after the skip: building needs ipywidgets)

BIG = 2 ** 256 - 1


@pytest.fixture(scope="module")
def shipped():
    return gl.load_pretrained()


@pytest.fixture(scope="module")
def untrained():
    """A random net that gets sums wrong: the widget must show ITS answer, not the true sum."""
    return gl.init_params(2, 5, 1, rng=3)


def typed(adder, first, second):
    """Type into both boxes without pressing Enter, then click Add.

    (In the browser the boxes commit their text on Enter or when they lose focus; here the
    Enter handler is held off while typing, so the click alone must do the work.)"""
    for box in (adder.first, adder.second):
        box.unobserve(adder._on_enter, names="value")
    try:
        adder.first.value, adder.second.value = first, second
    finally:
        for box in (adder.first, adder.second):
            box.observe(adder._on_enter, names="value")
    adder.button.click()


def plain(html_text):
    """The text of an HTML string, roughly as a browser shows it."""
    text = re.sub(r"<style>.*?</style>|<[^>]+>", " ", html_text)
    text = re.sub(r"\s+([:.,;])", r"\1", re.sub(r"\s+", " ", text)).strip()
    return html.unescape(text)


# --------------------------------------------------------------------------- parse_number

@pytest.mark.parametrize("text, value", [
    ("0", 0), ("7", 7), ("007", 7), ("65535", 65535), (str(BIG), BIG),
    ("0" * 300 + "12", 12),
])
def test_parse_number_accepts_plain_ascii_digits(text, value):
    assert widgets.parse_number(text) == value


@pytest.mark.parametrize("text, says", [
    ("", "is empty"),
    ("   ", "only spaces"),
    (" 5", "spaces around it"),
    ("5 ", "spaces around it"),
    ("\t5", "spaces around it"),
    ("-5", "is negative"),
    ("+5", 'starts with "+"'),
    ("1.5", "not a whole number"),
    ("2.0", "not a whole number"),
    ("1,000", "not a whole number"),
    ("1_000", "between its digits"),
    ("1 000", "between its digits"),
    ("٣", "digits other than 0-9"),
    ("１２", "digits other than 0-9"),
    ("²", "digits other than 0-9"),
    ("1e3", "not a number"),
    ("0x10", "not a number"),
    ("abc", "not a number"),
    ("12a", "not a number"),
    ("-", "not a number"),
    (str(BIG + 1), "too big: it has 257 bits"),
    ("9" * 78, "too big: it has 260 bits"),
    ("9" * 100_000, "too big: it has 100,000 digits"),
])
def test_parse_number_refuses_with_a_message_that_says_what_to_type(text, says):
    with pytest.raises(ValueError) as err:
        widgets.parse_number(text, "The first number")
    message = str(err.value)
    assert message.startswith("The first number ")
    assert says in message
    assert "\n" not in message and len(message) < 200


def test_parse_number_refuses_non_strings():
    with pytest.raises(ValueError, match="must be text"):
        widgets.parse_number(5)


# --------------------------------------------------------------------------- pure renderers

def test_bit_table_is_lsb_first_and_matches_the_net(untrained):
    a, b = 0b1011, 0b110                       # 11 + 6 = 17
    details = gl.add_details(untrained, a, b)
    table = widgets.bit_table_html(details)
    rows = {m.group(1): re.findall(r"<t[dh][^>]*>([^<]*)</t[dh]>", m.group(2))
            for m in re.finditer(r'<tr><th class="row">(.*?)</th>(.*?)</tr>', table)}
    assert rows["t"] == [str(t) for t in range(1, details.T + 1)] == ["1", "2", "3", "4", "5"]
    assert rows["a"] == ["1", "1", "0", "1", "0"]            # 11 = 0b01011, LSB first
    assert rows["b"] == ["0", "1", "1", "0", "0"]            # 6
    assert rows["true bit"] == ["1", "0", "0", "0", "1"]     # 17
    assert rows["carry out"] == ["0", "1", "1", "1", "0"]
    assert rows["net y<sub>t</sub>"] == [f"{p:.3f}" for p in details.prob]
    wrong = details.out_bits != details.true_bits
    assert wrong.any(), "this untrained net should get some bit wrong"
    assert rows["net bit"] == [f"{v}✗" if w else str(v)
                               for v, w in zip(details.out_bits, wrong, strict=True)]
    assert table.count('class="bad"') == wrong.sum()
    assert f"{wrong.sum()} wrong bit(s)" in table


def test_bit_table_highlights_one_step(untrained):
    details = gl.add_details(untrained, 45, 19)
    assert 'class="hi"' not in widgets.bit_table_html(details)
    table = widgets.bit_table_html(details, highlight=3)
    assert '<th class="hi" data-step="3">3</th>' in table
    assert len(re.findall(r'class="hi', table)) == 7        # the header and six rows


def test_result_says_the_nets_answer_and_whether_it_is_right(shipped, untrained):
    good = gl.add_details(shipped, 65535, 1)
    assert plain(widgets.result_html(good)) == "65535 + 1 = 65536 ✓ correct"
    assert widgets.result_text(good) == "65535 + 1 = 65536 (correct)"
    bad = gl.add_details(untrained, 45, 19)
    assert not bad.correct
    text = plain(widgets.result_html(bad))
    n_wrong = int(np.sum(bad.out_bits != bad.true_bits))
    assert text.startswith(f"45 + 19 = {gl.add(untrained, 45, 19)} ✗ wrong: the true sum is 64 "
                           f"({n_wrong} bit")


def test_gates_svg_draws_r_z_h_tilde_h_of_step_t_in_that_order(untrained):
    details = gl.add_details(untrained, 45, 19)
    c = details.cache
    t, H = 4, c.h.shape[2]                                  # step t = 4 is array index 3
    svg = widgets.gates_svg(details, t, carry_units=[1, 3])
    titles = re.findall(r"<title>unit (\d+): ([-+]\d\.\d{3})</title>", svg)
    expected = [(str(j), f"{v[t - 1, 0, j]:+.3f}") for v in (c.r, c.z, c.h_tilde, c.h)
                for j in range(H)]
    assert titles == expected
    assert "Step t = 4" in svg
    assert re.findall(r">unit (\d) carry<", svg) == ["1", "3"]
    assert svg.count("data:image/png;base64,") == 2          # h over time, and the true carry


def test_heatmap_png_is_a_valid_image():
    import base64
    import zlib

    h = np.linspace(-1, 1, 6 * 4).reshape(6, 4)              # T = 6 steps, H = 4 units
    png = base64.b64decode(render._heatmap_png(h).split(",", 1)[1])
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
    assert (width, height) == (6, 4)                         # time across, units down
    idat = png[png.index(b"IDAT") + 4:png.index(b"IEND") - 8]
    pixels = np.frombuffer(zlib.decompress(idat), dtype=np.uint8).reshape(4, 1 + 6 * 3)
    assert (pixels[:, 0] == 0).all()                         # filter byte of each row
    rgb = pixels[:, 1:].reshape(4, 6, 3)
    assert tuple(rgb[0, 0]) == (0xb3, 0x58, 0x06)            # h = -1: PuOr's darkest orange
    assert tuple(rgb[3, 5]) == (0x54, 0x27, 0x88)            # h = +1: its darkest purple


def test_loss_curve_svg_draws_every_point_up_to_400():
    assert "<polyline" not in widgets.loss_curve_svg([])
    svg = widgets.loss_curve_svg([1.0, 0.5, 0.25], max_steps=10)
    points = re.search(r'points="([^"]+)"', svg).group(1).split()
    assert len(points) == 3
    ys = [float(p.split(",")[1]) for p in points]
    assert ys[0] < ys[1] < ys[2]                             # falling loss: going down the page
    long = widgets.loss_curve_svg(np.exp(-np.arange(5000) / 1000))
    assert len(re.search(r'points="([^"]+)"', long).group(1).split()) == 400
    assert ">5,000<" in long                                  # the step axis runs past the data


# --------------------------------------------------------------------------- the adder

def test_adder_answers_at_once_with_the_shipped_net(shipped):
    adder = widgets.Adder()
    assert adder.text == "45 + 19 = 64 (correct)"
    assert "45 + 19 = 64" in plain(adder.result.value)
    assert adder.message.value == ""
    assert [d.description for d in (adder.first, adder.second, adder.button)] == \
        ["First number", "Second number", "Add"]


@pytest.mark.parametrize("a, b", [(65535, 1), (0, 0), (6, 3), (BIG, BIG), (2 ** 200, 12345)])
def test_adder_click_shows_the_shipped_nets_sum(shipped, a, b):
    adder = widgets.Adder(shipped)
    typed(adder, str(a), str(b))
    assert adder.text == f"{a} + {b} = {a + b} (correct)"
    assert f"{a} + {b} = {a + b}" in plain(adder.result.value)
    assert adder.table.value.count('<th class="row">') == 7
    T = max(a.bit_length(), b.bit_length()) + 1
    assert f'data-step="{T}"' in adder.table.value                    # steps t = 1..T
    assert f'data-step="{T + 1}"' not in adder.table.value


def test_adder_shows_the_nets_answer_even_when_wrong(untrained):
    adder = widgets.Adder(untrained)
    typed(adder, "1234", "4321")
    answer = gl.add(untrained, 1234, 4321)
    assert answer != 5555
    assert adder.text == f"1234 + 4321 = {answer} (wrong: the true sum is 5555)"
    assert "✗ wrong" in adder.result.value


def test_enter_in_a_box_adds(shipped):
    adder = widgets.Adder(shipped)
    adder.first.value = "100"                        # Enter in the first box
    assert adder.text == "100 + 19 = 119 (correct)"
    adder.second.value = "28"                        # Enter in the second box
    assert adder.text == "100 + 28 = 128 (correct)"


def test_enter_with_the_other_box_empty_only_hints(shipped):
    adder = widgets.Adder(shipped)
    before = (adder.result.value, adder.table.value, adder.details)
    adder.second.value = ""
    adder.first.value = "5"
    assert "Now type the second number" in adder.message.value
    assert (adder.result.value, adder.table.value, adder.details) == before
    adder.second.value = "6"
    assert adder.text == "5 + 6 = 11 (correct)" and adder.message.value == ""


@pytest.mark.parametrize("bad, says", [
    ("", "The first number is empty"),
    ("-5", "The first number is negative"),
    ("2.5", "The first number is not a whole number"),
    ("seven", "The first number is not a number"),
    (" 12", "The first number has spaces around it"),
    ("+12", 'The first number starts with "+"'),
    (str(2 ** 256), "The first number is too big"),
    ("<img src=x onerror=alert(1)>", "The first number is not a number"),
])
def test_bad_input_shows_a_message_and_changes_nothing_else(shipped, bad, says):
    adder = widgets.Adder(shipped)
    typed(adder, "65535", "1")
    before = (adder.result.value, adder.table.value, adder.details, adder.text)
    typed(adder, bad, "1")
    assert says in plain(adder.message.value)
    assert "<img" not in adder.message.value                 # user text is escaped
    assert (adder.result.value, adder.table.value, adder.details, adder.text) == before
    typed(adder, "65535", "2")                                # and a good sum clears it
    assert adder.message.value == "" and adder.text == "65535 + 2 = 65537 (correct)"


def test_add_again_with_the_same_sum_only_clears_the_message(monkeypatch, shipped):
    adder = widgets.Adder(shipped)
    typed(adder, "65535", "1")
    typed(adder, "x", "1")
    assert adder.message.value
    calls = []
    monkeypatch.setattr(gl, "add_details", lambda *args: calls.append(args))
    typed(adder, "65535", "1")               # what is on show: nothing to recompute
    assert calls == [] and adder.message.value == ""
    assert adder.text == "65535 + 1 = 65536 (correct)"


def test_bad_second_number_is_named(shipped):
    adder = widgets.Adder(shipped)
    typed(adder, "1", "1.0")
    assert plain(adder.message.value).startswith("The second number is not a whole number")


def test_set_params_redoes_the_current_sum(shipped, untrained):
    adder = widgets.Adder(shipped)
    typed(adder, "1234", "4321")
    adder.set_params(untrained)
    assert adder.text.startswith(f"1234 + 4321 = {gl.add(untrained, 1234, 4321)} (wrong")


# --------------------------------------------------------------------------- gate explorer

def test_gate_explorer_follows_the_slider_and_the_adder(shipped):
    adder = widgets.Adder(shipped)
    explorer = widgets.GateExplorer(adder)
    assert explorer.slider.min == 1                                  # steps t = 1..T
    assert explorer.slider.max == adder.details.T == 7              # 45 + 19: 7 steps
    for t in (1, 4, 7):
        explorer.slider.value = t
        assert f'<th class="hi" data-step="{t}">' in explorer.table.value
        assert explorer.table.value.count('<th class="hi"') == 1
        assert f"Step t = {t}:" in explorer.view.value
    typed(adder, "1", "2")                                          # T = 3: t clamps to 3
    assert explorer.slider.max == 3 and explorer.slider.value == 3
    assert "Step t = 3:" in explorer.view.value
    assert explorer.play.max == 3
    typed(adder, str(BIG), "1")
    assert explorer.slider.max == 257                                # 256 bits + the carry step


def test_gate_explorer_marks_the_lessons_carry_units(shipped):
    adder = widgets.Adder(shipped)
    explorer = widgets.GateExplorer(adder)
    units = [int(u) for u in gl.carry_units(shipped)]
    assert [int(u) for u in explorer.carry_units] == units
    assert re.findall(r">unit (\d+) carry<", explorer.view.value) == [str(u)
                                                                      for u in sorted(units)]
    from gru_lesson.addition.analysis import carry_correlations

    corr = carry_correlations(shipped)
    note = plain(explorer.note.value)
    for u in units:
        assert f"{u} (correlation with the carry {corr[u]:+.2f})" in note


def test_gate_explorer_recomputes_carry_units_for_a_new_net(shipped):
    other = gl.init_params(2, 6, 1, rng=11)
    adder = widgets.Adder(shipped)
    explorer = widgets.GateExplorer(adder)
    adder.set_params(other)
    assert [int(u) for u in explorer.carry_units] == [int(u) for u in gl.carry_units(other)]
    assert explorer.view.value.count("<title>unit") == 4 * 6
    tiny = gl.init_params(2, 2, 1, rng=12)            # fewer units than 3, and none carries
    adder.set_params(tiny)
    assert gl.carry_units(tiny).size == 0 and len(explorer.carry_units) == 0
    assert explorer.note.value == ""


# --------------------------------------------------------------------------- training panel

def test_train_panel_defaults_come_from_gl_train():
    import inspect

    panel = widgets.TrainPanel()
    defaults = inspect.signature(gl.train).parameters
    assert panel.hidden_size.value == defaults["hidden_size"].default
    assert panel.lr.value == defaults["lr"].default              # exactly: same run as gl.train
    assert panel.steps.value == defaults["max_steps"].default
    assert panel.bias.value is defaults["bias"].default


def test_train_panel_trains_and_hands_the_net_to_the_adder(shipped):
    adder = widgets.Adder(shipped)
    panel = widgets.TrainPanel(adder, background=False, redraw_every=0.0)
    panel.hidden_size.value, panel.steps.value, panel.seed.value = 4, 30, 5
    panel.train_button.click()
    params, history = panel.params, panel.history
    assert params["Uz"].shape == (4, 4) and history.steps == 30
    assert adder.params is params
    assert adder.text.startswith(f"45 + 19 = {gl.add(params, 45, 19)} ")
    assert panel.progress.value == panel.progress.max == 30
    assert panel.progress_text.value == "done: 30 steps"
    assert "<polyline" in panel.plot.value
    status = plain(panel.status.value)
    acc = history.test_accuracy["random"]                  # the test set, not the validation
    assert "30 steps in" in status
    assert f"Held-out accuracy: {100 * acc:.1f}% of 1,000 random 16-bit sums" in status
    assert "The adder above now uses this net" in status
    assert not panel.train_button.disabled and panel.stop_button.disabled
    # a net that reached the carry-chain check: its rate is named as validation, not test
    ok, hist = gl.train(hidden_size=16, seed=0, max_steps=150, check_every=25, progress=False)
    sentence = plain(widgets._accuracy_sentence(hist))
    assert f"{100 * hist.final_accuracy['carry']:.1f}%" in sentence
    assert "carry-chain sums up to 256 bits (a validation set" in sentence
    # the same seed gives the same net
    again, _ = gl.train(hidden_size=4, seed=5, max_steps=30, progress=False)
    assert all(np.array_equal(params[k], again[k]) for k in params)


def test_train_panel_in_a_thread_can_be_stopped(shipped):
    adder = widgets.Adder(shipped)
    panel = widgets.TrainPanel(adder)
    panel.hidden_size.value, panel.steps.value = 4, 100_000
    panel.train_button.click()
    panel.stop_button.click()
    panel.thread.join(timeout=60)
    assert not panel.thread.is_alive()
    assert 1 <= panel.history.steps < 100_000
    assert "stopped early" in plain(panel.status.value)
    assert adder.params is panel.params


def test_train_panel_runs_the_seeds_procedure(shipped):
    panel = widgets.TrainPanel(widgets.Adder(shipped), background=False)
    panel.procedure.value = "seed"
    assert panel.steps.value == 10_000
    assert panel.hidden_size.disabled and panel.lr.disabled and panel.bias.disabled
    panel.steps.value = 40
    panel.train()
    assert "bz" not in panel.params and panel.params["Uz"].shape == (16, 16)
    assert "read with the seed's MATLAB round()" in plain(panel.status.value)
    panel.procedure.value = "fast"
    assert not panel.hidden_size.disabled


def test_biases_off_make_0_plus_0_a_coin_flip(shipped):
    # the notebook's experiment 2: no biases and h_0 = 0 give y_0 = sigmoid(0) = 0.5 exactly
    adder = widgets.Adder(shipped)
    panel = widgets.TrainPanel(adder, background=False)
    panel.bias.value, panel.steps.value = False, 20
    panel.train()
    assert "bz" not in adder.params
    typed(adder, "0", "0")
    assert adder.details.prob.tolist() == [0.5]
    assert ">0.500<" in adder.table.value and adder.text == "0 + 0 = 0 (correct)"


def test_train_panel_shows_a_refused_setting_as_a_message(monkeypatch, shipped):
    @functools.wraps(gl.train)                 # keeps the signature the panel reads defaults from
    def refuse(*args, **kwargs):
        raise ValueError("hidden_size must be a positive integer, got 0")

    monkeypatch.setattr(gl, "train", refuse)
    adder = widgets.Adder(shipped)
    panel = widgets.TrainPanel(adder, background=False)
    assert panel.train() is None
    assert "hidden_size must be a positive integer" in panel.status.value
    assert adder.params is shipped and not panel.train_button.disabled


def test_use_the_shipped_net_again(shipped):
    adder = widgets.Adder(shipped)
    panel = widgets.TrainPanel(adder, background=False)
    panel.steps.value = 5
    panel.train()
    assert adder.params is not shipped
    panel.shipped_button.click()
    assert adder.params is shipped and adder.text == "45 + 19 = 64 (correct)"


# --------------------------------------------------------------------------- the app

def test_app_composes_the_three(shipped):
    box = widgets.app(shipped)
    assert box.adder.widget in box.children
    assert box.explorer.widget in box.children and box.panel.widget in box.children
    assert box.panel.adder is box.adder and box.explorer.adder is box.adder


def test_widgets_module_imports_ipywidgets_only_when_building():
    code = ("import sys; import gru_lesson.teach.widgets; "
            "print('ipywidgets' in sys.modules, 'matplotlib' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]
