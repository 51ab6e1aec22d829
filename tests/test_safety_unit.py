"""Safeguarding without the model: keyword net, way out, helplines, counting."""
import json
import re
from pathlib import Path

import pytest
import yaml
from rasa.shared.nlu.constants import ENTITIES, INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.safety import SafetyNet
from bot.safety import (
    event_counts,
    helpline_values,
    helplines,
    is_crisis,
    record_event,
    way_out_intent,
)

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("text", [
    "ik wil dood", "Ik wil DOOD!!!", "ik wil gewoon dood", "ik wil niet meer leven",
    "ik denk aan zelfmoord", "zelfmoort", "zelf moord", "selfmoord", "ik ben suicidaal",
    "ik wil er een eind aan maken", "ik wil mezelf iets aandoen",
    "ik zie het niet meer zitten", "I want to kill myself", "i wanna die",
    "was ik maar dood", "ik kan niet meer", "ik ben in gevaar",
])
def test_crisis_phrases_are_caught(text):
    assert is_crisis(text)


@pytest.mark.parametrize("text", [
    "ik ga dood van het lachen", "ik ga dood van de honger", "ik ben doodmoe",
    "is er een buurthuis in Malberg?", "mijn kat is dood", "hoi", "",
    "ik kan niet meer inloggen", "stop", "ik zoek een plek om mensen te ontmoeten",
])
def test_idioms_and_everyday_messages_are_not_a_crisis(text):
    assert not is_crisis(text)


@pytest.mark.parametrize("text, intent", [
    ("menu", "help"), ("Menu", "help"), ("terug naar het menu", "start_over"),
    (" opnieuw! ", "start_over"),
    ("stop", "start_over"), ("STOP", "start_over"), ("begin opnieuw", "start_over"),
    ("help", "help"), ("hulp", "help"), ("mens", "request_human"), ("person", "request_human"),
    ("stopt de bus in Malberg?", None), ("ik wil een menu zien van het restaurant", None),
    ("mijn herinneringen", "list_reminders"), ("Mijn herinneringen!", "list_reminders"),
    ("stop herinneringen", "stop_reminders"), ("stop reminders", "stop_reminders"),
    ("ik heb mooie herinneringen aan Wyck", None),
])
def test_way_out_commands(text, intent):
    assert way_out_intent(text) == intent


def _message(text, intent="inform_location"):
    message = Message({TEXT: text})
    message.set(INTENT, {"name": intent, "confidence": 0.97})
    message.set(ENTITIES, [{"entity": "buurt", "value": "Malberg", "start": 0, "end": 7}])
    return message


def test_safety_net_overrides_a_misclassification_and_drops_entities():
    message = _message("ik woon in Malberg en ik wil niet meer leven")
    SafetyNet.process_one(message)
    assert message.get(INTENT) == {"name": "crisis", "confidence": 1.0}
    assert message.get(ENTITIES) == []  # no buurt: the form cannot carry on


def test_safety_net_turns_stop_into_start_over_in_a_form():
    message = _message("stop")
    SafetyNet.process_one(message)
    assert message.get(INTENT)["name"] == "start_over"


def test_wanting_to_stop_is_the_way_out_but_stopping_with_it_all_is_asked_about():
    """"ermee stoppen" is a check-in phrasing of the net; as the whole message
    "ik wil er mee stoppen" is the way out (a start_over training sentence)."""
    message = _message("ik wil er mee stoppen", intent="start_over")
    SafetyNet.process_one(message)
    assert message.get(INTENT)["name"] == "start_over"
    message = _message("ik stop ermee, met alles", intent="start_over")
    SafetyNet.process_one(message)
    assert message.get(INTENT)["name"] == "crisis"


def test_safety_net_leaves_other_messages_alone():
    message = _message("ik woon in Malberg")
    SafetyNet.process_one(message)
    assert message.get(INTENT)["name"] == "inform_location"
    assert message.get(ENTITIES)


def test_helplines_have_a_number_and_a_source_each():
    lines = helplines()
    assert {"zelfmoordpreventie", "luisterlijn", "emergency"} <= set(lines)
    assert all(entry["phone"] and entry["source"] for entry in lines.values())
    assert helpline_values() == {
        "phone_113": "113", "phone_113_free": "0800-0113",
        "phone_112": "112", "phone_luisterlijn": "088 0767 000",
    }


def test_helpline_numbers_are_typed_nowhere_else():
    """One place: the responses and the catalogue use placeholders only."""
    numbers = [v for k, v in helpline_values().items() if k != "phone_112" and k != "phone_113"]
    files = [ROOT / "domain.yml", ROOT / "bot" / "catalogue.yml"]
    for path in files:
        text = path.read_text(encoding="utf-8")
        for number in numbers:
            assert number not in text, f"{number} typed in {path.name}"


def _responses():
    return (yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8")) or {}).get("responses") or {}


def test_crisis_reply_names_113_0800_0113_and_112_in_both_languages():
    values = helpline_values()
    for variation in _responses()["utter_crisis"]:
        text = variation["text"].format(**values)
        assert "113" in text and "0800-0113" in text and "112" in text
        assert re.search(r"dag en nacht|day and night", text)
        assert variation["buttons"][0]["payload"] == "/request_human"


def test_loneliness_reply_names_de_luisterlijn_then_offers_a_place_and_a_person():
    for variation in _responses()["utter_loneliness"]:
        text = variation["text"].format(**helpline_values())
        assert "De Luisterlijn" in text and "088 0767 000" in text
        payloads = [b["payload"] for b in variation["buttons"]]
        assert payloads == ["/find_meeting_place", "/request_toeleiding"]


def test_disclosure_says_automated_and_how_to_reach_a_person():
    nl, en = _responses()["utter_disclosure"]
    assert "digitale assistent, geen mens" in nl["text"] and "mens" in nl["text"]
    assert "automated assistant" in en["text"] and "person" in en["text"]


def test_events_are_counted_per_day_without_personal_data(tmp_path):
    from datetime import date

    record_event("crisis", tmp_path, day=date(2026, 1, 2))
    record_event("crisis", tmp_path, day=date(2026, 1, 2))
    record_event("loneliness", tmp_path, day=date(2026, 1, 3))
    assert event_counts(tmp_path) == {"2026-01-02": {"crisis": 2}, "2026-01-03": {"loneliness": 1}}
    raw = (tmp_path / "safety-events.json").read_text()
    assert json.loads(raw) and "sender" not in raw and "text" not in raw
    with pytest.raises(ValueError):
        record_event("ik wil dood", tmp_path)  # a text is never a kind


@pytest.mark.parametrize("text", ["ik ga dood van het lachen", "ik ben doodmoe"])
def test_a_classifier_crisis_on_an_idiom_is_overruled(text):
    message = _message(text, intent="crisis")
    SafetyNet.process_one(message)
    assert message.get(INTENT)["name"] == "nlu_fallback"


def test_a_real_crisis_phrase_beats_an_idiom_in_the_same_message():
    message = _message("ik ga dood van het lachen, maar eigenlijk wil ik niet meer leven", intent="crisis")
    SafetyNet.process_one(message)
    assert message.get(INTENT)["name"] == "crisis"


# ---- the check-in: the net is not sure ---------------------------------------
def test_an_uncertain_message_becomes_a_check_in_keeping_the_original():
    message = _message("ik woon in Malberg en ik heb pillen", intent="find_meeting_place")
    assert SafetyNet.process_one(message) == "crisis_check"
    assert message.get(INTENT) == {"name": "crisis_check", "confidence": 1.0}
    assert message.get(ENTITIES) == []  # a form cannot carry on with the buurt
    assert message.get("safety_check") == {
        "intent": "find_meeting_place", "entities": [{"entity": "buurt", "value": "Malberg"}]}


def test_a_classifier_crisis_is_not_weakened_into_a_check_in():
    message = _message("ik heb pillen", intent="crisis")
    SafetyNet.process_one(message)
    assert message.get(INTENT)["name"] == "crisis"


def _tracker(latest, slots=None):
    from rasa_sdk import Tracker

    return Tracker("t", dict(slots or {}), latest, [], False, None, {}, "action_listen")


DOMAIN = {"responses": yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))["responses"]}


@pytest.mark.parametrize("language, yes, no", [("nl", "Ja", "Nee"), ("en", "Yes", "No")])
def test_the_check_in_asks_with_yes_giving_the_helplines_and_no_the_own_answer(
        language, yes, no, tmp_path, monkeypatch):
    import asyncio

    from rasa_sdk.executor import CollectingDispatcher

    from actions import safety as safety_actions

    counted = []
    monkeypatch.setattr(safety_actions, "count", counted.append)
    latest = {"text": "ik woon in Malberg en ik heb pillen", "intent": {"name": "crisis_check"},
              "safety_check": {"intent": "find_meeting_place",
                               "entities": [{"entity": "buurt", "value": "Malberg"}]}}
    dispatcher = CollectingDispatcher()
    events = asyncio.run(safety_actions.ActionCrisisCheckIn().run(
        dispatcher, _tracker(latest, {"language": language}), DOMAIN))
    [message] = dispatcher.messages
    buttons = {b["title"]: b["payload"] for b in message["buttons"]}
    assert buttons == {yes: "/crisis", no: '/find_meeting_place{"buurt": "Malberg"}'}
    assert ("gevaar" if language == "nl" else "danger") in message["text"]
    assert counted == ["crisis_check_in"]
    payload = [e["value"] for e in events if e.get("name") == "crisis_check_payload"]
    assert payload == ['/find_meeting_place{"buurt": "Malberg"}']
    # "nee" typed afterwards: one button back to the own question
    dispatcher = CollectingDispatcher()
    asyncio.run(safety_actions.ActionCrisisCheckNo().run(
        dispatcher, _tracker({"text": "nee"}, {"language": language, "crisis_check_payload": payload[0]}),
        DOMAIN))
    assert [b["payload"] for b in dispatcher.messages[0]["buttons"]] == [payload[0]]


def test_a_check_in_without_an_understood_question_answers_no_with_the_fallback():
    from actions.safety import original_payload

    assert original_payload({"safety_check": {"intent": None, "entities": []}}) == "/nlu_fallback"


def test_the_command_intents_exist_in_the_domain():
    from pathlib import Path

    import yaml

    from bot.safety import REMINDER_COMMANDS
    domain = yaml.safe_load((Path(__file__).resolve().parent.parent / "domain.yml").read_text())
    assert set(REMINDER_COMMANDS.values()) <= set(domain["intents"])
