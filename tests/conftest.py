"""Shared fixtures: a running assistant service on the trained test model."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parent.parent
TEST_MODEL = ROOT / "tests" / ".models" / "test.tar.gz"
API_TOKEN = "test-api-token"
VENV_BIN = Path(sys.executable).parent


# CI and `make test` turn every skip into a failure (tests/required_services.py).
pytest_plugins = ["tests.required_services", "pytester"]

# Fixtures that start (or hand out) the session's shared service on the test model;
# `safety_url` asks for it with request.getfixturevalue, so it is named here too.
SHARED_SERVICE_FIXTURES = {"service", "safety_url"}
SHARED_SERVICE_GROUP = "shared-service"


def _xdist_group(item) -> str:
    """The work unit of a test under `pytest -n N --dist loadgroup` (scripts/test.sh):
    its module, so module-scoped services start once; every module that uses the
    shared service one unit, so the service on the test model starts once too."""
    if SHARED_SERVICE_FIXTURES & set(getattr(item, "fixturenames", ())):
        return SHARED_SERVICE_GROUP
    return item.nodeid.split("::", 1)[0]


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    """Under xdist: one xdist_group per work unit (see _xdist_group), and the slow
    units first (those with a test on the model, then those with a browser), so the
    quick unit tests fill up the workers at the end instead of one service start
    running alone. xdist keeps this order with --no-loadscope-reorder."""
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        return
    groups = {}
    for item in items:
        groups[item] = _xdist_group(item)
        item.add_marker(pytest.mark.xdist_group(groups[item]))
    weight: dict = {}
    for item in items:
        rank = 2 if item.get_closest_marker("model") else 1 if item.get_closest_marker("browser") else 0
        group = groups[item]
        weight[group] = max(weight.get(group, 0), rank + (3 if group == SHARED_SERVICE_GROUP else 0))
    items.sort(key=lambda item: -weight[groups[item]])


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(url: str, timeout: float = 180.0, proc: subprocess.Popen = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"process for {url} exited with {proc.returncode}")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise TimeoutError(url)


def _base_env(var_dir: Path) -> dict:
    env = dict(os.environ)
    env.setdefault("ONTMOET_PSEUDONYM_KEY", "test-key-not-secret")
    # the service and the action server of a test share this (their var dirs differ)
    env.setdefault("ONTMOET_ACTION_SERVER_SECRET", "test-action-secret-not-secret")
    env["ONTMOET_VAR_DIR"] = str(var_dir)
    env["SQLALCHEMY_SILENCE_UBER_WARNING"] = "1"
    env["TF_CPP_MIN_LOG_LEVEL"] = "2"
    env["RASA_TELEMETRY_ENABLED"] = "false"
    return env


class ActionServer:
    """`ontmoet init` on a var dir, then the action server (bot.action_server) on a free port."""

    def __init__(self, var_dir: Path, **env):
        self.env = _base_env(var_dir)
        self.env.update(env)
        subprocess.run([str(VENV_BIN / "ontmoet"), "init"], env=self.env, check=True, cwd=ROOT,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        port = free_port()
        self.base_url = f"http://127.0.0.1:{port}"
        self.url = f"{self.base_url}/webhook"
        self.proc = subprocess.Popen(
            [str(VENV_BIN / "python"), "-m", "bot.action_server", "--actions", "actions",
             "-p", str(port)],
            env={**self.env, "SANIC_HOST": "127.0.0.1"}, cwd=ROOT,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )

    def wait(self) -> "ActionServer":
        wait_for(f"{self.base_url}/health", proc=self.proc)
        return self

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=30)


@pytest.fixture(scope="session")
def action_server_url(tmp_path_factory):
    """The action server of scripts/test.sh, or one started here."""
    port = os.environ.get("ONTMOET_TEST_ACTIONS_PORT")
    if port:
        url = f"http://127.0.0.1:{port}"
        try:
            if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                yield f"{url}/webhook"
                return
        except httpx.HTTPError:
            pass
    var_dir = Path(os.environ.get("ONTMOET_VAR_DIR") or tmp_path_factory.mktemp("var"))
    server = ActionServer(var_dir)
    try:
        yield server.wait().url
    finally:
        server.stop()


class ServiceProcess:
    """`ontmoet serve` on the test model in a subprocess, on a free port."""

    def __init__(self, action_server_url: str, var_dir: Path, tracker_db: Path, **env):
        self.env = _base_env(var_dir)
        self.port = free_port()
        self.env.update(
            ONTMOET_PORT=str(self.port),
            ONTMOET_MODEL_PATH=str(TEST_MODEL),
            ONTMOET_ACTION_SERVER_URL=action_server_url,
            ONTMOET_TRACKER_STORE_URL=f"sqlite:///{tracker_db}",
        )
        self.env.update(env)
        self.log_path = var_dir / f"service-{self.port}.log"
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc = None

    def start(self) -> "ServiceProcess":
        self._log = open(self.log_path, "a")
        self.proc = subprocess.Popen(
            [str(VENV_BIN / "ontmoet"), "serve"], env=self.env, cwd=ROOT,
            stdout=self._log, stderr=self._log,
        )
        wait_for(f"{self.url}/health", proc=self.proc)
        return self

    def kill(self) -> None:
        """SIGKILL: no clean shutdown at all."""
        self.proc.kill()
        self.proc.wait(timeout=30)
        self._log.close()

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        if not self._log.closed:
            self._log.close()

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace")


def require_test_model() -> None:
    if not TEST_MODEL.exists():
        pytest.skip("no test model: run `make test` (it trains tests/.models/test.tar.gz)")


@contextmanager
def handoff_stack(var_dir: Path, **env):
    """An action server and a service on the test model sharing one var dir and
    one tracker store (both get `env`); yields (service, queue, tracker URL)."""
    from bot.handoff.queue import HandoffQueue
    from ontmoet_core.config import load_settings

    require_test_model()
    tracker_url = f"sqlite:///{var_dir / 'tracker.db'}"
    actions = ActionServer(var_dir, ONTMOET_TRACKER_STORE_URL=tracker_url, **env)
    service = None
    try:
        actions.wait()
        service = ServiceProcess(actions.url, var_dir, var_dir / "tracker.db",
                                 ONTMOET_RASA_API_TOKEN=API_TOKEN, **env).start()
        settings = load_settings({"ONTMOET_VAR_DIR": str(var_dir)})
        yield service, HandoffQueue.from_url(settings.database_url_resolved), tracker_url
    finally:
        if service is not None:
            service.stop()
        actions.stop()


@pytest.fixture(scope="session")
def service(action_server_url, tmp_path_factory):
    """The assistant service running the test model, shared by a session."""
    require_test_model()
    var_dir = Path(os.environ.get("ONTMOET_VAR_DIR") or tmp_path_factory.mktemp("var"))
    tracker = tmp_path_factory.mktemp("tracker") / "tracker.db"
    proc = ServiceProcess(
        action_server_url, var_dir, tracker, ONTMOET_RASA_API_TOKEN=API_TOKEN
    ).start()
    try:
        yield proc
    finally:
        proc.stop()


@pytest.fixture(scope="session")
def service_url(service):
    return service.url


def post_message(url: str, sender: str, message: str):
    response = httpx.post(
        f"{url}/webhooks/rest/webhook",
        json={"sender": sender, "message": message},
        timeout=60,
    )
    assert response.status_code == 200, response.text
    return response.json()


def tracker_of(service: "ServiceProcess", sender: str, channel: str = "rest") -> dict:
    """The Rasa tracker of a resident, read through the token-protected HTTP API."""
    from bot.channels.common import pseudonymise

    key = service.env["ONTMOET_PSEUDONYM_KEY"].encode()
    response = httpx.get(
        f"{service.url}/conversations/{pseudonymise(channel, sender, key)}/tracker",
        params={"token": API_TOKEN},
        timeout=10,
    )
    assert response.status_code == 200, response.text
    return response.json()


@pytest.fixture
def chat(service_url):
    """Send one message through the REST channel; returns the list of replies."""

    def send(sender: str, message: str):
        return post_message(service_url, sender, message)

    return send


def chromium_driver(window_size: str = "390,844"):
    """A Selenium driver for Debian's headless chromium (caller quits it), or skip."""
    import shutil
    import tempfile

    if not (shutil.which("chromium") and shutil.which("chromedriver")):
        pytest.skip("chromium/chromedriver not installed (.ci/run installs them)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium")
    profile = tempfile.mkdtemp(prefix="chromium-")
    for flag in (
        "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
        "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-quic",
        f"--user-data-dir={profile}", f"--window-size={window_size}",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=options)
    driver.profile_dir = profile
    return driver


def phone_driver():
    """chromium_driver with a 390 x 844 phone viewport (headless chromium's window is
    at least 500 px wide, so the phone is emulated)."""
    driver = chromium_driver("390,844")
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
        "width": 390, "height": 844, "deviceScaleFactor": 1, "mobile": True})
    return driver


def close_driver(driver) -> None:
    import shutil

    driver.quit()
    shutil.rmtree(driver.profile_dir, ignore_errors=True)


def reply_text(replies) -> str:
    return "\n".join(r.get("text", "") for r in replies if isinstance(r, dict))
