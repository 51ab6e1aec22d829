"""The resident-turn pipeline (bot/channels/pipeline.py) with a fake channel side,
and the three channels (REST, Telegram, WhatsApp) going through that one pipeline."""
from __future__ import annotations

import json
from types import SimpleNamespace

import pytest

from bot import catalogue
from bot.channels.action_failures import record_failure
from bot.channels.common import ButtonRegistry, SenderRateLimiter
from bot.channels.erasure import default_eraser, erase_marker, reset_default_eraser
from bot.channels.live import LiveContact
from bot.channels.output import MessageOutputChannel
from bot.channels.pipeline import Incoming, ResidentPipeline
from bot.channels.stores import ResidentDirectory
from bot.safety import helpline_values
from ontmoet_core.config import load_settings

CRISIS = "ik wil niet meer leven"
FAIL = "<a custom action fails here>"


def helplines(language="nl"):
    return catalogue.text("crisis_now", language).format(**helpline_values())


class FakeQueue:
    """The handoff queue as LiveContact sees it: one resident may be live."""

    def __init__(self, log, live_for=()):
        self.log, self.live_for = log, set(live_for)

    async def resident_contact(self, pseudonym, followup):
        """(live request, reply context): no resident here is answering an opbouwwerker."""
        if pseudonym not in self.live_for:
            return None, None
        return SimpleNamespace(reference="R-1", language="nl"), None

    async def record_resident_message(self, pseudonym, text):
        self.log.append(("relayed", text))

    async def flag_crisis(self, pseudonym, pending=True):
        self.log.append(("crisis flagged",))


class FakeChannel:
    """What the pipeline reads from a channel."""

    def __init__(self, tmp_path, log, limit=20, live_for=()):
        self.settings = load_settings({"ONTMOET_VAR_DIR": str(tmp_path), "ONTMOET_PSEUDONYM_KEY": "k"})
        self.registry = ButtonRegistry()
        self.rate_limiter = SenderRateLimiter(limit)
        self.directory = ResidentDirectory()
        runtime = SimpleNamespace(queue_async=FakeQueue(log, live_for), telegram=None,
                                  settings=self.settings, agent=None)
        self.live = LiveContact(runtime)

    @classmethod
    def name(cls):
        return "nep"


class FakeOutput(MessageOutputChannel):
    def __init__(self, log):
        self.log = log

    async def deliver(self, recipient_id, message):
        self.sent += 1
        self.log.append(("bot", message.get("text")))


class FakeReply:
    def __init__(self, log):
        self.log = log

    async def say(self, text):
        self.log.append(("say", text))

    def output(self, pseudonym, language):
        return FakeOutput(self.log)

    async def handled_by_channel(self, pseudonym, text):
        return False


def assistant(log, *replies, raises=False):
    """A fake Rasa: records what it was given, then answers `replies` (FAIL: an
    action fails there, as bot.rasa_compat's action watch records it)."""

    async def on_new_message(message):
        log.append(("nlu", message.text, message.metadata.get("language")))
        if raises:
            raise RuntimeError("boom")
        for reply in replies:
            if reply == FAIL:
                record_failure("action_search_places")
            elif isinstance(reply, dict):
                await message.output_channel.send_custom_json(message.sender_id, reply)
            else:
                await message.output_channel.send_text_message(message.sender_id, reply)

    return on_new_message


@pytest.fixture
def log():
    return []


@pytest.fixture
def world(tmp_path, log):
    def make(**kwargs):
        channel = FakeChannel(tmp_path, log, **kwargs)
        return channel, ResidentPipeline(channel)

    return make


async def turn(pipeline, log, on_new_message, text="hallo", **kwargs):
    return await pipeline.handle(Incoming("06-1234", text=text, **kwargs), FakeReply(log),
                                 on_new_message)


async def test_an_ordinary_message_reaches_the_assistant_under_a_pseudonym(world, log):
    channel, pipeline = world()
    seen = []

    async def rasa(message):
        seen.append(message.sender_id)
        await assistant(log, "Hallo!")(message)

    assert await turn(pipeline, log, rasa) == "processed"
    assert log == [("nlu", "hallo", "nl"), ("bot", "Hallo!")]
    assert seen == [pipeline.pseudonym("06-1234")] and "1234" not in seen[0]
    address = await channel.directory.lookup(seen[0])
    assert address is not None and address.channel == "nep"


async def test_typed_rasa_syntax_is_plain_text_and_only_an_offered_token_is_a_payload(world, log):
    channel, pipeline = world()
    await turn(pipeline, log, assistant(log, "ok"), text='/affirm{"buurt": "Malberg"}')
    token = channel.registry.offer(pipeline.pseudonym("06-1234"),
                                   [{"title": "Ja", "payload": "/affirm"}])[0].token
    await turn(pipeline, log, assistant(log, "ok"), text=token)
    nlu = [entry[1] for entry in log if entry[0] == "nlu"]
    assert nlu == ['affirm{"buurt": "Malberg"}', "/affirm"]


async def test_the_rate_limit_comes_before_the_nlu(world, log):
    channel, pipeline = world(limit=1)
    assert await turn(pipeline, log, assistant(log, "Hallo!")) == "processed"
    log.clear()
    assert await turn(pipeline, log, assistant(log, "Hallo!"), text="nog een") == "limited"
    assert log == [("say", catalogue.text("slow_down"))]  # the assistant never saw it


async def test_a_crisis_in_live_contact_gets_the_helplines_before_anything_else(world, log):
    channel, pipeline = world()
    channel.live.runtime.queue_async.live_for.add(pipeline.pseudonym("06-1234"))
    assert await turn(pipeline, log, assistant(log, "Hallo!"), text=CRISIS) == "live"
    said = [entry for entry in log if entry[0] == "say"]
    assert said[0] == ("say", helplines())
    assert ("relayed", CRISIS) in log and ("crisis flagged",) in log
    assert not any(entry[0] in ("nlu", "bot") for entry in log)  # the assistant is quiet


async def test_a_crisis_in_live_contact_gets_the_a2_helplines_when_the_conversation_is_a2(
        world, log):
    from rasa.core.tracker_store import InMemoryTrackerStore
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import SlotSet
    from rasa.shared.core.trackers import DialogueStateTracker

    channel, pipeline = world()
    pseudonym = pipeline.pseudonym("06-1234")
    channel.live.runtime.queue_async.live_for.add(pseudonym)
    domain = Domain.load("domain.yml")
    store = InMemoryTrackerStore(domain)
    await store.save(DialogueStateTracker.from_events(
        pseudonym, [SlotSet("language", "nl"), SlotSet("reading_level", "a2")], domain.slots))
    channel.live.runtime.agent = SimpleNamespace(tracker_store=store)
    assert await turn(pipeline, log, assistant(log, "Hallo!"), text=CRISIS) == "live"
    said = [entry for entry in log if entry[0] == "say"]
    a2 = catalogue.text("crisis_now_a2").format(**helpline_values())
    assert said[0] == ("say", a2) and a2 != helplines()
    for key in ("phone_113", "phone_113_free", "phone_112"):  # the same helplines, exactly
        assert helpline_values()[key] in a2 and helpline_values()[key] in helplines()
    assert not any(entry[0] in ("nlu", "bot") for entry in log)


MEDICAL = "mijn man ligt op de grond en ademt niet"


async def test_a_medical_emergency_in_live_contact_gets_112_first(world, log):
    """The same choice as action_crisis (bot.safety.crisis_kind): crisis_now_medical."""
    channel, pipeline = world()
    channel.live.runtime.queue_async.live_for.add(pipeline.pseudonym("06-1234"))
    assert await turn(pipeline, log, assistant(log, "Hallo!"), text=MEDICAL) == "live"
    said = [entry for entry in log if entry[0] == "say"]
    assert said[0] == ("say", catalogue.text("crisis_now_medical").format(**helpline_values()))
    assert said[0][1].startswith("Bel nu meteen 112.")
    assert ("relayed", MEDICAL) in log and ("crisis flagged",) in log


async def test_a_medical_emergency_the_assistant_left_unanswered_gets_112_first(world, log):
    _, pipeline = world()
    await turn(pipeline, log, assistant(log), text=MEDICAL)
    assert log[-1] == ("say", catalogue.text("crisis_now_medical").format(**helpline_values()))


async def test_live_contact_relays_and_the_assistant_stays_quiet(world, log):
    channel, pipeline = world()
    channel.live.runtime.queue_async.live_for.add(pipeline.pseudonym("06-1234"))
    assert await turn(pipeline, log, assistant(log, "Hallo!"), text="dank u wel") == "live"
    assert log == [("relayed", "dank u wel")]


async def test_silence_from_the_assistant_becomes_the_technical_problem(world, log):
    _, pipeline = world()
    assert await turn(pipeline, log, assistant(log)) == "processed"
    assert log[-1] == ("say", catalogue.text("technical_problem"))


async def test_a_crisis_the_assistant_left_unanswered_still_gets_the_helplines(world, log):
    _, pipeline = world()
    await turn(pipeline, log, assistant(log), text=CRISIS)
    assert log[-1] == ("say", helplines()) and ("crisis flagged",) in log


async def test_an_action_failure_holds_back_the_guess_and_says_technical_problem(world, log):
    _, pipeline = world()
    on_new_message = assistant(log, "Ik zoek het voor u op.", FAIL, "Sorry, dat begreep ik niet")
    assert await turn(pipeline, log, on_new_message) == "processed"
    assert log[1:] == [("bot", "Ik zoek het voor u op."),  # the guess after the failure: held back
                       ("say", catalogue.text("technical_problem"))]


async def test_an_exception_never_reaches_the_resident(world, log):
    _, pipeline = world()
    assert await turn(pipeline, log, assistant(log, raises=True)) == "failed"
    assert log[-1] == ("say", catalogue.text("technical_problem"))


async def test_the_erase_marker_calls_the_eraser_and_is_never_shown(world, log):
    channel, pipeline = world()
    reset_default_eraser()
    forgotten = []
    default_eraser().register("test", forgotten.append)
    try:
        await turn(pipeline, log, assistant(log, "Klaar.", erase_marker()), text="ja")
    finally:
        reset_default_eraser()
    assert forgotten == [pipeline.pseudonym("06-1234")]
    assert [entry for entry in log if entry[0] in ("bot", "say")] == [("bot", "Klaar.")]


async def test_the_language_hint_reaches_rasa_and_the_pipelines_own_texts(world, log):
    _, pipeline = world(limit=1)
    await turn(pipeline, log, assistant(log), language="en")
    await turn(pipeline, log, assistant(log), language="en")
    assert log == [("nlu", "hallo", "en"), ("say", catalogue.text("technical_problem", "en")),
                   ("say", catalogue.text("slow_down", "en"))]


async def test_an_expired_platform_button_and_an_unsupported_message_are_answered_kindly(
        world, log):
    _, pipeline = world()
    assert await turn(pipeline, log, assistant(log), kind="button", text="knop:weg") == "replied"
    assert await turn(pipeline, log, assistant(log), kind="reply",
                      reply_key="channel_unsupported_voice") == "replied"
    assert log == [("say", catalogue.text("channel_button_expired")),
                   ("say", catalogue.text("channel_unsupported_voice"))]


# --- the three channels share the pipeline -------------------------------------------
@pytest.fixture
def channels(tmp_path, monkeypatch):
    """REST, Telegram and WhatsApp as the service builds them, sending nowhere."""
    from bot.channels.whatsapp.client import SendResult
    from bot.service import build_input_channels

    settings = load_settings({"ONTMOET_VAR_DIR": str(tmp_path), "ONTMOET_PSEUDONYM_KEY": "k",
                              "TELEGRAM_BOT_TOKEN": "123:abc", "WHATSAPP_TOKEN": "t",
                              "WHATSAPP_APP_SECRET": "s", "WHATSAPP_PHONE_NUMBER_ID": "1"})
    built = {c.name(): c for c in build_input_channels(settings)}
    sent = {"telegram": [], "whatsapp": []}

    async def execute(chat_id, calls):
        sent["telegram"].extend(call.kwargs["text"] for call in calls)

    async def send(to, message):
        sent["whatsapp"].append(message["text"]["body"])
        return SendResult(True)

    built["telegram"].execute = execute
    built["whatsapp"].client.send = send
    handled = []
    original = ResidentPipeline.handle

    async def spy(self, incoming, reply, on_new_message):
        handled.append(self.name)
        return await original(self, incoming, reply, on_new_message)

    monkeypatch.setattr(ResidentPipeline, "handle", spy)
    yield built, sent, handled
    reset_default_eraser()


async def _one_message_each(built, sent, on_new_message, language="en"):
    """The same silent turn on each channel; what each resident was told."""
    from bot.channels.whatsapp.parse import WhatsAppEvent

    _, rest_replies = await built["rest"].handle(on_new_message, json.dumps(
        {"sender": "bewoner", "message": "hello", "metadata": {"language": language}}).encode())
    await built["telegram"].handle_update(on_new_message, {"update_id": 1, "message": {
        "message_id": 1, "chat": {"id": 42, "type": "private"},
        "from": {"id": 42, "language_code": language}, "text": "hello"}})
    await built["whatsapp"].handle_event(on_new_message, WhatsAppEvent(
        "text", message_id="wamid.1", wa_id="31612345678", text="hello"))
    return {"rest": [r["text"] for r in rest_replies], **sent}


async def test_the_three_channels_go_through_one_pipeline(channels, log):
    built, sent, handled = channels
    told = await _one_message_each(built, sent, assistant(log))
    assert handled == ["rest", "telegram", "whatsapp"]
    # the language hint reaches Rasa on every channel (REST used to send none)
    assert [entry[2] for entry in log] == ["en", "en", "nl"]  # WhatsApp's webhook has no language
    # and the silence guard speaks the resident's language on REST as on Telegram
    # (REST used to say it in Dutch)
    problem = catalogue.text("technical_problem", "en")
    assert told == {"rest": [problem], "telegram": [problem],
                    "whatsapp": [catalogue.text("technical_problem")]}


async def test_typed_rasa_syntax_is_neutralised_the_same_way_on_every_channel(channels, log):
    from bot.channels.whatsapp.parse import WhatsAppEvent

    built, sent, _ = channels
    typed = '/request_handoff{"buurt": "Malberg"}'
    on_new_message = assistant(log, "ok")
    await built["rest"].handle(on_new_message, json.dumps(
        {"sender": "bewoner", "message": typed}).encode())
    await built["telegram"].handle_update(on_new_message, {"update_id": 2, "message": {
        "message_id": 2, "chat": {"id": 42, "type": "private"}, "from": {"id": 42},
        "text": typed}})
    await built["whatsapp"].handle_event(on_new_message, WhatsAppEvent(
        "text", message_id="wamid.2", wa_id="31612345678", text=typed))
    assert [entry[1] for entry in log if entry[0] == "nlu"] == [typed[1:]] * 3
