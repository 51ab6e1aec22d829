"""WhatsApp end to end: signed webhooks into the real endpoint on a Sanic server,
replies out through httpx to a local fake Graph API, a scripted agent instead
of the trained model."""
from __future__ import annotations

import copy
import json

import httpx
import pytest

from bot.channels.common import ButtonRegistry
from bot.channels.stores import MemoryDedupStore, ResidentAddress, ResidentDirectory
from bot.channels.whatsapp.channel import WhatsAppInput
from bot.channels.whatsapp.client import GraphClient
from bot.channels.whatsapp.parse import signature_for
from ontmoet_core.config import Settings
from tests.fakes.graph_api import FakeGraphApi
from tests.fakes.harness import ScriptedAgent, fixture, sanic_server
from tests.test_handoff_support import _sqlite_template, sqlite_url  # noqa: F401  (fixtures)

APP_SECRET = "app-secret-for-tests"
VERIFY = "verify-token-for-tests"
WA = "31612345678"


@pytest.fixture
def graph():
    api = FakeGraphApi().start()
    yield api
    api.stop()


class FakeTime:
    def __init__(self, now=1_764_331_300.0):
        self.now = now
        self.sleeps = []

    def clock(self):
        return self.now

    async def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds


def make_channel(graph, tmp_path, wall=None):
    settings = Settings(
        var_dir=tmp_path, pseudonym_key="test-key-not-secret",
        whatsapp_token=graph.token, whatsapp_phone_number_id=graph.phone_number_id,
        whatsapp_app_secret=APP_SECRET, whatsapp_verify_token=VERIFY,
        whatsapp_graph_url=graph.graph_url,
    )
    pace = FakeTime()
    client = GraphClient(settings.whatsapp_graph_url, settings.whatsapp_phone_number_id,
                         settings.whatsapp_token, clock=pace.clock, sleep=pace.sleep)
    wall = wall or FakeTime()
    channel = WhatsAppInput(settings, ButtonRegistry(), client=client, directory=ResidentDirectory(),
                            dedup=MemoryDedupStore(), clock=wall.clock)
    channel.pace, channel.wall = pace, wall
    return channel


async def post(client, base, body, secret=APP_SECRET, signature=None):
    raw = json.dumps(body).encode()
    headers = {"Content-Type": "application/json"}
    if signature is None and secret is not None:
        signature = signature_for(raw, secret)
    if signature is not None:
        headers["X-Hub-Signature-256"] = signature
    return await client.post(f"{base}/webhooks/whatsapp/webhook", content=raw, headers=headers)


def with_message(name, message_id, **changes):
    body = copy.deepcopy(fixture("whatsapp", name))
    message = body["entry"][0]["changes"][0]["value"]["messages"][0]
    message["id"] = message_id
    for key, value in changes.items():
        message[key] = value
    return body


def button_reply(message_id, token, kind="button_reply"):
    return with_message("interactive_button_reply", message_id,
                        interactive={"type": kind, kind: {"id": token, "title": "x"}})


async def test_get_verification_through_the_endpoint(graph, tmp_path):
    channel = make_channel(graph, tmp_path)
    async with sanic_server([channel], ScriptedAgent()) as base, httpx.AsyncClient() as client:
        url = f"{base}/webhooks/whatsapp/webhook"
        ok = await client.get(url, params={"hub.mode": "subscribe", "hub.verify_token": VERIFY,
                                           "hub.challenge": "1158201444"})
        assert ok.status_code == 200 and ok.text == "1158201444"
        bad = await client.get(url, params={"hub.mode": "subscribe", "hub.verify_token": "fout",
                                            "hub.challenge": "1158201444"})
        assert bad.status_code == 403 and "1158201444" not in bad.text


async def test_forged_and_missing_signatures_are_rejected(graph, tmp_path):
    channel, agent = make_channel(graph, tmp_path), ScriptedAgent()
    body = fixture("whatsapp", "text")
    async with sanic_server([channel], agent) as base, httpx.AsyncClient() as client:
        assert (await post(client, base, body, secret=None)).status_code == 403
        assert (await post(client, base, body, secret="someone-else")).status_code == 403
        assert (await post(client, base, body, signature="sha256=" + "0" * 64)).status_code == 403
        # a valid signature of a different body
        other = json.dumps(fixture("whatsapp", "location")).encode()
        assert (await post(client, base, body, signature=signature_for(other, APP_SECRET))).status_code == 403
    assert agent.messages == [] and graph.requests == []


async def test_full_conversation_from_hallo_to_toeleiding(graph, tmp_path):
    channel, agent = make_channel(graph, tmp_path), ScriptedAgent()
    async with sanic_server([channel], agent) as base, httpx.AsyncClient() as client:
        # 1. hallo -> a location request plus a reply button
        assert (await post(client, base, fixture("whatsapp", "text"))).status_code == 200
        first, second = graph.sent_to(WA)
        assert first["interactive"]["type"] == "location_request_message"
        # "Ik wil een mens spreken" has 23 characters: too long for a reply button
        assert second["interactive"]["type"] == "list"
        assert second["interactive"]["action"]["sections"][0]["rows"][0]["title"] == "Ik wil een mens spreken"

        # 2. the resident shares a location -> a place nearby, demo-marked
        assert (await post(client, base, fixture("whatsapp", "location"))).status_code == 200
        assert agent.messages[-1].text == '/inform_location{"lat": 50.851, "lon": 5.691}'
        pin = [m for m in graph.sent_to(WA) if m["type"] == "location"][-1]
        assert pin["location"]["latitude"] == 50.8514
        assert "voorbeeld" in pin["location"]["name"]
        question = graph.sent_to(WA)[-1]
        buttons = {b["reply"]["title"]: b["reply"]["id"]
                   for b in question["interactive"]["action"]["buttons"]}
        assert set(buttons) == {"Ja, graag", "Nee, dank u"}

        # 3. the resident taps "Ja, graag" -> a stored toeleiding request
        reply = await post(client, base, button_reply("wamid.JA1", buttons["Ja, graag"]))
        assert reply.status_code == 200
        assert len(agent.toeleiding_requests) == 1
        assert "doorgegeven" in graph.texts_to(WA)[-1]

    senders = {m.sender_id for m in agent.messages}
    assert len(senders) == 1
    (sender,) = senders
    assert sender.startswith("wh-") and WA not in sender
    assert agent.toeleiding_requests[0] == {"sender_id": sender, "channel": "whatsapp"}


async def test_each_message_id_is_processed_once(graph, tmp_path):
    channel, agent = make_channel(graph, tmp_path), ScriptedAgent()
    body = fixture("whatsapp", "text")
    async with sanic_server([channel], agent) as base, httpx.AsyncClient() as client:
        for _ in range(4):
            assert (await post(client, base, body)).status_code == 200
    assert len(agent.messages) == 1
    assert len(graph.sent) == 2  # the two parts of one answer


async def test_statuses_never_reach_the_nlu(graph, tmp_path):
    channel, agent = make_channel(graph, tmp_path), ScriptedAgent()
    async with sanic_server([channel], agent) as base, httpx.AsyncClient() as client:
        for name in ("status_sent", "status_read", "status_failed", "reaction", "system"):
            assert (await post(client, base, fixture("whatsapp", name))).status_code == 200
    assert agent.messages == [] and graph.requests == []


@pytest.mark.parametrize(
    "name, words",
    [("image", "Foto"), ("audio_voice", "Spraakberichten"), ("sticker", "sticker"),
     ("document", "Bestanden"), ("contacts", "Dit soort bericht"), ("unsupported", "Dit soort bericht")],
)
async def test_unsupported_kinds_get_a_kind_answer(graph, tmp_path, name, words):
    channel, agent = make_channel(graph, tmp_path), ScriptedAgent()
    async with sanic_server([channel], agent) as base, httpx.AsyncClient() as client:
        assert (await post(client, base, fixture("whatsapp", name))).status_code == 200
    assert agent.messages == []
    (text,) = graph.texts_to(WA)
    assert words.lower() in text.lower()


async def test_malformed_bodies_do_not_crash(graph, tmp_path):
    channel, agent = make_channel(graph, tmp_path), ScriptedAgent()
    async with sanic_server([channel], agent) as base, httpx.AsyncClient() as client:
        url = f"{base}/webhooks/whatsapp/webhook"
        raw = b"{not json"
        reply = await client.post(
            url, content=raw, headers={"X-Hub-Signature-256": signature_for(raw, APP_SECRET)}
        )
        assert reply.status_code == 400
        for body in (
            [],
            {
                "object": "whatsapp_business_account",
                "entry": [{"changes": [{"field": "messages", "value": {"messages": [{}]}}]}],
            },
        ):
            assert (await post(client, base, body)).status_code == 200
    assert agent.messages == []


async def test_typed_payload_cannot_steer_and_foreign_tokens_expire(graph, tmp_path):
    channel, agent = make_channel(graph, tmp_path), ScriptedAgent()
    typed = with_message("text", "wamid.T1", text={"body": "/request_handoff"})
    async with sanic_server([channel], agent) as base, httpx.AsyncClient() as client:
        await post(client, base, typed)
        await post(client, base, button_reply("wamid.T2", "knop:ffffffffff"))
    assert agent.toeleiding_requests == []
    assert [m.text for m in agent.messages] == ["request_handoff"]
    assert "werkt niet meer" in graph.texts_to(WA)[-1]


async def test_more_than_ten_choices_page_behind_meer(graph, tmp_path):
    channel, agent = make_channel(graph, tmp_path), ScriptedAgent()
    pseudonym = channel._pseudonym(WA)
    await channel.directory.remember(pseudonym, ResidentAddress("whatsapp", WA, channel.wall.now))
    buttons = [{"title": f"Buurt {i}", "payload": f"/buurt{i}"} for i in range(12)]
    await channel.send_bot_message(pseudonym, WA, {"text": "Welke buurt?", "buttons": buttons})
    rows = graph.sent_to(WA)[-1]["interactive"]["action"]["sections"][0]["rows"]
    assert len(rows) == 10
    async with sanic_server([channel], agent) as base, httpx.AsyncClient() as client:
        await post(client, base, button_reply("wamid.M1", rows[-1]["id"], "list_reply"))
        page = graph.sent_to(WA)[-1]["interactive"]
        titles = [b["reply"]["title"] for b in page["action"]["buttons"]]
        assert titles == ["Buurt 9", "Buurt 10", "Buurt 11"]
        assert agent.messages == []  # paging never reaches the NLU
        await post(client, base, button_reply("wamid.M2", page["action"]["buttons"][2]["reply"]["id"]))
    assert [m.text for m in agent.messages] == ["/buurt11"]


# --- sending: retries, back-off, pair rate limit -----------------------------------
async def test_429_and_5xx_are_retried_with_exponential_backoff(graph, tmp_path):
    channel = make_channel(graph, tmp_path)
    graph.fail_next(429, 130429)
    graph.fail_next(500, 1)
    graph.fail_next(503, 2)
    result = await channel.client.send(WA, {"type": "text", "text": {"body": "hallo"}})
    assert result.ok and result.attempts == 4
    assert result.message_id.startswith("wamid.")
    backoffs = channel.pace.sleeps
    assert len(backoffs) == 3
    assert backoffs[0] < backoffs[1] < backoffs[2]  # 0.5, 1, 2 (with jitter)
    assert len(graph.sent) == 1


async def test_retry_after_header_is_used(graph, tmp_path):
    channel = make_channel(graph, tmp_path)
    graph.fail_next(429, 130429, retry_after=7)
    assert (await channel.client.send(WA, {"type": "text", "text": {"body": "x"}})).ok
    assert channel.pace.sleeps == [7.0]


async def test_gives_up_after_max_retries_and_does_not_retry_400(graph, tmp_path):
    channel = make_channel(graph, tmp_path)
    graph.fail_next(500, 1, times=10)
    result = await channel.client.send(WA, {"type": "text", "text": {"body": "x"}})
    assert not result.ok and result.attempts == 5
    channel2 = make_channel(graph, tmp_path)
    graph._failures.clear()
    bad = await channel2.client.send(WA, {"type": "text", "text": {"body": ""}})
    assert not bad.ok and bad.error_code == 131009 and bad.attempts == 1


async def test_pair_rate_limit_spaces_messages_to_one_resident(graph, tmp_path):
    channel = make_channel(graph, tmp_path)
    for i in range(12):
        assert (await channel.client.send(WA, {"type": "text", "text": {"body": f"m{i}"}})).ok
    # a burst of 10, then one per 6 seconds
    assert channel.pace.sleeps == [6.0, 6.0]
    # another resident is not held up
    assert (await channel.client.send("31600000001", {"type": "text", "text": {"body": "x"}})).ok
    assert channel.pace.sleeps == [6.0, 6.0]


# --- the 24-hour window ----------------------------------------------------------------
async def _resident_wrote(channel, graph, agent):
    async with sanic_server([channel], agent) as base, httpx.AsyncClient() as client:
        body = with_message("text", "wamid.W1", timestamp=str(int(channel.wall.now)))
        await post(client, base, body)
    graph.sent.clear()
    return agent.messages[0].sender_id


async def test_opbouwwerker_reply_inside_24_hours_is_free_form(graph, tmp_path):
    channel, agent = make_channel(graph, tmp_path), ScriptedAgent()
    resident = await _resident_wrote(channel, graph, agent)
    channel.wall.now += 23 * 3600
    result = await channel.send_from_opbouwwerker(resident, "Hallo, ik ben Sam. Ik bel u morgen.")
    assert result.ok
    (sent,) = graph.sent_to(WA)
    assert sent["type"] == "text" and sent["text"]["body"] == "Hallo, ik ben Sam. Ik bel u morgen."


async def test_opbouwwerker_reply_after_24_hours_is_the_template(graph, tmp_path):
    channel, agent = make_channel(graph, tmp_path), ScriptedAgent()
    resident = await _resident_wrote(channel, graph, agent)
    channel.wall.now += 25 * 3600
    result = await channel.send_from_opbouwwerker(resident, "Hallo,\nik bel u morgen.")
    assert result.ok
    (sent,) = graph.sent_to(WA)
    assert sent["type"] == "template"
    assert sent["template"]["name"] == "opbouwwerker_bericht"
    assert sent["template"]["language"] == {"code": "nl"}
    assert sent["template"]["components"][0]["parameters"][0]["text"] == "Hallo, ik bel u morgen."
    # the directory path (used by the handoff module) chooses the same way
    assert await channel.directory.send_to_resident(resident, "Nog een bericht")
    assert graph.sent_to(WA)[-1]["type"] == "template"


async def test_platform_says_window_closed_falls_back_to_template(graph, tmp_path):
    channel, agent = make_channel(graph, tmp_path), ScriptedAgent()
    resident = await _resident_wrote(channel, graph, agent)
    graph.close_window(WA)  # e.g. the resident's clock and ours disagree
    result = await channel.send_from_opbouwwerker(resident, "Hallo")
    assert result.ok
    assert [m["type"] for m in graph.sent_to(WA)] == ["template"]
    assert graph.requests[-2]["type"] == "text"  # tried free-form first


async def test_unknown_resident_is_reported_not_sent(graph, tmp_path):
    channel = make_channel(graph, tmp_path)
    assert not (await channel.send_from_opbouwwerker("wh-unknown", "Hallo")).ok
    assert graph.requests == []


async def test_agent_failure_gets_an_apology(graph, tmp_path):
    channel, agent = make_channel(graph, tmp_path), ScriptedAgent()
    agent.fail_on.add("hallo")
    async with sanic_server([channel], agent) as base, httpx.AsyncClient() as client:
        assert (await post(client, base, fixture("whatsapp", "text"))).status_code == 200
    assert "ging iets mis" in graph.texts_to(WA)[-1]


class SilentAgent(ScriptedAgent):
    """An action that failed or timed out: Rasa answers nothing."""

    def replies(self, message):
        return []


async def test_silence_from_the_assistant_becomes_an_apology(graph, tmp_path):
    channel, agent = make_channel(graph, tmp_path), SilentAgent()
    async with sanic_server([channel], agent) as base, httpx.AsyncClient() as client:
        await post(client, base, fixture("whatsapp", "text"))
    assert len(agent.messages) == 1
    assert "ging iets mis" in graph.texts_to(WA)[-1]


async def test_per_resident_rate_limit(graph, tmp_path):
    channel, agent = make_channel(graph, tmp_path), ScriptedAgent()
    channel.rate_limiter.limit = 2
    async with sanic_server([channel], agent) as base, httpx.AsyncClient() as client:
        for i in range(3):
            await post(client, base, with_message("text", f"wamid.R{i}", text={"body": f"vraag {i}"}))
    assert len(agent.messages) == 2
    assert "veel berichten" in graph.texts_to(WA)[-1]


async def test_live_contact_sends_the_residents_message_to_the_opbouwwerker(graph, tmp_path):
    calls = []

    class FakeQueue:
        async def resident_contact(self, key, followup):
            return type("R", (), {"reference": "T-0001"})(), None

        async def record_resident_message(self, key, text):
            calls.append((key, text))
            return None

    runtime = type("Runtime", (), {"queue_async": FakeQueue(),
                                   "settings": type("S", (), {"handoff_followup_days": 14})()})()
    channel, agent = make_channel(graph, tmp_path), ScriptedAgent()
    channel.runtime = runtime
    async with sanic_server([channel], agent) as base, httpx.AsyncClient() as client:
        await post(client, base, fixture("whatsapp", "text"))
    assert agent.messages == []
    assert calls and calls[0][1] == "hallo" and calls[0][0].startswith("wh-")


async def test_crisis_in_live_contact_gets_the_helplines_on_whatsapp(graph, tmp_path, sqlite_url):  # noqa: F811
    """Issue 15.1: Rasa is paused during live contact, so the channel answers a
    crisis message itself, at once, and alerts the opbouwwerker (no text)."""
    from bot.handoff.queue import HandoffQueue
    from bot.handoff.runtime import HandoffRuntime
    from ontmoet_core.db import make_engine
    from tests.fakes.notifier import RecordingNotifier
    from tests.test_handoff_support import WEST, write_roster

    channel, agent = make_channel(graph, tmp_path), ScriptedAgent()
    settings = Settings(var_dir=tmp_path, staff_file=write_roster(tmp_path / "staff.yml"))
    runtime = HandoffRuntime(settings, queue=HandoffQueue(make_engine(sqlite_url)),
                             notifier=RecordingNotifier())
    channel.runtime = runtime
    async with sanic_server([channel], agent) as base, httpx.AsyncClient() as client:
        await post(client, base, fixture("whatsapp", "text"))
        resident = agent.messages[0].sender_id
        view = runtime.queue.create_request(channel="whatsapp", resident_key=resident,
                                            consent=True, contact_method="chat",
                                            buurt="Mariaberg", stadsdeel="West")
        runtime.queue.claim(view.reference, WEST)
        runtime.queue.set_in_contact(view.reference, WEST, live=True)
        await post(client, base, with_message("text", "wamid.CRISIS",
                                              text={"body": "ik wil er niet meer zijn"}))
    assert len(agent.messages) == 1  # the assistant did not see it
    said = "\n".join(graph.texts_to(WA)[-2:])
    assert "113" in said and "0800-0113" in said and "112" in said
    alerts = runtime.notifier.to("ow-west")
    assert any("crisis" in a and view.reference in a for a in alerts)
    assert all("niet meer zijn" not in a for a in alerts)


async def test_without_a_template_a_late_answer_waits_for_the_resident(graph, tmp_path):
    """Outside the 24-hour window with no template configured, the opbouwwerker's
    message waits ("wacht tot de bewoner weer schrijft") and goes out, delivered,
    when the resident writes again (issue 19.3)."""
    from dataclasses import replace

    channel, agent = make_channel(graph, tmp_path), ScriptedAgent()
    channel.settings = replace(channel.settings, whatsapp_template_name="")
    resident = await _resident_wrote(channel, graph, agent)
    channel.wall.now += 25 * 3600
    fetched = []
    state = await channel.directory.deliver(resident, "Ik bel u morgen.", lambda: fetched.append(1))
    assert state == "waiting" and graph.sent_to(WA) == [] and fetched == []
    async with sanic_server([channel], agent) as base, httpx.AsyncClient() as client:
        await post(client, base, with_message("text", "wamid.W2",
                                              timestamp=str(int(channel.wall.now))))
    texts = [m["text"]["body"] for m in graph.sent_to(WA) if m["type"] == "text"]
    assert texts[0] == "Ik bel u morgen." and fetched == [1]
