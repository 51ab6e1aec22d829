"""The conversation store: Rasa's SQLTrackerStore with lean statements (issue 20).

Same table, same rows, same behaviour as `rasa.core.tracker_store.SQLTrackerStore`
(the privacy code, the insights and the migrations read that table as before);
what differs is how much Python each resident turn costs on the service's event
loop, where every turn waits for it (a py-spy profile under 10 residents: the
tracker store was a fifth of the main thread):

- **reading** a conversation runs one prepared Core SELECT of the `data` column
  (the same filter as Rasa's: the events since the last `session_started`),
  instead of an ORM query built anew on every call;
- **saving** inserts the new events with one executemany of the table's INSERT,
  instead of an ORM object per event, a flush and a unit of work;
- which events are new: a tracker read by this store remembers how many of its
  events came from the database, so the save needs no COUNT query first. That is
  exact because Rasa holds the conversation's lock from the read to the save (with
  Redis, across replicas). A tracker that this store did not read (a new
  conversation, a copy, all sessions) is counted in the database as Rasa does.

Configured in bot/endpoints.py (`type: bot.tracker_store.LeanSQLTrackerStore`).
"""
from __future__ import annotations

import json
import logging
from typing import Any, Dict, List, Optional

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import SessionStarted
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY

logger = logging.getLogger(__name__)

# On a tracker this store has read: how many of its events are in the database.
STORED_EVENTS = "_ontmoet_stored_events"


class LeanSQLTrackerStore(SQLTrackerStore):
    """SQLTrackerStore with one prepared statement per read, count and save."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        table = self.SQLEvent.__table__
        sender = sa.bindparam("sender_id")
        session_start = (
            sa.select(sa.func.max(table.c.timestamp))
            .where(table.c.sender_id == sender,
                   table.c.type_name == SessionStarted.type_name)
            .scalar_subquery()
        )
        this_session = sa.and_(
            table.c.sender_id == sender,
            sa.or_(table.c.timestamp >= session_start, session_start.is_(None)),
        )
        self._select_session = (
            sa.select(table.c.data).where(this_session).order_by(table.c.id)
        )
        self._select_all = (
            sa.select(table.c.data).where(table.c.sender_id == sender).order_by(table.c.id)
        )
        self._count_session = sa.select(sa.func.count()).select_from(table).where(this_session)
        self._insert = table.insert()

    async def _retrieve(
        self, sender_id: str, fetch_events_from_all_sessions: bool
    ) -> Optional[DialogueStateTracker]:
        statement = self._select_all if fetch_events_from_all_sessions else self._select_session
        with self.engine.connect() as connection:
            rows = connection.execute(statement, {"sender_id": sender_id}).scalars().all()
        if not (self.domain and rows):
            return None
        events = [json.loads(data) for data in rows]
        tracker = DialogueStateTracker.from_dict(sender_id, events, self.domain.slots)
        if not fetch_events_from_all_sessions:
            setattr(tracker, STORED_EVENTS, len(events))
        return tracker

    def _stored_count(self, connection: sa.engine.Connection,
                      tracker: DialogueStateTracker) -> int:
        known = getattr(tracker, STORED_EVENTS, None)
        if isinstance(known, int) and known <= len(tracker.events):
            return known
        return int(connection.execute(self._count_session,
                                      {"sender_id": tracker.sender_id}).scalar() or 0)

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Store the events that are not in the database yet."""
        await self.stream_events(tracker)
        with self.engine.begin() as connection:
            stored = self._stored_count(connection, tracker)
            rows = [self._row(tracker.sender_id, event)
                    for event in list(tracker.events)[stored:]]
            if rows:
                connection.execute(self._insert, rows)
        setattr(tracker, STORED_EVENTS, stored + len(rows))
        logger.debug("tracker stored (%d new events)", len(rows))

    @staticmethod
    def _row(sender_id: str, event) -> Dict[str, Any]:
        data = event.as_dict()
        return {
            "sender_id": sender_id,
            "type_name": event.type_name,
            "timestamp": data.get("timestamp"),
            "intent_name": data.get("parse_data", {}).get("intent", {}).get(INTENT_NAME_KEY),
            "action_name": data.get("name"),
            "data": json.dumps(data),
        }


__all__: List[str] = ["LeanSQLTrackerStore", "STORED_EVENTS"]
