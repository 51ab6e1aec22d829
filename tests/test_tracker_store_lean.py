"""bot/tracker_store.py: the lean tracker store writes and reads exactly what Rasa's
SQLTrackerStore does (same rows, same sessions), with fewer statements per turn."""
from __future__ import annotations

import pytest
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy import event as sa_event
from sqlalchemy.engine import make_url

from bot.endpoints import tracker_store_params
from bot.rasa_compat import hide_parameters_in_rasa_tracker_store
from bot.tracker_store import LeanSQLTrackerStore
from tests.postgres import throwaway_postgres

DOMAIN = Domain.from_yaml("""
version: "3.1"
intents: [greet, find_places]
slots:
  buurt:
    type: text
    mappings: [{type: from_entity, entity: buurt}]
""")
COLUMNS = "sender_id, type_name, timestamp, intent_name, action_name, data"


def _script():
    """The events of two sessions, built once (with their timestamps) for both stores."""
    clock = iter(range(1_000, 2_000))

    def at(event):
        event.timestamp = float(next(clock))
        return event

    def turn(text, intent, reply):
        return [at(e) for e in (UserUttered(text, {"name": intent, "confidence": 0.9}),
                                SlotSet("buurt", "Malberg"), ActionExecuted(reply),
                                BotUttered(reply), ActionExecuted("action_listen"))]

    start = [at(e) for e in (ActionExecuted("action_session_start"), SessionStarted(),
                             ActionExecuted("action_listen"))]
    turns = [turn(f"hallo {number}", "greet", "utter_greet") for number in range(3)]
    second = [at(e) for e in (ActionExecuted("action_session_start"), SessionStarted(),
                              ActionExecuted("action_listen"))] + turn("huiskamer malberg",
                                                                       "find_places", "utter_x")
    return start, turns, second


def _turn(text: str, intent: str, reply: str):
    return [UserUttered(text, {"name": intent, "confidence": 0.9}),
            SlotSet("buurt", "Malberg"), ActionExecuted(reply), BotUttered(reply),
            ActionExecuted("action_listen")]


async def _conversation(store, script=None) -> DialogueStateTracker:
    """Two sessions, each saved turn by turn from a tracker read back from the store."""
    start, turns, second = script or _script()
    tracker = DialogueStateTracker.from_events("bewoner-1", start, slots=DOMAIN.slots)
    await store.save(tracker)
    for events in turns:
        tracker = await store.retrieve("bewoner-1")
        for event in events:
            tracker.update(event)
        await store.save(tracker)
    tracker = await store.retrieve("bewoner-1")
    for event in second:
        tracker.update(event)
    await store.save(tracker)
    return tracker


def _rows(store):
    with store.engine.connect() as connection:
        return [tuple(row) for row in connection.exec_driver_sql(
            f"SELECT {COLUMNS} FROM events ORDER BY id").all()]


def _statements(store):
    seen = []
    sa_event.listen(store.engine, "before_cursor_execute",
                    lambda conn, cursor, statement, *args: seen.append(
                        "COUNT" if "count(" in statement.lower() else statement.split()[0].upper()))
    return seen


async def _same_as_rasa(lean, rasa) -> None:
    script = _script()
    ours, theirs = await _conversation(lean, script), await _conversation(rasa, script)
    assert _rows(lean) == _rows(rasa) and len(_rows(lean)) == 3 + 15 + 8
    assert list(ours.events) == list(theirs.events)
    latest_lean, latest_rasa = await lean.retrieve("bewoner-1"), await rasa.retrieve("bewoner-1")
    assert list(latest_lean.events) == list(latest_rasa.events)  # the latest session only
    assert isinstance(latest_lean.events[0], SessionStarted) and len(latest_lean.events) == 7
    full_lean = await lean.retrieve_full_tracker("bewoner-1")
    full_rasa = await rasa.retrieve_full_tracker("bewoner-1")
    assert list(full_lean.events) == list(full_rasa.events) and len(full_lean.events) == 26
    assert await lean.retrieve("nobody") is None


async def test_the_same_rows_and_sessions_as_rasas_store_on_sqlite(tmp_path):
    hide_parameters_in_rasa_tracker_store()
    lean = LeanSQLTrackerStore(DOMAIN, dialect="sqlite", db=str(tmp_path / "lean.db"))
    rasa = SQLTrackerStore(DOMAIN, dialect="sqlite", db=str(tmp_path / "rasa.db"))
    try:
        await _same_as_rasa(lean, rasa)
    finally:
        lean.engine.dispose()
        rasa.engine.dispose()


@pytest.mark.postgres
async def test_the_same_rows_and_sessions_as_rasas_store_on_postgresql():
    with throwaway_postgres("ontmoet_lean") as url:
        parsed = make_url(url)
        kwargs = dict(dialect="postgresql", host=parsed.host, port=parsed.port,
                      db=parsed.database, username=parsed.username)
        lean = LeanSQLTrackerStore(DOMAIN, **kwargs)
        try:
            await _conversation(lean)
            rasa = SQLTrackerStore(DOMAIN, **kwargs)  # reads what the lean store wrote
            try:
                assert list((await rasa.retrieve("bewoner-1")).events) == \
                    list((await lean.retrieve("bewoner-1")).events)
                assert len(_rows(lean)) == 26
            finally:
                rasa.engine.dispose()
        finally:
            lean.engine.dispose()


@pytest.fixture
async def store(tmp_path):
    """A lean store on a SQLite file holding the two-session conversation."""
    lean = LeanSQLTrackerStore(DOMAIN, dialect="sqlite", db=str(tmp_path / "t.db"))
    try:
        await _conversation(lean)
        yield lean
    finally:
        lean.engine.dispose()


async def test_a_turn_is_one_read_and_one_insert(store):
    seen = _statements(store)
    tracker = await store.retrieve("bewoner-1")
    for event in _turn("nog een", "greet", "utter_greet"):
        tracker.update(event)
    await store.save(tracker)
    assert seen == ["SELECT", "INSERT"]  # no COUNT before the insert
    await store.save(tracker)  # nothing new: nothing written, nothing counted
    assert seen == ["SELECT", "INSERT"]


async def test_a_tracker_it_did_not_read_is_counted_in_the_database(store):
    latest = await store.retrieve("bewoner-1")
    copy = DialogueStateTracker.from_dict("bewoner-1", [e.as_dict() for e in latest.events],
                                          DOMAIN.slots)
    copy.update(ActionExecuted("utter_goodbye"))
    before = len(_rows(store))
    seen = _statements(store)
    await store.save(copy)
    assert seen == ["COUNT", "INSERT"]
    assert len(_rows(store)) == before + 1  # only the new event, as Rasa would


async def test_an_erasure_during_a_turn_is_not_undone_by_the_save(store):
    """Rows removed between the read and the save (the resident's 'verwijder mijn
    gegevens' through the staff side) stay removed: only the turn's new events are
    written, where a count in the database would write the whole conversation back."""
    tracker = await store.retrieve("bewoner-1")
    with store.engine.begin() as connection:
        connection.exec_driver_sql("DELETE FROM events")
    tracker.update(ActionExecuted("utter_goodbye"))
    await store.save(tracker)
    assert [row[4] for row in _rows(store)] == ["utter_goodbye"]


def test_the_service_uses_the_lean_store():
    assert tracker_store_params("sqlite:///var/t.db")["type"] == "bot.tracker_store.LeanSQLTrackerStore"
