"""The cached check of action server answers accepts and rejects what Rasa's does."""
from __future__ import annotations

import pytest
from jsonschema import ValidationError, validate
from rasa.core.actions.action import RemoteAction

from bot import rasa_speedups

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
    assert rasa_speedups.validate_action_result(None, GOOD) is True
    assert rasa_speedups.validate_action_result(None, {"events": [], "responses": []}) is True


@pytest.mark.parametrize("result", BAD)
def test_invalid_answers_are_rejected_like_rasa_does(result):
    schema = RemoteAction.action_response_format_spec()
    with pytest.raises(ValidationError):
        validate(result, schema)  # Rasa's own check rejects it ...
    with pytest.raises(ValidationError, match="Failed to validate Action server response"):
        rasa_speedups.validate_action_result(None, result)  # ... and so does ours


def test_install_replaces_the_method_once(monkeypatch):
    monkeypatch.setattr(rasa_speedups, "_installed", False)
    monkeypatch.setattr(RemoteAction, "_validate_action_result",
                        RemoteAction._validate_action_result)
    rasa_speedups.install()
    assert RemoteAction._validate_action_result is rasa_speedups.validate_action_result
    with pytest.raises(ValidationError):
        RemoteAction("action_x", None)._validate_action_result(BAD[0])
