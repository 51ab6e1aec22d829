"""Opt-in reminders in the dialogue (actions/reminders.py) on the real knowledge data:
the offer after an activity answer (Ja/Nee buttons), the second choice (an hour
before too), consent stored, "mijn herinneringen" with stop buttons, "stop
herinneringen", and "verwijder mijn gegevens" erasing them.
"""
from __future__ import annotations

import json
import re
from datetime import datetime, timedelta, timezone

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

import actions.places as place_actions
import actions.privacy_erase as privacy_erase
import actions.reminders as reminder_actions
from bot.reminders.models import ACTIVITY_DAY, ACTIVITY_HOUR, STOPPED
from bot.reminders.store import ReminderStore
from knowledge import when
from ontmoet_core.config import load_settings
from ontmoet_core.db import make_engine
from tests.knowledge_helpers import fresh_kb
from tests.test_actions_places import DOMAIN
from tests.test_delete_my_data import SENDER, erase_action, tracker_for  # noqa: F401
from tests.test_handoff_support import _sqlite_template, queue, sqlite_url  # noqa: F401

# Tuesday 1 December 2026, 09:00 in Maastricht (the demo programme of the week)
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=when.TZ)


@pytest.fixture(scope="module")
def knowledge(tmp_path_factory):
    return fresh_kb(tmp_path_factory.mktemp("kb"))


@pytest.fixture
def store(sqlite_url):  # noqa: F811
    engine = make_engine(sqlite_url)
    yield ReminderStore(engine)
    engine.dispose()


@pytest.fixture
def dialogue(knowledge, store, monkeypatch):
    for module in (place_actions, reminder_actions):
        monkeypatch.setattr(module, "knowledge_base", lambda: knowledge)
    monkeypatch.setattr(when, "current_time", lambda: NOW)
    monkeypatch.setattr(reminder_actions, "reminder_store", lambda: store)
    monkeypatch.setattr(reminder_actions, "settings", lambda: load_settings({}))
    return store


def tracker(text="", intent="find_activity", entities=(), slots=None, channel="telegram",
            sender=SENDER) -> Tracker:
    events = [{"event": "user", "text": text, "input_channel": channel,
               "parse_data": {"intent": {"name": intent}, "entities": list(entities)}}]
    return Tracker(sender, dict(slots or {}), {"text": text, "intent": {"name": intent},
                                               "entities": list(entities)},
                   events, False, None, {}, "action_listen")


def run(action, tr):
    dispatcher = CollectingDispatcher()
    events = action.run(dispatcher, tr, DOMAIN)
    return dispatcher.messages, {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


def entity_of(payload: str, name: str):
    return json.loads(payload[payload.index("{"):])[name]


def offered(dialogue):
    messages, _ = run(place_actions.ActionFindActivities(), tracker("wat is er te doen"))
    offer = messages[-1]
    assert offer["response"] == "utter_reminder_offer_which", messages
    return offer["buttons"]


def test_an_activity_answer_ends_with_the_offer_and_yes_no_buttons(dialogue):
    buttons = offered(dialogue)
    *yes, no = buttons
    assert no == {"title": "Nee, dank u", "payload": "/no_reminder"}
    assert len(yes) == 3 and all(b["payload"].startswith("/want_reminder{") for b in yes)
    assert all(len(b["title"]) <= 20 for b in buttons)  # WhatsApp's button limit
    assert yes[0]["title"].startswith("01-12 Creatieve")
    assert entity_of(yes[0]["payload"], "reminder_pick") == "demo-creatieve-middag@20261201T1400"


def test_yes_asks_about_an_hour_before_and_whatsapp_is_told_of_the_window(dialogue,
                                                                          monkeypatch):
    token = entity_of(offered(dialogue)[1]["payload"], "reminder_pick")
    pick = [{"entity": "reminder_pick", "value": token}]
    messages, slots = run(reminder_actions.ActionAskReminderHour(),
                          tracker("/want_reminder", "want_reminder", pick))
    assert [m["response"] for m in messages] == ["utter_reminder_ask_hour"]
    assert slots == {"reminder_pick": token}
    messages, _ = run(reminder_actions.ActionAskReminderHour(),
                      tracker("/want_reminder", "want_reminder", pick, channel="whatsapp"))
    assert [m["response"] for m in messages] == ["utter_reminder_whatsapp_number",
                                                 "utter_reminder_whatsapp_window",
                                                 "utter_reminder_ask_hour"]
    monkeypatch.setattr(reminder_actions, "settings", lambda: load_settings(
        {"WHATSAPP_REMINDER_TEMPLATE_NAME": "ontmoet_herinnering"}))
    messages, _ = run(reminder_actions.ActionAskReminderHour(),
                      tracker("/want_reminder", "want_reminder", pick, channel="whatsapp"))
    assert [m["response"] for m in messages] == ["utter_reminder_whatsapp_number",
                                                 "utter_reminder_ask_hour"]
    assert dialogue.for_resident(SENDER) == []  # nothing stored before the last choice


def test_a_made_up_activity_gets_no_reminder(dialogue):
    forged = [{"entity": "reminder_pick", "value": "demo-koffieochtend@20261201T1400"}]
    messages, slots = run(reminder_actions.ActionAskReminderHour(),
                          tracker("/want_reminder", "want_reminder", forged))
    assert [m["response"] for m in messages] == ["utter_reminder_unknown"]
    messages, _ = run(reminder_actions.ActionScheduleReminder(), tracker(
        "/reminder_hour", "reminder_hour", [{"entity": "reminder_hour", "value": "ja"}],
        slots={"reminder_pick": "demo-koffieochtend@20261201T1400"}))
    assert [m["response"] for m in messages] == ["utter_reminder_unknown"]
    assert dialogue.for_resident(SENDER) == []


def choose(token, hour, channel="telegram", sender=SENDER):
    return run(reminder_actions.ActionScheduleReminder(), tracker(
        "/reminder_hour", "reminder_hour", [{"entity": "reminder_hour", "value": hour}],
        slots={"reminder_pick": token}, channel=channel, sender=sender))


def test_the_choice_stores_the_reminders_with_consent_on_the_residents_channel(dialogue):
    # Wednesday 2 December 14:00 Spelletjesmiddag: Tuesday 10:00 and Wednesday 13:00
    token = entity_of(offered(dialogue)[1]["payload"], "reminder_pick")
    assert token == "demo-spelletjesmiddag@20261202T1400"
    messages, slots = choose(token, "ja")
    (message,) = messages
    assert message["response"] == "utter_reminder_set"
    assert message["moments"] == "dinsdag 01-12 om 10:00 en woensdag 02-12 om 13:00"
    assert slots == {"reminder_pick": None}
    views = dialogue.for_resident(SENDER)
    assert [(v.kind, v.channel, v.due_at) for v in views] == [
        (ACTIVITY_DAY, "telegram", datetime(2026, 12, 1, 9, 0)),  # 10:00 CET in UTC
        (ACTIVITY_HOUR, "telegram", datetime(2026, 12, 2, 12, 0))]
    assert all(v.event_at == datetime(2026, 12, 2, 13, 0) for v in views)
    assert views[0].params["demo"] is True and views[0].subject == "demo-spelletjesmiddag"
    assert views[0].address is None  # the service keeps the address it knows (keep_addresses)


def test_only_the_day_before_when_no_hour_is_wanted_and_too_late_is_said(dialogue):
    buttons = offered(dialogue)
    messages, _ = choose(entity_of(buttons[1]["payload"], "reminder_pick"), "nee")
    assert messages[0]["moments"] == "dinsdag 01-12 om 10:00"
    # Tuesday 14:00, today: its day-before moment has passed, only the hour before can be
    today = entity_of(buttons[0]["payload"], "reminder_pick")
    messages, _ = choose(today, "nee", sender="another")
    assert [m["response"] for m in messages] == ["utter_reminder_too_late"]
    messages, _ = choose(today, "ja", sender="another")
    assert messages[0]["moments"] == "dinsdag 01-12 om 13:00"


def test_my_reminders_lists_them_with_stop_buttons_and_stop_works(dialogue):
    buttons = offered(dialogue)
    choose(entity_of(buttons[1]["payload"], "reminder_pick"), "ja")
    choose(entity_of(buttons[2]["payload"], "reminder_pick"), "nee")
    listing = reminder_actions.ActionListReminders()
    messages, _ = run(listing, tracker("mijn herinneringen", "list_reminders"))
    (message,) = messages
    assert message["response"] == "utter_reminders_list"
    lines = message["reminders"].splitlines()
    assert len(lines) == 2 and lines[0].startswith("- Spelletjesmiddag (voorbeeld), woensdag 02-12")
    assert "dinsdag 01-12 om 10:00 en woensdag 02-12 om 13:00" in lines[0]
    assert [b["title"] for b in message["buttons"]][-1] == "Stop alle"
    stop_one = message["buttons"][0]["payload"]
    ids = entity_of(stop_one, "reminder_id")
    messages, _ = run(reminder_actions.ActionStopReminders(), tracker(
        stop_one, "stop_reminders", [{"entity": "reminder_id", "value": ids}]))
    assert [m["response"] for m in messages] == ["utter_reminders_stopped_one"]
    assert [v.state for v in dialogue.for_resident(SENDER)][:2] == [STOPPED, STOPPED]
    messages, _ = run(reminder_actions.ActionStopReminders(),
                      tracker("stop herinneringen", "stop_reminders"))
    assert messages[0]["response"] == "utter_reminders_stopped_all" and messages[0]["count"] == 1
    messages, _ = run(listing, tracker("mijn herinneringen", "list_reminders"))
    assert [m["response"] for m in messages] == ["utter_reminders_none"]
    messages, _ = run(reminder_actions.ActionStopReminders(),
                      tracker("stop herinneringen", "stop_reminders"))
    assert [m["response"] for m in messages] == ["utter_reminders_none"]


async def test_delete_my_data_erases_the_reminders(erase_action, queue, sqlite_url):  # noqa: F811
    store = ReminderStore(queue.engine)
    moment = datetime.now(timezone.utc).replace(tzinfo=None) + timedelta(days=3)
    store.schedule(SENDER, "telegram", moment, "reminder_visit", {"moment": "x"}, address="1")
    store.schedule("someone-else", "telegram", moment, "reminder_visit", {"moment": "x"})
    dispatcher = CollectingDispatcher()
    await privacy_erase.ActionSubmitDeleteMyData().run(dispatcher, tracker_for("ja"), {})
    assert dispatcher.messages[0]["response"] == "utter_delete_done"
    assert store.for_resident(SENDER) == []
    assert len(store.for_resident("someone-else")) == 1


def test_every_reminder_text_key_is_in_the_catalogue():
    from bot import catalogue

    for key in (ACTIVITY_DAY, ACTIVITY_HOUR, "visit"):
        assert re.search(r"\{\w+\}", catalogue.text(f"reminder_{key}"))


# --- the offer's buttons in the conversation's language and reading level (issue 14 point 2)

def offer_for(text: str, slots: dict):
    messages, _ = run(place_actions.ActionFindActivities(), tracker(text, slots=slots))
    offer = messages[-1]
    assert offer["response"].startswith("utter_reminder_offer"), messages
    return offer["buttons"]


@pytest.mark.parametrize("slots, yes, no", [
    ({"language": "en"}, "Yes, please", "No, thank you"),
    ({"language": "nl", "reading_level": "a2"}, "Ja", "Nee"),
    ({}, "Ja, graag", "Nee, dank u"),
])
def test_the_offer_buttons_speak_the_conversations_language_and_level(dialogue, slots, yes, no):
    several = offer_for("wat is er te doen", slots)
    assert several[-1] == {"title": no, "payload": "/no_reminder"}
    one = offer_for("is er een creatieve middag", slots)
    assert [b["title"] for b in one] == [yes, no], one


def test_the_reminder_offer_and_the_second_choice_have_a2_texts_rasa_picks():
    import asyncio

    from rasa.core.nlg import TemplatedNaturalLanguageGenerator
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import SlotSet
    from rasa.shared.core.trackers import DialogueStateTracker

    domain = Domain.load("domain.yml")
    nlg = TemplatedNaturalLanguageGenerator(domain.responses)
    a2 = DialogueStateTracker.from_events("a2", [SlotSet("language", "nl"),
                                                 SlotSet("reading_level", "a2")], domain.slots)
    for key in ("utter_reminder_offer", "utter_reminder_offer_which", "utter_reminder_ask_hour",
                "utter_reminder_button_yes", "utter_reminder_button_no"):
        said = asyncio.run(nlg.generate(key, a2, "rest"))
        b1 = DOMAIN["responses"][key][0]
        assert said["text"] != b1["text"], key
        if b1.get("buttons"):
            assert [b["payload"] for b in said["buttons"]] == [b["payload"] for b in b1["buttons"]]
