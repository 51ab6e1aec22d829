"""Dashboard accounts of opbouwwerkers and coordinators.

Accounts are made with `ontmoet staff add USERNAME` (never through the web).
Passwords are hashed with Argon2id (argon2-cffi). Sessions live in the database
(only a SHA-256 of the cookie value is stored) with an absolute lifetime and an
idle timeout.

Login throttling (`authenticate`), counted atomically: every attempt is first
written (and committed) as a failure, then the failures in the window are
counted, this one included; only then is the password checked. Concurrent
guesses therefore cannot all slip through between a count and an insert.
Limits, so that nobody can lock their colleagues out:

* per account *and* client address (`max_failures_per_user`, default 5): a
  guesser at one address blocks that account at that address only;
* per client address (`max_failures_per_address`, default 20): one address
  trying many accounts is blocked, the colleagues elsewhere are not;
* per account from all addresses together (`max_failures_per_account`,
  default 50, against guessing from many addresses) - this one never applies
  to an address from which the account logged in successfully before.

The client address is the one the dashboard derives with the configured
number of trusted proxies (bot/staff/dashboard.py `client_address`): without
that, every colleague behind nginx would share one address.

Role and werkgebied come from the staff file (the roster) when the username is
in it; otherwise from the account itself (set with --role/--stadsdeel/--buurt).
An account made for someone in the staff file (`in_staff_file`) stops working
when that person is removed from the file: sessions end at the next request.
"""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Callable, Dict, Iterable, List, Optional, Tuple

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from bot.handoff.models import ROLE_OPBOUWWERKER, ROLES
from bot.handoff.queue import utcnow
from bot.handoff.routing import Roster, StaffMember, normalise_area
from bot.handoff.texts import staff_text
from bot.staff.models import LoginAttempt, StaffAccount, StaffSession

MIN_PASSWORD_CHARS = 10


class AccountError(ValueError):
    pass


class NoAccount(AccountError):
    """There is no account with that username."""


class TooManyAttempts(Exception):
    """Too many failed logins recently; try again later."""


@dataclass(frozen=True)
class AccountView:
    username: str
    display_name: str
    role: str
    werkgebied: str
    telegram_user_id: Optional[int]
    active: bool
    in_roster: bool

    def to_dict(self) -> dict:
        return dict(self.__dict__)


@dataclass(frozen=True)
class SessionInfo:
    username: str
    csrf_token: str
    member: StaffMember
    expires_at: datetime


@dataclass(frozen=True)
class AreaNames:
    """The stadsdelen and buurten of the knowledge base, to check a werkgebied."""

    stadsdelen: Tuple[str, ...]
    buurten: Dict[str, str]  # normalised name or variant -> the buurt's name

    @classmethod
    def from_knowledge(cls, knowledge_dir: Path) -> "AreaNames":
        from knowledge.datafiles import load_dataset

        dataset = load_dataset(knowledge_dir, include_demo=False)
        buurten = {}
        for record in dataset.buurten:
            for name in (record.name, *record.variants):
                buurten[normalise_area(name)] = record.name
        return cls(tuple(dataset.stadsdelen), buurten)

    def check(self, name: str, kind: str) -> str:
        """The knowledge base's spelling of `name` ("stadsdeel" or "buurt"), else
        AccountError with the closest name as a suggestion (rapidfuzz)."""
        from rapidfuzz import process

        known = ({normalise_area(s): s for s in self.stadsdelen} if kind == "stadsdeel"
                 else self.buurten)
        found = known.get(normalise_area(name))
        if found:
            return found
        best = process.extractOne(normalise_area(name), list(known), score_cutoff=60)
        if best is None:
            raise AccountError(staff_text("account_unknown_area", kind=kind, name=name))
        raise AccountError(staff_text("account_area_typo", kind=kind, name=name,
                                      suggestion=known[best[0]]))


def _split(value: str) -> Tuple[str, ...]:
    return tuple(v.strip() for v in (value or "").split(",") if v.strip())


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class StaffAccounts:
    def __init__(self, engine: Engine, roster_source: Callable[[], Roster],
                 clock: Callable[[], datetime] = utcnow,
                 session_lifetime: timedelta = timedelta(hours=8),
                 idle_timeout: timedelta = timedelta(minutes=60),
                 max_failures_per_user: int = 5, max_failures_per_address: int = 20,
                 max_failures_per_account: int = 50,
                 failure_window: timedelta = timedelta(minutes=15),
                 known_address_days: int = 30,
                 hasher: Optional[PasswordHasher] = None) -> None:
        from ontmoet_core.db import make_session_factory

        self.engine = engine
        self._sessions = make_session_factory(engine)
        self._roster_source = roster_source
        self._clock = clock
        self.session_lifetime = session_lifetime
        self.idle_timeout = idle_timeout
        self.max_failures_per_user = max_failures_per_user
        self.max_failures_per_address = max_failures_per_address
        self.max_failures_per_account = max_failures_per_account
        self.failure_window = failure_window
        self.known_address_window = timedelta(days=known_address_days)
        self._hasher = hasher or PasswordHasher()
        self._dummy_hash: Optional[str] = None

    # -- accounts -------------------------------------------------------------
    def add(self, username: str, password: str, *, display_name: Optional[str] = None,
            role: Optional[str] = None, stadsdelen: Iterable[str] = (),
            buurten: Iterable[str] = (), telegram_user_id: Optional[int] = None,
            areas: Optional["AreaNames"] = None) -> AccountView:
        """Create a login. Defaults (name, role, werkgebied) come from the roster.
        With `areas` every stadsdeel and buurt must be one of its names (a typo
        is refused with a suggestion)."""
        username = (username or "").strip()
        if not username or len(username) > 80 or not username.replace("-", "").replace(
                "_", "").replace(".", "").isalnum():
            raise AccountError(staff_text("account_bad_username"))
        self._check_password(password)
        member = self._roster_source().by_username(username)
        role = role or (member.role if member else ROLE_OPBOUWWERKER)
        if role not in ROLES:
            raise AccountError(staff_text("account_bad_role", roles=", ".join(ROLES)))
        stadsdelen = tuple(stadsdelen) or (member.stadsdelen if member else ())
        buurten = tuple(buurten) or (member.buurten if member else ())
        if areas is not None:
            stadsdelen = tuple(areas.check(name, "stadsdeel") for name in stadsdelen)
            buurten = tuple(areas.check(name, "buurt") for name in buurten)
        if role != "coordinator" and not member and not (stadsdelen or buurten):
            raise AccountError(staff_text("account_needs_area"))
        now = self._clock()
        try:
            with self._sessions() as session, session.begin():
                session.execute(insert(StaffAccount).values(
                    username=username,
                    display_name=display_name or (member.name if member else username),
                    role=role, stadsdelen=",".join(stadsdelen), buurten=",".join(buurten),
                    telegram_user_id=telegram_user_id if telegram_user_id is not None else (
                        member.telegram_user_id if member else None),
                    password_hash=self._hasher.hash(password), active=True,
                    created_at=now, password_changed_at=now, in_staff_file=member is not None,
                ))
        except IntegrityError as exc:
            raise AccountError(staff_text("account_exists", username=username)) from exc
        return self.get(username)

    def set_password(self, username: str, password: str) -> None:
        self._check_password(password)
        now = self._clock()
        with self._sessions() as session, session.begin():
            result = session.execute(update(StaffAccount).where(StaffAccount.username == username)
                                     .values(password_hash=self._hasher.hash(password),
                                             password_changed_at=now))
            if result.rowcount != 1:
                raise NoAccount(staff_text("account_unknown", username=username))
            session.execute(delete(StaffSession).where(StaffSession.username == username))

    def set_active(self, username: str, active: bool) -> None:
        with self._sessions() as session, session.begin():
            result = session.execute(update(StaffAccount).where(StaffAccount.username == username)
                                     .values(active=active))
            if result.rowcount != 1:
                raise NoAccount(staff_text("account_unknown", username=username))
            if not active:
                session.execute(delete(StaffSession).where(StaffSession.username == username))

    def unlock(self, username: str) -> int:
        """End a login block: forget the failed attempts for this username (from
        every address). Returns how many were forgotten."""
        self.get(username)  # NoAccount for an unknown username
        with self._sessions() as session, session.begin():
            return session.execute(delete(LoginAttempt).where(
                LoginAttempt.username == username, LoginAttempt.success.is_(False))).rowcount

    def _check_password(self, password: str) -> None:
        if not password or len(password) < MIN_PASSWORD_CHARS:
            raise AccountError(staff_text("account_short_password", chars=MIN_PASSWORD_CHARS))

    def _row(self, username: str) -> Optional[StaffAccount]:
        with self._sessions() as session:
            return session.execute(
                select(StaffAccount).where(StaffAccount.username == username)
            ).scalar_one_or_none()

    def _view(self, row: StaffAccount) -> AccountView:
        member = self._member_from(row)
        if member is None:  # removed from the staff file
            return AccountView(username=row.username, display_name=row.display_name,
                               role=row.role, werkgebied="-", telegram_user_id=None,
                               active=False, in_roster=False)
        return AccountView(username=row.username, display_name=member.name, role=member.role,
                           werkgebied=member.werkgebied_label,
                           telegram_user_id=member.telegram_user_id, active=row.active,
                           in_roster=self._roster_source().by_username(row.username) is not None)

    def get(self, username: str) -> AccountView:
        row = self._row(username)
        if row is None:
            raise NoAccount(staff_text("account_unknown", username=username))
        return self._view(row)

    def list(self) -> List[AccountView]:
        with self._sessions() as session:
            rows = session.execute(select(StaffAccount).order_by(StaffAccount.username)).scalars().all()
        return [self._view(r) for r in rows]

    def _member_from(self, row: StaffAccount) -> Optional[StaffMember]:
        member = self._roster_source().by_username(row.username)
        if member is not None:
            return member
        if row.in_staff_file:
            return None  # removed from the staff file: no access any more
        return StaffMember(username=row.username, name=row.display_name, role=row.role,
                           stadsdelen=_split(row.stadsdelen), buurten=_split(row.buurten),
                           telegram_user_id=row.telegram_user_id)

    def member(self, username: str) -> Optional[StaffMember]:
        row = self._row(username)
        if row is None or not row.active:
            return None
        return self._member_from(row)

    # -- login ----------------------------------------------------------------
    def _failures(self, session, now: datetime, **where) -> int:
        query = select(func.count()).select_from(LoginAttempt).where(
            LoginAttempt.success.is_(False), LoginAttempt.at > now - self.failure_window)
        for column, value in where.items():
            query = query.where(getattr(LoginAttempt, column) == value)
        return session.execute(query).scalar_one()

    def _known_address(self, session, username: str, remote: str, now: datetime) -> bool:
        return session.execute(
            select(LoginAttempt.id).where(
                LoginAttempt.username == username, LoginAttempt.remote == remote,
                LoginAttempt.success.is_(True), LoginAttempt.at > now - self.known_address_window,
            ).limit(1)
        ).first() is not None

    def _blocked(self, session, username: str, remote: str, now: datetime) -> bool:
        if self._failures(session, now, username=username, remote=remote) > self.max_failures_per_user:
            return True
        if self._failures(session, now, remote=remote) > self.max_failures_per_address:
            return True
        return (self._failures(session, now, username=username) > self.max_failures_per_account
                and not self._known_address(session, username, remote, now))

    def authenticate(self, username: str, password: str, remote: str = "-",
                     now: Optional[datetime] = None) -> Optional[StaffMember]:
        """The staff member for a correct password, else None.

        Raises TooManyAttempts when the limits above are reached (checked
        before the password, so guessing stops). The attempt is recorded
        before it is counted (atomic), see the module's docstring."""
        now = now or self._clock()
        username = (username or "").strip()[:80]
        remote = (remote or "-")[:64]
        with self._sessions() as session, session.begin():
            attempt_id = session.execute(insert(LoginAttempt).values(
                username=username, remote=remote, at=now, success=False)).inserted_primary_key[0]
        with self._sessions() as session, session.begin():
            if self._blocked(session, username, remote, now):
                # a refused attempt does not count: the block ends on time
                session.execute(delete(LoginAttempt).where(LoginAttempt.id == attempt_id))
                raise TooManyAttempts()
        row = self._row(username)
        ok = False
        if row is not None and row.active:
            try:
                ok = self._hasher.verify(row.password_hash, password or "")
            except (VerifyMismatchError, VerificationError, InvalidHashError):
                ok = False
            if ok and self._hasher.check_needs_rehash(row.password_hash):
                with self._sessions() as session, session.begin():
                    session.execute(update(StaffAccount).where(StaffAccount.id == row.id)
                                    .values(password_hash=self._hasher.hash(password)))
        else:
            # Same work for unknown users, so timing does not reveal who exists.
            if self._dummy_hash is None:
                self._dummy_hash = self._hasher.hash(secrets.token_hex(16))
            try:
                self._hasher.verify(self._dummy_hash, password or "")
            except (VerifyMismatchError, VerificationError, InvalidHashError):
                pass
        member = self._member_from(row) if ok and row is not None else None
        if member is not None:
            with self._sessions() as session, session.begin():
                session.execute(update(LoginAttempt).where(LoginAttempt.id == attempt_id)
                                .values(success=True))
        return member

    # -- sessions -------------------------------------------------------------
    def create_session(self, username: str, now: Optional[datetime] = None) -> Tuple[str, str]:
        """A new session: (cookie token, csrf token). Only a hash of the token is kept."""
        now = now or self._clock()
        token = secrets.token_urlsafe(32)
        csrf = secrets.token_urlsafe(32)
        with self._sessions() as session, session.begin():
            session.execute(insert(StaffSession).values(
                token_hash=_hash_token(token), username=username, csrf_token=csrf,
                created_at=now, expires_at=now + self.session_lifetime, last_seen=now))
        return token, csrf

    def session(self, token: Optional[str], now: Optional[datetime] = None,
                touch: bool = True) -> Optional[SessionInfo]:
        """The live session for a cookie token, else None. `touch` refreshes its
        idle timer (not for the dashboard's own refreshes: they are no activity)."""
        if not token or len(token) > 200:
            return None
        now = now or self._clock()
        key = _hash_token(token)
        with self._sessions() as session, session.begin():
            row = session.execute(
                select(StaffSession).where(StaffSession.token_hash == key)
            ).scalar_one_or_none()
            if row is None:
                return None
            if row.expires_at <= now or row.last_seen + self.idle_timeout <= now:
                session.execute(delete(StaffSession).where(StaffSession.token_hash == key))
                return None
            if touch:
                session.execute(update(StaffSession).where(StaffSession.token_hash == key)
                                .values(last_seen=now))
            username, csrf, expires = row.username, row.csrf_token, row.expires_at
        member = self.member(username)
        if member is None:
            return None
        return SessionInfo(username=username, csrf_token=csrf, member=member, expires_at=expires)

    def end_session(self, token: Optional[str]) -> None:
        if not token:
            return
        with self._sessions() as session, session.begin():
            session.execute(delete(StaffSession).where(StaffSession.token_hash == _hash_token(token)))


def purge_staff(engine: Engine, now: Optional[datetime] = None,
                login_attempts_older_than: timedelta = timedelta(days=30)) -> dict:
    """Retention for the dashboard: drop expired sessions and old login attempts.

    Part of every retention round (bot.privacy.run_retention, `ontmoet queue purge`)."""
    from ontmoet_core.db import make_session_factory

    now = now or utcnow()
    with make_session_factory(engine)() as session, session.begin():
        return {
            "sessions": session.execute(
                delete(StaffSession).where(StaffSession.expires_at <= now)).rowcount,
            "login_attempts": session.execute(
                delete(LoginAttempt).where(LoginAttempt.at <= now - login_attempts_older_than)
            ).rowcount,
        }
