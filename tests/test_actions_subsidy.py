"""Kracht van de Samenleving step by step (actions/subsidy.py) on the real subsidy data."""
from __future__ import annotations

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

import actions.subsidy as subsidy_actions
from tests.knowledge_helpers import fresh_kb


@pytest.fixture(scope="module")
def knowledge(tmp_path_factory):
    return fresh_kb(tmp_path_factory.mktemp("kb"))


@pytest.fixture()
def kb(knowledge, monkeypatch):
    monkeypatch.setattr(subsidy_actions, "knowledge_base", lambda: knowledge)
    return knowledge


def tracker(text: str = "", step: float = 0.0, intent: str = "ask_subsidy") -> Tracker:
    return Tracker("t", {"subsidy_step": step}, {"text": text, "intent": {"name": intent}, "entities": []},
                   [], False, None, {}, "action_listen")


def run(action, tr):
    dispatcher = CollectingDispatcher()
    events = action.run(dispatcher, tr, {})
    return dispatcher.messages, {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


def test_one_step_a_message_with_next_and_help_buttons(kb):
    steps = kb.subsidy().steps
    messages, slots = run(subsidy_actions.ActionSubsidyStep(), tracker(step=0, intent="next_step"))
    assert [m["response"] for m in messages] == ["utter_subsidy_step", "utter_subsidy_step_buttons"]
    assert messages[0]["step"] == 1 and messages[0]["total"] == len(steps)
    assert messages[0]["content"] == steps[0].text
    assert slots["subsidy_step"] == 1.0


def test_unconfirmed_step_says_check_with_the_gemeente(kb):
    subsidy = kb.subsidy()
    unconfirmed = next(s for s in subsidy.steps if not s.confirmed)
    messages, _ = run(subsidy_actions.ActionSubsidyStep(),
                      tracker(step=unconfirmed.order - 1, intent="next_step"))
    check = [m for m in messages if m["response"] == "utter_subsidy_check"]
    assert check and "14 043" in check[0]["check_with"]


def test_after_the_last_step_help_is_offered_and_the_steps_restart(kb):
    total = len(kb.subsidy().steps)
    messages, slots = run(subsidy_actions.ActionSubsidyStep(), tracker(step=total - 1, intent="next_step"))
    assert messages[-1]["response"] == "utter_subsidy_steps_done"
    assert slots["subsidy_step"] == 0.0


@pytest.mark.parametrize("text,topic", [
    ("wie mag subsidie aanvragen", "for_whom"),
    ("hoeveel geld kan ik krijgen", "budget"),
    ("wat is kracht van de samenleving", "what"),
])
def test_a_question_gets_the_matching_sourced_topic(kb, text, topic):
    messages, _ = run(subsidy_actions.ActionSubsidyInfo(), tracker(text))
    assert messages[0]["response"] == "utter_subsidy_topic"
    assert messages[0]["content"] == kb.subsidy().topic(topic).text


def test_a_deadline_question_does_not_invent_a_date(kb):
    messages, slots = run(subsidy_actions.ActionSubsidyInfo(), tracker("wat is de deadline"))
    step = next(s for s in kb.subsidy().steps if s.order == slots["subsidy_step"])
    assert not step.confirmed
    assert any(m["response"] == "utter_subsidy_check" for m in messages)
