"""Helpers for the browser tests: start JupyterLab or Voila on a free loopback port, drive
Debian's Chromium through Playwright, and always clean up.

Nothing here downloads anything: the browser is /usr/bin/chromium (override with the
GRU_LESSON_CHROMIUM environment variable), and the servers run from this Python's environment.
"""

import contextlib
import json
import os
import pathlib
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

CHROMIUM = os.environ.get("GRU_LESSON_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


def browser_skip_reason():
    """None when the browser tests can run, else a one-line reason to skip them."""
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        return f"Chromium not found at {CHROMIUM} (apt-get install chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright for Python is not installed (pip install playwright)"
    return None


def free_port():
    """A TCP port on 127.0.0.1 that nobody is listening on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def strip_outputs(src, dst):
    """Copy a notebook with every output and execution count removed.

    The browser must show widgets made by the cells it ran, not ones saved in the file.
    """
    nb = json.loads(pathlib.Path(src).read_text(encoding="utf-8"))
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            cell["outputs"] = []
            cell["execution_count"] = None
    nb.get("metadata", {}).pop("widgets", None)
    pathlib.Path(dst).write_text(json.dumps(nb, indent=1), encoding="utf-8")


def _jupyter_env(home):
    """Environment with config, runtime and settings dirs inside `home`, so user settings and
    other servers can't interfere, and JupyterLab's news/update popups are off."""
    settings = home / "lab-settings"
    for plugin, values in {
        "apputils-extension/notification": {"fetchNews": "false", "checkForUpdates": False},
        # every cell stays in the page, so a test can see them all
        "notebook-extension/tracker": {"windowingMode": "none"},
    }.items():
        path = settings / "@jupyterlab" / f"{plugin}.jupyterlab-settings"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))
    env = dict(os.environ)
    env.update({
        "JUPYTER_CONFIG_DIR": str(home / "config"),
        "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
        "JUPYTERLAB_SETTINGS_DIR": str(settings),
        "JUPYTERLAB_WORKSPACES_DIR": str(home / "workspaces"),
        "JUPYTER_PLATFORM_DIRS": "1",
        "PYTHONUNBUFFERED": "1",
    })
    return env


def _as_root():
    return ["--allow-root"] if hasattr(os, "geteuid") and os.geteuid() == 0 else []


def lab_command(port, root_dir):
    """JupyterLab on 127.0.0.1:port, token and password off (loopback only), no browser."""
    return [sys.executable, "-m", "jupyter", "lab", "--no-browser", f"--port={port}",
            "--ServerApp.ip=127.0.0.1", "--ServerApp.port_retries=0",
            "--IdentityProvider.token=", "--PasswordIdentityProvider.hashed_password=",
            "--ServerApp.disable_check_xsrf=True", f"--ServerApp.root_dir={root_dir}",
            "--LabApp.news_url=None",
            "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate", *_as_root()]


def voila_command(port, notebook):
    """Voila serving one notebook as an app on 127.0.0.1:port."""
    return [sys.executable, "-m", "voila", "--no-browser", f"--port={port}",
            "--Voila.ip=127.0.0.1", "--Voila.port_retries=0", str(notebook)]


def _descendants(pid):
    """Process ids of every descendant of pid (from /proc; empty where /proc is absent)."""
    children = {}
    for stat in pathlib.Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:   # a zombie is dead for our purposes
        return pathlib.Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return True


def stop_server(proc, timeout=10.0):
    """Stop a server started by start_server and every process it started (kernels run in their
    own sessions, so they are found through /proc and signalled by pid)."""
    if proc.poll() is None:
        family = _descendants(proc.pid)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=timeout)
        deadline = time.monotonic() + timeout / 2
        while any(_alive(p) for p in family) and time.monotonic() < deadline:
            time.sleep(0.1)
        for p in family:
            if _alive(p):
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.kill(p, signal.SIGKILL)
    else:
        proc.wait()


def _answers(ready):
    """Whether the server is up: ready is a URL that must answer 200, or a port to connect to."""
    if isinstance(ready, int):
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", ready), 1):
            return True
        return False
    try:
        with urllib.request.urlopen(ready, timeout=2) as reply:
            return reply.status == 200
    except (urllib.error.URLError, OSError):
        return False


@contextlib.contextmanager
def start_server(command, home, ready, timeout=60.0):
    """Run `command` in its own process group, yield once it is ready (`ready`: a URL that must
    answer HTTP 200, or a port that must accept connections), and stop it and its kernels on
    exit, even when the body fails. The log is kept in home/server.log."""
    home = pathlib.Path(home)
    home.mkdir(parents=True, exist_ok=True)
    log_path = home / "server.log"
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, env=_jupyter_env(home),
                                start_new_session=True)
    try:
        deadline = time.monotonic() + timeout
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"server exited with status {proc.returncode}:\n"
                                   + log_path.read_text(errors="replace")[-3000:])
            if _answers(ready):
                break
            if time.monotonic() > deadline:
                raise TimeoutError(f"server did not answer {ready} within {timeout:.0f} s:\n"
                                   + log_path.read_text(errors="replace")[-3000:])
            time.sleep(0.25)
        yield proc
    finally:
        stop_server(proc)


@contextlib.contextmanager
def chromium_page(width=1400, height=1000):
    """A Playwright page in headless Debian Chromium; the browser is closed on exit."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS,
                                    timeout=30_000)
        try:
            page = browser.new_page(viewport={"width": width, "height": height})
            yield page
        finally:
            browser.close()


def copy_notebook(src, dst_dir):
    """A stripped copy of the notebook in dst_dir (the committed file is never touched)."""
    dst_dir = pathlib.Path(dst_dir)
    dst_dir.mkdir(parents=True, exist_ok=True)
    dst = dst_dir / pathlib.Path(src).name
    strip_outputs(src, dst)
    return dst


__all__ = ["browser_skip_reason", "free_port", "start_server", "stop_server", "chromium_page",
           "lab_command", "voila_command", "copy_notebook", "strip_outputs"]
