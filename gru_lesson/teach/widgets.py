"""Widgets to poke the trained GRU: add two numbers, step through its gates, train one live.

    from gru_lesson.teach import widgets
    adder = widgets.Adder()                 # the shipped net; adder.widget is what you display
    explorer = widgets.GateExplorer(adder)  # follows the adder's current sum
    panel = widgets.TrainPanel(adder)       # trains a new net and hands it to the adder
    widgets.app()                           # all three in one widget (for Voila)

Each class keeps its ipywidgets tree in ``.widget``. What the user reads is rendered by the pure
functions of ``gru_lesson.teach.render`` (``parse_number``, ``result_html``, ``bit_table_html``,
``gates_svg``, ``loss_curve_svg``, re-exported here), so it can be tested without a browser or a
kernel. ipywidgets is imported only when a widget is built.
"""

import html
import inspect
import threading
import time

import numpy as np

from .render import (
    MAX_BITS,
    bit_table_html,
    gates_svg,
    loss_curve_svg,
    parse_number,
    plain_text,
    result_html,
    result_text,
)

_LEARNING_RATES = (1e-4, 3e-4, 1e-3, 3e-3, 0.01, 0.03, 0.1, 0.3, 1.0)   # the panel's choices
_EXAMPLE = (45, 19)            # 101101 + 010011: a carry that ripples through six bits
_CSS_ERROR = "color:#8c2d04;background:#fff3e0;border-left:4px solid #e08214;padding:4px 8px"
_CSS_HINT = "color:#333;background:#eef2fb;border-left:4px solid #3b528b;padding:4px 8px"


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
        return plain_text(self.message.value)

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
        self.slider = w.IntSlider(value=1, min=1, max=1, description="Step t",
                                  continuous_update=True, layout={"width": "40em"})
        self.play = w.Play(value=1, min=1, max=1, step=1, interval=700, description="Play",
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
        t = min(self.slider.value, int(d.T))           # step t = 1..T, as in the equations
        i = t - 1                                       # its index in the arrays
        carry_in = int(d.carry[i - 1]) if i > 0 else 0
        verdict = "right" if d.out_bits[i] == d.true_bits[i] else "wrong"
        return (f"Step t = {t}: reads a_t = {int(d.a_bits[i])}, b_t = {int(d.b_bits[i])}, carry "
                f"in {carry_in}; writes {int(d.out_bits[i])} ({verdict})")

    def update(self):
        """Follow the adder: a new sum (or a new net) resets the slider's range."""
        details = self.adder.details
        if details is None:
            return
        if self.adder.params is not self._params:
            self._params = self.adder.params
            self.carry_units = self._find_carry_units()
        T = int(details.T)
        t = min(self.slider.value, T)
        with self.slider.hold_trait_notifications():
            self.slider.max = T
            self.play.max = T
        if self.slider.value != t:
            self.slider.value = t            # renders through the observer
        else:
            self.render()

    def render(self):
        """Redraw the table and the gate bars for the slider's step (a few ms)."""
        details = self.adder.details
        if details is None:
            return
        t = min(self.slider.value, int(details.T))     # step t = 1..T
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
        from gru_lesson.addition.analysis import carry_correlations

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
        # trainer stops by itself once its validation checks pass.
        self.steps.value = self._seed_iterations if change["new"] == "seed" else self._fast_steps
        self.plot.value = loss_curve_svg([], title=self._plot_title())
        self._sync_controls()

    def _use_shipped(self):
        if self.adder is not None and self._shipped is not None:
            self.adder.set_params(self._shipped)
            self.status.value = "<div>The adder is back on the shipped net.</div>"


__all__ = ["Adder", "GateExplorer", "TrainPanel", "app", "MAX_BITS", "parse_number",
           "result_html", "result_text", "bit_table_html", "gates_svg", "loss_curve_svg"]


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


# --------------------------------------------------------------------------- helpers

def _how_it_ended(history, taken, steps):
    if history.solved_step is not None:
        return f", solved at step {history.solved_step:,}"
    if taken < steps:
        return " (stopped early)"
    return ""


def _accuracy_sentence(history):
    """The held-out accuracy at the end of training, in words (gl.train: its test set)."""
    final = history.final_accuracy
    test = getattr(history, "test_accuracy", {})
    if "random" in final:
        held_out = test.get("random", final["random"])
        text = (f"<b>Held-out accuracy: {100 * held_out:.1f}%</b> of 1,000 random 16-bit "
                "sums exactly right (a test set: training stopped on other sums)")
        carry = final.get("carry", float("nan"))
        if carry == carry:               # measured (NaN until the sets before it are 100%)
            text += (f"; the carry-chain sums up to 256 bits (a validation set: they decided "
                     f"when to stop): {100 * carry:.1f}%")
        return text + "."
    if "threshold" in final:
        return (f"<b>Held-out accuracy: {100 * final['threshold']:.1f}%</b> of 1,000 random "
                f"16-bit sums (reading y > 0.5); {100 * final['matlab_round']:.1f}% read with "
                "the seed's MATLAB round().")
    return ""
