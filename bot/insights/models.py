"""Tables of learning and monitoring (issue 21). Timestamps are naive UTC.

    ins_conversation   one conversation (Rasa session): month, buurt, stadsdeel,
                       language and what was asked, as flags. No message text.
                       The pseudonym is kept only within the conversation
                       retention (then NULL); the anonymous row stays for the
                       indicators.
    ins_review_item    a message that went wrong (fallback, low confidence,
                       corrected by the resident), masked before storage, with
                       the pseudonym; deleted with the conversation retention.
    ins_state          the collector's watermark (last tracker event read).
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import Boolean, Column, DateTime, Float, Index, Integer, String, Text
from sqlalchemy.orm import declarative_base

# Any: SQLAlchemy 1.4 has no type hints, its declarative base is a runtime class.
Base: Any = declarative_base()

# Why a message is in the review queue.
REASON_FALLBACK = "fallback"
REASON_LOW_CONFIDENCE = "lage_zekerheid"
REASON_CORRECTION = "correctie"
REASONS = (REASON_FALLBACK, REASON_LOW_CONFIDENCE, REASON_CORRECTION)

# Review status.
NEW = "nieuw"
LABELLED = "gelabeld"
OUT_OF_SCOPE = "buiten_bereik"
EXPORTED = "geexporteerd"
REVIEW_STATUSES = (NEW, LABELLED, OUT_OF_SCOPE, EXPORTED)


class Conversation(Base):
    __tablename__ = "ins_conversation"
    __table_args__ = (Index("ix_ins_conversation_month", "month"),)

    id = Column(Integer, primary_key=True, autoincrement=True)
    resident_key = Column(String(80), index=True)  # pseudonym; NULL after retention
    started_at = Column(DateTime, nullable=False)
    last_at = Column(DateTime, nullable=False)
    month = Column(String(7), nullable=False)
    buurt = Column(String(120))
    stadsdeel = Column(String(60))
    language = Column(String(10))
    asked_place = Column(Boolean, nullable=False, default=False)
    asked_activity = Column(Boolean, nullable=False, default=False)
    asked_subsidy = Column(Boolean, nullable=False, default=False)
    self_organising = Column(Boolean, nullable=False, default=False)  # volunteer, initiative
    asked_toeleiding = Column(Boolean, nullable=False, default=False)
    not_understood = Column(Integer, nullable=False, default=0)


class ReviewItem(Base):
    __tablename__ = "ins_review_item"
    __table_args__ = (Index("ix_ins_review_status", "status"),)

    id = Column(Integer, primary_key=True, autoincrement=True)
    source_event = Column(String(40), unique=True)  # tracker event id (idempotent collection)
    resident_key = Column(String(80), index=True)  # pseudonym only
    created_at = Column(DateTime, nullable=False)
    reason = Column(String(20), nullable=False)
    text = Column(Text, nullable=False)  # masked before storage
    language = Column(String(10))
    predicted_intent = Column(String(80))
    confidence = Column(Float)
    status = Column(String(20), nullable=False, default=NEW)
    label_intent = Column(String(80))
    label_example = Column(Text)  # the example, optionally with [entity](markup)
    labelled_by = Column(String(80))
    labelled_at = Column(DateTime)
    exported_at = Column(DateTime)


class CollectorState(Base):
    __tablename__ = "ins_state"

    key = Column(String(60), primary_key=True)
    value = Column(String(200), nullable=False)
