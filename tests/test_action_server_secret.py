"""The action server accepts calls only from the assistant service (issue 15, point 10).

The service sends a shared secret in `X-Ontmoet-Action-Secret` (Rasa's
EndpointConfig `headers`); bot/action_server.py refuses everything else with 401
before any action runs. Tested in-process (Sanic app) and against the real
action server process that `make run` and scripts/test.sh start.
"""
from __future__ import annotations

import os

import httpx
import pytest

from bot.action_server import SECRET_HEADER, build_action_app, secret_matches
from bot.endpoints import build_endpoints
from ontmoet_core.config import load_settings
from ontmoet_core.keys import SecretError

SECRET = "een-gedeeld-geheim-voor-de-test-0123456789"
CALL = {"next_action": "action_submit_delete_my_data", "sender_id": "re-x",
        "tracker": {"sender_id": "re-x", "slots": {"handoff_delete_confirm": "ja"},
                    "latest_message": {}, "events": [], "paused": False,
                    "followup_action": None, "active_loop": {}, "latest_action_name": None},
        "domain": {}, "version": "3.6.2"}


@pytest.fixture(autouse=True)
def _sanic_test_mode(monkeypatch):
    from sanic import Sanic

    monkeypatch.setattr(Sanic, "test_mode", True)


def _settings(tmp_path, **env):
    return load_settings({"ONTMOET_VAR_DIR": str(tmp_path), "ONTMOET_ACTION_SERVER_SECRET": SECRET,
                          **env})


async def test_calls_without_the_secret_are_refused_before_any_action_runs(tmp_path, monkeypatch):
    ran = []
    from rasa_sdk.executor import ActionExecutor

    original = ActionExecutor.run

    async def spy(self, action_call):
        ran.append(action_call.get("next_action"))
        return await original(self, action_call)

    monkeypatch.setattr(ActionExecutor, "run", spy)
    app = build_action_app("actions", _settings(tmp_path))
    await app._startup()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url="http://actions") as c:
        assert (await c.get("/health")).status_code == 200  # probes stay open
        for headers in ({}, {SECRET_HEADER: "fout"}, {SECRET_HEADER: SECRET[:-1]},
                        {"Authorization": f"Bearer {SECRET}"}):
            r = await c.post("/webhook", json=CALL, headers=headers)
            assert r.status_code == 401, headers
            assert (await c.get("/actions", headers=headers)).status_code == 401
        assert ran == []  # nothing was erased, nothing was looked up
        r = await c.get("/actions", headers={SECRET_HEADER: SECRET})
        assert r.status_code == 200
        assert "action_submit_delete_my_data" in {a["name"] for a in r.json()}
        # no CORS: a web page in a resident's browser cannot call it
        r = await c.options("/webhook", headers={"Origin": "https://evil.example",
                                                 "Access-Control-Request-Method": "POST"})
        assert "access-control-allow-origin" not in {k.lower() for k in r.headers}


def test_the_service_sends_the_secret_to_the_action_server(tmp_path):
    endpoints = build_endpoints(_settings(tmp_path))
    assert endpoints.action.headers == {SECRET_HEADER: SECRET}
    assert endpoints.action.copy().headers == {SECRET_HEADER: SECRET}


def test_make_run_shares_one_generated_secret_through_the_var_dir(tmp_path):
    service = load_settings({"ONTMOET_VAR_DIR": str(tmp_path)})
    actions = load_settings({"ONTMOET_VAR_DIR": str(tmp_path)})
    secret = service.action_server_secret_value()
    assert len(secret) == 64 and actions.action_server_secret_value() == secret
    assert oct((tmp_path / "action_server.secret").stat().st_mode)[-3:] == "600"


def test_production_action_server_refuses_to_start_without_a_strong_secret(tmp_path):
    with pytest.raises(SecretError):
        build_action_app("actions", load_settings({"ONTMOET_ENV": "production",
                                                   "ONTMOET_VAR_DIR": str(tmp_path)}))
    assert not secret_matches(None, SECRET) and not secret_matches(SECRET, "")


async def test_the_real_action_server_process_checks_the_header(action_server_url):
    """The process scripts/test.sh and `make run` start (python -m bot.action_server)."""
    from bot.endpoints import TimedEndpointConfig

    base = action_server_url.rsplit("/", 1)[0]
    assert httpx.get(f"{base}/health").status_code == 200
    assert httpx.post(action_server_url, json=CALL).status_code == 401
    assert httpx.get(f"{base}/actions", headers={SECRET_HEADER: "fout"}).status_code == 401
    secret = os.environ.get("ONTMOET_ACTION_SERVER_SECRET", "test-action-secret-not-secret")
    # through Rasa's own EndpointConfig, as the assistant calls it
    endpoint = TimedEndpointConfig(f"{base}/actions", 5.0, headers={SECRET_HEADER: secret})
    listed = await endpoint.request(method="get")
    assert any(a["name"] == "action_submit_delete_my_data" for a in listed)


def test_rasa_cli_endpoints_send_the_secret_from_the_environment(monkeypatch):
    """endpoints.yml (rasa test core in scripts/test.sh) reads the header from the env."""
    from pathlib import Path

    from rasa.core.utils import AvailableEndpoints

    monkeypatch.setenv("ONTMOET_ACTION_SERVER_SECRET", SECRET)
    path = Path(__file__).resolve().parent.parent / "endpoints.yml"
    endpoints = AvailableEndpoints.read_endpoints(str(path))
    assert endpoints.action.headers == {SECRET_HEADER: SECRET}


async def test_action_calls_reuse_one_kept_alive_session():
    """Every custom action goes through one shared aiohttp session (issue 20: no
    new TCP connection per call), also through copies Rasa makes; closed at stop.

    The server here records the client's address of every request: two calls
    from one kept-alive connection come from the same port. (Counting the idle
    connections of the shared pool was flaky: other users of the session on
    this event loop take and return connections to the action server.)"""
    from aiohttp import web

    from bot.endpoints import _SESSIONS, TimedEndpointConfig, close_sessions

    peers = []

    async def list_actions(request):
        assert request.headers.get(SECRET_HEADER) == SECRET
        peers.append(request.transport.get_extra_info("peername"))
        return web.json_response([{"name": "action_example"}])

    app = web.Application()
    app.router.add_get("/actions", list_actions)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    try:
        endpoint = TimedEndpointConfig(f"http://127.0.0.1:{port}/actions", 5.0,
                                       headers={SECRET_HEADER: SECRET})
        async with endpoint.session() as first:
            pass
        assert not first.closed  # leaving the `async with` keeps it open
        async with endpoint.copy().session() as second:
            assert second is first
        assert await endpoint.request(method="get") == [{"name": "action_example"}]
        assert await endpoint.copy().request(method="get") == [{"name": "action_example"}]
        assert len(peers) == 2
        assert peers[0] == peers[1]  # the second call reused the first's connection
        await close_sessions()
        assert first.closed
        assert all(first is not session for _, session in _SESSIONS.values())
    finally:
        await runner.cleanup()
