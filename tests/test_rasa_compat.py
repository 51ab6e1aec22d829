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
    from rasa.core.policies.rule_policy import RulePolicy
    from rasa.core.processor import MessageProcessor

    wrapped = [(RemoteAction, "run"), (MessageProcessor, "_parse_message_with_graph"),
               (MessageProcessor, "handle_message"), (RulePolicy, "_get_possible_keys")]
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


# -- the rule index: the same rule keys as Rasa's own search, on every rule of the test model
def _rule_lookups():
    import json
    import tarfile

    from tests.conftest import TEST_MODEL, require_test_model

    require_test_model()
    with tarfile.open(TEST_MODEL) as model:
        member = next(m for m in model.getmembers() if m.name.endswith("rule_policy.json"))
        return json.load(model.extractfile(member))["lookup"]


def _conversations(lookup):
    """Each rule's own states, and variations: the latest previous action changed
    or dropped, earlier states dropped, two rules one after the other."""
    import copy
    import json

    rules = [json.loads(key) for key in lookup]
    actions = sorted({s.get("prev_action", {}).get("action_name") for r in rules for s in r} - {None})
    for number, states in enumerate(rules):
        yield states
        yield states[-1:]
        yield rules[(number * 7) % len(rules)][:-1] + states
        for other in (actions[number % len(actions)], "action_listen", "utter_nonexistent"):
            changed = copy.deepcopy(states)
            changed[-1].setdefault("prev_action", {})["action_name"] = other
            yield changed
        dropped = copy.deepcopy(states)
        dropped[-1].pop("prev_action", None)
        yield dropped
        yield [{}] + states


@pytest.mark.model
def test_the_rule_index_finds_the_same_rules_as_rasa():
    from rasa.core.policies.rule_policy import RulePolicy

    original = getattr(RulePolicy._get_possible_keys, "__wrapped__", RulePolicy._get_possible_keys)
    policy = RulePolicy.__new__(RulePolicy)  # the search reads only the lookup it is given
    checked = found = 0
    for name, lookup in _rule_lookups().items():
        if not isinstance(lookup, dict) or not lookup or not name.startswith("rules"):
            continue
        for states in _conversations(lookup):
            expected = original(policy, lookup, states)
            assert rasa_compat._possible_rule_keys(policy, lookup, states) == expected, states
            checked += 1
            found += bool(expected)
    assert checked > 1000 and found > checked / 3  # the variations matched rules, too


def test_the_rule_index_on_rules_of_every_shape():
    """Rules the test model happens not to have: a conversation start (no previous
    action), a previous action by text, an action that should not be set."""
    import json

    from rasa.core.policies.rule_policy import RulePolicy

    shapes = [
        [{}],
        [{"user": {"intent": "greet"}}],
        [{}, {"prev_action": {"action_name": "action_listen"}, "user": {"intent": "greet"}}],
        [{"prev_action": {"action_text": "hallo"}}],
        [{"prev_action": {"action_name": "should_not_be_set"}}],
        [{"prev_action": {"action_name": "utter_greet"}, "slots": {"buurt": [1.0]}}],
        [{"prev_action": {"action_name": "action_listen"}, "user": {"intent": "greet"}},
         {"prev_action": {"action_name": "utter_greet"}}],
    ]
    lookup = {json.dumps(states, sort_keys=True): "utter_x" for states in shapes}
    original = getattr(RulePolicy._get_possible_keys, "__wrapped__", RulePolicy._get_possible_keys)
    policy = RulePolicy.__new__(RulePolicy)
    conversations = [[], [{}], [{"user": {"intent": "greet"}}], *shapes,
                     [{"prev_action": {"action_name": "action_listen"}, "user": {"intent": "bye"}}],
                     [{"prev_action": {"action_text": "iets anders"}}],
                     [{"prev_action": {"action_name": "utter_greet"}, "slots": {"buurt": (1.0,)}}],
                     [{}, {"prev_action": {"action_name": "utter_greet"}}]]
    matched = 0
    for states in conversations:
        expected = original(policy, lookup, states)
        assert rasa_compat._possible_rule_keys(policy, lookup, states) == expected, states
        matched += bool(expected)
    assert matched >= 6
