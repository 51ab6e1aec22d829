"""Both channels inside the real service (`ontmoet serve`, trained test model,
action server): Telegram by long polling against the fake Bot API, WhatsApp by
signed webhooks with replies to the fake Graph API."""
from __future__ import annotations

import copy
import json
import time

import httpx
import pytest

from bot.channels.whatsapp.parse import signature_for
from tests.conftest import ServiceProcess, require_test_model
from tests.fakes.graph_api import FakeGraphApi
from tests.fakes.harness import fixture
from tests.fakes.telegram_api import FakeTelegramApi

pytestmark = pytest.mark.model

APP_SECRET = "app-secret-for-tests"
WA = "31612345678"
CHAT = 111222333


@pytest.fixture(scope="module")
def channel_service(action_server_url, tmp_path_factory):
    require_test_model()
    telegram, graph = FakeTelegramApi().start(), FakeGraphApi().start()
    var_dir = tmp_path_factory.mktemp("channels-var")
    proc = ServiceProcess(
        action_server_url, var_dir, var_dir / "tracker.db",
        TELEGRAM_BOT_TOKEN=telegram.token, TELEGRAM_BASE_URL=telegram.base_url,
        TELEGRAM_WEBHOOK_URL="",
        WHATSAPP_TOKEN=graph.token, WHATSAPP_PHONE_NUMBER_ID=graph.phone_number_id,
        WHATSAPP_APP_SECRET=APP_SECRET, WHATSAPP_VERIFY_TOKEN="verify-me",
        WHATSAPP_GRAPH_URL=graph.graph_url,
    )
    try:
        proc.start()
        yield proc, telegram, graph
    finally:
        proc.stop()
        telegram.stop()
        graph.stop()


def wait_until(condition, timeout=60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


def test_telegram_long_polling_in_the_service(channel_service):
    proc, telegram, _ = channel_service
    assert wait_until(lambda: telegram.calls_to("getUpdates")), proc.log_text()[-3000:]
    assert telegram.calls_to("deleteWebhook")
    telegram.queue_update(fixture("telegram", "update_text"))
    assert wait_until(lambda: telegram.texts_to(CHAT)), proc.log_text()[-3000:]
    update = copy.deepcopy(fixture("telegram", "update_voice"))
    telegram.queue_update(update)
    assert wait_until(lambda: any("Spraakberichten" in t for t in telegram.texts_to(CHAT)))
    log = proc.log_text()
    assert telegram.token.split(":")[1] not in log  # the bot token never in the log
    assert str(CHAT) not in log


def test_whatsapp_webhook_in_the_service(channel_service):
    proc, _, graph = channel_service
    url = f"{proc.url}/webhooks/whatsapp/webhook"
    challenge = httpx.get(url, params={"hub.mode": "subscribe", "hub.verify_token": "verify-me",
                                       "hub.challenge": "42"})
    assert challenge.status_code == 200 and challenge.text == "42"
    raw = json.dumps(fixture("whatsapp", "text")).encode()
    forged = httpx.post(url, content=raw, headers={"X-Hub-Signature-256": signature_for(raw, "x")})
    assert forged.status_code == 403
    outcomes = []
    for _ in range(2):  # a repeated delivery
        ok = httpx.post(url, content=raw, timeout=60,
                        headers={"X-Hub-Signature-256": signature_for(raw, APP_SECRET),
                                 "Content-Type": "application/json"})
        assert ok.status_code == 200
        outcomes.append(ok.json()["processed"])
    assert outcomes == [["processed"], ["duplicate"]]
    assert graph.sent_to(WA), proc.log_text()[-3000:]
    assert WA not in proc.log_text()
