"""A medical emergency gets 112 first (utter_crisis_medical), every other crisis
the 113 reply (utter_crisis), on every path: the NLU component writes the kind of
the signal into the parse (`safety_kind`), action_crisis chooses by it, and the
channel layer (live contact, a conversation left silent) makes the same choice
with bot.safety.crisis_kind. The end-to-end test at the bottom uses the test model.
"""
import asyncio
import re
import uuid
from pathlib import Path

import pytest
import yaml
from rasa.shared.nlu.constants import ENTITIES, INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot import catalogue
from bot.channels.live import crisis_replies
from bot.language import response_variant
from bot.nlu.safety import SafetyNet
from bot.safety import (
    CRISIS,
    KIND_RULES,
    MEDICAL,
    assess,
    crisis_kind,
    crisis_response,
    helpline_values,
)
from tests.conftest import post_message, reply_text, tracker_of
from tests.test_safety_crisis import safety_url  # noqa: F401 (fixture)
from tests.test_safety_kinds import KINDS

ROOT = Path(__file__).resolve().parent.parent
DOMAIN = {"responses": yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))["responses"]}

MEDICAL_MESSAGES = [
    "mijn man ligt op de grond en ademt niet",
    "ik heb ineens veel pijn op mijn borst",
    "mijn moeder praat raar en haar mond hangt scheef",
    "mijn zoon bloedt heel erg uit zijn hoofd",
    "mijn vader is gevallen en kan niet meer opstaan",
    "moet ik een ambulance bellen? mijn vrouw reageert niet",
    "my husband collapsed and is not breathing",
]
OTHER_CRISES = ["ik wil niet meer leven", "mijn man slaat mij", "ik slaap vannacht op straat en het vriest"]
# a medical rule with a rule of another kind: the 113 reply, which names 112 too
MIXED = ["ik heb weer gesneden, het bloed stopt niet"]


def parse(text: str, intent: str = "greet") -> dict:
    """The parse the assistant gets: the classifier's intent, then the safety net
    (the last component), as Rasa hands its output properties to the tracker."""
    message = Message({TEXT: text})
    message.set(INTENT, {"name": intent, "confidence": 0.9}, add_to_output=True)
    message.set(ENTITIES, [], add_to_output=True)
    SafetyNet.process_one(message)
    return {"text": text, **message.as_dict(only_output_properties=True)}


def run_crisis(latest: dict, slots=None, monkeypatch=None):
    from actions import safety as safety_actions

    async def nobody(_key):
        return None

    monkeypatch.setattr(safety_actions, "count", lambda kind: None)
    monkeypatch.setattr(safety_actions, "tell_opbouwwerker", nobody)
    tracker = Tracker("t", dict(slots or {}), latest, [], False, None, {}, "action_listen")
    dispatcher = CollectingDispatcher()
    asyncio.run(safety_actions.ActionCrisis().run(dispatcher, tracker, DOMAIN))
    [message] = dispatcher.messages
    return message


# ---- the kind of the signal ------------------------------------------------------
@pytest.mark.parametrize("text", MEDICAL_MESSAGES)
def test_a_medical_emergency_is_a_crisis_of_the_medical_kind(text):
    signal = assess(text)
    assert signal.level == CRISIS and crisis_kind(signal) == MEDICAL, signal


@pytest.mark.parametrize("text", OTHER_CRISES + MIXED)
def test_any_other_crisis_is_not_of_the_medical_kind(text):
    signal = assess(text)
    assert signal.level == CRISIS and crisis_kind(signal) is None, signal


def test_a_check_in_or_nothing_has_no_kind():
    assert crisis_kind(assess("ik heb pillen")) is None  # CHECK_IN
    assert crisis_kind(assess("is er een buurthuis in Malberg?")) is None


def test_the_medical_cases_of_the_kinds_get_the_medical_kind():
    """Every case of the medical kind in tests/test_safety_kinds.py that only
    medical rules found (the mixed one keeps the 113 reply)."""
    cases = KINDS["medical"]
    medical = [text for text in cases if crisis_kind(assess(text)) == MEDICAL]
    assert set(cases) - set(medical) == set(MIXED)


def test_the_medical_rules_are_the_rows_named_medical():
    names = {name for _, name, _, _ in KIND_RULES if name.startswith("medical:")}
    assert names == {"medical:unresponsive", "medical:breathing", "medical:heart-or-stroke",
                     "medical:bleeding", "medical:fallen", "medical:seizure", "medical:poisoned",
                     "medical:call-112"}


# ---- the parse: what bot/nlu/safety.py writes ------------------------------------
def test_the_safety_net_writes_the_medical_kind_into_the_parse():
    latest = parse("mijn man ligt op de grond en ademt niet")
    assert latest["intent"]["name"] == "crisis" and latest["safety_net"] == "crisis"
    assert latest["safety_kind"] == MEDICAL


@pytest.mark.parametrize("text", OTHER_CRISES + MIXED)
def test_no_kind_in_the_parse_of_any_other_crisis(text):
    latest = parse(text)
    assert latest["safety_net"] == "crisis" and "safety_kind" not in latest


# ---- the choice of reply in action_crisis ----------------------------------------
@pytest.mark.parametrize("text", MEDICAL_MESSAGES)
def test_action_crisis_answers_a_medical_emergency_with_112_first(text, monkeypatch):
    message = run_crisis(parse(text), monkeypatch=monkeypatch)
    assert message["response"] == "utter_crisis_medical"
    assert message["phone_112"] == helpline_values()["phone_112"]


@pytest.mark.parametrize("text", OTHER_CRISES + MIXED)
def test_action_crisis_keeps_the_113_reply_for_any_other_crisis(text, monkeypatch):
    assert run_crisis(parse(text), monkeypatch=monkeypatch)["response"] == "utter_crisis"


def test_a_crisis_by_the_classifier_alone_keeps_the_113_reply(monkeypatch):
    """DIET said crisis, the net found nothing: no kind, utter_crisis."""
    latest = parse("het gaat echt niet goed met me", intent="crisis")
    assert latest["intent"]["name"] == "crisis" and "safety_net" not in latest
    assert run_crisis(latest, monkeypatch=monkeypatch)["response"] == "utter_crisis"
    # a kind without the net's crisis (a button, a stale parse) is not trusted
    latest = {"text": "/crisis", "intent": {"name": "crisis"}, "safety_kind": MEDICAL}
    assert run_crisis(latest, monkeypatch=monkeypatch)["response"] == "utter_crisis"


def test_the_choice_is_one_table():
    assert crisis_response(MEDICAL) == "utter_crisis_medical"
    assert crisis_response(None) == crisis_response("unknown") == "utter_crisis"


# ---- the reply itself -------------------------------------------------------------
@pytest.mark.parametrize("language, level, opening", [
    ("nl", "b1", "Bel nu meteen 112."), ("en", "b1", "Call 112 right now."),
    ("nl", "a2", "Bel nu meteen 112."),
])
def test_the_medical_reply_says_112_first_in_each_variant(language, level, opening):
    variant = response_variant(DOMAIN, "utter_crisis_medical", language, level)
    text = variant["text"].format(**helpline_values())
    assert text.startswith(opening), text
    # 112 only: no other helpline before (or instead of) the emergency number
    assert set(re.findall(r"\{(\w+)\}", variant["text"])) == {"phone_112"}
    assert [b["payload"] for b in variant["buttons"]] == ["/request_human"]


def test_the_medical_reply_has_the_variants_of_utter_crisis():
    def conditions(key):
        return [sorted((c["name"], c["value"]) for c in v.get("condition") or [])
                for v in DOMAIN["responses"][key]]

    assert conditions("utter_crisis_medical") == conditions("utter_crisis")


@pytest.mark.parametrize("language, level, key", [
    ("nl", "b1", "crisis_now_medical"), ("en", "b1", "crisis_now_medical"),
    ("nl", "a2", "crisis_now_medical_a2"),
])
def test_live_contact_says_the_same_words(language, level, key):
    """The catalogue text of the channel layer is the domain's text, word for word."""
    domain_text = response_variant(DOMAIN, "utter_crisis_medical", language, level)["text"]
    assert catalogue.text(key, language) == domain_text


# ---- the channel layer: the same choice -------------------------------------------
def test_crisis_replies_choose_by_the_kind():
    values = helpline_values()
    assert crisis_replies("nl", kind=MEDICAL) == (catalogue.text("crisis_now_medical").format(**values),)
    assert crisis_replies("en", kind=MEDICAL)[0].startswith("Call 112")
    assert crisis_replies("nl", reading_level="a2", kind=MEDICAL) == (
        catalogue.text("crisis_now_medical_a2").format(**values),)
    assert crisis_replies("nl") == (catalogue.text("crisis_now").format(**values),)


# ---- end to end: the REST channel on the test model --------------------------------
# a story of several sentences goes through bot/nlu/story.py, which keeps the kind
STORY = "Hallo. Mijn man ligt op de grond. Hij ademt niet. Wat moet ik doen?"


def assert_112_first(replies) -> None:
    crisis = [r for r in replies if "112" in (r.get("text") or "")]
    assert crisis and crisis[0]["text"].startswith("Bel nu meteen 112."), reply_text(replies)
    assert "0800-0113" not in reply_text(replies)
    assert [b["title"] for b in crisis[0].get("buttons") or []] == ["Een mens spreken"]


@pytest.mark.model
@pytest.mark.parametrize("text", MEDICAL_MESSAGES[:3] + [STORY])
def test_a_medical_message_gets_112_first_end_to_end(safety_url, text):  # noqa: F811
    assert_112_first(post_message(safety_url.url, f"medical-{uuid.uuid4().hex[:8]}", text))


@pytest.mark.model
def test_a_medical_message_inside_the_place_search_gets_112_first(safety_url):  # noqa: F811
    sender = f"medical-{uuid.uuid4().hex[:8]}"
    asked = post_message(safety_url.url, sender, "ik zoek een plek om mensen te ontmoeten")
    assert "buurt" in reply_text(asked)
    assert_112_first(post_message(safety_url.url, sender, MEDICAL_MESSAGES[4]))
    assert not (tracker_of(safety_url, sender).get("active_loop") or {}).get("name")


@pytest.mark.model
def test_any_other_crisis_keeps_the_113_reply_end_to_end(safety_url):  # noqa: F811
    text = reply_text(post_message(safety_url.url, f"medical-{uuid.uuid4().hex[:8]}", OTHER_CRISES[0]))
    assert "0800-0113" in text and "Bel nu meteen 112." not in text, text
