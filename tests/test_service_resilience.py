"""Faults and access on the running service (test model)."""
import httpx
import pytest

from tests.conftest import API_TOKEN, ServiceProcess, post_message, reply_text, require_test_model

pytestmark = pytest.mark.model


def test_sigkill_mid_conversation_continues_after_restart(action_server_url, tmp_path):
    require_test_model()
    tracker = tmp_path / "tracker.db"
    first = ServiceProcess(action_server_url, tmp_path, tracker).start()
    try:
        asked = reply_text(post_message(first.url, "kill-test", "ik zoek een plek om mensen te ontmoeten"))
        assert "In welke buurt woont u?" in asked
    finally:
        first.kill()
    second = ServiceProcess(action_server_url, tmp_path, tracker).start()
    try:
        # The form asked for the buurt before the crash; the answer still fits.
        answer = reply_text(post_message(second.url, "kill-test", "Malberg"))
        assert "Ruweel" in answer
    finally:
        second.stop()


def test_action_server_down_gives_a_kind_message_and_recovers(action_server_url, tmp_path):
    require_test_model()
    dead = "http://127.0.0.1:9/webhook"  # nothing listens on the discard port
    service = ServiceProcess(dead, tmp_path, tmp_path / "tracker.db").start()
    try:
        answer = reply_text(post_message(service.url, "down-test", "Is er een buurthuis in Malberg?"))
        assert "ging iets mis" in answer
    finally:
        service.stop()
    # The same conversation works once the action server is back.
    back = ServiceProcess(action_server_url, tmp_path, tmp_path / "tracker.db").start()
    try:
        answer = reply_text(post_message(back.url, "down-test", "Is er een buurthuis in Malberg?"))
        assert "Ruweel" in answer
    finally:
        back.stop()


class _HangingActionServer:
    """An action server that accepts the request and never answers (a hang)."""

    def __init__(self):
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        self.requests = 0
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                outer.requests += 1
                outer.release.wait(120)

        self.release = threading.Event()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/webhook"

    def stop(self):
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


def test_a_hanging_action_server_gives_a_kind_message_not_silence(tmp_path):
    """The action timeout (ONTMOET_ACTION_TIMEOUT_SECONDS) ends the wait: the
    resident hears that something went wrong long before the action server
    would have answered (it never does; the client gives up after 45 s)."""
    require_test_model()
    hanging = _HangingActionServer()
    service = ServiceProcess(hanging.url, tmp_path, tmp_path / "tracker.db",
                             ONTMOET_ACTION_TIMEOUT_SECONDS="2").start()
    try:
        replies = httpx.post(f"{service.url}/webhooks/rest/webhook", timeout=45,
                             json={"sender": "slow-test", "message": "Is er een buurthuis in Malberg?"})
        assert replies.status_code == 200
        assert "ging iets mis" in reply_text(replies.json())
        assert hanging.requests >= 1  # it did wait for the action server first
    finally:
        service.stop()
        hanging.stop()


def test_rasa_http_api_is_off_without_token(action_server_url, tmp_path):
    require_test_model()
    service = ServiceProcess(action_server_url, tmp_path, tmp_path / "tracker.db").start()
    try:
        response = httpx.get(f"{service.url}/conversations/x/tracker", timeout=10)
        assert response.status_code == 404
        assert httpx.get(f"{service.url}/chat", timeout=10).status_code in (200, 302)
    finally:
        service.stop()


def test_rasa_http_api_requires_its_token(service):
    """The shared service runs with ONTMOET_RASA_API_TOKEN=API_TOKEN."""
    url = f"{service.url}/conversations/x/tracker"
    assert httpx.get(url, timeout=10).status_code == 401
    assert httpx.get(url, params={"token": "fout"}, timeout=10).status_code == 401
    assert httpx.get(url, params={"token": API_TOKEN}, timeout=10).status_code == 200


def test_message_texts_do_not_reach_the_logs(service, chat):
    chat("log-test", "mijn nummer is 0612345678 en ik woon in Malberg")
    log = service.log_text()
    assert "0612345678" not in log
    assert "log-test" not in log
