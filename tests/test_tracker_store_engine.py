"""Rasa's SQLTrackerStore on a SQLite file: pooled connections and WAL (issue 20),
with the conversation stored and read back exactly as before."""
from __future__ import annotations

from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, SessionStarted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy.pool import QueuePool

from bot.rasa_compat import hide_parameters_in_rasa_tracker_store, sqlite_tracker_engine_kwargs


async def test_the_tracker_store_reuses_connections_in_wal_mode(tmp_path):
    hide_parameters_in_rasa_tracker_store()
    store = SQLTrackerStore(Domain.empty(), dialect="sqlite", db=str(tmp_path / "tracker.db"))
    try:
        assert isinstance(store.engine.pool, QueuePool)
        with store.engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL
            first = connection.connection.dbapi_connection
        with store.engine.connect() as connection:
            assert connection.connection.dbapi_connection is first  # pooled, not reopened

        tracker = DialogueStateTracker.from_events("r1", [
            SessionStarted(), ActionExecuted("action_listen"), UserUttered("hallo", {"name": "greet"})])
        await store.save(tracker)
        tracker.update(ActionExecuted("utter_greet"))
        await store.save(tracker)  # only the new event is appended
        again = await store.retrieve("r1")  # the latest session
        assert list(again.events) == list(tracker.events)
        with store.engine.connect() as connection:
            stored = connection.exec_driver_sql("SELECT count(*) FROM events").scalar()
        assert stored == len(tracker.events)
    finally:
        store.engine.dispose()


def test_other_databases_keep_rasas_engine():
    assert sqlite_tracker_engine_kwargs("postgresql://u@127.0.0.1/rasa") == {}
    assert sqlite_tracker_engine_kwargs("sqlite://") == {}
    assert sqlite_tracker_engine_kwargs("sqlite:///:memory:") == {}
