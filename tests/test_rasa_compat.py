"""bot/rasa_compat.py: every patch of a Rasa internal, checked against this Rasa."""
from __future__ import annotations

import pytest
from jsonschema import ValidationError, validate
from rasa.core.actions.action import RemoteAction

from bot import rasa_compat

GOOD = {
    "events": [{"event": "slot", "name": "buurt", "value": "Malberg", "timestamp": None}],
    "responses": [{"response": "utter_places_in_buurt", "buurt": "Malberg", "places": "- 't Ruweel"}],
}
BAD = [
    {"events": [{"event": "no_such_event"}], "responses": []},
    {"events": [{"event": "slot"}], "responses": []},  # a slot event without a name
    {"events": "not a list", "responses": []},
    {"events": [], "responses": ["not an object"]},
]


def test_valid_answers_pass():
    assert rasa_compat.validate_action_result(None, GOOD) is True
    assert rasa_compat.validate_action_result(None, {"events": [], "responses": []}) is True


@pytest.mark.parametrize("result", BAD)
def test_invalid_answers_are_rejected_like_rasa_does(result):
    schema = RemoteAction.action_response_format_spec()
    with pytest.raises(ValidationError):
        validate(result, schema)  # Rasa's own check rejects it ...
    with pytest.raises(ValidationError, match="Failed to validate Action server response"):
        rasa_compat.validate_action_result(None, result)  # ... and so does ours


def test_install_replaces_the_method(monkeypatch):
    monkeypatch.setattr(RemoteAction, "_validate_action_result",
                        RemoteAction._validate_action_result)
    rasa_compat.install_action_validator()
    assert RemoteAction._validate_action_result is rasa_compat.validate_action_result
    with pytest.raises(ValidationError):
        RemoteAction("action_x", None)._validate_action_result(BAD[0])


def test_every_patch_is_installed_once(monkeypatch):
    from rasa.core.processor import MessageProcessor

    wrapped = [(RemoteAction, "run"), (MessageProcessor, "_parse_message_with_graph"),
               (MessageProcessor, "handle_message")]
    base = {}
    for owner, name in wrapped:
        current = getattr(owner, name)
        base[(owner, name)] = getattr(current, "__wrapped__", current)
        monkeypatch.setattr(owner, name, base[(owner, name)])
    monkeypatch.setattr(RemoteAction, "_validate_action_result", RemoteAction._validate_action_result)
    rasa_compat.install_all()
    rasa_compat.install_all()  # idempotent: no wrapper around a wrapper
    for key, original in base.items():
        assert getattr(*key).__wrapped__ is original, key
    assert RemoteAction._validate_action_result is rasa_compat.validate_action_result


def test_a_rasa_without_what_a_patch_replaces_stops_the_start(monkeypatch):
    from rasa.core.processor import MessageProcessor

    monkeypatch.delattr(MessageProcessor, "_parse_message_with_graph")
    with pytest.raises(rasa_compat.RasaChanged, match="_parse_message_with_graph.*RASA_UPGRADE"):
        rasa_compat.install_story_reader()


# Each event checked against its own kind only: the same verdict as Rasa's full oneOf.
SAME_VERDICT = [
    GOOD,
    {"events": [{"event": "bot", "text": "hoi", "data": {}, "metadata": {}}], "responses": []},
    {"events": [{"event": "bot", "text": 3}], "responses": []},  # text of the wrong type
    {"events": [{"event": "action", "name": "action_listen", "policy": None, "confidence": 1.0}]},
    {"events": [{"event": "reset_slots"}, {"event": "pause"}, {"event": "followup", "name": "x"}]},
    {"events": [{"event": "slot", "name": "buurt", "value": "Malberg"}, {"event": "slot"}]},
    {"events": [{"timestamp": 1.0}]},  # no event kind at all
    {"events": [{"event": 7}]},
    {"events": ["not an object"]},
    {"events": [{"event": "session_started", "timestamp": "yesterday"}]},
    {"events": [{"event": "user", "text": "hoi", "parse_data": {"intent": {"name": "greet"}}}]},
    {"events": [{"event": "user", "text": "hoi", "parse_data": "not an object"}]},
    {"responses": [{"response": "utter_x"}], "events": None},
]


@pytest.mark.parametrize("result", SAME_VERDICT)
def test_the_kind_by_kind_check_gives_rasas_verdict(result):
    schema = RemoteAction.action_response_format_spec()
    try:
        validate(result, schema)
        rasa_says_valid = True
    except ValidationError:
        rasa_says_valid = False
    try:
        ours_says_valid = rasa_compat.validate_action_result(None, result)
    except ValidationError:
        ours_says_valid = False
    assert ours_says_valid == rasa_says_valid
