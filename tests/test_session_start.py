"""The start of a conversation (bot/session_start.py): the disclosure, in the
service, with the slots carried over; Rasa takes it for action_session_start."""
from pathlib import Path

import pytest
from rasa.core.channels.channel import CollectingOutputChannel
from rasa.core.nlg import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, SlotSet
from rasa.shared.core.trackers import DialogueStateTracker

from bot.language import LANGUAGE_HINT
from bot.session_start import ActionSessionStart

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def domain():
    return Domain.load(str(ROOT / "domain.yml"))


async def start(domain, **slots):
    tracker = DialogueStateTracker.from_events(
        "resident", [SlotSet(name, value) for name, value in slots.items()], domain.slots)
    channel = CollectingOutputChannel()
    events = await ActionSessionStart().run(
        channel, TemplatedNaturalLanguageGenerator(domain.responses), tracker, domain)
    said = [e for e in events if isinstance(e, BotUttered)]
    return said, [e for e in events if not isinstance(e, BotUttered)]


async def test_session_start_discloses_and_carries_the_slots_over(domain):
    said, events = await start(domain, language="en", requested_slot="buurt", buurt="Malberg")
    # Rasa fills a response with the slots from before this action, so the
    # English disclosure is sent as its text (taken from the domain response)
    assert said[0].text.startswith("You are talking to an automated assistant")
    assert events[0] == SessionStarted() and events[-1] == ActionExecuted("action_listen")
    assert SlotSet("language", "en") in events and SlotSet("buurt", "Malberg") in events
    assert SlotSet("requested_slot", "buurt") not in events
    dutch, events = await start(domain, language="nl")
    assert dutch[0].metadata.get("utter_action") == "utter_disclosure"
    assert dutch[0].text == domain.responses["utter_disclosure"][0]["text"]
    assert SlotSet("language", "nl") in events


async def test_session_start_speaks_the_language_of_the_opening_message(domain):
    said, events = await start(domain, language="nl",
                               session_started_metadata={LANGUAGE_HINT: "en"})
    assert said[0].text.startswith("You are talking to an automated assistant")
    assert events.index(SlotSet("language", "en")) > events.index(SlotSet("language", "nl"))


def test_rasa_takes_this_action_for_action_session_start(domain, monkeypatch):
    import rasa.core.actions.action as rasa_actions

    from bot import rasa_compat

    base = rasa_actions.action_for_name_or_text
    monkeypatch.setattr(rasa_actions, "action_for_name_or_text", getattr(base, "__wrapped__", base))
    assert isinstance(rasa_actions.action_for_name_or_text("action_session_start", domain, None),
                      rasa_actions.RemoteAction)  # the model's domain lists it as a custom action
    rasa_compat.install_session_start()
    rasa_compat.install_session_start()  # idempotent
    found = rasa_actions.action_for_name_or_text("action_session_start", domain, None)
    assert isinstance(found, ActionSessionStart)
    assert isinstance(rasa_actions.action_for_name_or_text("action_find_places", domain, None),
                      rasa_actions.RemoteAction)
