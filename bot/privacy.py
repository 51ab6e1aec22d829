"""Retention and erasure of personal data (AVG/GDPR).

Conversations live in Rasa's SQL tracker store (table `events`, one row per
event, keyed by the pseudonymous sender id). Requests for a person live in the
handoff queue (bot/handoff). This module erases both:

* `purge_conversations(url, older_than, now)`: every conversation whose last
  event is older than the retention period;
* `delete_conversation(url, sender_id)`: one resident's conversation, for
  "verwijder mijn gegevens".

`ontmoet privacy purge` runs the retention rules and can run from cron.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
from dataclasses import asdict, dataclass
from typing import Dict, Optional

from sqlalchemy import MetaData, Table, delete, func, inspect, select

from ontmoet_core.config import Settings, load_settings
from ontmoet_core.db import make_engine

logger = logging.getLogger(__name__)

DEFAULT_CONVERSATION_DAYS = 30
DEFAULT_REQUEST_DAYS = 180
DEFAULT_OPEN_REQUEST_DAYS = 90


@dataclass
class PurgeReport:
    conversations_deleted: int = 0
    events_deleted: int = 0
    requests_purged: int = 0
    open_requests_expired: int = 0


def _events_table(engine) -> Optional[Table]:
    if not inspect(engine).has_table("events"):
        return None
    return Table("events", MetaData(), autoload_with=engine)


def delete_conversation(tracker_store_url: str, sender_id: str) -> int:
    """Erase every event of one conversation; returns the number of events."""
    engine = make_engine(tracker_store_url)
    try:
        events = _events_table(engine)
        if events is None:
            return 0
        with engine.begin() as connection:
            result = connection.execute(delete(events).where(events.c.sender_id == sender_id))
            return result.rowcount or 0
    finally:
        engine.dispose()


def purge_conversations(
    tracker_store_url: str, older_than: dt.timedelta, now: Optional[dt.datetime] = None
) -> PurgeReport:
    """Erase conversations whose last event is older than `older_than`."""
    now = now or dt.datetime.now(dt.timezone.utc)
    cutoff = (now - older_than).timestamp()
    report = PurgeReport()
    engine = make_engine(tracker_store_url)
    try:
        events = _events_table(engine)
        if events is None:
            return report
        last_event = (
            select(events.c.sender_id)
            .group_by(events.c.sender_id)
            .having(func.max(events.c.timestamp) < cutoff)
        )
        with engine.begin() as connection:
            stale = [row.sender_id for row in connection.execute(last_event)]
            for start in range(0, len(stale), 500):
                chunk = stale[start : start + 500]
                result = connection.execute(
                    delete(events).where(events.c.sender_id.in_(chunk))
                )
                report.events_deleted += result.rowcount or 0
            report.conversations_deleted = len(stale)
    finally:
        engine.dispose()
    return report


def run_retention(
    settings: Settings,
    conversation_days: int = DEFAULT_CONVERSATION_DAYS,
    request_days: int = DEFAULT_REQUEST_DAYS,
    now: Optional[dt.datetime] = None,
    open_request_days: Optional[int] = DEFAULT_OPEN_REQUEST_DAYS,
) -> PurgeReport:
    """Erase old conversations; anonymise requests closed longer than
    `request_days` ago; close and anonymise requests still open after
    `open_request_days` (None or 0: no maximum). Run by the service on a
    schedule (HandoffRuntime.retention_loop) and by `ontmoet privacy purge`."""
    now = now or dt.datetime.now(dt.timezone.utc)
    _insights_retention(settings, dt.timedelta(days=conversation_days), now)
    report = purge_conversations(
        settings.tracker_store_url_resolved, dt.timedelta(days=conversation_days), now
    )
    from bot.handoff.queue import HandoffQueue

    engine = make_engine(settings.database_url_resolved)
    try:
        queue_now = now.astimezone(dt.timezone.utc).replace(tzinfo=None)
        purged = HandoffQueue(engine).purge(
            now=queue_now, closed_older_than=dt.timedelta(days=request_days),
            open_older_than=dt.timedelta(days=open_request_days) if open_request_days else None)
        report.requests_purged = int(purged.get("requests", 0))
        report.open_requests_expired = int(purged.get("expired_open", 0))
        from bot.staff.accounts import purge_staff

        purge_staff(engine, now=queue_now)
        _reminder_retention(engine, queue_now)
        _checklist_retention(engine, queue_now)
    finally:
        engine.dispose()
    logger.info(
        "retention: %s conversations, %s requests purged",
        report.conversations_deleted,
        report.requests_purged,
    )
    return report


def _reminder_retention(engine, now: dt.datetime) -> None:
    """Reminders go a day after the moment they were for (bot/reminders/store.py)."""
    from sqlalchemy import inspect

    from bot.reminders.store import ReminderStore

    if inspect(engine).has_table("rm_reminder"):
        ReminderStore(engine).purge(now=now)


def _checklist_retention(engine, now: dt.datetime) -> None:
    """Printable checklists of the subsidy check go when their link expires (bot/precheck/store.py)."""
    from sqlalchemy import inspect

    from bot.precheck.store import ChecklistStore

    if inspect(engine).has_table("pc_checklist"):
        ChecklistStore(engine).purge(now=now)


def _insights_retention(settings: Settings, older_than: dt.timedelta, now: dt.datetime) -> None:
    """Read what is not yet collected (so nothing is purged unread), then apply
    the conversation retention to the review queue and the conversation rows."""
    from bot.insights import review
    from bot.insights.collect import collect

    engine = make_engine(settings.database_url_resolved)
    try:
        if not inspect(engine).has_table("ins_review_item"):
            return
        try:
            collect(settings.tracker_store_url_resolved, engine)
        except Exception:  # the retention itself must run regardless
            logger.exception("insights: collecting before the purge failed")
        review.purge(engine, older_than, now)
    finally:
        engine.dispose()


def _cmd_purge(args: argparse.Namespace) -> int:
    report = run_retention(load_settings(), args.conversation_days, args.request_days,
                           open_request_days=args.open_request_days)
    if args.json:
        print(json.dumps(asdict(report)))
    else:
        print(
            f"{report.conversations_deleted} gesprekken ({report.events_deleted} events) "
            f"en {report.requests_purged} verzoeken geanonimiseerd "
            f"(waarvan {report.open_requests_expired} te lang open)"
        )
    return 0


def register(subparsers) -> None:
    privacy = subparsers.add_parser("privacy", help="retention and erasure of personal data")
    sub = privacy.add_subparsers(dest="privacy_command", required=True)
    purge = sub.add_parser("purge", help="erase data older than the retention periods")
    purge.add_argument("--conversation-days", type=int, default=DEFAULT_CONVERSATION_DAYS)
    purge.add_argument("--request-days", type=int, default=DEFAULT_REQUEST_DAYS)
    purge.add_argument("--open-request-days", type=int, default=DEFAULT_OPEN_REQUEST_DAYS,
                       help="open requests older than this are closed and anonymised (0: never)")
    purge.add_argument("--json", action="store_true")
    purge.set_defaults(func=_cmd_purge)


def erase_conversation_in_place(tracker_store_url: str, sender_id: str) -> int:
    """Erase one conversation while Rasa is still handling it ("verwijder mijn gegevens").

    Rasa's SQLTrackerStore saves only the events after the number of rows it
    finds for the current session (rows since the latest `session_started`);
    deleting those rows from inside an action would make Rasa write the whole
    session back after the action. So: rows of earlier sessions are deleted,
    rows of the current session are overwritten with an empty `action_listen`
    event (same id and timestamp, so the count Rasa relies on stays the same;
    `session_started` rows stay as bare markers). What Rasa appends afterwards
    is only the current turn. Returns the number of events erased.
    """
    engine = make_engine(tracker_store_url)
    try:
        events = _events_table(engine)
        if events is None:
            return 0
        mine = events.c.sender_id == sender_id
        with engine.begin() as connection:
            session_start = connection.execute(
                select(func.max(events.c.timestamp)).where(
                    mine, events.c.type_name == "session_started"
                )
            ).scalar()
            erased = 0
            if session_start is not None:
                erased += connection.execute(
                    delete(events).where(mine, events.c.timestamp < session_start)
                ).rowcount or 0
            rows = connection.execute(
                select(events.c.id, events.c.type_name, events.c.timestamp).where(mine)
            ).all()
            for row in rows:
                if row.type_name == "session_started":
                    data = {"event": "session_started", "timestamp": row.timestamp}
                    values: Dict[str, Optional[str]] = dict(intent_name=None, action_name=None)
                else:
                    data = {"event": "action", "name": "action_listen", "timestamp": row.timestamp,
                            "policy": None, "confidence": None}
                    values = dict(type_name="action", intent_name=None, action_name="action_listen")
                connection.execute(
                    events.update().where(events.c.id == row.id)
                    .values(data=json.dumps(data), **values)
                )
                erased += 1
            return erased
    finally:
        engine.dispose()


# --------------------------------------------------------------------------
# A phone number typed in a conversation, not kept without consent (issue 15)
# --------------------------------------------------------------------------
PHONE_REDACTED = "[telefoonnummer weggelaten]"


def redact_phone_numbers(text: str) -> str:
    """`text` with every phone number replaced (the toeleiding's own recogniser:
    Dutch numbers with or without +31/0031, international numbers with +)."""
    from bot.phone import _PHONE_IN_TEXT, normalise_phone

    def replace(match):
        return PHONE_REDACTED if normalise_phone(match.group(0)) else match.group(0)

    return _PHONE_IN_TEXT.sub(replace, text)


def _redact_value(value):
    if isinstance(value, str):
        return redact_phone_numbers(value)
    if isinstance(value, list):
        return [_redact_value(v) for v in value]
    if isinstance(value, dict):
        return {k: _redact_value(v) for k, v in value.items()}
    return value


def scrub_phone_numbers(tracker_store_url: str, sender_id: str) -> int:
    """Replace every phone number in one stored conversation (what the resident
    typed, the slots, the assistant's summary) by a placeholder, in place.

    Run when the resident refused consent or did not send the request: the
    number is then not kept for the 30 days of the conversation. Rows are
    rewritten, never added or deleted, so Rasa's count of the session's events
    stays right (see erase_conversation_in_place). Returns the rows changed."""
    engine = make_engine(tracker_store_url)
    try:
        events = _events_table(engine)
        if events is None:
            return 0
        changed = 0
        with engine.begin() as connection:
            rows = connection.execute(
                select(events.c.id, events.c.data).where(events.c.sender_id == sender_id)
            ).all()
            for row in rows:
                try:
                    data = json.loads(row.data)
                except (TypeError, ValueError):
                    continue
                clean = _redact_value(data)
                if clean != data:
                    connection.execute(events.update().where(events.c.id == row.id)
                                       .values(data=json.dumps(clean)))
                    changed += 1
        return changed
    finally:
        engine.dispose()
