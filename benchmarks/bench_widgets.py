"""How fast the interactive adder redraws: kernel-side work, and the full round trip in a browser.

    .venv/bin/python benchmarks/bench_widgets.py            # kernel side only
    .venv/bin/python benchmarks/bench_widgets.py --browser  # also click Add in Chromium (Voila)

Kernel side: what one click on Add costs in Python (parse both boxes, gl.add_details, render
the answer line and the bit table, and the gate explorer's redraw that follows), what one step
of the explorer's slider costs, and how many bytes of HTML each sends to the browser. Median and
best of many repeats. The engine's share is gl.add_details alone (its forward pass is gl.forward;
torch.nn.GRU is compared with it in bench_engine.py).

Browser (--browser): Voila serves notebook 6, Chromium clicks Add, and a MutationObserver in
the page times the click until the answer line shows the new sum: the latency a student feels
(kernel messages, Python, the DOM update). Needs /usr/bin/chromium and playwright.
"""

import argparse
import itertools
import os
import pathlib
import statistics
import sys
import tempfile
import time

import gru_lesson as gl
from gru_lesson.teach import widgets

ROOT = pathlib.Path(__file__).resolve().parents[1]
SUMS = {16: (65535, 1), 64: (2 ** 64 - 1, 1), 256: (2 ** 256 - 1, 2 ** 256 - 1)}


def timed(fn, repeats):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return 1e3 * statistics.median(times), 1e3 * min(times)


def kernel_side(repeats):
    params = gl.load_pretrained()
    adder = widgets.Adder(params)
    explorer = widgets.GateExplorer(adder)
    for box in (adder.first, adder.second):       # time the click alone, not Enter as well
        box.unobserve(adder._on_enter, names="value")
    print(f"{'bits':>5} {'add_details ms':>16} {'click Add ms':>14} {'slider step ms':>16} "
          f"{'HTML sent per click':>20}")
    for bits, (a, b) in SUMS.items():
        engine = timed(lambda a=a, b=b: gl.add_details(params, a, b), repeats)
        sums = itertools.cycle([(str(a), str(b)), (str(a - 1), str(b))])

        def click(sums=sums):
            # what Add does after typing a new sum (the boxes' Enter handler is held off)
            adder.first.value, adder.second.value = next(sums)
            adder.button.click()

        click = timed(click, repeats)
        steps = itertools.cycle(range(1, adder.details.T))
        slider = timed(lambda steps=steps: setattr(explorer.slider, "value", next(steps)),
                       repeats)
        sent = sum(len(w.value) for w in (adder.result, adder.table, explorer.table,
                                          explorer.view))
        print(f"{bits:>5} {engine[0]:>9.2f} ({engine[1]:.2f}) {click[0]:>7.2f} ({click[1]:.2f})"
              f" {slider[0]:>9.2f} ({slider[1]:.2f}) {sent / 1024:>15.0f} KiB")
    print("median (best) of", repeats, "repeats; click Add includes the explorer's redraw")


def browser_round_trip(repeats):
    sys.path.insert(0, str(ROOT / "tests"))
    import browser_helpers as bh

    reason = bh.browser_skip_reason()
    if reason:
        print(f"browser: skipped ({reason})")
        return
    script = """async ([a, b, expected]) => {
        const adder = document.querySelector('.gru-adder');
        const [first, second] = adder.querySelectorAll('input[type=text]');
        const sum = adder.querySelector('.gru-sum');
        const done = new Promise(resolve => {
            const watch = new MutationObserver(() => {
                const now = adder.querySelector('.gru-sum');
                if (now && now.textContent === expected) { watch.disconnect(); resolve(); }
            });
            watch.observe(adder, {subtree: true, childList: true, characterData: true});
        });
        const start = performance.now();
        for (const [box, value] of [[first, a], [second, b]]) {   // type, then leave the box
            box.value = value;
            box.dispatchEvent(new Event('input', {bubbles: true}));
            box.dispatchEvent(new Event('change', {bubbles: true}));
        }
        [...adder.querySelectorAll('button')].find(b => b.textContent.trim() === 'Add').click();
        await done;
        return performance.now() - start;
    }"""
    with tempfile.TemporaryDirectory() as tmp:
        tmp = pathlib.Path(tmp)
        notebook = bh.copy_notebook(ROOT / "notebooks" / "06_interactive_adder.ipynb", tmp / "nb")
        port = bh.free_port()
        with bh.start_server(bh.voila_command(port, notebook), tmp / "voila", port), \
                bh.chromium_page() as page:
            page.set_default_timeout(60_000)
            page.goto(f"http://127.0.0.1:{port}/")
            page.locator(".gru-train-panel").wait_for()
            page.wait_for_timeout(1000)
            print("\nbrowser round trip (Voila + Chromium, click Add -> new sum on the page)")
            for bits, (a, b) in SUMS.items():
                times = []
                for k in range(repeats):
                    # alternate two sums so every click changes the answer line
                    x = a if k % 2 == 0 else a - 1
                    expected = f"{x} + {b} = {x + b}"
                    times.append(page.evaluate(script, [str(x), str(b), expected]))
                print(f"{bits:>5} bits: median {statistics.median(times):6.1f} ms, "
                      f"best {min(times):6.1f} ms over {repeats} clicks")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=50)
    parser.add_argument("--browser", action="store_true", help="also time clicks in Chromium")
    args = parser.parse_args()
    print(f"gru_lesson widgets benchmark; {os.cpu_count()} cores, load average "
          f"{', '.join(f'{v:.1f}' for v in os.getloadavg())}")
    kernel_side(args.repeats)
    if args.browser:
        browser_round_trip(max(args.repeats // 5, 5))


if __name__ == "__main__":
    main()
