"""Who works which area: the staff roster (a data file) and notifications.

The roster (Settings.staff_file, default knowledge/data/opbouwwerkers.yml) lists
the opbouwwerkers with their werkgebied (stadsdelen and/or buurten), Telegram
user id and e-mail address (both optional), and one or more coordinators. It is
also the Telegram allowlist: only the Telegram user ids in this file get queue
data from the bot.

    roster = load_roster(settings.staff_file)
    plan = roster.who_to_notify(buurt="Mariaberg", stadsdeel="West")
    await announce_new_request(view, roster, notifier)

`Notifier` is the interface channels implement (`async notify(staff, text)`,
False when the person has no address on that channel); `FanoutNotifier` tries
several (Telegram and e-mail); `LoggingNotifier` only logs (and so reaches
nobody); tests use tests/fakes/notifier.py.
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Protocol, Tuple

import yaml

from bot.handoff.models import ROLE_COORDINATOR, ROLE_OPBOUWWERKER, ROLES
from bot.handoff.texts import staff_text
from knowledge.textnorm import compact

logger = logging.getLogger(__name__)
_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class RosterError(ValueError):
    """The staff file is invalid."""


def normalise_area(name: Optional[str]) -> str:
    """Compare area names loosely: "Zuid-West", "zuidwest" and "Zuid West" match
    (the knowledge base's normalised form without spaces)."""
    return compact(str(name)) if name else ""


@dataclass(frozen=True)
class StaffMember:
    """An opbouwwerker or coordinator, as the queue and the dashboard see them."""

    username: str
    name: str
    role: str = ROLE_OPBOUWWERKER
    stadsdelen: Tuple[str, ...] = ()
    buurten: Tuple[str, ...] = ()
    telegram_user_id: Optional[int] = None
    demo: bool = False
    email: Optional[str] = None  # for e-mail alerts (bot/handoff/email_alerts.py)

    @property
    def is_coordinator(self) -> bool:
        return self.role == ROLE_COORDINATOR

    def covers(self, buurt: Optional[str], stadsdeel: Optional[str]) -> bool:
        """True when the buurt or stadsdeel is in this person's werkgebied."""
        if buurt and normalise_area(buurt) in {normalise_area(b) for b in self.buurten}:
            return True
        if stadsdeel and normalise_area(stadsdeel) in {normalise_area(s) for s in self.stadsdelen}:
            return True
        return False

    def can_see(self, buurt: Optional[str], stadsdeel: Optional[str],
                assigned_to: Optional[str] = None) -> bool:
        """Coordinators see everything; an opbouwwerker their werkgebied and their own."""
        if self.is_coordinator:
            return True
        if assigned_to and assigned_to == self.username:
            return True
        return self.covers(buurt, stadsdeel)

    @property
    def werkgebied_label(self) -> str:
        if self.is_coordinator:
            return "heel Maastricht"
        parts = list(self.stadsdelen) + list(self.buurten)
        return ", ".join(parts) or "-"


@dataclass(frozen=True)
class NotifyPlan:
    staff: Tuple[StaffMember, ...]
    to_coordinator: bool  # True when nobody covers the area


@dataclass
class Roster:
    members: List[StaffMember] = field(default_factory=list)
    source: str = ""
    demo: bool = False

    def __post_init__(self) -> None:
        self._by_username: Dict[str, StaffMember] = {}
        self._by_telegram: Dict[int, StaffMember] = {}
        for member in self.members:
            if member.username in self._by_username:
                raise RosterError(f"username {member.username!r} appears twice")
            self._by_username[member.username] = member
            if member.telegram_user_id is not None:
                if member.telegram_user_id in self._by_telegram:
                    raise RosterError(f"telegram_user_id {member.telegram_user_id} appears twice")
                self._by_telegram[member.telegram_user_id] = member

    def by_username(self, username: str) -> Optional[StaffMember]:
        return self._by_username.get(username)

    def by_telegram_id(self, telegram_user_id: Optional[int]) -> Optional[StaffMember]:
        """The staff member on the allowlist with this Telegram user id, else None."""
        if telegram_user_id is None:
            return None
        try:
            return self._by_telegram.get(int(telegram_user_id))
        except (TypeError, ValueError):
            return None

    @property
    def coordinators(self) -> Tuple[StaffMember, ...]:
        return tuple(m for m in self.members if m.is_coordinator)

    @property
    def opbouwwerkers(self) -> Tuple[StaffMember, ...]:
        return tuple(m for m in self.members if not m.is_coordinator)

    def who_to_notify(self, buurt: Optional[str], stadsdeel: Optional[str]) -> NotifyPlan:
        """The opbouwwerkers of the area; the coordinators when nobody covers it."""
        covering = tuple(m for m in self.opbouwwerkers if m.covers(buurt, stadsdeel))
        if covering:
            return NotifyPlan(staff=covering, to_coordinator=False)
        return NotifyPlan(staff=self.coordinators, to_coordinator=True)


def _as_tuple(value) -> Tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value.strip(),) if value.strip() else ()
    return tuple(str(v).strip() for v in value if str(v).strip())


def _member(entry: dict, role: str, demo: bool) -> StaffMember:
    if not isinstance(entry, dict) or not entry.get("username"):
        raise RosterError(f"every person needs a username: {entry!r}")
    werkgebied = entry.get("werkgebied") or {}
    if not isinstance(werkgebied, dict):
        raise RosterError(f"werkgebied of {entry['username']} must have stadsdelen/buurten")
    telegram: Any = entry.get("telegram_user_id")
    if telegram not in (None, ""):
        try:
            telegram = int(telegram)
        except (TypeError, ValueError) as exc:
            raise RosterError(f"telegram_user_id of {entry['username']} is not a number") from exc
    else:
        telegram = None
    email = str(entry.get("email") or "").strip() or None
    if email is not None and not _EMAIL_RE.match(email):
        raise RosterError(f"email of {entry['username']} is not an e-mail address")
    role = entry.get("role", role)
    if role not in ROLES:
        raise RosterError(f"unknown role {role!r} for {entry['username']}")
    return StaffMember(
        username=str(entry["username"]).strip(),
        name=str(entry.get("name") or entry["username"]).strip(),
        role=role,
        stadsdelen=_as_tuple(werkgebied.get("stadsdelen")),
        buurten=_as_tuple(werkgebied.get("buurten")),
        telegram_user_id=telegram,
        demo=bool(entry.get("demo", demo)),
        email=email,
    )


def parse_roster(data: dict, source: str = "") -> Roster:
    if not isinstance(data, dict):
        raise RosterError("the staff file must be a mapping")
    demo = bool(data.get("demo", False))
    members = [_member(e, ROLE_OPBOUWWERKER, demo) for e in data.get("opbouwwerkers") or []]
    members += [_member(e, ROLE_COORDINATOR, demo) for e in data.get("coordinators") or []]
    for m in members:
        if not m.is_coordinator and not (m.stadsdelen or m.buurten):
            raise RosterError(f"{m.username} has no werkgebied (stadsdelen or buurten)")
    return Roster(members=members, source=source or str(data.get("source", "")), demo=demo)


def load_roster(path: Path) -> Roster:
    """Read the staff file; a missing file gives an empty roster (nobody is staff)."""
    path = Path(path)
    if not path.exists():
        logger.warning("staff file %s not found: nobody is staff", path)
        return Roster()
    with path.open(encoding="utf-8") as handle:
        return parse_roster(yaml.safe_load(handle) or {}, source=str(path))


class RosterCache:
    """Callable giving the current roster; re-reads the file when it changes.

    An invalid edit keeps the last good roster (and logs the error)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._stamp: Optional[Tuple[float, int]] = None
        self._roster = Roster()

    def __call__(self) -> Roster:
        try:
            stat = self.path.stat()
            stamp = (stat.st_mtime, stat.st_size)
        except OSError:
            stamp = None
        if stamp != self._stamp:
            try:
                self._roster = load_roster(self.path)
                self._stamp = stamp
            except (RosterError, yaml.YAMLError):
                logger.exception("staff file %s is invalid; keeping the previous roster", self.path)
        return self._roster


def load_buurt_stadsdelen(knowledge_dir: Path) -> Dict[str, str]:
    """normalised buurt name -> stadsdeel, from knowledge/data/buurten.yml (if present)."""
    path = Path(knowledge_dir) / "buurten.yml"
    if not path.exists():
        return {}
    with path.open(encoding="utf-8") as handle:
        data = yaml.safe_load(handle) or {}
    result = {}
    for entry in data.get("buurten") or []:
        if isinstance(entry, dict) and entry.get("name") and entry.get("stadsdeel"):
            for name in [entry["name"], *(entry.get("variants") or [])]:
                result[normalise_area(name)] = str(entry["stadsdeel"])
    return result


# --------------------------------------------------------------------------
# Notifications
# --------------------------------------------------------------------------
class Notifier(Protocol):
    """Sends a staff alert. Returns False when it could not reach this person
    on its channel (no Telegram id, no e-mail address); raises when sending
    failed. None (a notifier that returns nothing) counts as delivered."""

    async def notify(self, staff: StaffMember, text: str) -> Optional[bool]: ...


class LoggingNotifier:
    """Logs that someone would be notified (no personal data in the log); reaches nobody."""

    async def notify(self, staff: StaffMember, text: str) -> bool:
        logger.info("notify %s: %d characters (no staff channel configured)",
                    staff.username, len(text))
        return False


class TelegramStaffNotifier:
    """Notifies staff in their private Telegram chat with the bot.

    `send(telegram_user_id, text)` is the channel's coroutine that sends a
    message (e.g. python-telegram-bot's `bot.send_message(chat_id=..., text=...)`).
    Staff without a telegram_user_id are skipped."""

    def __init__(self, send) -> None:
        self._send = send

    async def notify(self, staff: StaffMember, text: str) -> bool:
        if staff.telegram_user_id is None:
            logger.info("notify %s: no telegram_user_id in the staff file", staff.username)
            return False
        await self._send(staff.telegram_user_id, text)
        return True


class FanoutNotifier:
    """Tries every notifier (e.g. Telegram and e-mail); delivered when one reached
    the person. A failing channel is logged and does not stop the others."""

    def __init__(self, *notifiers: Notifier) -> None:
        self.notifiers = notifiers

    async def notify(self, staff: StaffMember, text: str) -> bool:
        delivered = False
        for notifier in self.notifiers:
            try:
                delivered = (await notifier.notify(staff, text) is not False) or delivered
            except Exception:
                logger.exception("notifying %s through %s failed", staff.username,
                                 type(notifier).__name__)
        return delivered


async def _notify_all(notifier: Notifier, staff: Iterable[StaffMember], text: str) -> List[str]:
    """The usernames the alert actually reached."""
    reached = []
    for member in staff:
        try:
            if await notifier.notify(member, text) is not False:
                reached.append(member.username)
        except Exception:  # one failing channel must not stop the others
            logger.exception("notifying %s failed", member.username)
    return reached


async def announce_new_request(request, roster: Roster, notifier: Notifier,
                               dashboard_url: str = "") -> List[str]:
    """Tell the opbouwwerkers of the request's area (or the coordinators) about it.

    Only the reference, the buurt and a dashboard link: the reason, the phone
    number and the messages are read in the dashboard, never sent to Telegram.
    `request` is a queue.RequestView. Returns the usernames the alert reached."""
    from bot.handoff.texts import dashboard_link

    plan = roster.who_to_notify(request.buurt, request.stadsdeel)
    key = "notify_new_uncovered" if plan.to_coordinator else "notify_new"
    text = staff_text(key, reference=request.reference,
                      area=request.buurt or request.stadsdeel or "onbekend",
                      link=dashboard_link(dashboard_url, request.reference))
    return await _notify_all(notifier, plan.staff, text)


async def announce_escalations(requests, roster: Roster, notifier: Notifier,
                               dashboard_url: str = "") -> List[str]:
    """Tell the coordinators about requests left unclaimed too long."""
    from bot.handoff.texts import dashboard_link

    reached: List[str] = []
    for request in requests:
        text = staff_text("notify_escalated", reference=request.reference,
                          area=request.buurt or request.stadsdeel or "onbekend",
                          link=dashboard_link(dashboard_url, request.reference))
        reached += await _notify_all(notifier, roster.coordinators, text)
    return reached
