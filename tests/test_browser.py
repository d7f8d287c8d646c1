"""Lesson 05 in JupyterLab, in a real (headless) Chromium: run all cells, move the explorer.

Needs Debian's Chromium at /usr/bin/chromium (no browser is downloaded at test time):
``.ci/run`` installs it; without it this test is skipped, and pytest says so in its summary.
It starts its own JupyterLab on a free localhost port with a fresh token, in a scratch
folder holding a copy of the lesson, and stops it by its process group at the end. The
screenshot is saved to build/browser/lesson05.png.
"""

import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LESSON = "05_iterating_to_convergence.ipynb"
CHROMIUM = shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)
SCREENSHOT = ROOT / "build" / "browser" / "lesson05.png"

pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="no Chromium found (apt-get install chromium); the real-browser test did not run"
)


def _free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def jupyterlab(tmp_path):
    """A JupyterLab server of our own: (base URL, token). Stopped by process group afterwards."""
    root = tmp_path / "course"
    root.mkdir()
    shutil.copy(ROOT / "lessons" / LESSON, root / LESSON)
    settings = tmp_path / "settings"
    notebook_settings = settings / "@jupyterlab" / "notebook-extension"
    notebook_settings.mkdir(parents=True)
    # Render every cell (not only those in view), so that every prompt and output can be read.
    (notebook_settings / "tracker.jupyterlab-settings").write_text('{"windowingMode": "none"}')
    news = settings / "@jupyterlab" / "apputils-extension"
    news.mkdir(parents=True)
    (news / "notification.jupyterlab-settings").write_text('{"fetchNews": "false", "checkForUpdates": false}')
    port, token = _free_port(), secrets.token_hex(16)
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "JUPYTER_CONFIG_DIR": str(tmp_path / "config"),
        "JUPYTER_DATA_DIR": str(tmp_path / "data"),
        "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"),
        "JUPYTERLAB_SETTINGS_DIR": str(settings),
        "JUPYTERLAB_WORKSPACES_DIR": str(tmp_path / "workspaces"),
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
         f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}",
         "--ServerApp.port_retries=0", "--allow-root", "--LabApp.news_url=None", "--LabApp.check_for_updates_class="
         "jupyterlab.NeverCheckForUpdate"],
        env=env, cwd=root, stdout=subprocess.DEVNULL, stderr=(tmp_path / "server.log").open("w"),
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2)
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("JupyterLab did not start:\n" + (tmp_path / "server.log").read_text()) from None
                time.sleep(0.5)
        yield base, token
    finally:
        _stop(server)


def _stop(server):
    """Stop the server and its kernels: they share its process group."""
    for sig, wait in ((signal.SIGTERM, 20), (signal.SIGKILL, 10)):
        try:
            os.killpg(server.pid, sig)
        except ProcessLookupError:
            return
        try:
            server.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue


def _prompts(page):
    return page.locator(".jp-CodeCell .jp-InputPrompt").all_inner_texts()


def test_lesson05_runs_in_jupyterlab_and_the_explorer_moves(jupyterlab):
    from playwright.sync_api import sync_playwright

    base, token = jupyterlab
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"],
        )
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        try:
            page.goto(f"{base}/lab/tree/{LESSON}?token={token}")
            page.locator(".jp-NotebookPanel .jp-Cell").first.wait_for(timeout=60_000)
            # Run All before the kernel is ready runs nothing: wait for the status bar to say Idle.
            page.get_by_text("Python 3 (ipykernel) | Idle").wait_for(timeout=60_000)
            page.locator(".lm-MenuBar-item", has_text="Run").first.click()
            page.locator(".lm-Menu-item", has_text="Run All Cells").first.click()
            deadline = time.monotonic() + 180
            while True:
                prompts = _prompts(page)
                if prompts and all(p.strip() not in ("[ ]:", "[*]:", "") for p in prompts):
                    break
                if time.monotonic() > deadline:
                    page.screenshot(path=str(SCREENSHOT.with_name("failure.png")))
                    pytest.fail(f"cells did not finish: {prompts}; screenshot {SCREENSHOT.with_name('failure.png')}")
                time.sleep(1)

            text = page.locator(".jp-NotebookPanel").inner_text()
            assert "Traceback" not in text, "a cell raised an error"
            assert page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']").count() == 0
            explorer = page.locator(".jupyter-widgets.widget-vbox").first
            explorer.wait_for(timeout=30_000)
            explorer.locator(".widget-output img").first.wait_for(timeout=30_000)
            assert "Error displaying widget" not in text and "Loading widget" not in page.locator(
                ".jp-NotebookPanel").inner_text()
            before = explorer.locator(".widget-output img").first.get_attribute("src")

            readout = explorer.locator(".widget-slider .widget-readout").last  # the iteration slider
            readout.click()
            page.keyboard.press("Control+A")
            page.keyboard.type("1")
            page.keyboard.press("Enter")
            deadline = time.monotonic() + 30
            while explorer.locator(".widget-output img").first.get_attribute("src") == before:
                assert time.monotonic() < deadline, "the plot did not change when the slider moved"
                time.sleep(0.5)
            explorer.scroll_into_view_if_needed()
            SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SCREENSHOT))
        finally:
            browser.close()
