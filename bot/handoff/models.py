"""Tables of the toeleiding handoff queue.

    ho_request          one request of a resident for a person (reference "T-0042")
    ho_note             internal notes, closing notes, replies to the resident, resident messages
    ho_event            audit trail: every change, who, what, when, old -> new

The staff dashboard's tables (ho_staff_account, ho_staff_session,
ho_login_attempt, ho_read_mark) are in bot/staff/models.py, on the same
declarative Base.

Contact details (`channel_address`, `contact_phone`) are only stored with the
resident's consent (`consent` + `consent_at`). The resident is known by a
pseudonymous key (keyed hash of the platform id), never by the platform id.
Timestamps are naive UTC datetimes (the same on SQLite and PostgreSQL).
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import declarative_base, relationship
from sqlalchemy.sql.expression import false

# Any: SQLAlchemy 1.4 has no type hints, its declarative base is a runtime class.
Base: Any = declarative_base()

# Status values of a request.
NIEUW = "nieuw"
OPGEPAKT = "opgepakt"
IN_CONTACT = "in_contact"
AFGEROND = "afgerond"
GEANNULEERD = "geannuleerd"
STATUSES = (NIEUW, OPGEPAKT, IN_CONTACT, AFGEROND, GEANNULEERD)
OPEN_STATUSES = (NIEUW, OPGEPAKT, IN_CONTACT)
CLOSED_STATUSES = (AFGEROND, GEANNULEERD)

# How the resident wants to be contacted.
CONTACT_CHAT = "chat"  # in this chat (the channel they wrote in)
CONTACT_PHONE = "telefoon"  # by phone, at the number they gave
CONTACT_CALL_ME = "bel_mij"  # "bel mij": call me back at the number of this channel
CONTACT_METHODS = (CONTACT_CHAT, CONTACT_PHONE, CONTACT_CALL_ME)

# What an opbouwwerker records about trying to reach the resident (timeline actions).
CONTACT_OUTCOMES = ("gebeld", "niet_bereikt", "afspraak")

# Why the request was made (the dialogue's entry point).
KINDS = ("toeleiding", "mens", "subsidie_aanvraag", "eenzaamheid", "anders")

# Delivery state of a staff message to the resident (HandoffNote.delivery, replies).
DELIVERED = "delivered"  # the send succeeded, or the web chat page fetched it
WAITING = "waiting"  # waits until the resident writes again (or the page fetches it)
FAILED = "failed"  # the send failed
DELIVERY_STATES = (DELIVERED, WAITING, FAILED)

# An accompanied first visit (issue 18.2; only with ONTMOET_HANDOFF_ACCOMPANY on):
# the resident asked for a place and a moment, the opbouwwerker proposed another
# moment (the resident answers ja/nee), or the visit is agreed.
VISIT_ASKED = "gevraagd"
VISIT_PROPOSED = "voorgesteld"
VISIT_CONFIRMED = "bevestigd"
VISIT_STATUSES = (VISIT_ASKED, VISIT_PROPOSED, VISIT_CONFIRMED)

ROLE_OPBOUWWERKER = "opbouwwerker"
ROLE_COORDINATOR = "coordinator"
ROLES = (ROLE_OPBOUWWERKER, ROLE_COORDINATOR)


class HandoffRequest(Base):
    __tablename__ = "ho_request"
    # sqlite_autoincrement: ids (and so references) are never reused after a purge.
    __table_args__ = (
        Index("ix_ho_request_status_stadsdeel", "status", "stadsdeel"),
        {"sqlite_autoincrement": True},
    )

    id = Column(Integer, primary_key=True, autoincrement=True)
    reference = Column(String(16), unique=True)  # "T-0042", set in the insert's transaction
    channel = Column(String(20), nullable=False)  # webchat, rest, telegram, whatsapp
    resident_key = Column(String(80), index=True)  # pseudonym; NULL once anonymised
    kind = Column(String(30), nullable=False, default="toeleiding")
    consent = Column(Boolean, nullable=False, default=False)
    consent_at = Column(DateTime)
    contact_method = Column(String(20))
    channel_address = Column(String(120))  # chat id / wa_id, only with consent
    contact_phone = Column(String(40))  # only with consent
    buurt = Column(String(120))
    stadsdeel = Column(String(60))
    reason = Column(Text)
    language = Column(String(10), nullable=False, default="nl")
    best_moment = Column(String(200))
    status = Column(String(20), nullable=False, default=NIEUW)
    assigned_to = Column(String(80))  # staff username
    live = Column(Boolean, nullable=False, default=False)  # live chat contact active
    created_at = Column(DateTime, nullable=False)
    updated_at = Column(DateTime, nullable=False)
    claimed_at = Column(DateTime)
    in_contact_at = Column(DateTime)
    closed_at = Column(DateTime)
    escalated_at = Column(DateTime)
    # An alert about the new request reached someone (Telegram or e-mail); the
    # outbox marker is announce_attempted_at (retried while nobody was reached).
    announced_at = Column(DateTime)
    announce_attempted_at = Column(DateTime)
    # Live chat: when it started or an opbouwwerker last wrote (the pause has a
    # maximum length counted from here), and the Rasa pause/resume the service
    # still has to apply ("pause", "resume", "resume:ended", "resume:expired").
    live_since = Column(DateTime)
    assistant_sync = Column(String(20))
    sync_attempts = Column(Integer, nullable=False, default=0, server_default="0")
    # The resident wrote a crisis message: the opbouwwerker still has to be told
    # (the outbox of the service's loop; the action server cannot reach Telegram).
    crisis_signal_at = Column(DateTime)
    anonymised_at = Column(DateTime)
    # The accompanied first visit (VISIT_STATUSES; NULL: none asked). visit_moment
    # is the moment as words ("donderdagmiddag"), visit_start its start (naive
    # UTC) when knowledge/when.py could read it; visit_place the name of a place
    # in knowledge/ (visit_place_key), visit_place_demo when it is demo data.
    visit_status = Column(String(20))
    visit_place_key = Column(String(80))
    visit_place = Column(String(200))
    visit_place_demo = Column(Boolean, nullable=False, default=False, server_default=false())
    visit_moment = Column(String(200))
    visit_start = Column(DateTime)

    notes = relationship("HandoffNote", back_populates="request", order_by="HandoffNote.id",
                         cascade="all, delete-orphan")
    events = relationship("HandoffEvent", back_populates="request", order_by="HandoffEvent.id")


class HandoffNote(Base):
    __tablename__ = "ho_note"

    id = Column(Integer, primary_key=True, autoincrement=True)
    request_id = Column(Integer, ForeignKey("ho_request.id", ondelete="CASCADE"),
                        nullable=False, index=True)
    # note: internal; reply: to the resident; resident: a message from the resident
    kind = Column(String(20), nullable=False, default="note")
    author = Column(String(80), nullable=False)
    text = Column(Text, nullable=False)
    created_at = Column(DateTime, nullable=False)
    # A message to the resident stored where no channel is at hand (`ontmoet
    # queue reply`): the service's loop still has to deliver it (the outbox).
    pending_delivery = Column(Boolean, nullable=False, default=False, server_default=false(),
                              index=True)
    # replies: delivered | waiting | failed (DELIVERY_STATES); NULL: not a reply or unknown
    delivery = Column(String(20))
    delivered_at = Column(DateTime)

    request = relationship("HandoffRequest", back_populates="notes")


class HandoffEvent(Base):
    """Audit trail. Kept (without personal data) when a request is anonymised."""

    __tablename__ = "ho_event"

    id = Column(Integer, primary_key=True, autoincrement=True)
    request_id = Column(Integer, ForeignKey("ho_request.id", ondelete="SET NULL"), index=True)
    reference = Column(String(16), index=True)
    at = Column(DateTime, nullable=False)
    actor = Column(String(80), nullable=False)  # staff username, "resident", "system"
    action = Column(String(30), nullable=False)  # created, claimed, note, reply, closed ...
    field = Column(String(40))
    old_value = Column(Text)
    new_value = Column(Text)

    request = relationship("HandoffRequest", back_populates="events")
