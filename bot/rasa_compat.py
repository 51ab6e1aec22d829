"""Where the project reaches into Rasa 3.6's internals: every patch in one place.

Each patch names what it replaces and checks at start-up that it still exists
(`require`), so an upgrade of Rasa fails loudly when the service starts instead
of silently running without the patch. `install_all()` is called once by
bot/service.py. The upgrade checklist is in docs/RASA_UPGRADE.md.

- install_action_watch: a failing custom action is noticed per message
  (RemoteAction.run; the hold-back in MessageOutputChannel.send_response, the
  method MessageProcessor._send_bot_messages calls)
- install_action_validator: the action server's answers checked with cached
  JSON-schema validators, each event against its own kind
  (RemoteAction._validate_action_result)
- install_story_reader: long messages clause by clause, follow-ups
  (MessageProcessor._parse_message_with_graph)
- install_language_hint: the first reply in the first message's language
  (MessageProcessor.handle_message)
- install_session_start: action_session_start in the service, not on the
  action server (rasa.core.actions.action.action_for_name_or_text)
- hide_parameters_in_rasa_tracker_store: no event data in database errors
  (rasa.core.tracker_store.create_engine_kwargs)
- install_rule_index: the rules that can match the latest state found in an
  index, not by trying all (RulePolicy._get_possible_keys)
"""
from __future__ import annotations

import logging
from functools import lru_cache
from typing import Any, Dict, List, Text

from bot.language import LANGUAGE_HINT  # the metadata key (set by the server only)

logger = logging.getLogger(__name__)


class RasaChanged(RuntimeError):
    """A Rasa internal that the project patches is gone or changed."""


def require(owner: Any, attribute: str) -> Any:
    """The attribute a patch replaces; RasaChanged when Rasa no longer has it."""
    if not hasattr(owner, attribute):
        raise RasaChanged(
            f"{getattr(owner, '__name__', owner)}.{attribute} no longer exists in this Rasa "
            "version: see docs/RASA_UPGRADE.md")
    return getattr(owner, attribute)


def install_story_reader() -> None:
    """Long messages are parsed clause by clause, and a short "en ..." after an
    answer as a follow-up of that answer (bot/nlu/story.py).

    Replaces MessageProcessor._parse_message_with_graph(message, tracker,
    only_output_properties), the one step where Rasa 3.6 runs the NLU graph on
    a user message (Agent.parse_message and every channel come through it).
    Idempotent."""
    from rasa.core.channels.channel import UserMessage
    from rasa.core.processor import MessageProcessor
    from rasa.shared.core.events import ActionExecuted

    from bot.nlu.story import follow_up, is_story, last_answer, merge_parses, split_clauses

    original = require(MessageProcessor, "_parse_message_with_graph")
    if getattr(original, "ontmoet_story_reader", False):
        return

    def parse_story(self, message, tracker, only_output_properties=True):
        whole = original(self, message, tracker, only_output_properties)
        text = message.text or ""
        if not is_story(text):
            if tracker is None or text.startswith("/"):
                return whole
            actions = [e.action_name for e in tracker.events
                       if isinstance(e, ActionExecuted) and e.action_name]
            return follow_up(whole, last_answer(actions[-6:]))
        clauses = []
        for start, end in split_clauses(text):
            part = UserMessage(text[start:end], sender_id=message.sender_id,
                               input_channel=message.input_channel)
            clauses.append(((start, end), original(self, part, tracker, only_output_properties)))
        merged = merge_parses(whole, clauses)
        merged["text"] = whole.get("text", text)
        return merged

    parse_story.ontmoet_story_reader = True  # type: ignore[attr-defined]  # a marker on a function
    parse_story.__wrapped__ = original  # type: ignore[attr-defined]  # as functools.wraps does
    MessageProcessor._parse_message_with_graph = parse_story


def install_language_hint() -> None:
    """The first reply in the language of the first message.

    Rasa runs action_session_start before it parses the message that opened
    the session, so the disclosure would always be Dutch. This wraps
    MessageProcessor.handle_message(message) to put the language of the
    message's text in its metadata (key LANGUAGE_HINT, set by the server only);
    Rasa hands that metadata to action_session_start in the slot
    `session_started_metadata`. Idempotent."""
    from rasa.core.processor import MessageProcessor

    from bot.language import detected_for_turn

    original = require(MessageProcessor, "handle_message")
    if getattr(original, "ontmoet_language_hint", False):
        return

    async def handle_message(self, message):
        metadata = dict(message.metadata or {})
        metadata.pop(LANGUAGE_HINT, None)  # never taken from a client
        message.metadata = metadata
        text = message.text or ""
        if not text or text.startswith("/"):
            return await original(self, message)
        # the NLU's LanguageDetector reuses this detection (one lingua run per turn)
        with detected_for_turn(text) as language:
            if language:
                metadata[LANGUAGE_HINT] = language
            return await original(self, message)

    handle_message.ontmoet_language_hint = True  # type: ignore[attr-defined]  # a marker on a function
    handle_message.__wrapped__ = original  # type: ignore[attr-defined]  # as functools.wraps does
    MessageProcessor.handle_message = handle_message


def install_session_start() -> None:
    """action_session_start in the service (bot/session_start.py), not on the
    action server: Rasa's action_for_name_or_text gives our action for that
    name, whatever the model's domain lists (a custom action in older models).
    Idempotent."""
    import rasa.core.actions.action as rasa_actions
    from rasa.shared.core.constants import ACTION_SESSION_START_NAME

    from bot.session_start import ActionSessionStart

    original = require(rasa_actions, "action_for_name_or_text")
    if getattr(original, "ontmoet_session_start", False):
        return

    def action_for_name_or_text(action_name_or_text, domain, action_endpoint):
        if action_name_or_text == ACTION_SESSION_START_NAME:
            return ActionSessionStart()
        return original(action_name_or_text, domain, action_endpoint)

    action_for_name_or_text.ontmoet_session_start = True  # type: ignore[attr-defined]  # a marker on a function
    action_for_name_or_text.__wrapped__ = original  # type: ignore[attr-defined]  # as functools.wraps does
    rasa_actions.action_for_name_or_text = action_for_name_or_text


def install_action_watch() -> None:
    """Wrap RemoteAction.run once (idempotent) so that a failure is recorded in
    the watch of the message being handled (bot/channels/action_failures.py).
    Forms validate through RemoteAction too, so this one wrap covers them; form
    rejections are dialogue, not failures."""
    from rasa.core.actions.action import ActionExecutionRejection, RemoteAction
    from rasa.core.channels.channel import OutputChannel
    from rasa.core.processor import MessageProcessor

    from bot.channels.action_failures import record_failure

    require(OutputChannel, "send_response")
    require(MessageProcessor, "_send_bot_messages")
    original = require(RemoteAction, "run")
    if getattr(original, "ontmoet_action_watch", False):
        return

    async def run(self, *args, **kwargs):
        try:
            return await original(self, *args, **kwargs)
        except ActionExecutionRejection:
            raise
        except Exception:
            record_failure(self.name())
            raise

    run.ontmoet_action_watch = True  # type: ignore[attr-defined]  # a marker on a function
    run.__wrapped__ = original  # type: ignore[attr-defined]  # as functools.wraps does
    RemoteAction.run = run


@lru_cache(maxsize=1)
def _action_validators():
    """One validator for the response without its events, and one per event kind.

    Rasa's events schema is a `oneOf` over 23 event kinds, each fixing
    `event` to its own constant: an event is valid under exactly the kind its
    `event` names, or under none. Checking only that kind is the same check,
    without trying the 22 others (about 5 % of the service's main thread under
    load, py-spy)."""
    import copy

    from jsonschema import validators
    from rasa.core.actions.action import RemoteAction

    schema = RemoteAction.action_response_format_spec()
    cls = validators.validator_for(schema)
    cls.check_schema(schema)
    items = schema["properties"]["events"]["items"]
    common = {key: value for key, value in items.items() if key != "oneOf"}
    by_kind = {}
    for kind in items["oneOf"]:
        name = kind["properties"]["event"]["const"]
        by_kind[name] = cls({"allOf": [common, kind]})
    response = copy.deepcopy(schema)
    response["properties"]["events"]["items"] = common
    return cls(response), by_kind


def _action_result_errors(result: Dict[Text, Any]):
    response, by_kind = _action_validators()
    yield from response.iter_errors(result)
    events = result.get("events") if isinstance(result, dict) else None
    if not isinstance(events, list):
        return
    from jsonschema.exceptions import ValidationError

    for index, event in enumerate(events):
        if not isinstance(event, dict) or not isinstance(event.get("event"), str):
            continue  # the common schema above has reported it
        validator = by_kind.get(event["event"])
        if validator is None:
            yield ValidationError(f"{event!r} is not valid under any of the given schemas",
                                  path=["events", index], validator="oneOf")
            continue
        for error in validator.iter_errors(event):
            error.path.extendleft(["events", index])
            yield error


def validate_action_result(self, result: Dict[Text, Any]) -> bool:
    """Rasa 3.6 checks every action server response with jsonschema.validate,
    which meta-validates Rasa's large events schema and builds a new validator
    on every call, on the event loop: about 13 ms per custom action, 38 % of the
    service's CPU under load (docs/BENCHMARKS.md). The same check is kept with
    validators built once, each event checked against its own kind
    (`_action_validators`); an invalid response raises a ValidationError."""
    from jsonschema.exceptions import best_match
    from rasa.shared.constants import DOCS_BASE_URL

    error = best_match(_action_result_errors(result))
    if error is None:
        return True
    error.message += (
        ". Failed to validate Action server response from API, "
        "make sure your response from the Action endpoint is valid. "
        f"For more information about the format visit {DOCS_BASE_URL}/custom-actions"
    )
    raise error


def install_action_validator() -> None:
    from rasa.core.actions.action import RemoteAction

    require(RemoteAction, "_validate_action_result")
    require(RemoteAction, "action_response_format_spec")
    RemoteAction._validate_action_result = validate_action_result


def hide_parameters_in_rasa_tracker_store() -> None:
    """Rasa's SQLTrackerStore builds its own engine (with the conversation's
    events as parameters); give it `hide_parameters=True` as well, so that a
    database error never logs what a resident wrote. For a SQLite file it also
    gets a small connection pool and WAL (`sqlite_tracker_engine_kwargs`).
    Replaces rasa.core.tracker_store.create_engine_kwargs(url). Idempotent."""
    import rasa.core.tracker_store as tracker_store

    original = require(tracker_store, "create_engine_kwargs")
    if getattr(original, "_ontmoet_hides_parameters", False):
        return

    def create_engine_kwargs(url):
        kwargs = dict(original(url))
        kwargs["hide_parameters"] = True
        kwargs.update(sqlite_tracker_engine_kwargs(url))
        return kwargs

    create_engine_kwargs._ontmoet_hides_parameters = True  # type: ignore[attr-defined]  # a marker on a function
    tracker_store.create_engine_kwargs = create_engine_kwargs


def sqlite_tracker_engine_kwargs(url) -> dict:
    """Engine arguments for Rasa's tracker store on a SQLite file (issue 20).

    SQLAlchemy 1.4 opens a new SQLite connection for every session of a file
    database (NullPool), and SQLite's default journal syncs the disk several
    times per commit; Rasa reads and writes the tracker on the event loop, so
    both cost every resident turn (a py-spy profile: about a third of the
    service's main thread). Here: a small pool (QueuePool) and, on every new
    connection, WAL with synchronous=NORMAL: one sync per checkpoint instead of
    per commit; a crash of the service loses nothing, a power cut at most the
    last turns, and the file is never corrupted (https://sqlite.org/wal.html).
    The handoff queue keeps its own engine (ontmoet_core/db.py). {} for any
    other database or an in-memory SQLite."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.pool import QueuePool

    parsed = make_url(str(url))
    if not parsed.drivername.startswith("sqlite") or parsed.database in (None, "", ":memory:"):
        return {}
    path = parsed.database

    def connect():
        import sqlite3

        connection = sqlite3.connect(path, check_same_thread=False, timeout=30)
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA synchronous=NORMAL")
        return connection

    return {"poolclass": QueuePool, "pool_size": 5, "max_overflow": 10, "creator": connect}


class _RuleIndex:
    """The rule keys of one RulePolicy lookup, grouped by the action their last
    state names as the previous action (`prev_action.action_name`)."""

    def __init__(self, lookup: Dict[Text, Any]) -> None:
        from rasa.core.policies.rule_policy import RulePolicy
        from rasa.shared.core.constants import PREVIOUS_ACTION, SHOULD_NOT_BE_SET
        from rasa.shared.nlu.constants import ACTION_NAME

        self.lookup = lookup
        self.size = len(lookup)
        self.starters: List[Text] = []  # the last state has no previous action
        self.any_action: List[Text] = []  # a previous action, but not by name
        self.by_action: Dict[Text, List[Text]] = {}
        for key in lookup:
            previous = RulePolicy._rule_key_to_state(key)[-1].get(PREVIOUS_ACTION)
            if not previous:
                self.starters.append(key)
                continue
            name = previous.get(ACTION_NAME)
            if name and name != SHOULD_NOT_BE_SET and not isinstance(name, list):
                self.by_action.setdefault(name, []).append(key)
            else:
                self.any_action.append(key)

    def candidates(self, state: Dict[Text, Any]) -> List[Text]:
        from rasa.shared.core.constants import PREVIOUS_ACTION
        from rasa.shared.nlu.constants import ACTION_NAME

        previous = state.get(PREVIOUS_ACTION)
        if not previous:
            return self.starters
        return self.by_action.get(previous.get(ACTION_NAME), []) + self.any_action


def _possible_rule_keys(self, lookup, states):
    """RulePolicy._get_possible_keys with the first (latest) state looked up in an
    index instead of tried against every rule (issue 20: about 6 % of the
    service's main thread with ~300 rules).

    Rasa keeps a rule key when every state of the rule matches the conversation's
    state at the same distance from now (`_is_rule_applicable`). For the latest
    state, a rule whose last state has no previous action matches only a
    conversation state without one, and the other way round; a rule whose last
    state names a previous action matches only a state with that action. The
    index gives those candidates; Rasa's own check then runs on them for every
    state, so the result is the same set (tests/test_rasa_compat.py compares both
    on every rule of the test model)."""
    if not states:
        return set(lookup.keys())
    cache = self.__dict__.setdefault("_ontmoet_rule_indexes", {})
    index = cache.get(id(lookup))
    if index is None or index.lookup is not lookup or index.size != len(lookup):
        index = cache[id(lookup)] = _RuleIndex(lookup)
    possible = set(index.candidates(states[-1]))
    for turn, state in enumerate(reversed(states)):
        possible = {key for key in possible if self._is_rule_applicable(key, turn, state)}
        if not possible:
            break
    return possible


def install_rule_index() -> None:
    from rasa.core.policies.rule_policy import RulePolicy

    original = require(RulePolicy, "_get_possible_keys")
    require(RulePolicy, "_is_rule_applicable")
    require(RulePolicy, "_rule_key_to_state")
    if getattr(original, "ontmoet_rule_index", False):
        return
    _possible_rule_keys.ontmoet_rule_index = True  # type: ignore[attr-defined]  # a marker on a function
    _possible_rule_keys.__wrapped__ = original  # type: ignore[attr-defined]  # as functools.wraps does
    RulePolicy._get_possible_keys = _possible_rule_keys


def install_all() -> None:
    """Every patch, each checked against this Rasa (idempotent)."""
    hide_parameters_in_rasa_tracker_store()
    install_action_watch()
    install_action_validator()
    install_story_reader()
    install_language_hint()
    install_session_start()
    install_rule_index()
