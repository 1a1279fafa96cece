"""End to end in a real browser: the interactive notebook in JupyterLab and as a Voila app.

Each test starts its own server on a free loopback port (token and password off: nothing
listens beyond 127.0.0.1), drives Debian's Chromium through Playwright, types two numbers into
the adder, clicks Add and reads the sum on the page. Screenshots go to the test's tmp dir.
Skipped, with the reason, when /usr/bin/chromium or Playwright is missing.
"""

import pathlib
import re

import browser_helpers as bh
import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "notebooks" / "06_interactive_adder.ipynb"
SKIP = bh.browser_skip_reason()

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(SKIP is not None, reason=SKIP or "browser available")]

WAIT = 45_000          # ms: the longest any one thing may take (kernel start, run all cells)


def add_on_page(page, a, b):
    """Type a and b into the adder's boxes, click Add; return the sum line's locator."""
    adder = page.locator(".gru-adder").first
    adder.scroll_into_view_if_needed()
    adder.get_by_label("First number").fill(str(a))
    adder.get_by_label("Second number").fill(str(b))
    adder.get_by_role("button", name="Add", exact=True).click()
    return adder


def check_the_adder(page, tmp_path, name):
    """The checks both front ends must pass, with the screenshot."""
    from playwright.sync_api import expect

    adder = add_on_page(page, 12345, 54321)
    expect(adder.locator(".gru-sum")).to_have_text("12345 + 54321 = 66666", timeout=10_000)
    expect(adder).to_contain_text("✓ correct")
    adder.get_by_label("Second number").fill("28")                  # Enter adds too
    adder.get_by_label("Second number").press("Enter")
    expect(adder.locator(".gru-sum")).to_have_text("12345 + 28 = 12373", timeout=10_000)
    big = 2 ** 200 + 12345
    adder = add_on_page(page, big, big)
    expect(adder.locator(".gru-sum")).to_have_text(f"{big} + {big} = {2 * big}",
                                                   timeout=10_000)
    adder = add_on_page(page, 65535, 1)
    expect(adder.locator(".gru-sum")).to_have_text("65535 + 1 = 65536", timeout=10_000)
    expect(adder.locator("table.gru-bits th.row")).to_have_count(7)
    page.screenshot(path=str(tmp_path / f"{name}.png"))
    # a bad number: a message, and the sum stays as it was
    add_on_page(page, "-5", 1)
    expect(adder).to_contain_text("The first number is negative", timeout=10_000)
    expect(adder.locator(".gru-sum")).to_have_text("65535 + 1 = 65536")
    page.screenshot(path=str(tmp_path / f"{name}_bad_input.png"))
    assert (tmp_path / f"{name}.png").stat().st_size > 10_000


def test_notebook_in_jupyterlab(tmp_path):
    notebook = bh.copy_notebook(NOTEBOOK, tmp_path / "notebooks")       # outputs stripped
    port = bh.free_port()
    base = f"http://127.0.0.1:{port}"
    with bh.start_server(bh.lab_command(port, notebook.parent), tmp_path / "lab",
                         f"{base}/api/status"), bh.chromium_page() as page:
        page.set_default_timeout(WAIT)
        page.goto(f"{base}/lab/tree/{notebook.name}", timeout=WAIT)
        # the kernel is attached and idle: until then JupyterLab silently skips "Run All"
        page.locator('.jp-Notebook-ExecutionIndicator[data-status="idle"]').wait_for()
        page.get_by_text(re.compile(r"^Python .*\| Idle$")).wait_for()      # the status bar
        assert page.locator(".gru-adder").count() == 0              # nothing ran yet
        page.get_by_role("menuitem", name="Run", exact=True).click()
        page.get_by_role("menuitem", name=re.compile(r"^Run All Cells")).click()
        try:
            page.wait_for_function(
                """() => {
                    const prompts = [...document.querySelectorAll(
                        '.jp-CodeCell .jp-InputPrompt')];
                    return prompts.length > 0
                        && prompts.every(p => /\\[\\d+\\]/.test(p.textContent));
                }""", timeout=WAIT)
        except Exception:
            page.screenshot(path=str(tmp_path / "run_all_failed.png"), full_page=True)
            prompts = page.locator(".jp-CodeCell .jp-InputPrompt").all_inner_texts()
            pytest.fail(f"not every cell ran within {WAIT / 1000:.0f} s; prompts: {prompts}")
        assert page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter."
                            "stderr']").count() == 0, "a cell wrote to stderr"
        assert page.locator(".jp-OutputArea-output .ansi-red-fg").count() == 0, "a traceback"
        check_the_adder(page, tmp_path, "jupyterlab")


def test_notebook_as_a_voila_app(tmp_path):
    notebook = bh.copy_notebook(NOTEBOOK, tmp_path / "app")
    port = bh.free_port()
    with bh.start_server(bh.voila_command(port, notebook), tmp_path / "voila", port), \
            bh.chromium_page() as page:
        page.set_default_timeout(WAIT)
        page.goto(f"http://127.0.0.1:{port}/", timeout=WAIT)
        page.locator(".gru-train-panel").wait_for()                 # the last widget is up
        assert page.locator(".jp-CodeMirrorEditor:visible").count() == 0, "code is shown"
        assert "Traceback" not in page.content()
        check_the_adder(page, tmp_path, "voila")
        check_explorer_and_training(page, tmp_path)


def check_explorer_and_training(page, tmp_path):
    """Step the gate explorer with the keyboard; train a 50-step net and see the adder switch."""
    from playwright.sync_api import expect

    explorer = page.locator(".gru-gate-explorer").first
    explorer.scroll_into_view_if_needed()
    explorer.locator(".noUi-handle, .ui-slider-handle").first.focus()
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    expect(explorer).to_contain_text("Step t = 3:", timeout=10_000)    # steps count from 1
    expect(explorer.locator('th.hi[data-step="3"]')).to_have_count(1)
    page.screenshot(path=str(tmp_path / "voila_explorer.png"))
    explorer.locator(".widget-play button").first.click()          # Play steps on by itself
    expect(explorer).to_contain_text("Step t = 5:", timeout=10_000)
    explorer.locator(".widget-play button").nth(1).click()          # pause

    panel = page.locator(".gru-train-panel").first
    panel.scroll_into_view_if_needed()
    panel.get_by_label("Steps (at most)").fill("50")
    panel.get_by_label("Steps (at most)").press("Enter")
    panel.locator("button", has_text="Train").click()
    expect(panel).to_contain_text("Held-out accuracy", timeout=WAIT)
    expect(panel).to_contain_text("50 steps in")
    expect(panel).to_contain_text("The adder above now uses this net")
    page.screenshot(path=str(tmp_path / "voila_trained.png"))
