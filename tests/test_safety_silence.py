"""Issue 15, points 1 and 2: the crisis net while the assistant is paused, and
nobody left in silence (every pause has a way back, failures retried and
surfaced, a maximum pause length).

Rasa is replaced by a small fake that behaves like it on the point that
matters: while a conversation is paused, a message is recorded but nothing
answers (MessageProcessor._should_handle_message)."""
from __future__ import annotations

import asyncio
import json
from datetime import timedelta
from types import SimpleNamespace

import pytest

from bot.channels.common import ButtonRegistry, SenderRateLimiter
from bot.channels.live import LiveContact, Outbox, register_outbox
from bot.channels.rest import ResidentRestInput
from bot.channels.stores import ResidentDirectory
from bot.handoff.queue import HandoffQueue
from bot.handoff.runtime import HandoffRuntime
from ontmoet_core.config import PROJECT_ROOT, Settings
from ontmoet_core.db import make_engine
from tests.fakes.notifier import RecordingNotifier
from tests.test_handoff_support import (  # noqa: F401  (fixtures)
    WEST,
    Clock,
    _sqlite_template,
    sqlite_url,
    write_roster,
)


class FakeProcessor:
    """get_tracker / save_tracker on real Rasa trackers; `fail_saves` makes the
    next saves raise (a tracker store that is briefly down)."""

    def __init__(self):
        from rasa.shared.core.trackers import DialogueStateTracker

        self._make = lambda sender: DialogueStateTracker(sender, slots=[])
        self.saved = {}
        self.fail_saves = 0

    async def get_tracker(self, sender_id):
        import copy

        # a fresh copy, as a tracker store retrieves it
        return copy.deepcopy(self.saved.get(sender_id)) or self._make(sender_id)

    async def save_tracker(self, tracker):
        if self.fail_saves:
            self.fail_saves -= 1
            raise ConnectionError("tracker store down")
        self.saved[tracker.sender_id] = tracker

    def paused(self, sender_id) -> bool:
        tracker = self.saved.get(sender_id)
        return bool(tracker and tracker.is_paused())


class FakeRasa:
    """on_new_message: answers unless the conversation is paused (as Rasa does)."""

    def __init__(self, processor: FakeProcessor):
        self.processor = processor
        self.seen = []

    async def __call__(self, message):
        self.seen.append(message.text)
        if self.processor.paused(message.sender_id):
            return  # recorded, no action runs: silence
        if "niet meer leven" in message.text:
            await message.output_channel.send_text_message(
                message.sender_id, "crisis: bel 113 of 0800-0113, in gevaar 112")
        else:
            await message.output_channel.send_text_message(message.sender_id, "assistent")


@pytest.fixture
def world(sqlite_url, tmp_path):  # noqa: F811
    clock = Clock()
    settings = Settings(var_dir=tmp_path, staff_file=write_roster(tmp_path / "staff.yml"),
                        knowledge_dir=PROJECT_ROOT / "knowledge" / "data", pseudonym_key="k",
                        live_max_hours=2, dashboard_url="https://ontmoet.example/staff")
    engine = make_engine(sqlite_url)
    runtime = HandoffRuntime(settings, queue=HandoffQueue(engine, clock=clock),
                             notifier=RecordingNotifier())
    processor = FakeProcessor()
    runtime.app = SimpleNamespace(ctx=SimpleNamespace(agent=SimpleNamespace(processor=processor)))
    outbox, directory = Outbox(), ResidentDirectory()
    register_outbox(directory, outbox)
    runtime.directory = directory
    channel = ResidentRestInput(settings, ButtonRegistry(), SenderRateLimiter(100),
                                live=LiveContact(runtime), outbox=outbox, directory=directory)
    yield SimpleNamespace(runtime=runtime, queue=runtime.queue, clock=clock, channel=channel,
                          processor=processor, rasa=FakeRasa(processor), sqlite_url=sqlite_url,
                          settings=settings)
    engine.dispose()


def body(message, sender="bewoner-1"):
    return json.dumps({"sender": sender, "message": message}).encode()


async def start_live(world, sender="bewoner-1"):
    """A resident talks to the assistant; an opbouwwerker starts live chat (dashboard
    path: queue change, immediate pause)."""
    await world.channel.handle(world.rasa, body("hallo", sender))
    pseudonym = world.channel._pseudonym(sender)
    view = world.queue.create_request(channel="rest", resident_key=pseudonym, consent=True,
                                      contact_method="chat", reason="iemand om mee te praten",
                                      buurt="Mariaberg", stadsdeel="West")
    world.queue.claim(view.reference, WEST)
    world.queue.set_in_contact(view.reference, WEST, live=True)
    assert await world.runtime.apply_assistant_syncs() == 1  # the service pauses Rasa
    assert world.processor.paused(pseudonym)
    return view.reference, pseudonym


def texts(replies):
    return "\n".join(r["text"] for r in replies)


def assert_helplines(text):
    assert "113" in text and "0800-0113" in text and "112" in text, text


# --- 1. the crisis net while paused ---------------------------------------------
async def test_crisis_in_live_contact_gets_the_helplines_and_the_opbouwwerker_is_told(world):
    ref, _ = await start_live(world)
    seen = len(world.rasa.seen)
    status, replies = await world.channel.handle(world.rasa, body("ik wil niet meer leven"))
    assert status == 200
    assert_helplines(texts(replies))
    assert len(world.rasa.seen) == seen  # the opbouwwerker has the conversation
    alerts = world.runtime.notifier.to("ow-west")
    assert any("crisis" in a and ref in a and "ontmoet.example/staff/r/" + ref in a
               for a in alerts)
    assert all("niet meer leven" not in a for a in alerts)  # words stay on the server
    assert "niet meer leven" in str(world.queue.show(ref).to_dict())  # read in the dashboard


async def test_an_ordinary_live_message_gets_no_crisis_reply(world):
    await start_live(world)
    status, replies = await world.channel.handle(world.rasa, body("ik ben om 10 uur thuis"))
    assert status == 200 and "0800-0113" not in texts(replies)


# --- 2. every pause has a way back ----------------------------------------------
async def test_closing_from_the_cli_resumes_the_assistant_and_tells_the_resident(
        world, monkeypatch):
    """`ontmoet queue close` runs in another process, without the Rasa agent: the
    service applies the resume and tells the resident."""
    from bot.handoff import cli

    ref, pseudonym = await start_live(world)
    monkeypatch.setenv("ONTMOET_DATABASE_URL", world.sqlite_url)
    monkeypatch.setenv("ONTMOET_STAFF_FILE", str(world.settings.staff_file))
    # main() runs its own event loop, as in a shell: here in a worker thread
    assert await asyncio.to_thread(cli.main, ["queue", "close", ref, "--as", "ow-west"]) == 0
    assert world.processor.paused(pseudonym)  # the CLI could not touch Rasa

    assert await world.runtime.apply_assistant_syncs() == 1
    assert not world.processor.paused(pseudonym)
    waiting = world.channel.inbox("bewoner-1")[1]
    assert any("weer met mij, de assistent" in w["text"] for w in waiting)
    assert world.queue.get(ref).assistant_sync is None
    _, replies = await world.channel.handle(world.rasa, body("ik wil niet meer leven"))
    assert_helplines(texts(replies))


async def test_releasing_from_the_cli_resumes_the_assistant(world, monkeypatch):
    from bot.handoff import cli

    ref, pseudonym = await start_live(world)
    monkeypatch.setenv("ONTMOET_DATABASE_URL", world.sqlite_url)
    monkeypatch.setenv("ONTMOET_STAFF_FILE", str(world.settings.staff_file))
    # main() runs its own event loop, as in a shell: here in a worker thread
    assert await asyncio.to_thread(cli.main, ["queue", "release", ref, "--as", "ow-west"]) == 0
    await world.runtime.apply_assistant_syncs()
    assert not world.processor.paused(pseudonym)
    assert world.queue.get(ref).status == "nieuw"


async def test_a_conversation_left_paused_is_resumed_when_the_resident_writes(world):
    """Even before the service's loop ran (or when it failed): the channel sees
    the silence, resumes and runs the message again. A crisis gets its answer."""
    ref, pseudonym = await start_live(world)
    world.queue.close(ref, WEST)  # e.g. from another process; Rasa still paused
    assert world.processor.paused(pseudonym)
    _, replies = await world.channel.handle(world.rasa, body("ik wil niet meer leven"))
    assert_helplines(texts(replies))
    assert not world.processor.paused(pseudonym)


async def test_crisis_while_paused_and_rasa_unreachable_still_gets_the_helplines(world):
    ref, pseudonym = await start_live(world)
    world.queue.close(ref, WEST)
    world.processor.fail_saves = 5  # resuming fails
    _, replies = await world.channel.handle(world.rasa, body("ik wil niet meer leven"))
    assert_helplines(texts(replies))
    _, replies = await world.channel.handle(world.rasa, body("hallo?"))
    assert "ging iets mis" in texts(replies)  # never silence


# One phrasing of each class the net learned after the fifth set (issue 14):
# the paused and live paths read the same net (bot.safety), so they get the
# helplines too.
NEW_CLASSES = ["morgen stap ik er definitief uit", "ik ben bang dat ik mezelf weer ga bewerken",
               "k wil m'n leven beëindigen", "ik wacht bij het spoor tot de trein komt",
               "mijn zoon sluit me op in mijn kamer"]


@pytest.mark.parametrize("phrase", NEW_CLASSES)
async def test_the_new_classes_get_the_helplines_in_live_contact(world, phrase):
    await start_live(world)
    _, replies = await world.channel.handle(world.rasa, body(phrase))
    assert_helplines(texts(replies))


@pytest.mark.parametrize("phrase", NEW_CLASSES + ["ik stop ermee"])
async def test_the_new_classes_get_the_helplines_while_paused_and_rasa_unreachable(world, phrase):
    """"ik stop ermee" is only a check-in for the assistant; with no assistant
    to ask the question, the channel gives the helplines."""
    ref, _ = await start_live(world)
    world.queue.close(ref, WEST)
    world.processor.fail_saves = 5  # resuming fails
    _, replies = await world.channel.handle(world.rasa, body(phrase))
    assert_helplines(texts(replies))


async def test_a_failed_resume_is_retried_and_surfaced_to_the_opbouwwerker(world):
    ref, pseudonym = await start_live(world)
    world.queue.end_live(ref, WEST)  # the dashboard's own resume failed meanwhile
    world.processor.fail_saves = 3
    for _ in range(3):
        assert await world.runtime.apply_assistant_syncs() == 0
    assert world.queue.get(ref).sync_attempts == 3
    surfaced = [t for t in world.runtime.notifier.to("ow-west") if "kon na 3 pogingen" in t]
    assert len(surfaced) == 1 and "hervat" in surfaced[0] and ref in surfaced[0]
    assert await world.runtime.apply_assistant_syncs() == 1  # the store is back
    assert not world.processor.paused(pseudonym)
    assert world.queue.get(ref).assistant_sync is None


async def test_a_failed_pause_is_retried(world):
    await world.channel.handle(world.rasa, body("hallo"))
    pseudonym = world.channel._pseudonym("bewoner-1")
    view = world.queue.create_request(channel="rest", resident_key=pseudonym, consent=True,
                                      contact_method="chat", buurt="Mariaberg", stadsdeel="West")
    world.queue.claim(view.reference, WEST)
    world.queue.set_in_contact(view.reference, WEST, live=True)
    world.processor.fail_saves = 1
    assert await world.runtime.apply_assistant_syncs() == 0
    assert await world.runtime.apply_assistant_syncs() == 1
    assert world.processor.paused(pseudonym)


async def test_a_pause_has_a_maximum_length_then_the_resident_hears_what_happens(world):
    ref, pseudonym = await start_live(world)
    world.clock.advance(hours=1)
    world.queue.reply(ref, WEST, "Ik kijk het even na.")  # an answer restarts the count
    world.clock.advance(hours=1, minutes=30)
    assert await world.runtime.expire_live_once() == []
    world.clock.advance(minutes=31)
    assert [v.reference for v in await world.runtime.expire_live_once()] == [ref]
    assert any("gestopt" in t and ref in t for t in world.runtime.notifier.to("ow-west"))
    await world.runtime.apply_assistant_syncs()
    assert not world.processor.paused(pseudonym)
    view = world.queue.get(ref)
    assert view.status == "in_contact" and not view.live  # the request stays open
    waiting = texts(world.channel.inbox("bewoner-1")[1])
    assert ref in waiting and "blijft open" in waiting and "krijgt daar bericht van" in waiting
    assert "live_expired" in [e.action for e in world.queue.show(ref).events]
    _, replies = await world.channel.handle(world.rasa, body("hallo"))
    assert texts(replies) == "assistent"


# --- the opbouwwerker is told of a crisis ---------------------------------------------
async def test_a_crisis_to_the_assistant_reaches_the_opbouwwerker_of_the_request(world):
    """action_crisis flags the resident's open and recently closed requests; the
    service's loop tells the opbouwwerker (reference and link, no text)."""
    queue = world.queue
    open_view = queue.create_request(channel="rest", resident_key="re-x", consent=True,
                                     reason="gezelschap", buurt="Mariaberg", stadsdeel="West")
    queue.claim(open_view.reference, WEST)
    closed = queue.create_request(channel="rest", resident_key="re-x", consent=True,
                                  buurt="Mariaberg", stadsdeel="West")
    queue.claim(closed.reference, WEST)
    queue.close(closed.reference, WEST)
    old = queue.create_request(channel="rest", resident_key="re-x", consent=True,
                               buurt="Mariaberg", stadsdeel="West")
    queue.claim(old.reference, WEST)
    queue.close(old.reference, WEST, now=world.clock() - timedelta(days=30))
    other = queue.create_request(channel="rest", resident_key="re-y", consent=True,
                                 buurt="Mariaberg", stadsdeel="West")

    flagged = sorted(queue.flag_crisis("re-x"))
    assert flagged == sorted([open_view.reference, closed.reference])
    views = await world.runtime.announce_crisis_signals()
    assert sorted(v.reference for v in views) == flagged
    told = [t for t in world.runtime.notifier.to("ow-west") if "crisis" in t]
    assert len(told) == 2 and all("113" in t for t in told)
    assert await world.runtime.announce_crisis_signals() == []  # once
    assert "crisis_signal" in [e.action for e in queue.show(open_view.reference).events]
    assert "crisis_signal" not in [e.action for e in queue.show(other.reference).events]


async def test_action_crisis_flags_the_request(world, monkeypatch):
    from rasa_sdk import Tracker
    from rasa_sdk.executor import CollectingDispatcher

    from actions import handoff, safety

    view = world.queue.create_request(channel="rest", resident_key="re-z", consent=True,
                                      buurt="Mariaberg", stadsdeel="West")
    monkeypatch.setattr(handoff, "handoff_runtime", lambda: world.runtime)
    monkeypatch.setattr(safety, "settings", lambda: world.settings)
    tracker = Tracker("re-z", {}, {"intent": {"name": "crisis"}, "text": "..."}, [], False, None,
                      {}, "action_listen")
    dispatcher = CollectingDispatcher()
    await safety.ActionCrisis().run(dispatcher, tracker, {})
    assert dispatcher.messages[0]["response"] == "utter_crisis"
    assert world.queue.get(view.reference).crisis_signal_at is not None


async def test_a_live_crisis_is_marked_in_the_timeline(world):
    ref, _ = await start_live(world)
    await world.channel.handle(world.rasa, body("ik wil niet meer leven"))
    assert "crisis_signal" in [e.action for e in world.queue.show(ref).events]
    assert world.queue.get(ref).crisis_signal_at is None  # told at once, not again


async def test_two_replicas_tell_the_resident_once(world):
    ref, pseudonym = await start_live(world)
    world.queue.close(ref, WEST, tell_resident_later=True)
    other = HandoffRuntime(world.settings, queue=world.queue, notifier=RecordingNotifier())
    other.app, other.directory = world.runtime.app, world.runtime.directory
    results = await asyncio.gather(world.runtime.apply_assistant_syncs(),
                                   other.apply_assistant_syncs())
    assert sorted(results) == [0, 1]
    waiting = [w for w in world.channel.inbox("bewoner-1")[1] if "weer met mij" in w["text"]]
    assert len(waiting) == 1
    assert not world.processor.paused(pseudonym)


# --- the same guard in the Telegram and WhatsApp channels ----------------------------------
class PausableAgent:
    """The harness agent, silent while its conversation is paused (as Rasa is)."""

    def __init__(self):
        from tests.fakes.harness import ScriptedAgent

        self.inner = ScriptedAgent()
        self.processor = FakeProcessor()
        self.messages = self.inner.messages

    async def handle_message(self, message):
        if self.processor.paused(message.sender_id):
            self.messages.append(message)
            return
        await self.inner.handle_message(message)


async def _pause(agent, pseudonym):
    from bot.handoff.runtime import set_assistant_paused

    await set_assistant_paused(agent, pseudonym, True)


async def test_telegram_resumes_a_conversation_left_paused(world, tmp_path):
    import httpx

    from tests.fakes.harness import fixture, sanic_server
    from tests.fakes.telegram_api import FakeTelegramApi
    from tests.test_channel_telegram_e2e import CHAT, make_channel, post

    api = FakeTelegramApi().start()
    try:
        channel, agent = make_channel(api, tmp_path), PausableAgent()
        world.runtime.app = SimpleNamespace(ctx=SimpleNamespace(agent=agent))
        channel.runtime = world.runtime
        async with sanic_server([channel], agent) as base, httpx.AsyncClient() as client:
            await post(client, base, fixture("telegram", "update_text"))
            pseudonym = agent.messages[0].sender_id
            await _pause(agent, pseudonym)
            before = len(api.texts_to(CHAT))
            update = fixture("telegram", "update_text")
            update = {**update, "update_id": update["update_id"] + 1,
                      "message": {**update["message"], "message_id": 999}}
            await post(client, base, update)
            assert not agent.processor.paused(pseudonym)
            new = api.texts_to(CHAT)[before:]
            assert new and not any("ging iets mis" in t for t in new), new
    finally:
        api.stop()


async def test_whatsapp_resumes_a_conversation_left_paused(world, tmp_path):
    import httpx

    from tests.fakes.graph_api import FakeGraphApi
    from tests.fakes.harness import fixture, sanic_server
    from tests.test_channel_whatsapp_e2e import WA, make_channel, post, with_message

    graph = FakeGraphApi().start()
    try:
        channel, agent = make_channel(graph, tmp_path), PausableAgent()
        world.runtime.app = SimpleNamespace(ctx=SimpleNamespace(agent=agent))
        channel.runtime = world.runtime
        async with sanic_server([channel], agent) as base, httpx.AsyncClient() as client:
            await post(client, base, fixture("whatsapp", "text"))
            pseudonym = agent.messages[0].sender_id
            await _pause(agent, pseudonym)
            before = len(graph.texts_to(WA))
            await post(client, base, with_message("text", "wamid.AGAIN", text={"body": "hallo"}))
            assert not agent.processor.paused(pseudonym)
            new = graph.texts_to(WA)[before:]
            assert new and not any("ging iets mis" in t for t in new), new
    finally:
        graph.stop()


async def test_the_live_crisis_reply_follows_the_language_of_the_request(world):
    await world.channel.handle(world.rasa, body("hello", "english-1"))
    pseudonym = world.channel._pseudonym("english-1")
    view = world.queue.create_request(channel="rest", resident_key=pseudonym, consent=True,
                                      contact_method="chat", buurt="Mariaberg", stadsdeel="West",
                                      language="en")
    world.queue.claim(view.reference, WEST)
    world.queue.set_in_contact(view.reference, WEST, live=True)
    _, replies = await world.channel.handle(world.rasa, body("i want to kill myself", "english-1"))
    text = texts(replies)
    assert_helplines(text)
    assert "Call" in text and "Bel" not in text
