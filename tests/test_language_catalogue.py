"""Key replies in each catalogue language (issue 7), the handoff hook, the
crisis/loneliness/way-out actions, run with a
rasa_sdk tracker (no model, no server)."""
import re
import unicodedata
from pathlib import Path

import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import ActiveLoop, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.language import ActionLanguageReply, handoff_language, key_replies
from actions.safety import (
    ActionCrisis,
    ActionLoneliness,
    ActionStartOver,
    form_slots,
)
from bot.catalogue import text
from bot.language import CATALOGUE_LANGUAGES

ROOT = Path(__file__).resolve().parent.parent

KEYS = ["language_can_do", "language_speaks", "language_danger", "language_person_offer",
        "language_person_offer_interpreter",
        "language_person_button", "language_dutch_button", "language_english_button"]
# the script each language is written in: a reply in the wrong script is a bug
SCRIPT = {"ar": "ARABIC", "fa": "ARABIC", "uk": "CYRILLIC", "ti": "ETHIOPIC",
          "tr": "LATIN", "pl": "LATIN", "en": "LATIN"}


@pytest.fixture(autouse=True)
def private_var_dir(tmp_path, monkeypatch):
    """Safety events of these tests are counted in a temporary folder."""
    import actions.safety as safety_actions

    monkeypatch.setattr(safety_actions, "settings", lambda: type("S", (), {"var_dir": tmp_path})())


def tracker(slots=None, active_loop=None, latest_message=None):
    return Tracker(
        "test", slots or {}, latest_message or {"intent": {"name": "other_language"}}, [],
        False, None, {"name": active_loop} if active_loop else {}, "action_listen",
    )


def run(action, slots=None, active_loop=None, domain=None, latest_message=None):
    import asyncio

    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, tracker(slots, active_loop, latest_message),
                                    domain or {}))
    return dispatcher.messages, events


def scripts_of(value: str):
    return {unicodedata.name(ch).split()[0] for ch in value if ch.isalpha()}


@pytest.mark.parametrize("language", CATALOGUE_LANGUAGES + ("en",))
@pytest.mark.parametrize("key", KEYS)
def test_every_key_reply_exists_in_its_own_language(language, key):
    value = text(key, language)
    assert value
    if key != "language_english_button":
        assert value != text(key, "nl")
    assert SCRIPT[language] in scripts_of(value)


@pytest.mark.parametrize("language", CATALOGUE_LANGUAGES)
def test_key_replies_say_what_i_do_dutch_english_112_and_offer_a_person(language):
    intro, offer = key_replies(language)
    intro = intro["text"]
    assert "112" in intro and "{" not in intro
    assert text("language_can_do", language) in intro
    assert text("language_speaks", language) in intro
    assert offer["text"] == text("language_person_offer", language)
    payloads = [b["payload"] for b in offer["buttons"]]
    assert payloads[0] == "/request_toeleiding"
    assert '/speak_english{"language": "en"}' in payloads
    assert '/speak_dutch{"language": "nl"}' in payloads


@pytest.mark.parametrize("language", CATALOGUE_LANGUAGES)
def test_language_reply_records_the_language_for_the_handoff(language):
    messages, events = run(ActionLanguageReply(), slots={"language": language})
    assert messages[0]["text"].startswith(text("language_can_do", language))
    assert SlotSet("preferred_language", language) in events
    assert handoff_language(tracker({"preferred_language": language, "language": "nl"})) == language


def test_language_reply_sets_a_form_aside():
    _, events = run(ActionLanguageReply(), slots={"language": "tr"}, active_loop="place_search_form")
    assert ActiveLoop(None) in events


def test_handoff_language_is_none_for_dutch():
    assert handoff_language(tracker({"language": "nl"})) is None
    assert handoff_language(tracker({"language": "en"})) == "en"


def test_crisis_action_fills_the_numbers_sets_the_form_aside_and_counts(tmp_path, monkeypatch):
    import actions.safety as safety_actions
    from bot.safety import event_counts

    monkeypatch.setattr(safety_actions, "settings", lambda: type("S", (), {"var_dir": tmp_path})())
    flagged = []

    class Queue:
        async def flag_crisis(self, key):
            flagged.append(key)

    monkeypatch.setattr("actions.handoff.handoff_runtime",
                        lambda: type("R", (), {"queue_async": Queue()})())
    messages, events = run(ActionCrisis(), active_loop="place_search_form")
    assert len(flagged) == 1  # the opbouwwerker of an open request hears of it
    assert messages[0]["response"] == "utter_crisis"
    assert {messages[0][k] for k in ("phone_113", "phone_113_free", "phone_112")} == {
        "113", "0800-0113", "112"}
    assert ActiveLoop(None) in events
    assert list(event_counts(tmp_path).values()) == [{"crisis": 1}]


def test_loneliness_action_names_de_luisterlijn(tmp_path, monkeypatch):
    import actions.safety as safety_actions

    monkeypatch.setattr(safety_actions, "settings", lambda: type("S", (), {"var_dir": tmp_path})())
    messages, _ = run(ActionLoneliness())
    assert messages[0]["response"] == "utter_loneliness"
    assert messages[0]["phone_luisterlijn"] == "088 0767 000"


def test_start_over_forgets_form_answers_but_keeps_the_language():
    domain = {"forms": {"place_search_form": {"required_slots": ["buurt"]},
                        "other_form": {"required_slots": ["preferred_language", "reason"]}}}
    assert form_slots(domain) == ["buurt", "reason"]
    messages, events = run(ActionStartOver(), slots={"buurt": "Malberg", "language": "en"},
                           active_loop="place_search_form", domain=domain)
    assert messages[0]["response"] == "utter_start_over"
    assert ActiveLoop(None) in events and SlotSet("buurt", None) in events
    assert not any(isinstance(e, dict) and e.get("name") == "language" for e in events)


def test_translations_are_marked_for_native_review():
    from bot.catalogue import CATALOGUE_FILE

    raw = CATALOGUE_FILE.read_text(encoding="utf-8")
    assert re.search(r"NEEDS REVIEW by a native speaker", raw)


def test_every_domain_response_has_an_english_variation():
    """English is answered in English: each response of domain.yml (also
    new ones) has a variation with condition slot language = en. A text that is
    only a placeholder ("{statuses}") is filled in by an action and exempt."""
    from pathlib import Path

    import yaml

    missing = []
    path = Path(__file__).resolve().parent.parent / "domain.yml"
    for key, variations in ((yaml.safe_load(path.read_text(encoding="utf-8")) or {})
                            .get("responses") or {}).items():
        if all(re.fullmatch(r"\s*\{\w+\}\s*", v.get("text") or "") for v in variations):
            continue
        if not any(c.get("name") == "language" and c.get("value") == "en"
                   for v in variations for c in v.get("condition") or []):
            missing.append(key)
    assert not missing, f"responses without an English variation: {missing}"


@pytest.mark.parametrize("language", CATALOGUE_LANGUAGES)
def test_an_interpreter_is_offered_only_when_the_operator_says_so(language):
    _intro, offer = key_replies(language)
    assert offer["text"] == text("language_person_offer", language)
    assert "tolk" not in text("language_person_offer", "nl")
    _intro, offer = key_replies(language, interpreter=True)
    assert offer["text"] == text("language_person_offer_interpreter", language)
    assert "tolk" in text("language_person_offer_interpreter", "nl")
