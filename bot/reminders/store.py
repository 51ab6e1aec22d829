"""Stored reminders: schedule, list, stop, erase, and take the due ones once.

    store = ReminderStore.from_url(settings.database_url_resolved)
    view = store.schedule(resident_key, "telegram", when, "reminder_visit",
                          {"moment": "donderdag 14:00"}, kind=VISIT, address=chat_id)
    store.upcoming(resident_key)          # what "mijn herinneringen" lists
    store.stop(resident_key)              # "stop herinneringen" (all, or ids=[...])
    for view in store.take_due(): ...     # the service's loop (ReminderRuntime)

`take_due` claims each due reminder with a conditional UPDATE (state
scheduled -> sending) and checks the row count: only the caller whose UPDATE
changed the row sends it, whatever number of service replicas poll the same
database (SQLite ignores SELECT ... FOR UPDATE, so that is not relied on). A
claim left in "sending" by a process that stopped is taken again after
`stale_after`, as long as the moment is still ahead.
"""
from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, Dict, Iterable, List, Optional

from sqlalchemy import delete, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError

from bot.reminders.models import (
    OPEN_STATES,
    SCHEDULED,
    SENDING,
    STATES,
    STOPPED,
    Reminder,
)

logger = logging.getLogger(__name__)

# Channels with a platform address to keep (the web chat and REST are the pseudonym).
ADDRESSED_CHANNELS = ("telegram", "whatsapp")
STALE_AFTER = timedelta(minutes=5)
KEEP_AFTER_EVENT = timedelta(days=1)  # the retention purge removes reminders this long after


def utcnow() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def as_utc(value: datetime) -> datetime:
    """Naive UTC for an aware time; a naive time is taken as UTC already."""
    if value.tzinfo is None:
        return value
    return value.astimezone(timezone.utc).replace(tzinfo=None)


@dataclass(frozen=True)
class ReminderView:
    id: int
    resident_key: str
    channel: str
    address: Optional[str]
    language: str
    kind: str
    subject: Optional[str]
    event_at: datetime
    due_at: datetime
    text_key: str
    params: Dict[str, Any]
    state: str
    attempts: int
    sent_at: Optional[datetime]

    @classmethod
    def of(cls, row: Reminder) -> "ReminderView":
        return cls(id=row.id, resident_key=row.resident_key, channel=row.channel,
                   address=row.address, language=row.language, kind=row.kind,
                   subject=row.subject, event_at=row.event_at, due_at=row.due_at,
                   text_key=row.text_key, params=json.loads(row.params or "{}"),
                   state=row.state, attempts=row.attempts or 0, sent_at=row.sent_at)


class ReminderStore:
    def __init__(self, engine: Engine, clock: Callable[[], datetime] = utcnow,
                 retries: int = 4) -> None:
        from ontmoet_core.db import make_session_factory

        self.engine = engine
        self._sessions = make_session_factory(engine)
        self._clock = clock
        self._retries = max(1, retries)

    @classmethod
    def from_url(cls, url: str, **kwargs) -> "ReminderStore":
        from ontmoet_core.db import make_engine

        return cls(make_engine(url), **kwargs)

    def now(self) -> datetime:
        return self._clock()

    def _retry(self, fn):
        for attempt in range(self._retries):
            try:
                return fn()
            except OperationalError:
                if attempt == self._retries - 1:
                    raise
                time.sleep(0.05 * (2 ** attempt))
        return None  # pragma: no cover - the loop returns or raises

    # -- scheduling (the generic API) -------------------------------------------
    def schedule(self, resident_key: str, channel: str, when: datetime, text_key: str,
                 params: Optional[Dict[str, Any]] = None, kind: str = "other", *,
                 event_at: Optional[datetime] = None, subject: Optional[str] = None,
                 address: Optional[str] = None, language: str = "nl",
                 now: Optional[datetime] = None) -> ReminderView:
        """Store one reminder the resident agreed to (the caller asked consent).

        `when`: the moment to send it (aware, or naive UTC); `event_at`: the
        moment it is about (default `when`), after which it is never sent;
        `text_key` + `params`: a text of bot/catalogue.yml, filled in when it is
        sent, in `language`; `address`: the Telegram chat id or WhatsApp wa_id
        when known (else the service keeps the one it knows, keep_address).
        With a `subject`, asking twice stores one reminder (the first is returned)."""
        if not resident_key or not channel:
            raise ValueError("a reminder needs a resident key and a channel")
        now = now or self._clock()
        due, event = as_utc(when), as_utc(event_at or when)
        row = Reminder(resident_key=resident_key, channel=channel,
                       address=(address or None) if channel in ADDRESSED_CHANNELS else None,
                       language=language or "nl", kind=kind, subject=subject, event_at=event,
                       due_at=due, text_key=text_key,
                       params=json.dumps(params or {}, ensure_ascii=False, sort_keys=True),
                       state=SCHEDULED, consent_at=now, created_at=now, attempts=0)

        def work():
            with self._sessions() as session, session.begin():
                if subject is not None:  # asked twice: the reminder already stored
                    same = session.execute(select(Reminder).where(
                        Reminder.resident_key == resident_key, Reminder.kind == kind,
                        Reminder.subject == subject, Reminder.event_at == event,
                        Reminder.state.in_(OPEN_STATES))).scalars().first()
                    if same is not None:
                        return ReminderView.of(same)
                session.add(row)
                session.flush()
                return ReminderView.of(row)

        return self._retry(work)

    def get(self, reminder_id: int) -> Optional[ReminderView]:
        with self._sessions() as session:
            row = session.get(Reminder, reminder_id)
            return ReminderView.of(row) if row is not None else None

    def upcoming(self, resident_key: str, now: Optional[datetime] = None) -> List[ReminderView]:
        """The resident's reminders still to be sent, by moment."""
        now = now or self._clock()
        with self._sessions() as session:
            rows = session.execute(
                select(Reminder).where(Reminder.resident_key == resident_key,
                                       Reminder.state.in_(OPEN_STATES),
                                       Reminder.event_at > now)
                .order_by(Reminder.event_at, Reminder.due_at, Reminder.id)).scalars().all()
            return [ReminderView.of(r) for r in rows]

    def for_resident(self, resident_key: str) -> List[ReminderView]:
        """Every stored reminder of the resident, whatever its state."""
        with self._sessions() as session:
            rows = session.execute(select(Reminder).where(Reminder.resident_key == resident_key)
                                   .order_by(Reminder.id)).scalars().all()
            return [ReminderView.of(r) for r in rows]

    def stop(self, resident_key: str, ids: Optional[Iterable[int]] = None) -> int:
        """"stop herinneringen": the resident's reminders still waiting (all, or
        those in `ids`) are not sent. Returns how many were stopped."""
        conditions = [Reminder.resident_key == resident_key, Reminder.state == SCHEDULED]
        if ids is not None:
            conditions.append(Reminder.id.in_(list(ids)))

        def work():
            with self._sessions() as session, session.begin():
                return session.execute(update(Reminder).where(*conditions)
                                       .values(state=STOPPED)
                                       .execution_options(synchronize_session=False)).rowcount

        return int(self._retry(work) or 0)

    def erase_resident(self, resident_key: str) -> int:
        """"Verwijder mijn gegevens": every reminder of the resident is deleted."""
        def work():
            with self._sessions() as session, session.begin():
                return session.execute(delete(Reminder).where(
                    Reminder.resident_key == resident_key)
                    .execution_options(synchronize_session=False)).rowcount

        return int(self._retry(work) or 0)

    def purge(self, now: Optional[datetime] = None,
              after_event: timedelta = KEEP_AFTER_EVENT) -> int:
        """Retention: reminders whose moment passed more than `after_event` ago go."""
        cutoff = (now or self._clock()) - after_event

        def work():
            with self._sessions() as session, session.begin():
                return session.execute(delete(Reminder).where(Reminder.event_at < cutoff)
                                       .execution_options(synchronize_session=False)).rowcount

        return int(self._retry(work) or 0)

    # -- the service's side ---------------------------------------------------
    def take_due(self, now: Optional[datetime] = None, limit: int = 50,
                 stale_after: timedelta = STALE_AFTER) -> List[ReminderView]:
        """Due reminders, each claimed by this caller only (see the module's docstring)."""
        now = now or self._clock()
        taken: List[ReminderView] = []
        claimable = ((Reminder.state == SCHEDULED)
                     | ((Reminder.state == SENDING) & (Reminder.claimed_at <= now - stale_after)))
        with self._sessions() as session:
            ids = session.execute(
                select(Reminder.id).where(claimable, Reminder.due_at <= now)
                .order_by(Reminder.due_at, Reminder.id).limit(limit)).scalars().all()
        for reminder_id in ids:
            def work(reminder_id=reminder_id):
                with self._sessions() as session, session.begin():
                    won = session.execute(
                        update(Reminder).where(Reminder.id == reminder_id, claimable,
                                               Reminder.due_at <= now)
                        .values(state=SENDING, claimed_at=now,
                                attempts=Reminder.attempts + 1)
                        .execution_options(synchronize_session=False)).rowcount == 1
                    if not won:
                        return None
                    return ReminderView.of(session.get(Reminder, reminder_id))

            view = self._retry(work)
            if view is not None:
                taken.append(view)
        return taken

    def finish(self, reminder_id: int, state: str, now: Optional[datetime] = None) -> bool:
        """The outcome of a claimed reminder (one of models.STATES)."""
        if state not in STATES:
            raise ValueError(f"unknown reminder state {state!r}")
        now = now or self._clock()
        values: Dict[str, Any] = {"state": state}
        if state not in OPEN_STATES:
            values["sent_at"] = now

        def work():
            with self._sessions() as session, session.begin():
                return session.execute(update(Reminder).where(Reminder.id == reminder_id)
                                       .values(**values)
                                       .execution_options(synchronize_session=False)
                                       ).rowcount == 1

        return bool(self._retry(work))

    def mark_fetched(self, reminder_id: int, state: str, now: Optional[datetime] = None) -> bool:
        """A web chat reminder in the inbox was fetched: waiting -> delivered."""
        from bot.reminders.models import WAITING

        now = now or self._clock()

        def work():
            with self._sessions() as session, session.begin():
                return session.execute(update(Reminder).where(Reminder.id == reminder_id,
                                                              Reminder.state == WAITING)
                                       .values(state=state, sent_at=now)
                                       .execution_options(synchronize_session=False)
                                       ).rowcount == 1

        return bool(self._retry(work))

    def without_address(self, limit: int = 200) -> List[ReminderView]:
        """Open Telegram/WhatsApp reminders whose address the service must still keep."""
        with self._sessions() as session:
            rows = session.execute(
                select(Reminder).where(Reminder.channel.in_(ADDRESSED_CHANNELS),
                                       Reminder.address.is_(None),
                                       Reminder.state.in_(OPEN_STATES))
                .order_by(Reminder.id).limit(limit)).scalars().all()
            return [ReminderView.of(r) for r in rows]

    def keep_address(self, reminder_id: int, address: str) -> bool:
        """The chat address the service knows for this (consented) reminder."""
        def work():
            with self._sessions() as session, session.begin():
                return session.execute(update(Reminder).where(Reminder.id == reminder_id,
                                                              Reminder.address.is_(None))
                                       .values(address=address)
                                       .execution_options(synchronize_session=False)
                                       ).rowcount == 1

        return bool(self._retry(work))
