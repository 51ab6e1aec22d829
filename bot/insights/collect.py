"""Collect what the assistant observed from Rasa's tracker store, privacy-first.

The one place where insights are observed is the tracker store: it is the
record of every conversation (user messages with the NLU's intent and
confidence, the bot's responses by name, slots, actions), shared by all service
replicas, and it is read after the fact, so a resident never waits for it.
`collect()` reads the events after a watermark and, in one transaction:

* queues messages that went wrong for review: NLU fallback (`nlu_fallback`),
  Rasa's core fallback (`action_default_fallback`), an intent with low
  confidence, and a message the resident corrected right after ("nee, dat
  bedoel ik niet"). The text is MASKED BEFORE STORAGE (masking.py) and kept
  with the pseudonym only;
* records knowledge gaps (knowledge/gaps.py) when the bot had to say it does
  not know (no place, unknown place, no address, no activity, unknown buurt);
* keeps one row per conversation with month, buurt, stadsdeel, language and
  flags (asked about places, activities, subsidy, volunteering / own
  initiative, a person): no text, for the indicators.

It runs from `ontmoet insights collect` (cron, e.g. every 10 minutes), before
the retention purge (so nothing is purged unread), and when a coordinator
opens the review or insights page. Two collectors at once cannot both count
the same events: the watermark moves with a conditional UPDATE in the same
transaction as the writes.
"""
from __future__ import annotations

import datetime as dt
import json
import logging
import re
from dataclasses import dataclass, field
from typing import Dict, Optional

from sqlalchemy import MetaData, Table, insert, inspect, select, update
from sqlalchemy.engine import Connection, Engine

from bot.insights.masking import mask_personal_data
from bot.insights.models import (
    REASON_CORRECTION,
    REASON_FALLBACK,
    REASON_LOW_CONFIDENCE,
    CollectorState,
    Conversation,
    ReviewItem,
)
from knowledge import gaps as kgaps

logger = logging.getLogger(__name__)

WATERMARK_KEY = "tracker_event_id"
BATCH = 2000
# Below FallbackClassifier's threshold (0.4) the intent is `nlu_fallback`;
# between that and this value the assistant answered, but was unsure.
LOW_CONFIDENCE = 0.6
FALLBACK_INTENT = "nlu_fallback"
CORE_FALLBACK_ACTION = "action_default_fallback"

PLACE_INTENTS = {"find_meeting_place", "ask_place_details", "more_places"}
ACTIVITY_INTENTS = {"find_activity"}
SUBSIDY_INTENTS = {"ask_subsidy", "next_step"}
SELF_ORGANISING_INTENTS = {"volunteer", "start_initiative", "board_support"}
TOELEIDING_INTENTS = {"request_toeleiding", "request_human"}
# Intents that are no question the NLU could get wrong in a way worth review.
NOT_REVIEWED_INTENTS = {"crisis"}

# The bot's responses that mean "the knowledge base does not know".
GAP_RESPONSES = {
    "utter_places_none": kgaps.KIND_NO_PLACE,
    "utter_place_unknown": kgaps.KIND_UNKNOWN_PLACE,
    "utter_place_facts_missing": kgaps.KIND_NO_ADDRESS,
    "utter_place_details_missing": kgaps.KIND_NO_ADDRESS,
    "utter_activities_none": kgaps.KIND_NO_ACTIVITY,
    "utter_buurt_unknown": kgaps.KIND_UNKNOWN_BUURT,
    "utter_subsidy_check": kgaps.KIND_SUBSIDY,  # "Dit weet ik niet zeker" (unsourced step)
}

CORRECTION_RE = re.compile(
    r"(dat bedoel ik niet|niet wat ik bedoel|bedoel ik niet|bedoelde ik niet|verkeerd begrepen|"
    r"begrijp(?:t|en)? me niet|snap(?:t)? me niet|dat vroeg ik niet|dat is niet wat ik vroeg|"
    r"^\s*nee,? ik bedoel|that'?s not what i meant|not what i (?:meant|asked)|"
    r"you misunderstood)",
    re.IGNORECASE,
)


@dataclass
class CollectReport:
    events: int = 0
    conversations: int = 0
    review_items: int = 0
    gaps: int = 0
    last_event_id: int = 0


@dataclass
class _Sender:
    conversation_id: Optional[int] = None
    new_session: bool = False
    last_user: Optional[dict] = None  # {"id", "text", "intent", "confidence", "at", "queued"}
    slots: Dict[str, Optional[str]] = field(default_factory=dict)


def _utc(timestamp: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(float(timestamp), dt.timezone.utc).replace(tzinfo=None)


def _events_table(engine: Engine) -> Optional[Table]:
    if not inspect(engine).has_table("events"):
        return None
    return Table("events", MetaData(), autoload_with=engine)


def _buurt_index(connection: Connection) -> Dict[str, str]:
    """buurt name (casefolded) -> stadsdeel, from the knowledge base if loaded."""
    if not inspect(connection).has_table("kb_buurt"):
        return {}
    rows = connection.execute(Table("kb_buurt", MetaData(), autoload_with=connection).select())
    return {row.name.casefold(): row.stadsdeel for row in rows}


def is_correction(text: str) -> bool:
    return bool(text) and bool(CORRECTION_RE.search(text))


class _Batch:
    """The writes of one collection run, in one transaction on the insights database."""

    def __init__(self, connection: Connection, tracker_connection: Connection, events: Table,
                 report: CollectReport) -> None:
        self.db = connection
        self.tracker = tracker_connection
        self.events = events
        self.report = report
        self.senders: Dict[str, _Sender] = {}
        self.stadsdelen = _buurt_index(connection)
        self.conversations = Conversation.__table__
        self.items = ReviewItem.__table__

    # --- conversations ---------------------------------------------------
    def sender(self, sender_id: str) -> _Sender:
        state = self.senders.get(sender_id)
        if state is None:
            state = _Sender()
            row = self.db.execute(
                select(self.conversations.c.id, self.conversations.c.buurt,
                       self.conversations.c.language)
                .where(self.conversations.c.resident_key == sender_id)
                .order_by(self.conversations.c.id.desc()).limit(1)).first()
            if row is not None:
                state.conversation_id = row.id
                state.slots = {"buurt": row.buurt, "language": row.language}
            self.senders[sender_id] = state
        return state

    def conversation(self, sender_id: str, state: _Sender, at: dt.datetime) -> int:
        if state.conversation_id is None or state.new_session:
            buurt = state.slots.get("buurt")
            result = self.db.execute(insert(self.conversations).values(
                resident_key=sender_id, started_at=at, last_at=at, month=at.strftime("%Y-%m"),
                buurt=buurt, stadsdeel=self.stadsdeel(buurt),
                language=state.slots.get("language"), asked_place=False, asked_activity=False,
                asked_subsidy=False, self_organising=False, asked_toeleiding=False,
                not_understood=0))
            conversation_id: int = result.inserted_primary_key[0]
            state.conversation_id = conversation_id
            state.new_session = False
            self.report.conversations += 1
            return conversation_id
        return state.conversation_id

    def update_conversation(self, conversation_id: int, **values) -> None:
        self.db.execute(update(self.conversations)
                        .where(self.conversations.c.id == conversation_id).values(**values))

    def stadsdeel(self, buurt: Optional[str]) -> Optional[str]:
        return self.stadsdelen.get(buurt.casefold()) if buurt else None

    # --- review queue ----------------------------------------------------
    def queue_review(self, sender_id: str, user: dict, reason: str) -> None:
        if user.get("queued"):
            return
        user["queued"] = True
        masked = mask_personal_data(user["text"]).strip()
        if not masked:
            return
        source = f"ev-{user['id']}"
        exists = self.db.execute(select(self.items.c.id)
                                 .where(self.items.c.source_event == source)).first()
        if exists:
            return
        self.db.execute(insert(self.items).values(
            source_event=source, resident_key=sender_id, created_at=user["at"], reason=reason,
            text=masked[:1000], language=user.get("language"),
            predicted_intent=user.get("guess"), confidence=user.get("confidence"),
            status="nieuw"))
        self.report.review_items += 1

    def previous_user_message(self, sender_id: str, before_id: int) -> Optional[dict]:
        ev = self.events
        row = self.tracker.execute(
            select(ev.c.id, ev.c.data).where(ev.c.sender_id == sender_id, ev.c.id < before_id,
                                            ev.c.type_name == "user")
            .order_by(ev.c.id.desc()).limit(1)).first()
        if row is None:
            return None
        return _user_message(row.id, json.loads(row.data or "{}"))

    # --- one event -------------------------------------------------------
    def handle(self, row) -> None:
        try:
            data = json.loads(row.data or "{}")
        except ValueError:
            return
        sender_id = row.sender_id
        kind = row.type_name
        if kind == "session_started":
            self.sender(sender_id).new_session = True
            return
        if kind == "slot":
            self.on_slot(sender_id, data)
        elif kind == "user":
            self.on_user(sender_id, row.id, data)
        elif kind == "action" and data.get("name") == CORE_FALLBACK_ACTION:
            state = self.sender(sender_id)
            if state.last_user is not None:
                self.queue_review(sender_id, state.last_user, REASON_FALLBACK)
        elif kind == "bot":
            self.on_bot(sender_id, data, _utc(row.timestamp))

    def on_slot(self, sender_id: str, data: dict) -> None:
        name = data.get("name")
        if name not in ("buurt", "handoff_buurt", "language", "place"):
            return
        value = data.get("value")
        value = str(value)[:120] if isinstance(value, (str, int, float)) and value != "" else None
        state = self.sender(sender_id)
        key = "buurt" if name == "handoff_buurt" else name
        if key == "buurt" and value is None:
            return  # a form clearing the slot: the conversation keeps its buurt
        state.slots[key] = value
        if state.conversation_id is None or state.new_session:
            return
        if key == "buurt":
            self.update_conversation(state.conversation_id, buurt=value,
                                     stadsdeel=self.stadsdeel(value))
        elif key == "language" and value:
            self.update_conversation(state.conversation_id, language=value[:10])

    def on_user(self, sender_id: str, event_id: int, data: dict) -> None:
        user = _user_message(event_id, data)
        state = self.sender(sender_id)
        at = user["at"]
        conversation_id = self.conversation(sender_id, state, at)
        intent = user.get("intent") or ""
        flags = {"last_at": at}
        if intent in PLACE_INTENTS:
            flags["asked_place"] = True
        if intent in ACTIVITY_INTENTS:
            flags["asked_activity"] = True
        if intent in SUBSIDY_INTENTS:
            flags["asked_subsidy"] = True
        if intent in SELF_ORGANISING_INTENTS:
            flags["self_organising"] = True
        if intent in TOELEIDING_INTENTS:
            flags["asked_toeleiding"] = True
        user["language"] = state.slots.get("language")
        typed = not user["text"].startswith("/")  # buttons send "/intent{...}" payloads
        if typed and is_correction(user["text"]):
            previous = state.last_user
            if previous is None or previous.get("id", 0) >= event_id:
                previous = self.previous_user_message(sender_id, event_id)
            if previous is not None and not previous["text"].startswith("/"):
                previous.setdefault("language", user["language"])
                self.queue_review(sender_id, previous, REASON_CORRECTION)
                flags["not_understood"] = self.conversations.c.not_understood + 1
            user["queued"] = True  # the correction itself is no training example
        elif typed and intent not in NOT_REVIEWED_INTENTS:
            if intent == FALLBACK_INTENT:
                self.queue_review(sender_id, user, REASON_FALLBACK)
                flags["not_understood"] = self.conversations.c.not_understood + 1
            elif user.get("confidence") is not None and user["confidence"] < LOW_CONFIDENCE:
                self.queue_review(sender_id, user, REASON_LOW_CONFIDENCE)
        self.update_conversation(conversation_id, **flags)
        state.last_user = user if typed else None

    def on_bot(self, sender_id: str, data: dict, at: dt.datetime) -> None:
        metadata = data.get("metadata") or {}
        response = metadata.get("utter_action") or (data.get("data") or {}).get("utter_action")
        kind = GAP_RESPONSES.get(response or "")
        if kind is None:
            return
        state = self.sender(sender_id)
        buurt = state.slots.get("buurt")
        place = state.slots.get("place")
        if kind == kgaps.KIND_UNKNOWN_BUURT:
            buurt = None
        if kind == kgaps.KIND_UNKNOWN_PLACE and place:
            place = mask_personal_data(place)
        if kind in (kgaps.KIND_NO_PLACE, kgaps.KIND_NO_ACTIVITY, kgaps.KIND_SUBSIDY):
            place = None
        kgaps.record_gap(self.db, kind, buurt=buurt, stadsdeel=self.stadsdeel(buurt),
                         place=place, at=at)
        self.report.gaps += 1


def _user_message(event_id: int, data: dict) -> dict:
    parse = data.get("parse_data") or {}
    intent = parse.get("intent") or {}
    confidence = intent.get("confidence")
    name = intent.get("name")
    if name == FALLBACK_INTENT:
        ranking = [r for r in parse.get("intent_ranking") or [] if r.get("name") != FALLBACK_INTENT]
        if ranking:  # what the NLU would have guessed, for the reviewer
            name_guess, confidence = ranking[0].get("name"), ranking[0].get("confidence")
        else:
            name_guess = None
    else:
        name_guess = name
    return {
        "id": event_id,
        "text": str(data.get("text") or ""),
        "intent": name,
        "guess": name_guess,
        "confidence": float(confidence) if isinstance(confidence, (int, float)) else None,
        "at": _utc(data.get("timestamp") or 0),
    }


def _watermark(connection: Connection) -> int:
    state = CollectorState.__table__
    row = connection.execute(select(state.c.value).where(state.c.key == WATERMARK_KEY)).first()
    if row is None:
        connection.execute(insert(state).values(key=WATERMARK_KEY, value="0"))
        return 0
    return int(row.value)


class ConcurrentCollection(Exception):
    """Another collector moved the watermark first; this run's writes are rolled back."""


def collect(tracker_store_url: str, database_engine: Engine, batch: int = BATCH,
            max_batches: int = 1000) -> CollectReport:
    """Read tracker events after the watermark into the insights tables."""
    from ontmoet_core.db import make_engine

    report = CollectReport()
    tracker_engine = make_engine(tracker_store_url)
    try:
        events = _events_table(tracker_engine)
        if events is None:
            return report
        for _ in range(max_batches):
            with database_engine.begin() as connection:
                start = _watermark(connection)
            with tracker_engine.connect() as tracker_connection:
                rows = tracker_connection.execute(
                    select(events.c.id, events.c.sender_id, events.c.type_name,
                           events.c.timestamp, events.c.data)
                    .where(events.c.id > start).order_by(events.c.id).limit(batch)).all()
                if not rows:
                    break
                try:
                    with database_engine.begin() as connection:
                        run = _Batch(connection, tracker_connection, events, report)
                        for row in rows:
                            run.handle(row)
                        end = rows[-1].id
                        state = CollectorState.__table__
                        moved = connection.execute(
                            update(state).where(state.c.key == WATERMARK_KEY,
                                                state.c.value == str(start))
                            .values(value=str(end)))
                        if moved.rowcount != 1:
                            raise ConcurrentCollection()
                except ConcurrentCollection:
                    logger.info("insights: another collector was faster; nothing double counted")
                    break
            report.events += len(rows)
            report.last_event_id = rows[-1].id
            if len(rows) < batch:
                break
    finally:
        tracker_engine.dispose()
    if report.events:
        logger.info("insights: %s events read, %s review items, %s gaps", report.events,
                    report.review_items, report.gaps)
    return report

