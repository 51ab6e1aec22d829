"""The reminder table (opt-in reminders, issue 18 point 1).

    rm_reminder     one message the assistant promised to send a resident at one
                    moment: the day before an activity, an hour before it, or a
                    moment agreed in a toeleiding request (kind "visit").

Stored only with the resident's consent (`consent_at`), and only what is needed
to send it: the pseudonymous resident key, the channel and (Telegram, WhatsApp)
the chat address as already kept for opbouwwerkers' replies, the language, a
text key of the catalogue (bot/catalogue.yml) with its parameters, and times.
Timestamps are naive UTC (the same on SQLite and PostgreSQL). The rows go with
"verwijder mijn gegevens" (ReminderStore.erase_resident) and with the retention
purge a day after the moment they were for.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import Column, DateTime, Index, Integer, String, Text
from sqlalchemy.orm import declarative_base

# Any: SQLAlchemy 1.4 has no type hints, its declarative base is a runtime class.
Base: Any = declarative_base()

# States of a reminder (Reminder.state).
SCHEDULED = "scheduled"  # waits for its moment
SENDING = "sending"  # taken by one service process (a conditional UPDATE)
DELIVERED = "delivered"  # the channel took it (Telegram, WhatsApp) or the web chat fetched it
WAITING = "waiting"  # in the web chat inbox, until the page fetches it
FAILED = "failed"  # the send failed (no address, the channel refused it)
NO_TEMPLATE = "no_template"  # WhatsApp, outside the 24-hour window, no template configured
MISSED = "missed"  # its moment passed while no service was running (too late to send)
STOPPED = "stopped"  # "stop herinneringen"
STATES = (SCHEDULED, SENDING, DELIVERED, WAITING, FAILED, NO_TEMPLATE, MISSED, STOPPED)
OPEN_STATES = (SCHEDULED, SENDING)

# What a reminder is for (Reminder.kind).
ACTIVITY_DAY = "activity_day"  # the day before an activity
ACTIVITY_HOUR = "activity_hour"  # an hour before it
VISIT = "visit"  # an accompanied first visit (toeleiding)


class Reminder(Base):
    __tablename__ = "rm_reminder"

    id = Column(Integer, primary_key=True)
    resident_key = Column(String(64), nullable=False)  # pseudonym, never the platform id
    channel = Column(String(20), nullable=False)  # telegram | whatsapp | webchat | rest
    address = Column(String(64), nullable=True)  # Telegram chat id / wa_id (with consent)
    language = Column(String(8), nullable=False, default="nl")
    kind = Column(String(20), nullable=False)
    subject = Column(String(120), nullable=True)  # e.g. the activity's record key
    event_at = Column(DateTime, nullable=False)  # the moment it is about (naive UTC)
    due_at = Column(DateTime, nullable=False)  # when to send it (naive UTC)
    text_key = Column(String(60), nullable=False)  # bot/catalogue.yml
    params = Column(Text, nullable=False, default="{}")  # JSON for the text
    state = Column(String(20), nullable=False, default=SCHEDULED)
    consent_at = Column(DateTime, nullable=False)
    created_at = Column(DateTime, nullable=False)
    claimed_at = Column(DateTime, nullable=True)
    attempts = Column(Integer, nullable=False, default=0)
    sent_at = Column(DateTime, nullable=True)

    __table_args__ = (
        Index("ix_rm_reminder_due", "state", "due_at"),
        Index("ix_rm_reminder_resident", "resident_key"),
    )
