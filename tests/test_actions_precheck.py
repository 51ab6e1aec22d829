"""The subsidy check's actions (actions/precheck.py) with CollectingDispatcher and real trackers."""
from __future__ import annotations

import re

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

import actions.precheck as precheck_actions
from bot.precheck.store import ChecklistStore
from ontmoet_core.db import make_engine, upgrade_database
from tests.knowledge_helpers import fresh_kb

FORM = "precheck_form"
ANSWERS = {"precheck_kind": "huiskamer", "precheck_for_whom": "senioren", "buurt": "Scharn",
           "precheck_people": "10_25", "precheck_frequency": "elke_week", "precheck_similar": "nee"}


@pytest.fixture(scope="module")
def knowledge(tmp_path_factory):
    return fresh_kb(tmp_path_factory.mktemp("kb"))


@pytest.fixture()
def store(tmp_path, knowledge, monkeypatch):
    url = f"sqlite:///{tmp_path / 'ontmoet.db'}"
    upgrade_database(url)
    engine = make_engine(url)
    checklists = ChecklistStore(engine, days=7)
    monkeypatch.setattr(precheck_actions, "knowledge_base", lambda: knowledge)
    monkeypatch.setattr(precheck_actions, "checklist_store", lambda: checklists)
    monkeypatch.setenv("ONTMOET_PUBLIC_URL", "https://ontmoet.example")
    precheck_actions.settings.cache_clear()
    monkeypatch.setattr("actions.places.knowledge_base", lambda: knowledge)
    yield checklists
    precheck_actions.settings.cache_clear()
    engine.dispose()


def answering(slot, text, intent="inform_handoff", entities=(), slots=None):
    """A tracker in the form, the question for `slot` just asked, the resident's answer."""
    values = dict(slots or {})
    values["requested_slot"] = slot
    message = {"text": text, "intent": {"name": intent, "confidence": 0.9},
               "entities": [dict(e) for e in entities]}
    events = [{"event": "action", "name": FORM}, {"event": "user", "text": text, "parse_data": message}]
    return Tracker("resident-1", values, message, events, False, None, {"name": FORM}, "action_listen")


def choice(value):
    return [{"entity": "precheck_choice", "value": value}]


async def extract(method, tracker):
    form = precheck_actions.ValidatePrecheckForm()
    return await getattr(form, method)(CollectingDispatcher(), tracker, {})


async def test_a_button_and_typed_words_fill_the_question_asked(store):
    assert await extract("extract_precheck_kind", answering(
        "precheck_kind", "/inform_handoff", entities=choice("huiskamer"))) == {"precheck_kind": "huiskamer"}
    assert await extract("extract_precheck_kind", answering(
        "precheck_kind", "ik wil een eettafel", intent="start_initiative")) == {
            "precheck_kind": "sociaal_restaurant"}
    assert await extract("extract_precheck_people", answering(
        "precheck_people", "ongeveer 15")) == {"precheck_people": "10_25"}
    assert await extract("extract_precheck_similar", answering(
        "precheck_similar", "ja", intent="affirm")) == {"precheck_similar": "ja"}
    # not the question asked: nothing is read
    assert await extract("extract_precheck_people", answering("precheck_kind", "15")) == {}
    # "een huiskamer" is often read as a place search: still the answer
    assert await extract("extract_precheck_kind", answering(
        "precheck_kind", "een huiskamer", intent="find_meeting_place",
        entities=[{"entity": "place_type", "value": "huiskamer"}])) == {"precheck_kind": "huiskamer"}
    # a question about the subsidy is answered by the digression rule, not read as the answer
    assert await extract("extract_precheck_kind", answering(
        "precheck_kind", "hoeveel geld kan ik krijgen", intent="ask_subsidy")) == {}
    # a way out is not an answer (the form rejects, the way-out rule runs)
    assert await extract("extract_precheck_frequency", answering(
        "precheck_frequency", "stop", intent="start_over")) == {}


async def test_an_unclear_answer_is_asked_again(store):
    form = precheck_actions.ValidatePrecheckForm()
    dispatcher = CollectingDispatcher()
    slots = await form.extract_precheck_similar(dispatcher, answering("precheck_similar", "pizza"), {})
    assert slots == {"precheck_similar": "?"}
    assert form.validate_precheck_similar("?", dispatcher, None, {}) == {"precheck_similar": None}
    assert dispatcher.messages[-1]["response"] == "utter_precheck_not_understood"


async def test_the_buurt_goes_through_the_gazetteer(store):
    form = precheck_actions.ValidatePrecheckForm()
    dispatcher = CollectingDispatcher()
    tracker = answering("buurt", "Scharn", intent="inform_location")
    assert form.validate_buurt("scharn", dispatcher, tracker, {}) == {"buurt": "Scharn"}
    assert form.validate_buurt("Atlantis", dispatcher, tracker, {}) == {"buurt": None}
    assert dispatcher.messages[-1]["response"] == "utter_buurt_unknown"


async def test_start_clears_an_earlier_check_but_keeps_a_known_buurt(store):
    dispatcher = CollectingDispatcher()
    tracker = Tracker("resident-1", dict(ANSWERS), {"text": "check mijn plan"}, [], False, None, {},
                      "action_listen")
    events = await precheck_actions.ActionStartPrecheck().run(dispatcher, tracker, {})
    cleared = {e["name"] for e in events if e["event"] == "slot" and e["value"] is None}
    assert cleared == set(precheck_actions.SLOTS)
    assert dispatcher.messages[0]["response"] == "utter_precheck_intro"


async def test_submit_gives_the_answer_the_checklist_the_link_and_the_offer(store):
    dispatcher = CollectingDispatcher()
    tracker = Tracker("resident-1", dict(ANSWERS), {"text": "nee"}, [], False, None, {}, "action_listen")
    await precheck_actions.ActionSubmitPrecheck().run(dispatcher, tracker, {})
    responses = [m["response"] for m in dispatcher.messages]
    assert responses == ["utter_precheck_answer", "utter_precheck_forward_intro",
                         "utter_precheck_checklist", "utter_precheck_print", "utter_precheck_offer"]
    answer, _, checklist, printed, _ = dispatcher.messages
    assert "(nog niet bevestigd) Onder de vorige regeling" in answer["content"]
    assert "De Koffiepot (Scharn) (voorbeeld, geen echte plek)" in answer["content"]
    assert "[ ] Zorg voor een stichting of vereniging" in checklist["content"]
    token = re.fullmatch(r"https://ontmoet\.example/checklist/([\w-]+)", printed["url"]).group(1)
    assert printed["days"] == 7
    saved = store.load(token)
    assert saved is not None and saved.answers.buurt == "Scharn"
    assert store.count("resident-1") == 1


async def test_the_offer_starts_the_toeleiding_for_a_subsidy_application():
    import yaml

    from tests.test_readability import DOMAIN_FILE

    domain = yaml.safe_load(DOMAIN_FILE.read_text(encoding="utf-8"))
    payloads = [b["payload"] for b in domain["responses"]["utter_precheck_offer"][0]["buttons"]]
    assert '/request_toeleiding{"handoff_kind": "subsidie_aanvraag"}' in payloads
    from bot.handoff.models import KINDS

    assert "subsidie_aanvraag" in KINDS


async def test_submit_without_all_answers_asks_again(store):
    dispatcher = CollectingDispatcher()
    slots = dict(ANSWERS, precheck_similar=None)
    tracker = Tracker("resident-1", slots, {"text": ""}, [], False, None, {}, "action_listen")
    await precheck_actions.ActionSubmitPrecheck().run(dispatcher, tracker, {})
    assert [m["response"] for m in dispatcher.messages] == ["utter_precheck_not_understood"]
    assert store.count("resident-1") == 0
