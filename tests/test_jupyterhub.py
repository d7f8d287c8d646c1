"""A class's JupyterHub, for real, on 127.0.0.1: the `jupyterhub` package pinned in
requirements.txt with its `configurable-http-proxy` (npm; .ci/run installs it), the built-in
shared-password authenticator with a random password, and the simple local-process spawner
(no system users: each learner's home is a folder under the test's tmp_path).

Two learners log in with the password (through the hub's token API), each gets a server,
pulls the course into their home with nbgitpuller (the README's link, pointed at a local git
clone of this working tree), and runs lesson 01 through the hub: a session started with the
server's REST API (so its kernel starts in `kmeans-tf/lessons/`, as when a learner opens the
notebook), every cell sent over the kernel's websocket, all via the hub's proxy URL. The
outputs must equal the stored ones. Then the servers and the hub are stopped, and no process
the hub started may be left. About a minute; skipped where configurable-http-proxy is missing.
"""

import html
import http.cookiejar
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

import nbformat
import pytest

from helpers import notebooks

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
LESSON = "01_generating_samples.ipynb"
LEARNERS = ("alice", "bob")

pytestmark = pytest.mark.slow


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def request(method, url, token=None, body=None, timeout=30, expect=(200, 201, 202, 204)):
    """One HTTP request; the parsed JSON answer (or text). Fails with the hub's message."""
    data = None if body is None else json.dumps(body).encode()
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"token {token}"
    try:
        with urllib.request.urlopen(urllib.request.Request(url, data=data, method=method, headers=headers),
                                    timeout=timeout) as answer:
            status, text = answer.status, answer.read().decode()
    except urllib.error.HTTPError as error:
        status, text = error.code, error.read().decode(errors="replace")
    assert status in expect, f"{method} {url}: HTTP {status}: {text[:500]}"
    try:
        return json.loads(text) if text else None
    except json.JSONDecodeError:
        return text


def wait_for(condition, what, timeout, log=None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if condition():
                return
        except (OSError, AssertionError):
            pass
        time.sleep(0.5)
    tail = log.read_text()[-4000:] if log and log.exists() else ""
    raise AssertionError(f"{what}: not within {timeout} s\n{tail}")


def descendants(root_pid):
    """PIDs of every process below ``root_pid`` (read from /proc), the hub's children and theirs."""
    parents = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    found, frontier = set(), {root_pid}
    while frontier:
        frontier = {pid for pid, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def alive(pid):
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.fixture
def hub(tmp_path):
    if shutil.which("configurable-http-proxy") is None:
        pytest.skip("configurable-http-proxy is not installed (npm install -g configurable-http-proxy; "
                    ".ci/run does it where node and npm are present): the JupyterHub test needs it")
    pytest.importorskip("jupyterhub")
    port, hub_port, proxy_api = free_port(), free_port(), free_port()
    password = secrets.token_urlsafe(16)
    config = tmp_path / "jupyterhub_config.py"
    config.write_text(f"""
c.JupyterHub.bind_url = "http://127.0.0.1:{port}"
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = {hub_port}
c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:{proxy_api}"
c.ConfigurableHTTPProxy.pid_file = {str(tmp_path / "proxy.pid")!r}
c.JupyterHub.db_url = "sqlite:///{tmp_path / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = {str(tmp_path / "cookie_secret")!r}
c.JupyterHub.authenticator_class = "shared-password"
c.SharedPasswordAuthenticator.user_password = {password!r}
c.Authenticator.allowed_users = {set(LEARNERS)!r}
c.JupyterHub.spawner_class = "simple"
c.SimpleLocalProcessSpawner.home_dir_template = {str(tmp_path / "home" / "{username}")!r}
c.Spawner.cmd = [{str(BIN / "jupyterhub-singleuser")!r}]
c.Spawner.args = {["--allow-root"] if os.geteuid() == 0 else []!r}
c.Spawner.start_timeout = 120
c.Spawner.http_timeout = 120
c.JupyterHub.cleanup_servers = True
""")
    log = tmp_path / "jupyterhub.log"
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    env.pop("PYTHONPATH", None)
    with open(log, "w") as out:
        process = subprocess.Popen([BIN / "jupyterhub", "-f", str(config)], cwd=tmp_path, env=env,
                                   stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    seen = set()
    try:
        wait_for(lambda: request("GET", f"{base}/hub/api/", timeout=5), "the hub to answer", 90, log)
        yield {"base": base, "password": password, "home": tmp_path / "home", "log": log, "process": process,
               "seen": seen}
        seen |= descendants(process.pid)
    finally:
        seen |= descendants(process.pid)
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)  # the hub stops the servers it spawned and its proxy
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
        deadline = time.monotonic() + 20
        while any(alive(pid) for pid in seen) and time.monotonic() < deadline:
            time.sleep(0.5)
        leftovers = sorted(pid for pid in seen if alive(pid))
        for pid in leftovers:  # only processes this hub started, one by one, by group
            try:
                os.killpg(os.getpgid(pid), signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
    assert not leftovers, f"processes left after the hub stopped: {leftovers}"


def follow_as_a_browser(link, username, password):
    """GET ``link`` with cookies, signing in on the hub's login page when it shows; the final page."""
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    with opener.open(link, timeout=60) as answer:
        page, at = answer.read().decode(), answer.url
    form = re.search(r'<form action="(?P<action>[^"]+)" method="post"', page)
    assert form and "/hub/login" in form["action"], f"expected the hub's sign-in page at {at}"
    xsrf = re.search(r'name="_xsrf" value="([^"]+)"', page)[1]
    fields = urllib.parse.urlencode({"username": username, "password": password, "_xsrf": xsrf}).encode()
    action = urllib.parse.urljoin(at, html.unescape(form["action"]))
    with opener.open(urllib.request.Request(action, data=fields, method="POST"), timeout=120) as answer:
        return answer.read().decode()


def execute(ws, code, timeout=180):
    """Run ``code`` in the kernel behind the websocket ``ws``; return its outputs (nbformat)."""
    msg_id = uuid.uuid4().hex
    ws.send(json.dumps({
        "header": {"msg_id": msg_id, "msg_type": "execute_request", "username": "test", "session": uuid.uuid4().hex,
                   "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "version": "5.3"},
        "parent_header": {}, "metadata": {}, "channel": "shell", "buffers": [],
        "content": {"code": code, "silent": False, "store_history": True, "user_expressions": {},
                    "allow_stdin": False, "stop_on_error": True},
    }))
    outputs, replied, idle = [], None, False
    deadline = time.monotonic() + timeout
    while not (replied and idle):
        assert time.monotonic() < deadline, f"no answer within {timeout} s to:\n{code[:300]}"
        message = json.loads(ws.recv())
        if message.get("parent_header", {}).get("msg_id") != msg_id:
            continue
        kind, content = message["msg_type"], message["content"]
        if message["channel"] == "shell" and kind == "execute_reply":
            replied = content
        elif kind == "status":
            idle = content["execution_state"] == "idle"
        elif kind == "stream":
            outputs.append(nbformat.v4.new_output("stream", name=content["name"], text=content["text"]))
        elif kind == "error":
            outputs.append(nbformat.v4.new_output("error", ename=content["ename"], evalue=content["evalue"],
                                                  traceback=content["traceback"]))
        elif kind in ("execute_result", "display_data"):
            outputs.append(nbformat.v4.new_output(kind if kind == "display_data" else "execute_result",
                                                  data=content["data"], **({"execution_count": 1}
                                                                           if kind == "execute_result" else {})))
    assert replied["status"] == "ok", f"{replied.get('ename')}: {replied.get('evalue')}\n{code[:300]}"
    return outputs


def text(outputs):
    return [(o.output_type, o.get("name"), o.get("text", "")) for o in notebooks.merged_streams(outputs)
            if o.output_type in ("stream", "error")]


def test_a_jupyterhub_serves_lesson_01_to_two_learners(hub, tmp_path):
    import websocket  # websocket-client, pinned in requirements.txt

    from test_install_routes import copy_of_the_course, git_repository

    base = hub["base"]
    config = notebooks.settings()
    url = git_repository(copy_of_the_course(tmp_path / "github" / "kmeans-tf"), config["ref"])  # as if on GitHub

    # Logging in: the random password works, a wrong one and an unknown learner do not.
    request("POST", f"{base}/hub/api/users/alice/tokens", body={"auth": {"username": "alice", "password": "wrong"}},
            expect=(403,))
    request("POST", f"{base}/hub/api/users/mallory/tokens",
            body={"auth": {"username": "mallory", "password": hub["password"]}}, expect=(403,))
    tokens = {name: request("POST", f"{base}/hub/api/users/{name}/tokens",
                            body={"auth": {"username": name, "password": hub["password"]}})["token"]
              for name in LEARNERS}

    for name in LEARNERS:
        request("POST", f"{base}/hub/api/users/{name}/server", tokens[name])
    for name in LEARNERS:
        wait_for(lambda name=name: request("GET", f"{base}/hub/api/users/{name}", tokens[name])["servers"][""]["ready"],
                 f"{name}'s server to start", 120, hub["log"])

    stored = [cell for cell in nbformat.read(ROOT / "lessons" / LESSON, as_version=4).cells if cell.cell_type == "code"]
    for name in LEARNERS:
        token, user = tokens[name], f"{base}/user/{name}"
        # The README's nbgitpuller link (pointed at the local clone), followed as a browser
        # does: the hub asks the learner to sign in, then sends them through its OAuth to their
        # own server's nbgitpuller page, which will pull the course and open lesson 01.
        link = f"{base}/hub/user-redirect/git-pull?" + notebooks.nbgitpuller_query(config).replace(
            urllib.parse.urlencode({"repo": config["repository"]}), urllib.parse.urlencode({"repo": url}))
        page = follow_as_a_browser(link, name, hub["password"])
        assert f"before sending you to <strong>lab/tree/kmeans-tf/lessons/{LESSON}..." in page, page[page.find("<body"):][:3000]
        assert 'data-targetpath="kmeans-tf"' in page and f'href="{url}"' in page, page[:2000]
        # The pull that page's script asks for: the course lands in ~/kmeans-tf (the repository's name).
        pulled = request("GET", f"{user}/git-pull/api?" + urllib.parse.urlencode({"repo": url, "branch": config["ref"]}),
                         token, timeout=120)
        assert '"phase": "finished"' in pulled, pulled[-1000:]
        assert (hub["home"] / name / "kmeans-tf" / "lessons" / LESSON).is_file()

        # Open lesson 01 as JupyterLab does: a session for the notebook, its kernel in lessons/.
        path = f"kmeans-tf/lessons/{LESSON}"
        notebook = nbformat.reads(json.dumps(request("GET", f"{user}/api/contents/{path}?content=1", token)["content"]),
                                  as_version=4)
        session = request("POST", f"{user}/api/sessions", token,
                          body={"path": path, "type": "notebook", "name": LESSON, "kernel": {"name": "python3"}})
        ws_url = f"ws://127.0.0.1:{base.rsplit(':', 1)[1]}/user/{name}/api/kernels/{session['kernel']['id']}/channels"
        ws = websocket.create_connection(ws_url, header=[f"Authorization: token {token}"], timeout=180)
        try:
            cells = [cell for cell in notebook.cells if cell.cell_type == "code"]
            assert len(cells) == len(stored)
            for number, (cell, old) in enumerate(zip(cells, stored, strict=True), start=1):
                fresh = execute(ws, cell.source)
                assert text(fresh) == text(old.outputs), f"{name}: code cell {number} printed something else"
            where = execute(ws, "import os, helpers; print(os.getcwd()); print(os.environ['HOME'])")
            cwd, home = where[0].text.split()
            assert Path(cwd) == hub["home"] / name / "kmeans-tf" / "lessons", "the kernel should start in lessons/"
            assert Path(home) == hub["home"] / name
        finally:
            ws.close()
        request("DELETE", f"{user}/api/sessions/{session['id']}", token)

    hub["seen"] |= descendants(hub["process"].pid)
    assert len(hub["seen"]) >= 3, "the proxy and two servers should be the hub's children"
    for name in LEARNERS:
        request("DELETE", f"{base}/hub/api/users/{name}/server", tokens[name])
    for name in LEARNERS:
        wait_for(lambda name=name: not request("GET", f"{base}/hub/api/users/{name}", tokens[name])["servers"],
                 f"{name}'s server to stop", 60, hub["log"])
