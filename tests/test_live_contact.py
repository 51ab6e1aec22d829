"""Live contact in the channel layer: relay to the opbouwwerker, answers via the outbox."""
import json
from datetime import timedelta

import pytest

from bot.channels.common import ButtonRegistry, SenderRateLimiter
from bot.channels.live import LiveContact, Outbox, register_outbox
from bot.channels.rest import ResidentRestInput
from bot.channels.stores import ResidentDirectory
from bot.handoff.queue import HandoffQueue, deliver_relay
from bot.handoff.runtime import HandoffRuntime
from ontmoet_core.config import load_settings
from ontmoet_core.db import make_engine, upgrade_database
from tests.fakes.notifier import RecordingNotifier


class Agent:
    def __init__(self):
        self.messages = []

    async def __call__(self, message):
        self.messages.append(message)
        await message.output_channel.send_text_message(message.sender_id, "assistent")


@pytest.fixture
def setup(tmp_path):
    settings = load_settings({"ONTMOET_VAR_DIR": str(tmp_path), "ONTMOET_PSEUDONYM_KEY": "k"})
    upgrade_database(settings.database_url_resolved)
    engine = make_engine(settings.database_url_resolved)
    runtime = HandoffRuntime(settings, queue=HandoffQueue(engine), notifier=RecordingNotifier())
    outbox, directory = Outbox(), ResidentDirectory()
    register_outbox(directory, outbox)
    channel = ResidentRestInput(settings, ButtonRegistry(), SenderRateLimiter(100),
                                live=LiveContact(runtime), outbox=outbox, directory=directory)
    yield channel, runtime, directory
    engine.dispose()


def body(message, sender="resident-1"):
    return json.dumps({"sender": sender, "message": message}).encode()


async def test_live_chat_relays_both_ways_and_the_assistant_stays_quiet(setup):
    channel, runtime, directory = setup
    agent = Agent()
    await channel.handle(agent, body("hallo"))
    pseudonym = agent.messages[0].sender_id
    queue = runtime.queue
    request = queue.create_request(channel="rest", resident_key=pseudonym, consent=True,
                                   contact_method="chat", reason="iemand om mee te gaan",
                                   buurt="Malberg")
    queue.claim(request.reference, "coordinator")
    queue.set_in_contact(request.reference, "coordinator", live=True)

    status, replies = await channel.handle(agent, body("ben je daar?"))
    assert status == 200 and replies == []
    assert len(agent.messages) == 1, "the assistant does not see live-chat messages"
    timeline = str(queue.show(request.reference).to_dict())
    assert "ben je daar?" in timeline

    result = queue.reply(request.reference, "coordinator", "Ja, ik ben er. Zullen we bellen?")
    assert await deliver_relay(result.relay, directory)
    status, waiting = channel.inbox("resident-1")
    assert len(waiting) == 1 and waiting[0]["text"].endswith("Ja, ik ben er. Zullen we bellen?")
    assert waiting[0]["from"] == "opbouwwerker"
    assert channel.inbox("resident-1") == (200, [])

    queue.end_live(request.reference, "coordinator")
    _, replies = await channel.handle(agent, body("dank je"))
    assert replies[-1]["text"] == "assistent"


async def test_answers_wait_for_the_next_message_too(setup):
    channel, runtime, directory = setup
    agent = Agent()
    await channel.handle(agent, body("hallo", sender="r2"))
    pseudonym = agent.messages[0].sender_id
    await directory.send_to_resident(pseudonym, "Bericht van de opbouwwerker")
    _, replies = await channel.handle(agent, body("nog iets", sender="r2"))
    assert [r["text"] for r in replies] == ["Bericht van de opbouwwerker", "assistent"]


def test_inbox_rejects_bad_senders(setup):
    channel, _, _ = setup
    assert channel.inbox(None)[0] == 400
    assert channel.inbox("x" * 500)[0] == 400


# --------------------------------------------------------------------------
# Replies in context (issue 19): the resident answers the opbouwwerker
# --------------------------------------------------------------------------
def _request_with_reply(queue, pseudonym, text="Zullen we donderdagmiddag samen wandelen "
                        "vanaf het gemeenschapshuis?"):
    request = queue.create_request(channel="rest", resident_key=pseudonym, consent=True,
                                   contact_method="chat", reason="samen wandelen",
                                   buurt="Malberg", stadsdeel="West")
    queue.claim(request.reference, "coordinator")
    queue.reply(request.reference, "coordinator", text)
    return request


async def _pseudonym_of(channel, agent, sender):
    await channel.handle(agent, body("hallo", sender=sender))
    return agent.messages[-1].sender_id


async def test_an_answer_to_the_opbouwwerker_reaches_the_timeline_not_the_assistant(setup):
    channel, runtime, _ = setup
    agent = Agent()
    pseudonym = await _pseudonym_of(channel, agent, "r3")
    request = _request_with_reply(runtime.queue, pseudonym)

    status, replies = await channel.handle(agent, body("Ja graag, donderdag om 14 uur is goed!",
                                                       sender="r3"))
    texts = [r["text"] for r in replies]
    assert status == 200 and len(agent.messages) == 1, "the assistant does not get the answer"
    assert len(texts) == 1 and "doorgegeven aan de opbouwwerker" in texts[-1]
    assert request.reference in texts[-1]
    notes = runtime.queue.show(request.reference).notes
    assert (notes[-1].kind, notes[-1].text) == ("resident", "Ja graag, donderdag om 14 uur is goed!")
    # the coordinator owns it and is told, through the live-chat notification
    assert any(request.reference in text for _, text in runtime.notifier.sent), \
        runtime.notifier.sent

    # a clear new question goes to the assistant, and is not put in the timeline
    _, replies = await channel.handle(agent, body("waar is een huiskamer in Heer?", sender="r3"))
    assert replies[-1]["text"] == "assistent" and len(agent.messages) == 2
    assert len(runtime.queue.show(request.reference).notes) == len(notes)
    # a way out too
    await channel.handle(agent, body("menu", sender="r3"))
    assert len(agent.messages) == 3


async def test_a_crisis_message_gets_the_assistant_and_its_helplines_first(setup):
    channel, runtime, _ = setup
    agent = Agent()
    pseudonym = await _pseudonym_of(channel, agent, "r4")
    request = _request_with_reply(runtime.queue, pseudonym)
    _, replies = await channel.handle(agent, body("ik wil niet meer leven", sender="r4"))
    assert replies[-1]["text"] == "assistent" and len(agent.messages) == 2
    assert all(n.kind != "resident" for n in runtime.queue.show(request.reference).notes)


async def test_no_context_without_a_message_from_the_opbouwwerker_or_after_a_release(setup):
    channel, runtime, _ = setup
    agent = Agent()
    pseudonym = await _pseudonym_of(channel, agent, "r5")
    queue = runtime.queue
    request = queue.create_request(channel="rest", resident_key=pseudonym, consent=True,
                                   contact_method="chat", reason="x", buurt="Malberg")
    queue.claim(request.reference, "coordinator")
    await channel.handle(agent, body("ja graag", sender="r5"))
    assert len(agent.messages) == 2, "claimed but nobody wrote yet: the assistant answers"
    queue.reply(request.reference, "coordinator", "Ik bel u morgen.")
    queue.add_note(request.reference, "coordinator", "intern")  # a note changes nothing
    await channel.handle(agent, body("ja graag", sender="r5"))
    assert len(agent.messages) == 2
    queue.release(request.reference, "coordinator")
    await channel.handle(agent, body("ja graag", sender="r5"))
    assert len(agent.messages) == 3, "released: the reply is no longer the last step"


async def test_after_a_close_a_message_about_the_request_reaches_the_opbouwwerker(tmp_path):
    settings = load_settings({"ONTMOET_VAR_DIR": str(tmp_path), "ONTMOET_PSEUDONYM_KEY": "k",
                              "ONTMOET_HANDOFF_FOLLOWUP_DAYS": "7"})
    upgrade_database(settings.database_url_resolved)
    engine = make_engine(settings.database_url_resolved)
    runtime = HandoffRuntime(settings, queue=HandoffQueue(engine), notifier=RecordingNotifier())
    channel = ResidentRestInput(settings, ButtonRegistry(), SenderRateLimiter(100),
                                live=LiveContact(runtime))
    agent = Agent()
    try:
        pseudonym = await _pseudonym_of(channel, agent, "r6")
        request = _request_with_reply(runtime.queue, pseudonym)
        runtime.queue.close(request.reference, "coordinator")
        _, replies = await channel.handle(agent, body("kunt u haar een bericht sturen?",
                                                      sender="r6"))
        assert len(agent.messages) == 1, "no new request form"
        assert "afgerond" in replies[-1]["text"] and request.reference in replies[-1]["text"]
        assert runtime.queue.show(request.reference).notes[-1].text == \
            "kunt u haar een bericht sturen?"
        # not about the request: the assistant
        await channel.handle(agent, body("hallo", sender="r6"))
        assert len(agent.messages) == 2
    finally:
        engine.dispose()


def test_the_follow_up_time_ends(tmp_path):
    from datetime import datetime

    url = f"sqlite:///{tmp_path / 'q.db'}"
    upgrade_database(url)
    engine = make_engine(url)
    queue = HandoffQueue(engine)
    try:
        start = datetime(2026, 12, 1, 9, 0)
        request = queue.create_request(channel="rest", resident_key="p", consent=True,
                                       reason="x", now=start)
        queue.claim(request.reference, "coordinator", now=start)
        queue.reply(request.reference, "coordinator", "Tot donderdag", now=start)
        assert not queue.reply_context("p", now=start).after_close
        queue.close(request.reference, "coordinator", now=start)
        week = timedelta(days=7)
        assert queue.reply_context("p", week, now=start + timedelta(days=6)).after_close
        assert queue.reply_context("p", week, now=start + timedelta(days=8)) is None
        assert queue.reply_context("p", timedelta(0), now=start) is None
        assert queue.reply_context("someone else", week, now=start) is None
    finally:
        engine.dispose()


# --------------------------------------------------------------------------
# Honest delivery (issue 19.3): each staff message has a delivery state,
# stored by its one writer, StaffActions._send (issue 20: no double writes)
# --------------------------------------------------------------------------
async def _send(runtime, directory, relay) -> str:
    from bot.handoff.queue import deliver_state
    from bot.staff.actions import StaffActions

    async def deliver(r):
        return await deliver_state(r, directory, runtime.queue)

    return await StaffActions(runtime.queue, deliver=deliver)._send(relay)


async def test_delivery_state_is_written_once_per_message(setup, monkeypatch):
    from bot.handoff.queue import HandoffQueue

    channel, runtime, directory = setup
    request = _request_with_reply(runtime.queue, "nobody-knows-me")
    result = runtime.queue.reply(request.reference, "coordinator", "Hallo?")
    writes = []
    original = HandoffQueue.set_delivery
    monkeypatch.setattr(HandoffQueue, "set_delivery",
                        lambda self, *a, **k: writes.append(a) or original(self, *a, **k))
    assert await _send(runtime, directory, result.relay) == "failed"
    assert writes == [(result.relay.note_id, "failed")]


async def test_a_web_chat_answer_waits_until_the_resident_fetches_it(setup):
    import asyncio

    channel, runtime, directory = setup
    agent = Agent()
    pseudonym = await _pseudonym_of(channel, agent, "r7")
    request = _request_with_reply(runtime.queue, pseudonym, text="eerste")
    result = runtime.queue.reply(request.reference, "coordinator", "Ik bel u morgen.")
    assert await _send(runtime, directory, result.relay) == "waiting"
    reply = runtime.queue.show(request.reference).notes[-1]
    assert (reply.text, reply.delivery, reply.delivered_at) == ("Ik bel u morgen.", "waiting", None)
    # the page fetches its inbox (from a worker thread here: the receipt then
    # records at once instead of in the loop's executor)
    status, waiting = await asyncio.to_thread(channel.inbox, "r7")
    assert waiting[0]["text"].endswith("Ik bel u morgen.")
    reply = runtime.queue.show(request.reference).notes[-1]
    assert reply.delivery == "delivered" and reply.delivered_at is not None
    # never backwards
    assert not runtime.queue.set_delivery(result.relay.note_id, "waiting")


async def test_a_failed_send_is_marked_failed(setup):
    _, runtime, directory = setup
    request = _request_with_reply(runtime.queue, "nobody-knows-me")
    result = runtime.queue.reply(request.reference, "coordinator", "Hallo?")
    assert await _send(runtime, directory, result.relay) == "failed"
    assert runtime.queue.show(request.reference).notes[-1].delivery == "failed"


async def test_a_telegram_send_that_succeeded_is_delivered(setup):
    from bot.channels.stores import ResidentAddress

    _, runtime, directory = setup
    sent = []

    async def telegram(pseudonym, address, text, receipt=None):
        sent.append(text)
        return True

    directory.register_sender("telegram", telegram)
    await directory.remember("te-1", ResidentAddress(channel="telegram", address="42"))
    request = _request_with_reply(runtime.queue, "te-1")
    result = runtime.queue.reply(request.reference, "coordinator", "Tot donderdag!")
    assert await _send(runtime, directory, result.relay) == "delivered"
    assert sent[-1].endswith("Tot donderdag!")
    assert runtime.queue.show(request.reference).notes[-1].delivery == "delivered"


def test_which_staff_steps_keep_or_end_the_reply_context(tmp_path):
    """A call or an appointment does not end the context of a written reply; a
    reopen ends it until the opbouwwerker writes again."""
    url = f"sqlite:///{tmp_path / 'q.db'}"
    upgrade_database(url)
    engine = make_engine(url)
    queue = HandoffQueue(engine)
    try:
        ref = queue.create_request(channel="rest", resident_key="p", consent=True,
                                   reason="x").reference
        queue.claim(ref, "coordinator")
        assert queue.reply_context("p") is None  # nothing written to the resident yet
        queue.reply(ref, "coordinator", "Zullen we donderdag wandelen?")
        for outcome in ("gebeld", "niet_bereikt", "afspraak"):
            queue.log_contact(ref, "coordinator", outcome)
            context = queue.reply_context("p")
            assert context is not None and not context.after_close, outcome
        queue.close(ref, "coordinator")
        queue.reopen(ref, "coordinator", timedelta(days=14))
        assert queue.reply_context("p") is None
        queue.reply(ref, "coordinator", "Toch nog een vraag")
        assert not queue.reply_context("p").after_close
    finally:
        engine.dispose()
