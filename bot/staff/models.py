"""Tables of the staff dashboard (on the handoff Base, so one MetaData for Alembic).

    ho_staff_account    dashboard logins (argon2 hash), role and werkgebied
    ho_staff_session    dashboard sessions (only a hash of the cookie is stored)
    ho_login_attempt    failed/successful logins, for rate limiting
    ho_read_mark        the last note of a request a staff member saw ("ongelezen")

Timestamps are naive UTC datetimes, as in bot/handoff/models.py.
"""
from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, Column, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.sql.expression import true

from bot.handoff.models import ROLE_OPBOUWWERKER, Base


class StaffAccount(Base):
    __tablename__ = "ho_staff_account"

    id = Column(Integer, primary_key=True, autoincrement=True)
    username = Column(String(80), nullable=False, unique=True)
    display_name = Column(String(120), nullable=False)
    role = Column(String(20), nullable=False, default=ROLE_OPBOUWWERKER)
    stadsdelen = Column(Text, nullable=False, default="")  # comma separated
    buurten = Column(Text, nullable=False, default="")  # comma separated
    telegram_user_id = Column(BigInteger)
    password_hash = Column(String(255), nullable=False)
    active = Column(Boolean, nullable=False, default=True)
    created_at = Column(DateTime, nullable=False)
    password_changed_at = Column(DateTime, nullable=False)
    # made for someone in the staff file: removed from the file = no dashboard
    in_staff_file = Column(Boolean, nullable=False, default=True, server_default=true())


class StaffSession(Base):
    __tablename__ = "ho_staff_session"

    token_hash = Column(String(64), primary_key=True)  # sha256 of the cookie value
    username = Column(String(80), nullable=False, index=True)
    csrf_token = Column(String(64), nullable=False)
    created_at = Column(DateTime, nullable=False)
    expires_at = Column(DateTime, nullable=False)
    last_seen = Column(DateTime, nullable=False)


class LoginAttempt(Base):
    __tablename__ = "ho_login_attempt"

    id = Column(Integer, primary_key=True, autoincrement=True)
    username = Column(String(80), nullable=False, index=True)
    remote = Column(String(64), nullable=False, index=True)
    at = Column(DateTime, nullable=False, index=True)
    success = Column(Boolean, nullable=False)


class ReadMark(Base):
    """The last note of a request a staff member saw in the dashboard (for "ongelezen")."""

    __tablename__ = "ho_read_mark"

    username = Column(String(80), primary_key=True)
    request_id = Column(Integer, ForeignKey("ho_request.id", ondelete="CASCADE"),
                        primary_key=True)
    seen_note_id = Column(Integer, nullable=False, default=0, server_default="0")
