"""Shared fixtures: a running assistant service on the trained test model."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parent.parent
TEST_MODEL = ROOT / "tests" / ".models" / "test.tar.gz"
VENV_BIN = Path(sys.executable).parent


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
    env["ONTMOET_VAR_DIR"] = str(var_dir)
    env["SQLALCHEMY_SILENCE_UBER_WARNING"] = "1"
    env["TF_CPP_MIN_LOG_LEVEL"] = "2"
    env["RASA_TELEMETRY_ENABLED"] = "false"
    return env


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
    env = _base_env(var_dir)
    subprocess.run([str(VENV_BIN / "ontmoet"), "init"], env=env, check=True, cwd=ROOT)
    port = free_port()
    env["SANIC_HOST"] = "127.0.0.1"
    proc = subprocess.Popen(
        [str(VENV_BIN / "rasa"), "run", "actions", "--actions", "actions", "-p", str(port)],
        env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        wait_for(f"http://127.0.0.1:{port}/health", proc=proc)
        yield f"http://127.0.0.1:{port}/webhook"
    finally:
        proc.terminate()
        proc.wait(timeout=30)


@pytest.fixture(scope="session")
def service_url(action_server_url, tmp_path_factory):
    """Base URL of `ontmoet serve` running the test model."""
    if not TEST_MODEL.exists():
        pytest.skip("no test model: run `make test` (it trains tests/.models/test.tar.gz)")
    var_dir = Path(os.environ.get("ONTMOET_VAR_DIR") or tmp_path_factory.mktemp("var"))
    env = _base_env(var_dir)
    port = free_port()
    env.update(
        ONTMOET_PORT=str(port),
        ONTMOET_MODEL_PATH=str(TEST_MODEL),
        ONTMOET_ACTION_SERVER_URL=action_server_url,
        ONTMOET_TRACKER_STORE_URL=f"sqlite:///{tmp_path_factory.mktemp('tracker') / 'tracker.db'}",
    )
    log = open(tmp_path_factory.mktemp("logs") / "service.log", "w")
    proc = subprocess.Popen(
        [str(VENV_BIN / "ontmoet"), "serve"], env=env, cwd=ROOT, stdout=log, stderr=log
    )
    try:
        wait_for(f"http://127.0.0.1:{port}/health", proc=proc)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@pytest.fixture
def chat(service_url):
    """Send one message through the REST channel; returns the list of replies."""

    def send(sender: str, message: str):
        response = httpx.post(
            f"{service_url}/webhooks/rest/webhook",
            json={"sender": sender, "message": message},
            timeout=60,
        )
        assert response.status_code == 200, response.text
        return response.json()

    return send


def reply_text(replies) -> str:
    return "\n".join(r.get("text", "") for r in replies if isinstance(r, dict))
