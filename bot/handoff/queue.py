"""The toeleiding handoff queue: one service over SQLAlchemy, SQLite or PostgreSQL.

    queue = HandoffQueue(make_engine(settings.database_url_resolved))
    view = queue.create_request(channel="telegram", resident_key=pseudonym,
                                consent=True, contact_method="chat",
                                reason="Ik zoek een huiskamer", buurt="Mariaberg",
                                stadsdeel="West")
    view.reference            # "T-0042", only returned after COMMIT
    queue.claim("T-0042", staff)  -> ClaimResult(won=True, owner="ow-west")
    queue.reply("T-0042", staff, "Ik bel u morgen") -> ActionResult(relay=Relay(...))

Every state change is a conditional UPDATE (`... WHERE status IN (...)`) whose
row count decides the outcome, so concurrent callers never both win, on SQLite
(which ignores SELECT ... FOR UPDATE) and on PostgreSQL alike. Every change
writes an audit event in the same transaction. Methods return plain frozen
dataclasses; errors are HandoffError subclasses with a `code`.

Synchronous by design (short queries). From async code use `asyncio.to_thread`.
"""
from __future__ import annotations

import logging
import re
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, Dict, Iterable, List, Optional, Sequence, Tuple, Union

from sqlalchemy import and_, delete, func, insert, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, OperationalError

from bot.handoff.models import (
    AFGEROND,
    CLOSED_STATUSES,
    CONTACT_CALL_ME,
    CONTACT_CHAT,
    CONTACT_METHODS,
    CONTACT_OUTCOMES,
    CONTACT_PHONE,
    DELIVERED,
    FAILED,
    GEANNULEERD,
    IN_CONTACT,
    KINDS,
    NIEUW,
    OPEN_STATUSES,
    OPGEPAKT,
    STATUSES,
    VISIT_ASKED,
    VISIT_CONFIRMED,
    VISIT_PROPOSED,
    WAITING,
    HandoffEvent,
    HandoffNote,
    HandoffRequest,
)
from bot.handoff.routing import StaffMember, normalise_area
from bot.handoff.texts import resident_text

logger = logging.getLogger(__name__)

REFERENCE_PREFIX = "T-"
MAX_REASON_CHARS = 1000
MAX_NOTE_CHARS = 4000
_REFERENCE_RE = re.compile(r"^\s*(?:t\s*-?\s*)?0*(\d{1,9})\s*$", re.IGNORECASE)
_NOTE_ACTIONS = ("note", "reply", "resident_message")
# Steps that start or end "the opbouwwerker wrote to the resident"
# (HandoffQueue.reply_context). After a live chat (ended or expired) the resident
# talks to the assistant again; a reopened request has a reply context only once
# a reply follows. Not listed, so they keep a written reply's context: a note
# (internal) and the phone-first steps (contact_gebeld, contact_niet_bereikt,
# contact_afspraak: a call does not answer what the resident was asked in writing).
_STAFF_STEPS = ("reply", "claimed", "released", "closed", "reopened", "live_started",
                "live_ended", "live_expired")
_PHONE_RE = re.compile(r"^\+?[0-9][0-9 ()\-]{5,24}$")
# A new request whose alert reached nobody is tried again after this long.
ANNOUNCE_RETRY = timedelta(minutes=10)

Actor = Union[StaffMember, str]

# What the service still has to do with the resident's Rasa conversation
# (HandoffRequest.assistant_sync); set in the transaction of the status change.
SYNC_PAUSE = "pause"
SYNC_RESUME = "resume"  # resume; the resident was already told
SYNC_RESUME_ENDED = "resume:ended"  # resume and tell: live chat ended (e.g. from the CLI)
SYNC_RESUME_EXPIRED = "resume:expired"  # resume and tell: the pause reached its maximum


# --------------------------------------------------------------------------
# Errors
# --------------------------------------------------------------------------
class HandoffError(Exception):
    code = "error"

    def __init__(self, message: str = "", **details) -> None:
        super().__init__(message or self.code)
        self.details = details


class NotFound(HandoffError):
    """No such request, or not visible to this person (same answer: no leak)."""

    code = "not_found"


class NotAllowed(HandoffError):
    """Wrong status or not the owner. details: status, owner."""

    code = "not_allowed"


class InvalidInput(HandoffError):
    code = "invalid"


class ConsentRequired(InvalidInput):
    """Contact details were given without the resident's consent."""

    code = "consent_required"


# --------------------------------------------------------------------------
# Views (plain data out)
# --------------------------------------------------------------------------
@dataclass(frozen=True)
class RequestView:
    reference: str
    channel: str
    resident_key: Optional[str]
    kind: str
    consent: bool
    consent_at: Optional[datetime]
    contact_method: Optional[str]
    channel_address: Optional[str]
    contact_phone: Optional[str]
    buurt: Optional[str]
    stadsdeel: Optional[str]
    reason: Optional[str]
    language: str
    best_moment: Optional[str]
    status: str
    assigned_to: Optional[str]
    live: bool
    created_at: datetime
    updated_at: datetime
    claimed_at: Optional[datetime]
    in_contact_at: Optional[datetime]
    closed_at: Optional[datetime]
    escalated_at: Optional[datetime]
    anonymised_at: Optional[datetime]
    announced_at: Optional[datetime] = None
    live_since: Optional[datetime] = None
    assistant_sync: Optional[str] = None
    sync_attempts: int = 0
    crisis_signal_at: Optional[datetime] = None
    announce_attempted_at: Optional[datetime] = None
    visit_status: Optional[str] = None  # models.VISIT_STATUSES; None: no visit asked
    visit_place_key: Optional[str] = None
    visit_place: Optional[str] = None
    visit_place_demo: bool = False
    visit_moment: Optional[str] = None
    visit_start: Optional[datetime] = None  # naive UTC

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def not_announced(self) -> bool:
        """New, tried, and no alert reached anyone (the dashboard says "niet gemeld")."""
        return (self.status == NIEUW and self.announced_at is None
                and self.announce_attempted_at is not None)

    @property
    def area(self) -> str:
        if self.buurt and self.stadsdeel:
            return f"{self.buurt} ({self.stadsdeel})"
        return self.buurt or self.stadsdeel or "onbekend"

    def to_dict(self) -> dict:
        out = {}
        for key, value in self.__dict__.items():
            out[key] = value.isoformat() if isinstance(value, datetime) else value
        return out


@dataclass(frozen=True)
class NoteView:
    kind: str  # note | reply | resident
    author: str
    text: str
    created_at: datetime
    # replies: delivered | waiting | failed (models.DELIVERY_STATES), None: unknown
    delivery: Optional[str] = None
    delivered_at: Optional[datetime] = None

    def to_dict(self) -> dict:
        return {**self.__dict__, "created_at": self.created_at.isoformat(),
                "delivered_at": self.delivered_at.isoformat() if self.delivered_at else None}


@dataclass(frozen=True)
class EventView:
    at: datetime
    actor: str
    action: str
    field: Optional[str]
    old_value: Optional[str]
    new_value: Optional[str]

    def to_dict(self) -> dict:
        return {**self.__dict__, "at": self.at.isoformat()}


@dataclass(frozen=True)
class RequestDetail:
    request: RequestView
    notes: Tuple[NoteView, ...]
    events: Tuple[EventView, ...]

    def timeline(self) -> List[Tuple[datetime, str, object]]:
        """Notes and events merged by time: [(at, "note"|"event", view), ...]."""
        items: List[Tuple[datetime, str, object]] = [(n.created_at, "note", n) for n in self.notes]
        # note/reply/resident_message events are shown through their notes.
        items += [(e.at, "event", e) for e in self.events if e.action not in _NOTE_ACTIONS]
        return sorted(items, key=lambda item: (item[0], item[1] == "note"))

    def to_dict(self) -> dict:
        return {
            "request": self.request.to_dict(),
            "notes": [n.to_dict() for n in self.notes],
            "events": [e.to_dict() for e in self.events],
        }


@dataclass(frozen=True)
class ResidentStatus:
    """What a resident may hear about one of their own requests."""

    reference: str
    status: str
    text: str  # plain words from the catalogue, in the request's language
    created_at: datetime


@dataclass(frozen=True)
class ClaimResult:
    won: bool
    reference: str
    owner: Optional[str]  # username of whoever has it now
    status: str
    already_owner: bool = False


@dataclass(frozen=True)
class Relay:
    """A message that must reach the resident on their own channel.

    Deliver with `ResidentDirectory.send_to_resident(resident_key, text)`;
    `address` (chat id / wa_id) is set only when the resident consented to
    keep it and can re-register the address after a restart (see deliver_relay).
    """

    reference: str
    channel: str
    resident_key: str
    address: Optional[str]
    language: str
    text: str
    note_id: Optional[int] = None  # the reply in the timeline whose delivery state this sets


@dataclass(frozen=True)
class ActionResult:
    """The request after a change, a message for the resident (if any), and
    whether live chat started (True) or ended (False): pause or resume the
    assistant for `request.resident_key` accordingly (bot/staff/actions.py does)."""

    request: RequestView
    relay: Optional[Relay] = None
    live_changed: Optional[bool] = None


@dataclass(frozen=True)
class ReplyContext:
    """A request whose opbouwwerker wrote to the resident last (or closed it a
    short while ago: after_close)."""

    request: RequestView
    after_close: bool


@dataclass(frozen=True)
class StaffForward:
    """A resident's message during live contact, for the opbouwwerker."""

    reference: str
    staff_username: Optional[str]
    text: str


def utcnow() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def format_reference(request_id: int) -> str:
    return f"{REFERENCE_PREFIX}{request_id:04d}"


def parse_reference(text: Optional[str]) -> Optional[str]:
    """"t-42", "T0042", "42" -> "T-0042"; None when it is not a reference."""
    if not text:
        return None
    match = _REFERENCE_RE.match(str(text))
    if not match:
        return None
    return format_reference(int(match.group(1)))


def _resume(was_live: bool, tell_resident_later: bool) -> dict:
    """The assistant_sync values when a live chat ends (nothing when it was not live)."""
    if not was_live:
        return {}
    return dict(assistant_sync=SYNC_RESUME_ENDED if tell_resident_later else SYNC_RESUME,
                sync_attempts=0)


def keeps_channel_address(channel: Optional[str], contact_method: Optional[str]) -> bool:
    """May the chat address be stored with a request? A Telegram chat id yes (with
    consent); a WhatsApp id is the resident's phone number: only when they asked
    to be called back on it ("bel mij"), never when they chose contact by chat."""
    if channel == "whatsapp":
        return contact_method == CONTACT_CALL_ME
    return True


def _username(actor: Actor) -> str:
    return actor.username if isinstance(actor, StaffMember) else str(actor)


def _is_coordinator(actor: Actor) -> bool:
    return isinstance(actor, StaffMember) and actor.is_coordinator


def _view(row: HandoffRequest) -> RequestView:
    return RequestView(**{name: getattr(row, name) for name in RequestView.__dataclass_fields__})


def _clean(text: Optional[str], limit: int) -> Optional[str]:
    if text is None:
        return None
    text = str(text).strip()
    return text[:limit] if text else None


# --------------------------------------------------------------------------
# The queue
# --------------------------------------------------------------------------
# A request in live chat contact (HandoffQueue.live_request).
_LIVE = HandoffRequest.live.is_(True) & (HandoffRequest.status == IN_CONTACT)


def _reply_candidates(followup: timedelta, now: datetime):
    """Requests the resident may be answering (HandoffQueue.reply_context):
    claimed by someone, not live, not anonymised; open, or closed less than
    `followup` ago."""
    return (HandoffRequest.anonymised_at.is_(None)
            & HandoffRequest.assigned_to.is_not(None)
            & HandoffRequest.live.is_(False)
            & (HandoffRequest.status.in_((OPGEPAKT, IN_CONTACT))
               | ((HandoffRequest.status == AFGEROND)
                  & (HandoffRequest.closed_at >= now - followup))))


class HandoffQueue:
    def __init__(self, engine: Engine, clock: Callable[[], datetime] = utcnow,
                 retries: int = 4, telegram_live_relay: bool = False) -> None:
        from ontmoet_core.db import make_session_factory

        self.engine = engine
        # With the operator setting ONTMOET_TELEGRAM_LIVE_RELAY on, the resident's
        # words in a live chat go through Telegram, and the resident is told so.
        self.live_started_key = ("handoff_live_started_telegram" if telegram_live_relay
                                 else "handoff_live_started")
        self._sessions = make_session_factory(engine)
        self._clock = clock
        self._retries = max(1, retries)

    @classmethod
    def from_url(cls, url: str, **kwargs) -> "HandoffQueue":
        from ontmoet_core.db import make_engine

        return cls(make_engine(url), **kwargs)

    # -- plumbing -------------------------------------------------------------
    def _now(self, now: Optional[datetime]) -> datetime:
        return now if now is not None else self._clock()

    def now(self) -> datetime:
        """The queue's clock (naive UTC): what "now" is for its time limits."""
        return self._clock()

    def _retry(self, fn):
        """Run a write transaction, retrying transient database errors."""
        for attempt in range(self._retries):
            try:
                return fn()
            except OperationalError as exc:
                if attempt == self._retries - 1:
                    raise
                logger.warning("handoff queue: transient database error (%s), retrying",
                               type(exc.orig).__name__)
                time.sleep(0.05 * (2 ** attempt))
            except DBAPIError as exc:
                if not exc.connection_invalidated or attempt == self._retries - 1:
                    raise
                time.sleep(0.05 * (2 ** attempt))

    def _event(self, session, request_id, reference, actor, action, at,
               field=None, old=None, new=None) -> None:
        session.execute(insert(HandoffEvent).values(
            request_id=request_id, reference=reference, at=at, actor=actor,
            action=action, field=field,
            old_value=None if old is None else str(old),
            new_value=None if new is None else str(new),
        ))

    def _load(self, reference: str) -> HandoffRequest:
        ref = parse_reference(reference)
        if ref is None:
            raise NotFound(reference=reference)
        with self._sessions() as session:
            row = session.execute(
                select(HandoffRequest).where(HandoffRequest.reference == ref)
            ).scalar_one_or_none()
        if row is None:
            raise NotFound(reference=ref)
        return row

    def _load_visible(self, reference: str, staff: Optional[Actor]) -> HandoffRequest:
        row = self._load(reference)
        if isinstance(staff, StaffMember) and not staff.can_see(row.buurt, row.stadsdeel,
                                                                row.assigned_to):
            raise NotFound(reference=row.reference)
        return row

    def _transition(self, row: HandoffRequest, actor: Actor, action: str, *,
                    from_statuses: Sequence[str], values: dict, require_owner: bool,
                    now: datetime, field: str = "status", old=None, new=None,
                    extra=None, write_event: bool = True, where=(),
                    before_event=None) -> HandoffRequest:
        """A conditional UPDATE; 0 rows means somebody else changed it first.
        `where`: more conditions the row must meet. `before_event(session)` and
        `extra(session)` run in the same transaction, before and after the event."""
        username = _username(actor)
        conditions = [HandoffRequest.id == row.id, HandoffRequest.status.in_(from_statuses),
                      *where]
        if require_owner and not _is_coordinator(actor):
            conditions.append(HandoffRequest.assigned_to == username)

        def work():
            with self._sessions() as session, session.begin():
                result = session.execute(
                    update(HandoffRequest).where(and_(*conditions))
                    .values(updated_at=now, **values)
                    .execution_options(synchronize_session=False)
                )
                if result.rowcount != 1:
                    return False
                if before_event is not None:
                    before_event(session)
                if write_event:
                    self._event(session, row.id, row.reference, username, action, now,
                                field=field,
                                old=row.status if old is None and field == "status" else old,
                                new=values.get("status") if new is None and field == "status"
                                else new)
                if extra is not None:
                    extra(session)
                return True

        if not self._retry(work):
            current = self._load(row.reference)
            if current.status not in from_statuses:
                raise NotAllowed(f"{current.reference} is {current.status}",
                                 status=current.status, owner=current.assigned_to)
            raise NotAllowed(f"{current.reference} belongs to {current.assigned_to}",
                             status=current.status, owner=current.assigned_to)
        return self._load(row.reference)

    # -- resident side --------------------------------------------------------
    def create_request(self, *, channel: str, resident_key: str, consent: bool,
                       reason: Optional[str] = None, kind: str = "toeleiding",
                       contact_method: Optional[str] = None,
                       channel_address: Optional[str] = None,
                       contact_phone: Optional[str] = None,
                       buurt: Optional[str] = None, stadsdeel: Optional[str] = None,
                       language: str = "nl", best_moment: Optional[str] = None,
                       visit_place_key: Optional[str] = None,
                       visit_place: Optional[str] = None, visit_place_demo: bool = False,
                       visit_moment: Optional[str] = None,
                       visit_start: Optional[datetime] = None,
                       now: Optional[datetime] = None) -> RequestView:
        """Store a request; returns it (with `reference`) only after COMMIT.

        Contact details (channel_address, contact_phone) need consent=True,
        else ConsentRequired. contact_method: "chat" | "telefoon" | "bel_mij".
        """
        if not channel or not resident_key:
            raise InvalidInput("channel and resident_key are required")
        if kind not in KINDS:
            raise InvalidInput(f"unknown kind {kind!r}; one of {KINDS}")
        if contact_method is not None and contact_method not in CONTACT_METHODS:
            raise InvalidInput(f"unknown contact_method {contact_method!r}")
        contact_phone = _clean(contact_phone, 40)
        channel_address = _clean(channel_address, 120)
        if not consent and (contact_phone or channel_address):
            raise ConsentRequired("contact details may only be kept with consent")
        if not keeps_channel_address(channel, contact_method):
            channel_address = None  # a WhatsApp id is a phone number: only for "bel mij"
        if contact_phone and not _PHONE_RE.match(contact_phone):
            raise InvalidInput("that does not look like a phone number")
        if contact_method == CONTACT_PHONE and not contact_phone:
            raise InvalidInput("contact_method 'telefoon' needs contact_phone")
        now = self._now(now)
        values = dict(
            channel=channel[:20], resident_key=resident_key[:80], kind=kind,
            consent=bool(consent), consent_at=now if consent else None,
            contact_method=contact_method, channel_address=channel_address,
            contact_phone=contact_phone, buurt=_clean(buurt, 120),
            stadsdeel=_clean(stadsdeel, 60), reason=_clean(reason, MAX_REASON_CHARS),
            language=(language or "nl")[:10], best_moment=_clean(best_moment, 200),
            status=NIEUW, live=False, created_at=now, updated_at=now,
        )
        visit_moment = _clean(visit_moment, 200)
        if visit_moment:
            values.update(visit_status=VISIT_ASKED, visit_moment=visit_moment,
                          visit_start=visit_start, visit_place_key=_clean(visit_place_key, 80),
                          visit_place=_clean(visit_place, 200),
                          visit_place_demo=bool(visit_place_demo and visit_place))

        def work():
            with self._sessions() as session, session.begin():
                row = HandoffRequest(**values)
                session.add(row)
                session.flush()  # assigns the id
                row.reference = format_reference(row.id)
                self._event(session, row.id, row.reference, "resident", "created", now,
                            field="status", new=NIEUW)
                return row.reference

        reference = self._retry(work)
        return _view(self._load(reference))

    def status_for_resident(self, resident_key: str) -> List[ResidentStatus]:
        """The resident's own requests, newest first, in plain words."""
        if not resident_key:
            return []
        with self._sessions() as session:
            rows = session.execute(
                select(HandoffRequest).where(HandoffRequest.resident_key == resident_key)
                .order_by(HandoffRequest.id.desc())
            ).scalars().all()
        return [
            ResidentStatus(
                reference=row.reference, status=row.status, created_at=row.created_at,
                text=resident_text(f"handoff_status_{row.status}", row.language,
                                   reference=row.reference),
            )
            for row in rows
        ]

    def open_requests_for_resident(self, resident_key: str) -> List[RequestView]:
        with self._sessions() as session:
            rows = session.execute(
                select(HandoffRequest).where(
                    HandoffRequest.resident_key == resident_key,
                    HandoffRequest.status.in_(OPEN_STATUSES),
                ).order_by(HandoffRequest.id.desc())
            ).scalars().all()
        return [_view(r) for r in rows]

    def cancel(self, reference: str, resident_key: str,
               now: Optional[datetime] = None) -> ActionResult:
        """The resident withdraws their own open request (after confirming)."""
        row = self._load(reference)
        if not resident_key or row.resident_key != resident_key:
            raise NotFound(reference=row.reference)
        now = self._now(now)
        was_live = row.live
        updated = self._transition(
            row, "resident", "cancelled", from_statuses=OPEN_STATUSES,
            values=dict(status=GEANNULEERD, closed_at=now, live=False, **_resume(was_live, False)),
            require_owner=False, now=now)
        return ActionResult(_view(updated), self._live_ended_relay(updated) if was_live else None,
                            False if was_live else None)

    def live_request(self, resident_key: str) -> Optional[RequestView]:
        """The request in live chat contact for this resident, if any.

        While this returns a request, the channel forwards the resident's
        messages (record_resident_message) and Rasa stays paused."""
        if not resident_key:
            return None
        with self._sessions() as session:
            row = session.execute(
                select(HandoffRequest).where(
                    HandoffRequest.resident_key == resident_key, _LIVE,
                ).order_by(HandoffRequest.id.desc()).limit(1)
            ).scalar_one_or_none()
        return _view(row) if row else None

    def reply_context(self, resident_key: str, followup: timedelta = timedelta(days=14),
                      now: Optional[datetime] = None) -> Optional[ReplyContext]:
        """The request whose opbouwwerker the resident may be answering, if any.

        An open request (not in live chat) whose last step by staff is a message
        to the resident (a reply after the claim, not undone by a release or a
        live chat; a note does not count); else a request an opbouwwerker closed
        less than `followup` ago (after_close; 0 switches that off). The newest
        such request wins; an open one before a closed one."""
        return self.resident_contact(resident_key, followup, now, live=False)[1]

    def resident_contact(self, resident_key: str, followup: timedelta = timedelta(days=14),
                         now: Optional[datetime] = None, live: bool = True,
                         ) -> Tuple[Optional[RequestView], Optional[ReplyContext]]:
        """(live_request, reply_context) in one query: what the channel asks
        before every resident message (bot/channels/live.py). The reply context
        is only looked for when there is no live request (then it is None);
        `live=False` looks for the reply context only."""
        if not resident_key:
            return None, None
        now = self._now(now)
        replying = _reply_candidates(followup, now)
        wanted = (_LIVE | replying) if live else replying
        with self._sessions() as session:
            rows = session.execute(
                select(HandoffRequest).where(HandoffRequest.resident_key == resident_key, wanted)
                .order_by(HandoffRequest.id.desc())
            ).scalars().all()
            in_live = [row for row in rows if row.live and row.status == IN_CONTACT]
            if in_live:
                return _view(in_live[0]), None
            last_steps = {}
            for row in rows:
                if row.status == AFGEROND:
                    continue
                last_steps[row.id] = session.execute(
                    select(HandoffEvent.action).where(
                        HandoffEvent.request_id == row.id,
                        HandoffEvent.action.in_(_STAFF_STEPS),
                    ).order_by(HandoffEvent.id.desc()).limit(1)
                ).scalar_one_or_none()
        for row in rows:
            if row.status != AFGEROND and last_steps[row.id] == "reply":
                return None, ReplyContext(_view(row), after_close=False)
        if followup > timedelta(0):
            for row in rows:
                if row.status == AFGEROND:  # a closing message may come after the close
                    return None, ReplyContext(_view(row), after_close=True)
        return None, None

    def record_resident_message(self, resident_key: str, text: str,
                                now: Optional[datetime] = None,
                                reference: Optional[str] = None) -> Optional[StaffForward]:
        """Store a resident's message for the opbouwwerker: during live contact,
        or with `reference` on that request of theirs (an answer to a message
        from the opbouwwerker, see reply_context). None when there is nowhere
        to put it."""
        text = _clean(text, MAX_NOTE_CHARS) or ""
        if not text or not resident_key:
            return None
        if reference is None:
            live = self.live_request(resident_key)
            if live is None:
                return None
            reference = live.reference
        row = self._load(reference)
        if row.resident_key != resident_key or row.anonymised_at is not None:
            return None
        now = self._now(now)

        def work():
            with self._sessions() as session, session.begin():
                session.execute(insert(HandoffNote).values(
                    request_id=row.id, kind="resident", author="resident", text=text,
                    created_at=now))
                self._event(session, row.id, row.reference, "resident", "resident_message", now)

        self._retry(work)
        return StaffForward(reference=row.reference, staff_username=row.assigned_to, text=text)

    # -- staff side -----------------------------------------------------------
    def list(self, status: Union[None, str, Iterable[str]] = None, area: Optional[str] = None,
             for_staff: Optional[StaffMember] = None, limit: int = 500) -> List[RequestView]:
        """Requests, oldest open first. status: one, several, "open" or None (all).

        area matches a buurt or stadsdeel (loosely); for_staff limits the list
        to what that person may see (coordinators see all)."""
        query = select(HandoffRequest)
        if status == "open":
            query = query.where(HandoffRequest.status.in_(OPEN_STATUSES))
        elif isinstance(status, str):
            if status not in STATUSES:
                raise InvalidInput(f"unknown status {status!r}")
            query = query.where(HandoffRequest.status == status)
        elif status is not None:
            query = query.where(HandoffRequest.status.in_(list(status)))
        query = query.order_by(HandoffRequest.created_at, HandoffRequest.id)
        with self._sessions() as session:
            rows = session.execute(query).scalars().all()
        wanted = normalise_area(area)
        result = []
        for row in rows:
            if wanted and wanted not in (normalise_area(row.buurt), normalise_area(row.stadsdeel)):
                continue
            if for_staff is not None and not for_staff.can_see(row.buurt, row.stadsdeel,
                                                               row.assigned_to):
                continue
            result.append(_view(row))
            if len(result) >= limit:
                break
        return result

    def get(self, reference: str, for_staff: Optional[StaffMember] = None) -> RequestView:
        return _view(self._load_visible(reference, for_staff))

    def show(self, reference: str, for_staff: Optional[StaffMember] = None) -> RequestDetail:
        """A request with its notes and audit trail (NotFound when not visible)."""
        row = self._load_visible(reference, for_staff)
        with self._sessions() as session:
            notes = session.execute(
                select(HandoffNote).where(HandoffNote.request_id == row.id).order_by(HandoffNote.id)
            ).scalars().all()
            events = session.execute(
                select(HandoffEvent).where(HandoffEvent.request_id == row.id)
                .order_by(HandoffEvent.id)
            ).scalars().all()
        return RequestDetail(
            request=_view(row),
            notes=tuple(NoteView(n.kind, n.author, n.text, n.created_at, n.delivery,
                                 n.delivered_at) for n in notes),
            events=tuple(EventView(e.at, e.actor, e.action, e.field, e.old_value, e.new_value)
                         for e in events),
        )

    def claim(self, reference: str, staff: Actor, now: Optional[datetime] = None) -> ClaimResult:
        """Atomically take a new request. Of simultaneous claims exactly one wins;
        the others get won=False and the current owner."""
        row = self._load_visible(reference, staff)
        username = _username(staff)
        now = self._now(now)
        try:
            self._transition(row, staff, "claimed", from_statuses=(NIEUW,),
                             values=dict(status=OPGEPAKT, assigned_to=username, claimed_at=now),
                             require_owner=False, now=now)
        except NotAllowed as exc:
            owner = exc.details.get("owner")
            return ClaimResult(won=False, reference=row.reference, owner=owner,
                               status=exc.details.get("status", ""),
                               already_owner=owner == username)
        return ClaimResult(won=True, reference=row.reference, owner=username, status=OPGEPAKT)

    def set_in_contact(self, reference: str, staff: Actor, live: bool = False,
                       now: Optional[datetime] = None) -> ActionResult:
        """Mark that the opbouwwerker is in contact. live=True starts live chat:
        the assistant pauses for this resident (needs contact method "chat")."""
        row = self._load_visible(reference, staff)
        now = self._now(now)
        if live and (row.contact_method not in (None, CONTACT_CHAT) or not row.resident_key):
            raise NotAllowed("live chat needs contact via the chat", status=row.status,
                             owner=row.assigned_to)
        values = dict(status=IN_CONTACT, live=bool(live) or row.live)
        if row.in_contact_at is None:
            values["in_contact_at"] = now
        if live and not row.live:
            values.update(live_since=now, assistant_sync=SYNC_PAUSE, sync_attempts=0)
        if row.status == IN_CONTACT:  # only the live flag can change
            if not _is_coordinator(staff) and row.assigned_to != _username(staff):
                raise NotAllowed(f"{row.reference} belongs to {row.assigned_to}",
                                 status=row.status, owner=row.assigned_to)
            if not live or row.live:
                return ActionResult(_view(row), None)
            event: Dict[str, Any] = dict(field="live", old=False, new=True)
            action = "live_started"
        else:
            event, action = {}, "in_contact"
        updated = self._transition(row, staff, action, from_statuses=(OPGEPAKT, IN_CONTACT),
                                   values=values, require_owner=True, now=now, **event)
        relay = None
        if live and not row.live:
            relay = self._relay(updated, resident_text(self.live_started_key, updated.language))
        return ActionResult(_view(updated), relay, True if live and not row.live else None)

    def end_live(self, reference: str, staff: Actor, now: Optional[datetime] = None,
                 tell_resident_later: bool = False) -> ActionResult:
        """Stop live chat; the assistant takes over and says so (relay)."""
        row = self._load_visible(reference, staff)
        if not row.live:
            return ActionResult(_view(row), None)
        now = self._now(now)
        updated = self._transition(row, staff, "live_ended", from_statuses=(IN_CONTACT,),
                                   values=dict(live=False, **_resume(True, tell_resident_later)),
                                   require_owner=True, now=now,
                                   field="live", old=True, new=False)
        return ActionResult(_view(updated), self._live_ended_relay(updated), False)

    def add_note(self, reference: str, staff: Actor, text: str,
                 now: Optional[datetime] = None) -> NoteView:
        """An internal note (never sent to the resident).

        Not on an anonymised request: the resident's data was erased ("verwijder
        mijn gegevens" or retention), and a note would bring personal data back."""
        row = self._load_visible(reference, staff)
        text = _clean(text, MAX_NOTE_CHARS) or ""
        if not text:
            raise InvalidInput("empty note")
        if row.anonymised_at is not None:
            raise NotAllowed("the resident's data was erased", status=row.status,
                             owner=row.assigned_to, anonymised=True)
        now = self._now(now)
        username = _username(staff)

        def work():
            with self._sessions() as session, session.begin():
                # checked again inside the write: an erasure in between wins
                result = session.execute(
                    update(HandoffRequest)
                    .where(HandoffRequest.id == row.id, HandoffRequest.anonymised_at.is_(None))
                    .values(updated_at=now))
                if result.rowcount != 1:
                    raise NotAllowed("the resident's data was erased", status=row.status,
                                     owner=row.assigned_to, anonymised=True)
                session.execute(insert(HandoffNote).values(
                    request_id=row.id, kind="note", author=username, text=text, created_at=now))
                self._event(session, row.id, row.reference, username, "note", now)

        self._retry(work)
        return NoteView("note", username, text, now)

    def reply(self, reference: str, staff: Actor, text: str,
              now: Optional[datetime] = None, deliver_later: bool = False) -> ActionResult:
        """Record a message to the resident and return the Relay to deliver.

        Only the owner (or a coordinator) of a claimed request may reply; the
        first reply moves the request to in_contact. With `deliver_later` (no
        channel at hand, e.g. the CLI) the service's loop delivers it
        (take_pending_deliveries)."""
        row = self._load_visible(reference, staff)
        text = _clean(text, MAX_NOTE_CHARS) or ""
        if not text:
            raise InvalidInput("empty reply")
        if not row.resident_key:
            raise NotAllowed("the resident's data was deleted", status=row.status,
                             owner=row.assigned_to)
        now = self._now(now)
        username = _username(staff)
        values: Dict[str, Any] = dict(status=IN_CONTACT)
        if row.in_contact_at is None:
            values["in_contact_at"] = now
        if row.live:
            values["live_since"] = now  # the pause's maximum counts from the last answer

        note_ids: List[int] = []

        def extra(session):
            note_ids.append(self._reply_note(session, row, username, text, now, deliver_later))

        updated = self._transition(row, staff, "in_contact", from_statuses=(OPGEPAKT, IN_CONTACT),
                                   values=values, require_owner=True, now=now, extra=extra,
                                   write_event=row.status == OPGEPAKT)
        return ActionResult(_view(updated), self._reply_relay(updated, text, note_ids[-1]))

    def _reply_note(self, session, row, username: str, text: str, now: datetime,
                    deliver_later: bool) -> int:
        """Store a message to the resident on the timeline; its note id (the
        relay carries it, so its delivery state is stored on it)."""
        inserted = session.execute(insert(HandoffNote).values(
            request_id=row.id, kind="reply", author=username, text=text, created_at=now,
            pending_delivery=deliver_later))
        self._event(session, row.id, row.reference, username, "reply", now)
        return int(inserted.inserted_primary_key[0])

    def _reply_relay(self, row, text: str, note_id: Optional[int]) -> Optional[Relay]:
        return self._relay(row, resident_text("handoff_reply_from_staff", row.language,
                                              reference=row.reference, text=text),
                           note_id=note_id)

    def take_pending_deliveries(self, limit: int = 50) -> List[Relay]:
        """Messages to residents stored without a channel at hand (`ontmoet queue
        reply`), each taken by one caller only; the caller delivers them (the
        relay carries the note id for the delivery state). A message of an
        anonymised request is dropped."""
        with self._sessions() as session:
            candidates = session.execute(
                select(HandoffNote.id).where(HandoffNote.pending_delivery.is_(True))
                .order_by(HandoffNote.id).limit(limit)
            ).scalars().all()
        relays = []
        for note_id in candidates:
            def work(note_id=note_id):
                with self._sessions() as session, session.begin():
                    taken = session.execute(
                        update(HandoffNote).where(HandoffNote.id == note_id,
                                                  HandoffNote.pending_delivery.is_(True))
                        .values(pending_delivery=False)
                        .execution_options(synchronize_session=False)
                    ).rowcount == 1
                    if not taken:
                        return None
                    note = session.get(HandoffNote, note_id)
                    return self._reply_relay(note.request, note.text, note.id)

            relay = self._retry(work)
            if relay is not None:
                relays.append(relay)
        return relays

    def set_delivery(self, note_id: int, state: str, now: Optional[datetime] = None) -> bool:
        """Record how far a reply got (DELIVERED, WAITING, FAILED). Never backwards:
        "waiting" and "failed" only on a reply without a state, "delivered" also
        on a waiting one (the resident's channel handed it over later)."""
        if state not in (DELIVERED, WAITING, FAILED):
            raise InvalidInput(f"unknown delivery state {state!r}")
        now = self._now(now)
        allowed = [HandoffNote.delivery.is_(None)]
        if state == DELIVERED:
            allowed.append(HandoffNote.delivery == WAITING)
        values: Dict[str, Any] = dict(delivery=state)
        if state == DELIVERED:
            values["delivered_at"] = now

        def work():
            with self._sessions() as session, session.begin():
                return session.execute(
                    update(HandoffNote).where(HandoffNote.id == note_id,
                                              HandoffNote.kind == "reply",
                                              allowed[0] if len(allowed) == 1
                                              else allowed[0] | allowed[1])
                    .values(**values).execution_options(synchronize_session=False)
                ).rowcount == 1

        return bool(self._retry(work))

    def close(self, reference: str, staff: Actor, note: Optional[str] = None,
              now: Optional[datetime] = None, tell_resident_later: bool = False,
              message: Optional[str] = None) -> ActionResult:
        """Close a claimed request (owner or coordinator); ends live chat.

        `note`: a closing note for the timeline (internal). `message`: a last
        message to the resident (a reply; in the relay, with the news that the
        live chat ended when it was live). With `tell_resident_later` the
        service delivers both (take_pending_deliveries, assistant_sync)."""
        row = self._load_visible(reference, staff)
        now = self._now(now)
        note = _clean(note, MAX_NOTE_CHARS)
        message = _clean(message, MAX_NOTE_CHARS)
        username = _username(staff)

        message_ids: List[int] = []

        def before_event(session):  # so "closed" stays the last step on the timeline
            if note:
                session.execute(insert(HandoffNote).values(
                    request_id=row.id, kind="closing", author=username, text=note,
                    created_at=now))
                self._event(session, row.id, row.reference, username, "note", now)
            if message:
                message_ids.append(self._reply_note(session, row, username, message, now,
                                                    tell_resident_later))

        updated = self._transition(row, staff, "closed", from_statuses=(OPGEPAKT, IN_CONTACT),
                                   values=dict(status=AFGEROND, closed_at=now, live=False,
                                               **_resume(row.live, tell_resident_later)),
                                   require_owner=True, now=now, before_event=before_event)
        texts = []
        if message:
            texts.append(resident_text("handoff_reply_from_staff", updated.language,
                                       reference=updated.reference, text=message))
        if row.live:
            texts.append(resident_text("handoff_live_ended", updated.language))
        relay = self._relay(updated, "\n\n".join(texts),
                            note_id=message_ids[-1] if message_ids else None) if texts else None
        return ActionResult(_view(updated), relay, False if row.live else None)

    def reopen(self, reference: str, staff: Actor, within: timedelta,
               now: Optional[datetime] = None) -> ActionResult:
        """Open a closed request again, within `within` of the close (owner or
        coordinator). Back to in contact (or opgepakt when there was no contact
        yet), with the same owner. Not a withdrawn or anonymised request."""
        row = self._load_visible(reference, staff)
        now = self._now(now)
        if row.status != AFGEROND or row.anonymised_at is not None or row.closed_at is None \
                or row.closed_at < now - within:
            raise NotAllowed(f"{row.reference} cannot be reopened", status=row.status,
                             owner=row.assigned_to, reopen_expired=row.status == AFGEROND)
        status = IN_CONTACT if row.in_contact_at is not None else OPGEPAKT
        updated = self._transition(row, staff, "reopened", from_statuses=(AFGEROND,),
                                   values=dict(status=status, closed_at=None),
                                   require_owner=True, now=now,
                                   where=(HandoffRequest.anonymised_at.is_(None),
                                          HandoffRequest.closed_at >= now - within))
        return ActionResult(_view(updated), None)

    # -- an accompanied first visit (issue 18.2) --------------------------------
    def _visit_text(self, key: str, row, moment: Optional[str] = None,
                    start: Optional[datetime] = None) -> str:
        """The message to the resident about their visit (bot/catalogue.yml)."""
        from bot.handoff.visit import moment_words

        language = row.language or "nl"
        place = row.visit_place or resident_text("handoff_visit_no_place", language)
        text = resident_text(key, language, place=place,
                             moment=moment_words(moment if moment is not None
                                                 else row.visit_moment,
                                                 start if moment is not None
                                                 else row.visit_start, language))
        if row.visit_place and row.visit_place_demo:
            text += " " + resident_text("handoff_visit_demo_place", language, place=place)
        return text

    def _visit_step(self, row, staff: Actor, action: str, values: Dict[str, Any], text: str,
                    from_visit: Sequence[str], now: datetime,
                    deliver_later: bool) -> ActionResult:
        """A visit change by staff: the request (in contact), an event, and the
        message to the resident as a reply on the timeline (its delivery state
        is stored like any reply's)."""
        if not row.resident_key:
            raise NotAllowed("the resident's data was deleted", status=row.status,
                             owner=row.assigned_to, anonymised=True)
        if row.visit_status not in from_visit:
            raise NotAllowed(f"{row.reference}: visit is {row.visit_status}", status=row.status,
                             owner=row.assigned_to, visit=row.visit_status)
        username = _username(staff)
        values = dict(values, status=IN_CONTACT)
        if row.in_contact_at is None:
            values["in_contact_at"] = now
        note_ids: List[int] = []

        def extra(session):
            note_ids.append(self._reply_note(session, row, username, text, now, deliver_later))

        updated = self._transition(row, staff, action, from_statuses=(OPGEPAKT, IN_CONTACT),
                                   values=values, require_owner=True, now=now, extra=extra,
                                   field="visit", old=row.visit_status,
                                   new=values.get("visit_status"),
                                   where=(HandoffRequest.visit_status.in_(from_visit),
                                          HandoffRequest.anonymised_at.is_(None)))
        return ActionResult(_view(updated), self._reply_relay(updated, text, note_ids[-1]))

    def confirm_visit(self, reference: str, staff: Actor, now: Optional[datetime] = None,
                      deliver_later: bool = False) -> ActionResult:
        """The opbouwwerker goes along at the moment asked (or proposed): the
        visit is agreed and the resident hears it (the Relay)."""
        from bot.handoff.visit import will_remind

        row = self._load_visible(reference, staff)
        now = self._now(now)
        text = self._visit_text("handoff_visit_confirmed", row)
        if will_remind(row.visit_start, now):
            text += " " + resident_text("handoff_visit_reminder_note", row.language or "nl")
        return self._visit_step(row, staff, "visit_confirmed",
                                dict(visit_status=VISIT_CONFIRMED), text,
                                (VISIT_ASKED, VISIT_PROPOSED), now, deliver_later)

    def propose_visit(self, reference: str, staff: Actor, moment: str,
                      now: Optional[datetime] = None,
                      deliver_later: bool = False) -> ActionResult:
        """Another moment for the visit (a day in words: "vrijdagmiddag"); the
        resident is asked to answer ja or nee (answer_visit). InvalidInput when
        the words name no day."""
        from bot.handoff.visit import read_moment

        row = self._load_visible(reference, staff)
        now = self._now(now)
        found = read_moment(moment, now)
        if found is None:
            raise InvalidInput("that names no day, e.g. 'vrijdagmiddag' or '12 december'",
                               moment=moment)
        text = self._visit_text("handoff_visit_proposed", row, found.text, found.start)
        return self._visit_step(row, staff, "visit_proposed",
                                dict(visit_status=VISIT_PROPOSED, visit_moment=found.text,
                                     visit_start=found.start), text,
                                (VISIT_ASKED, VISIT_PROPOSED, VISIT_CONFIRMED), now,
                                deliver_later)

    def answer_visit(self, reference: str, resident_key: str, accepted: bool, text: str,
                     now: Optional[datetime] = None) -> Optional[RequestView]:
        """The resident's ja (the visit is agreed) or nee (the opbouwwerker is
        asked for another moment) to a proposed moment; their words go on the
        timeline. None when there is no proposal of theirs to answer."""
        row = self._load(reference)
        if not resident_key or row.resident_key != resident_key \
                or row.visit_status != VISIT_PROPOSED or row.status not in (OPGEPAKT, IN_CONTACT):
            return None
        now = self._now(now)
        words = _clean(text, MAX_NOTE_CHARS) or ("ja" if accepted else "nee")

        def extra(session):
            session.execute(insert(HandoffNote).values(
                request_id=row.id, kind="resident", author="resident", text=words,
                created_at=now))
            self._event(session, row.id, row.reference, "resident", "resident_message", now)

        new = VISIT_CONFIRMED if accepted else VISIT_ASKED
        try:
            updated = self._transition(
                row, "resident", "visit_accepted" if accepted else "visit_declined",
                from_statuses=(OPGEPAKT, IN_CONTACT), values=dict(visit_status=new),
                require_owner=False, now=now, extra=extra, field="visit",
                old=VISIT_PROPOSED, new=new,
                where=(HandoffRequest.visit_status == VISIT_PROPOSED,
                       HandoffRequest.anonymised_at.is_(None)))
        except NotAllowed:
            return None
        return _view(updated)

    def visits(self, for_staff: Optional[StaffMember] = None,
               statuses: Sequence[str] = (VISIT_ASKED, VISIT_PROPOSED, VISIT_CONFIRMED)
               ) -> List[RequestView]:
        """Open requests with a visit in one of `statuses`, soonest first."""
        views = [v for v in self.list(status="open", for_staff=for_staff)
                 if v.visit_status in statuses]
        return sorted(views, key=lambda v: (v.visit_start is None, v.visit_start or v.created_at))

    def log_contact(self, reference: str, staff: Actor, outcome: str,
                    text: Optional[str] = None, now: Optional[datetime] = None) -> RequestView:
        """Record a contact attempt on the timeline: "gebeld", "niet_bereikt" or
        "afspraak" (CONTACT_OUTCOMES), with an optional note (e.g. when and
        where the appointment is). Called or an appointment made: in contact."""
        if outcome not in CONTACT_OUTCOMES:
            raise InvalidInput(f"unknown contact outcome {outcome!r}; one of {CONTACT_OUTCOMES}")
        row = self._load_visible(reference, staff)
        now = self._now(now)
        text = _clean(text, MAX_NOTE_CHARS)
        username = _username(staff)
        values: Dict[str, Any] = {}
        if outcome != "niet_bereikt":
            values["status"] = IN_CONTACT
            if row.in_contact_at is None:
                values["in_contact_at"] = now

        def extra(session):
            if text:
                session.execute(insert(HandoffNote).values(
                    request_id=row.id, kind="note", author=username, text=text, created_at=now))

        updated = self._transition(row, staff, f"contact_{outcome}",
                                   from_statuses=(OPGEPAKT, IN_CONTACT), values=values,
                                   require_owner=True, now=now, extra=extra, field="contact",
                                   where=(HandoffRequest.anonymised_at.is_(None),))
        return _view(updated)

    def release(self, reference: str, staff: Actor, now: Optional[datetime] = None,
                tell_resident_later: bool = False) -> ActionResult:
        """Give a claimed request back to the queue (status nieuw, no owner)."""
        row = self._load_visible(reference, staff)
        now = self._now(now)
        updated = self._transition(row, staff, "released", from_statuses=(OPGEPAKT, IN_CONTACT),
                                   values=dict(status=NIEUW, assigned_to=None, claimed_at=None,
                                               live=False,
                                               **_resume(row.live, tell_resident_later)),
                                   require_owner=True, now=now)
        return ActionResult(_view(updated), self._live_ended_relay(updated) if row.live else None,
                            False if row.live else None)

    def escalate_overdue(self, now: Optional[datetime] = None,
                         after: timedelta = timedelta(hours=48)) -> List[RequestView]:
        """Mark requests still `nieuw` after `after` as escalated (once each).

        Returns the newly escalated requests (announce them to the coordinator)."""
        now = self._now(now)
        cutoff = now - after

        def event(session, request_id, reference):
            self._event(session, request_id, reference, "system", "escalated", now,
                        field="escalated_at", new=now.isoformat(timespec="seconds"))

        return self._take_each(
            (HandoffRequest.status == NIEUW, HandoffRequest.escalated_at.is_(None),
             HandoffRequest.created_at <= cutoff),
            dict(escalated_at=now, updated_at=now), on_taken=event)

    def take_unannounced(self, now: Optional[datetime] = None, limit: int = 50,
                         retry_after: timedelta = ANNOUNCE_RETRY) -> List[RequestView]:
        """New requests nobody has announced yet, each taken by this caller.

        The outbox for staff notifications: the action server stores requests,
        the service that holds the staff channels announces them. A conditional
        UPDATE of announce_attempted_at decides the winner, so each request is
        taken by one caller only, whatever number of service processes poll.
        A request whose alert reached nobody (announced_at still empty, see
        mark_announced) is taken again after `retry_after`."""
        now = self._now(now)
        return self._take_each(
            (HandoffRequest.status == NIEUW, HandoffRequest.announced_at.is_(None),
             (HandoffRequest.announce_attempted_at.is_(None))
             | (HandoffRequest.announce_attempted_at <= now - retry_after)),
            dict(announce_attempted_at=now), limit=limit)

    def mark_announced(self, reference: str, now: Optional[datetime] = None) -> bool:
        """An alert about this request reached someone (Telegram or e-mail)."""
        now = self._now(now)

        def work():
            with self._sessions() as session, session.begin():
                return session.execute(
                    update(HandoffRequest).where(HandoffRequest.reference == reference,
                                                 HandoffRequest.announced_at.is_(None))
                    .values(announced_at=now, announce_attempted_at=func.coalesce(
                        HandoffRequest.announce_attempted_at, now))
                    .execution_options(synchronize_session=False)
                ).rowcount == 1

        return bool(self._retry(work))

    def _take_each(self, conditions, values, limit: Optional[int] = None,
                   on_taken=None) -> List[RequestView]:
        """Every request matching `conditions`, each taken with a conditional
        UPDATE (the same conditions) that sets `values`: only the caller whose
        UPDATE changed the row gets it, whatever number of callers race.
        `on_taken(session, request_id, reference)` runs in that transaction."""
        query = select(HandoffRequest.id, HandoffRequest.reference).where(*conditions) \
            .order_by(HandoffRequest.id)
        if limit:
            query = query.limit(limit)
        with self._sessions() as session:
            candidates = session.execute(query).all()
        taken = []
        for request_id, reference in candidates:
            def work(request_id=request_id, reference=reference):
                with self._sessions() as session, session.begin():
                    result = session.execute(
                        update(HandoffRequest).where(HandoffRequest.id == request_id, *conditions)
                        .values(**values).execution_options(synchronize_session=False)
                    )
                    if result.rowcount != 1:
                        return False
                    if on_taken is not None:
                        on_taken(session, request_id, reference)
                    return True

            if self._retry(work):
                taken.append(_view(self._load(reference)))
        return taken

    def keep_channel_address(self, reference: str, channel: str, address: str,
                             now: Optional[datetime] = None) -> bool:
        """Store where to reach the resident (chat id / wa_id) on an open request,
        only when they consented and none is stored yet.

        The action server that stores a request knows only the pseudonym; the
        service, which knows the address, adds it when it announces the request,
        so an opbouwwerker's answer still arrives after a restart."""
        address = _clean(address, 120) or ""
        if not address:
            return False
        now = self._now(now)
        wanted = [HandoffRequest.consent.is_(True)]
        if channel == "whatsapp":  # a WhatsApp id is a phone number: only for "bel mij"
            wanted.append(HandoffRequest.contact_method == CONTACT_CALL_ME)

        def work():
            with self._sessions() as session, session.begin():
                row = session.execute(
                    select(HandoffRequest.id).where(HandoffRequest.reference == reference)
                ).scalar_one_or_none()
                if row is None:
                    return False
                result = session.execute(
                    update(HandoffRequest).where(
                        HandoffRequest.id == row,
                        *wanted,
                        HandoffRequest.channel == channel,
                        HandoffRequest.channel_address.is_(None),
                        HandoffRequest.status.in_(OPEN_STATUSES),
                    ).values(channel_address=address, updated_at=now)
                    .execution_options(synchronize_session=False)
                )
                if result.rowcount != 1:
                    return False
                self._event(session, row, reference, "system", "address_kept", now,
                            field="channel_address")
                return True

        return bool(self._retry(work))

    # -- the assistant's pause and resume (applied by the service) --------------
    def pending_assistant_syncs(self, limit: int = 50) -> List[RequestView]:
        """Requests whose Rasa pause/resume the service still has to apply."""
        with self._sessions() as session:
            rows = session.execute(
                select(HandoffRequest).where(HandoffRequest.assistant_sync.is_not(None),
                                             HandoffRequest.resident_key.is_not(None))
                .order_by(HandoffRequest.id).limit(limit)
            ).scalars().all()
        return [_view(r) for r in rows]

    def assistant_synced(self, reference: str, value: str) -> bool:
        """Clear the pending pause/resume `value` (only if nothing newer replaced it)."""
        def work():
            with self._sessions() as session, session.begin():
                return session.execute(
                    update(HandoffRequest).where(HandoffRequest.reference == reference,
                                                 HandoffRequest.assistant_sync == value)
                    .values(assistant_sync=None, sync_attempts=0)
                    .execution_options(synchronize_session=False)
                ).rowcount == 1

        return bool(self._retry(work))

    def assistant_sync_failed(self, reference: str, value: str) -> int:
        """Count a failed attempt; returns the number of attempts so far."""
        def work():
            with self._sessions() as session, session.begin():
                session.execute(
                    update(HandoffRequest).where(HandoffRequest.reference == reference,
                                                 HandoffRequest.assistant_sync == value)
                    .values(sync_attempts=HandoffRequest.sync_attempts + 1)
                    .execution_options(synchronize_session=False)
                )
                return session.execute(select(HandoffRequest.sync_attempts).where(
                    HandoffRequest.reference == reference)).scalar_one_or_none() or 0

        return int(self._retry(work))

    def expire_live(self, max_pause: timedelta,
                    now: Optional[datetime] = None) -> List[RequestView]:
        """End every live chat with no answer from the opbouwwerker for `max_pause`.

        The request stays open (in contact, with its owner); the service resumes
        the assistant and tells the resident what happens next (resume:expired).
        Each request is taken by one caller only."""
        now = self._now(now)

        def event(session, request_id, reference):
            self._event(session, request_id, reference, "system", "live_expired", now,
                        field="live", old=True, new=False)

        return self._take_each(
            (HandoffRequest.live.is_(True), HandoffRequest.status == IN_CONTACT,
             HandoffRequest.live_since <= now - max_pause),
            dict(live=False, assistant_sync=SYNC_RESUME_EXPIRED, sync_attempts=0,
                 updated_at=now),
            on_taken=event)

    # -- crisis signals for the opbouwwerker -----------------------------------
    def flag_crisis(self, resident_key: str, pending: bool = True,
                    recent: timedelta = timedelta(days=14),
                    now: Optional[datetime] = None) -> List[str]:
        """The resident wrote a crisis message: mark their open requests (and those
        closed in the last `recent`) with an event `crisis_signal` for the
        dashboard, and, with `pending`, for the service to tell the opbouwwerker
        (take_crisis_signals). No text is stored. Returns the references."""
        if not resident_key:
            return []
        now = self._now(now)

        def work():
            with self._sessions() as session, session.begin():
                rows = session.execute(
                    select(HandoffRequest.id, HandoffRequest.reference).where(
                        HandoffRequest.resident_key == resident_key,
                        HandoffRequest.anonymised_at.is_(None),
                        (HandoffRequest.status.in_(OPEN_STATUSES))
                        | (HandoffRequest.closed_at >= now - recent),
                    )
                ).all()
                for request_id, reference in rows:
                    if pending:
                        session.execute(update(HandoffRequest)
                                        .where(HandoffRequest.id == request_id)
                                        .values(crisis_signal_at=now)
                                        .execution_options(synchronize_session=False))
                    self._event(session, request_id, reference, "system", "crisis_signal", now)
                return [reference for _, reference in rows]

        return self._retry(work)

    def take_crisis_signals(self, limit: int = 50) -> List[RequestView]:
        """Requests with a crisis signal nobody passed on yet, each taken by one caller."""
        return self._take_each((HandoffRequest.crisis_signal_at.is_not(None),),
                               dict(crisis_signal_at=None), limit=limit)

    # -- privacy and retention ------------------------------------------------
    def _anonymise(self, session, row_ids: List[int], now: datetime, actor: str) -> Dict[str, int]:
        if not row_ids:
            return {"requests": 0, "notes": 0}
        notes = session.execute(
            delete(HandoffNote).where(HandoffNote.request_id.in_(row_ids))
            .execution_options(synchronize_session=False)
        ).rowcount
        session.execute(
            update(HandoffRequest).where(HandoffRequest.id.in_(row_ids)).values(
                resident_key=None, channel_address=None, contact_phone=None, reason=None,
                best_moment=None, live=False, anonymised_at=now, updated_at=now,
                visit_moment=None, visit_start=None,
            ).execution_options(synchronize_session=False)
        )
        refs = session.execute(
            select(HandoffRequest.id, HandoffRequest.reference).where(HandoffRequest.id.in_(row_ids))
        ).all()
        for request_id, reference in refs:
            self._event(session, request_id, reference, actor, "anonymised", now)
        return {"requests": len(row_ids), "notes": notes}

    def delete_resident_data(self, resident_key: str,
                             now: Optional[datetime] = None) -> Dict[str, int]:
        """Erase a resident's personal data from the queue.

        Open requests are withdrawn; every request keeps only anonymous facts
        (status, area, kind, times) for counts. Returns what was done."""
        now = self._now(now)

        def work():
            with self._sessions() as session, session.begin():
                rows = session.execute(
                    select(HandoffRequest.id, HandoffRequest.reference, HandoffRequest.status)
                    .where(HandoffRequest.resident_key == resident_key)
                ).all()
                cancelled = 0
                for request_id, reference, status in rows:
                    if status in OPEN_STATUSES:
                        session.execute(update(HandoffRequest).where(HandoffRequest.id == request_id)
                                        .values(status=GEANNULEERD, closed_at=now, updated_at=now))
                        self._event(session, request_id, reference, "resident", "cancelled", now,
                                    field="status", old=status, new=GEANNULEERD)
                        cancelled += 1
                counts = self._anonymise(session, [r[0] for r in rows], now, "resident")
                counts["cancelled"] = cancelled
                return counts

        if not resident_key:
            return {"requests": 0, "notes": 0, "cancelled": 0}
        return self._retry(work)

    def purge(self, now: Optional[datetime] = None,
              closed_older_than: timedelta = timedelta(days=180),
              open_older_than: Optional[timedelta] = None) -> Dict[str, int]:
        """Retention: anonymise requests closed longer ago than `closed_older_than`
        (the dashboard's sessions and login attempts: bot.staff.accounts.purge_staff). With
        `open_older_than`, requests still open after that long are closed
        (geannuleerd, event `expired`) and anonymised at once: an open request
        has a maximum age."""
        now = self._now(now)
        cutoff = now - closed_older_than

        def work():
            with self._sessions() as session, session.begin():
                expired = []
                if open_older_than is not None:
                    stale = session.execute(
                        select(HandoffRequest.id, HandoffRequest.reference, HandoffRequest.status)
                        .where(HandoffRequest.status.in_(OPEN_STATUSES),
                               HandoffRequest.created_at <= now - open_older_than)
                    ).all()
                    for request_id, reference, status in stale:
                        session.execute(update(HandoffRequest).where(HandoffRequest.id == request_id)
                                        .values(status=GEANNULEERD, closed_at=now, updated_at=now))
                        self._event(session, request_id, reference, "system", "expired", now,
                                    field="status", old=status, new=GEANNULEERD)
                        expired.append(request_id)
                ids = session.execute(
                    select(HandoffRequest.id).where(
                        HandoffRequest.status.in_(CLOSED_STATUSES),
                        HandoffRequest.closed_at <= cutoff,
                        HandoffRequest.anonymised_at.is_(None),
                    )
                ).scalars().all()
                counts = self._anonymise(session, list(ids) + expired, now, "system")
                counts["expired_open"] = len(expired)
                return counts

        return self._retry(work)

    def counts(self) -> Dict[str, Dict[str, int]]:
        """Anonymous counts: {status: {stadsdeel or "onbekend": n}}."""
        with self._sessions() as session:
            rows = session.execute(
                select(HandoffRequest.status, HandoffRequest.stadsdeel, func.count())
                .group_by(HandoffRequest.status, HandoffRequest.stadsdeel)
            ).all()
        out: Dict[str, Dict[str, int]] = {}
        for status, stadsdeel, count in rows:
            out.setdefault(status, {})[stadsdeel or "onbekend"] = count
        return out

    # -- relays ---------------------------------------------------------------
    def _relay(self, row, text: str, note_id: Optional[int] = None) -> Optional[Relay]:
        if not row.resident_key:
            return None
        return Relay(reference=row.reference, channel=row.channel, resident_key=row.resident_key,
                     address=row.channel_address if row.consent else None,
                     language=row.language, text=text, note_id=note_id)

    def _live_ended_relay(self, row) -> Optional[Relay]:
        return self._relay(row, resident_text("handoff_live_ended", row.language))


async def deliver_relay(relay: Relay, directory) -> bool:
    """Send a Relay through a bot.channels.stores.ResidentDirectory; True unless
    the send failed (a web chat message waiting in its outbox counts as sent)."""
    return await deliver_state(relay, directory) != FAILED


async def deliver_state(relay: Relay, directory, queue: Optional["HandoffQueue"] = None) -> str:
    """Send a Relay and say how far it got: DELIVERED, WAITING or FAILED.

    When the directory no longer knows the address (e.g. after a restart) and
    the resident consented to keep it, the stored address is registered again.
    With `queue` and a reply behind the relay (`note_id`), a waiting message
    becomes DELIVERED when the resident's channel hands it over (the web chat
    page fetches it, the resident writes). The state this returns is stored by
    its one writer, bot.staff.actions.StaffActions._send."""
    receipt = None
    if queue is not None and relay.note_id is not None:
        receipt = _delivered_receipt(queue, relay.note_id)
    state = await directory.deliver(relay.resident_key, relay.text, receipt)
    if state == FAILED and relay.address and relay.channel in ("telegram", "whatsapp"):
        from bot.channels.stores import ResidentAddress

        await directory.remember(relay.resident_key, ResidentAddress(
            channel=relay.channel, address=relay.address, language=relay.language))
        state = await directory.deliver(relay.resident_key, relay.text, receipt)
    return state


def _delivered_receipt(queue: "HandoffQueue", note_id: int) -> Callable[[], None]:
    """Called by an outbox when the resident's channel hands the message over:
    marks the reply delivered, in a worker thread when an event loop runs."""
    def delivered() -> None:
        import asyncio

        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            queue.set_delivery(note_id, DELIVERED)
            return
        loop.run_in_executor(None, queue.set_delivery, note_id, DELIVERED)

    return delivered
