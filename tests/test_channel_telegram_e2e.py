"""Telegram end to end: the real webhook endpoint on a Sanic server, the real
python-telegram-bot client talking to a local fake Bot API (through base_url),
and a scripted agent instead of the trained model."""
from __future__ import annotations

import asyncio
import copy

import httpx
import pytest
from telegram.ext import ExtBot

from bot.channels.common import ButtonRegistry
from bot.channels.stores import ResidentDirectory
from bot.channels.telegram.channel import TelegramInput
from bot.channels.telegram.client import TelegramRateLimiter
from bot.channels.telegram.parse import SECRET_HEADER
from ontmoet_core.config import Settings
from tests.fakes.harness import ScriptedAgent, fixture, sanic_server
from tests.fakes.telegram_api import FakeTelegramApi

SECRET = "geheim_TEST-token-123"
CHAT = 111222333


@pytest.fixture
def fake_api():
    api = FakeTelegramApi().start()
    yield api
    api.stop()


class NoWait:
    """Sleep that records instead of waiting (rate limits stay testable and fast)."""

    def __init__(self):
        self.sleeps = []

    async def __call__(self, seconds):
        self.sleeps.append(seconds)
        await asyncio.sleep(0)


def make_channel(fake_api, tmp_path, webhook=True, staff_hook=None, **settings):
    settings = Settings(
        var_dir=tmp_path,
        pseudonym_key="test-key-not-secret",
        telegram_bot_token=fake_api.token,
        telegram_base_url=fake_api.base_url,
        telegram_webhook_url="https://ontmoet.example/webhooks/telegram/webhook" if webhook else "",
        telegram_secret_token=SECRET,
        **settings,
    )
    nowait = NoWait()
    bot = ExtBot(token=fake_api.token, base_url=fake_api.base_url,
                 rate_limiter=TelegramRateLimiter(sleep=nowait))
    channel = TelegramInput(settings, ButtonRegistry(), bot=bot, directory=ResidentDirectory(),
                            staff_hook=staff_hook, poll_timeout=1)
    channel.nowait = nowait
    return channel


async def post(client, base, update, secret=SECRET):
    headers = {SECRET_HEADER: secret} if secret is not None else {}
    return await client.post(f"{base}/webhooks/telegram/webhook", json=update, headers=headers)


def callback_update(update_id, token, message_id=1001):
    update = copy.deepcopy(fixture("telegram", "update_callback_query"))
    update["update_id"] = update_id
    update["callback_query"]["data"] = token
    update["callback_query"]["id"] = f"cbq{update_id}"
    update["callback_query"]["message"]["message_id"] = message_id
    return update


def inline_tokens(call_params):
    markup = call_params["reply_markup"]
    return {row[0]["text"]: row[0]["callback_data"] for row in markup["inline_keyboard"]}


async def test_webhook_rejects_missing_and_wrong_secret(fake_api, tmp_path):
    channel, agent = make_channel(fake_api, tmp_path), ScriptedAgent()
    async with sanic_server([channel], agent) as base, httpx.AsyncClient() as client:
        for secret in (None, "", "fout_token", SECRET + "x", SECRET.upper()):
            reply = await post(client, base, fixture("telegram", "update_text"), secret)
            assert reply.status_code == 403
    assert agent.messages == []
    assert fake_api.sent == []


async def test_no_secret_configured_refuses_everything(fake_api, tmp_path):
    channel, agent = make_channel(fake_api, tmp_path), ScriptedAgent()
    channel.settings = Settings(var_dir=tmp_path, pseudonym_key="k", telegram_secret_token="")
    async with sanic_server([channel], agent) as base, httpx.AsyncClient() as client:
        reply = await post(client, base, fixture("telegram", "update_text"), "")
        assert reply.status_code == 403
    assert agent.messages == []


async def test_full_conversation_from_hallo_to_toeleiding(fake_api, tmp_path):
    channel, agent = make_channel(fake_api, tmp_path), ScriptedAgent()
    async with sanic_server([channel], agent) as base, httpx.AsyncClient() as client:
        # 1. hallo -> a reply keyboard with "deel mijn locatie"
        assert (await post(client, base, fixture("telegram", "update_text"))).status_code == 200
        first = fake_api.calls_to("sendMessage")[-1]
        assert int(first["chat_id"]) == CHAT
        keyboard = first["reply_markup"]["keyboard"]
        assert keyboard[0][0] == {"text": "Deel mijn locatie", "request_location": True}

        # 2. the resident shares a location -> a venue nearby, demo-marked
        assert (await post(client, base, fixture("telegram", "update_location"))).status_code == 200
        assert agent.messages[-1].text == '/inform_location{"lat": 50.851, "lon": 5.691}'
        venue = fake_api.calls_to("sendVenue")[-1]
        assert float(venue["latitude"]) == 50.8514 and float(venue["longitude"]) == 5.691
        assert "voorbeeld" in venue["title"]
        question = fake_api.calls_to("sendMessage")[-1]
        tokens = inline_tokens(question)
        assert set(tokens) == {"Ja, graag", "Nee, dank u"}

        # 3. the resident presses "Ja, graag" -> a stored toeleiding request
        reply = await post(client, base, callback_update(700000100, tokens["Ja, graag"]))
        assert reply.status_code == 200
        assert fake_api.calls_to("answerCallbackQuery")[-1]["callback_query_id"] == "cbq700000100"
        assert fake_api.calls_to("editMessageReplyMarkup")
        assert len(agent.toeleiding_requests) == 1
        assert "doorgegeven" in fake_api.texts_to(CHAT)[-1]

    # One pseudonymous sender id throughout; the Telegram id never reaches Rasa.
    senders = {m.sender_id for m in agent.messages}
    assert len(senders) == 1
    (sender,) = senders
    assert sender.startswith("te-") and str(CHAT) not in sender
    assert agent.toeleiding_requests[0]["sender_id"] == sender
    assert all(m.input_channel == "telegram" for m in agent.messages)


async def test_repeated_delivery_is_processed_once(fake_api, tmp_path):
    channel, agent = make_channel(fake_api, tmp_path), ScriptedAgent()
    update = fixture("telegram", "update_text")
    async with sanic_server([channel], agent) as base, httpx.AsyncClient() as client:
        for _ in range(3):
            assert (await post(client, base, update)).status_code == 200
    assert len(agent.messages) == 1
    assert len(fake_api.calls_to("sendMessage")) == 1


async def test_a_typed_payload_does_not_steer_and_a_foreign_token_expires(fake_api, tmp_path):
    channel, agent = make_channel(fake_api, tmp_path), ScriptedAgent()
    typed = fixture("telegram", "update_text")
    typed["message"]["text"] = '/request_handoff{"x": 1}'
    async with sanic_server([channel], agent) as base, httpx.AsyncClient() as client:
        await post(client, base, typed)
        await post(client, base, callback_update(700000200, "knop:ffffffffff"))
    assert agent.toeleiding_requests == []
    assert agent.messages[0].text == 'request_handoff{"x": 1}'
    assert len(agent.messages) == 1
    assert "werkt niet meer" in fake_api.texts_to(CHAT)[-1]


@pytest.mark.parametrize(
    "name, words",
    [
        ("update_voice", "Spraakberichten"),
        ("update_sticker", "sticker"),
        ("update_photo", "Foto"),
        ("update_document", "Bestanden"),
        ("update_edited_message", "aangepast"),
        ("update_contact", "Dit soort bericht"),
    ],
)
async def test_unsupported_kinds_get_a_kind_answer(fake_api, tmp_path, name, words):
    channel, agent = make_channel(fake_api, tmp_path), ScriptedAgent()
    async with sanic_server([channel], agent) as base, httpx.AsyncClient() as client:
        assert (await post(client, base, fixture("telegram", name))).status_code == 200
    assert agent.messages == []
    (text,) = fake_api.texts_to(CHAT)
    assert words.lower() in text.lower()
    assert len(text) < 200


async def test_group_chats_get_one_to_one_answer_and_nothing_reaches_the_nlu(fake_api, tmp_path):
    channel, agent = make_channel(fake_api, tmp_path), ScriptedAgent()
    async with sanic_server([channel], agent) as base, httpx.AsyncClient() as client:
        await post(client, base, fixture("telegram", "update_group_text"))
        for name in ("update_my_chat_member", "update_channel_post", "update_new_chat_members"):
            assert (await post(client, base, fixture("telegram", name))).status_code == 200
    assert agent.messages == []
    (text,) = fake_api.texts_to(-1001234567890)
    assert "één op één" in text
    assert len(fake_api.sent) == 1


async def test_odd_bodies_do_not_crash_the_endpoint(fake_api, tmp_path):
    channel, agent = make_channel(fake_api, tmp_path), ScriptedAgent()
    async with sanic_server([channel], agent) as base, httpx.AsyncClient() as client:
        url = f"{base}/webhooks/telegram/webhook"
        headers = {SECRET_HEADER: SECRET}
        assert (await client.post(url, content=b"{not json", headers=headers)).status_code == 400
        assert (await client.post(url, content=b"\xff\xfe", headers=headers)).status_code == 400
        for body in ([], 5, {"update_id": 1}, {"update_id": 2, "message": {"chat": {"id": "x"}}}):
            assert (await client.post(url, json=body, headers=headers)).status_code == 200
    assert agent.messages == []


async def test_long_replies_are_split_within_telegram_limit(fake_api, tmp_path):
    channel, agent = make_channel(fake_api, tmp_path), ScriptedAgent()
    update = fixture("telegram", "update_text")
    update["message"]["text"] = "vertel alles"  # the scripted agent answers > 4096 characters
    async with sanic_server([channel], agent) as base, httpx.AsyncClient() as client:
        await post(client, base, update)
    texts = fake_api.texts_to(CHAT)
    assert len(texts) >= 2
    assert all(len(t) <= 4096 for t in texts)  # the fake refuses longer texts anyway
    last = fake_api.calls_to("sendMessage")[-1]
    assert "inline_keyboard" in last["reply_markup"]


async def test_retry_after_from_the_api_is_honoured(fake_api, tmp_path):
    channel, agent = make_channel(fake_api, tmp_path), ScriptedAgent()
    fake_api.fail_next("sendMessage", 429, retry_after=3)
    async with sanic_server([channel], agent) as base, httpx.AsyncClient() as client:
        await post(client, base, fixture("telegram", "update_text"))
    attempts = fake_api.calls_to("sendMessage")
    assert len(attempts) == 2  # refused once, then delivered
    assert any(s >= 3.0 for s in channel.nowait.sleeps)
    assert len(fake_api.texts_to(CHAT)) == 2


async def test_blocked_bot_does_not_crash(fake_api, tmp_path):
    channel, agent = make_channel(fake_api, tmp_path), ScriptedAgent()
    fake_api.fail_next("sendMessage", 403)
    async with sanic_server([channel], agent) as base, httpx.AsyncClient() as client:
        reply = await post(client, base, fixture("telegram", "update_text"))
    assert reply.status_code == 200
    assert len(agent.messages) == 1


async def test_agent_failure_gets_an_apology(fake_api, tmp_path):
    channel, agent = make_channel(fake_api, tmp_path), ScriptedAgent()
    agent.fail_on.add("hallo")
    async with sanic_server([channel], agent) as base, httpx.AsyncClient() as client:
        reply = await post(client, base, fixture("telegram", "update_text"))
    assert reply.status_code == 200
    assert "ging iets mis" in fake_api.texts_to(CHAT)[-1]


async def test_webhook_mode_registers_webhook_with_secret(fake_api, tmp_path):
    channel = make_channel(fake_api, tmp_path)
    channel.blueprint(ScriptedAgent().handle_message)
    await channel.on_server_start()
    try:
        assert fake_api.webhook["url"].endswith("/webhooks/telegram/webhook")
        assert fake_api.webhook["secret_token"] == SECRET
        assert set(fake_api.webhook["allowed_updates"]) == {"message", "edited_message", "callback_query"}
    finally:
        await channel.on_server_stop()


async def test_long_polling_through_the_real_client(fake_api, tmp_path):
    channel, agent = make_channel(fake_api, tmp_path, webhook=False), ScriptedAgent()
    assert channel.polling
    got = asyncio.Event()

    async def on_new_message(message):
        await agent.handle_message(message)
        if len(agent.messages) >= 2:
            got.set()

    channel.blueprint(on_new_message)
    fake_api.webhook = {"url": "https://old.example/hook"}  # polling must delete it first
    fake_api.queue_update(fixture("telegram", "update_text"))
    fake_api.queue_update(fixture("telegram", "update_location"))
    def confirmed_offsets():
        return [c.get("offset") for c in fake_api.calls_to("getUpdates")
                if isinstance(c.get("offset"), int) and c["offset"] > 700000003]

    await channel.on_server_start()
    try:
        await asyncio.wait_for(got.wait(), timeout=30)
        # The client confirms what it handled with the next getUpdates offset;
        # wait for that poll (the fake serves unconfirmed updates again).
        for _ in range(100):
            if confirmed_offsets():
                break
            await asyncio.sleep(0.1)
    finally:
        await channel.on_server_stop()
    assert fake_api.calls_to("deleteWebhook")
    assert fake_api.calls_to("sendVenue")
    # Both updates were confirmed, and none was delivered twice.
    assert confirmed_offsets(), [c.get("offset") for c in fake_api.calls_to("getUpdates")]
    assert [m.text for m in agent.messages] == ["hallo", '/inform_location{"lat": 50.851, "lon": 5.691}']


async def test_staff_commands_go_to_the_staff_hook_in_private_chats_only(fake_api, tmp_path):
    seen = []

    def staff_hook(user_id, chat_type, text):
        seen.append((user_id, chat_type, text))
        if user_id != 111222333:
            return None
        return {"replies": ["Wachtrij: 1 vraag"], "relays": []}

    channel, agent = make_channel(fake_api, tmp_path, staff_hook=staff_hook), ScriptedAgent()
    update = fixture("telegram", "update_text")
    update["message"]["text"] = "/wachtrij"
    async with sanic_server([channel], agent) as base, httpx.AsyncClient() as client:
        await post(client, base, update)
        group = fixture("telegram", "update_group_text")
        group["message"]["text"] = "/wachtrij"
        await post(client, base, group)
    assert seen == [(111222333, "private", "/wachtrij")]
    assert agent.messages == []
    assert fake_api.texts_to(CHAT) == ["Wachtrij: 1 vraag"]


async def test_staff_relay_reaches_a_telegram_resident(fake_api, tmp_path):
    directory = ResidentDirectory()
    channel, agent = make_channel(fake_api, tmp_path), ScriptedAgent()
    channel.directory = directory
    directory.register_sender("telegram", channel._send_to_address)
    async with sanic_server([channel], agent) as base, httpx.AsyncClient() as client:
        await post(client, base, fixture("telegram", "update_text"))
    resident = agent.messages[0].sender_id
    assert await directory.send_to_resident(resident, "Hallo, ik ben Sam, uw opbouwwerker.")
    assert fake_api.texts_to(CHAT)[-1] == "Hallo, ik ben Sam, uw opbouwwerker."
    assert not await directory.send_to_resident("te-unknown", "x")


async def test_silence_from_the_assistant_becomes_an_apology(fake_api, tmp_path):
    class SilentAgent(ScriptedAgent):
        def replies(self, message):
            return []

    channel, agent = make_channel(fake_api, tmp_path), SilentAgent()
    async with sanic_server([channel], agent) as base, httpx.AsyncClient() as client:
        await post(client, base, fixture("telegram", "update_text"))
    assert "ging iets mis" in fake_api.texts_to(CHAT)[-1]
