"""Queue commands for opbouwwerkers in a private Telegram chat with the bot.

Pure logic: the Telegram channel passes (telegram_user_id, chat_type, text) and
sends back what `handle` returns. Nothing here talks to Telegram.

    commands = TelegramStaffCommands(queue, roster)
    reply = commands.handle(update.effective_user.id, update.effective_chat.type, text)
    if reply is None:      -> not a staff command: treat the message as a resident's
    else: send reply.texts to the chat; deliver each reply.relays[i] to the
          resident (bot.handoff.queue.deliver_state) and report how far it got
          with commands.delivery_text(relay, state).

Only Telegram user ids in the staff file (the allowlist) get queue data. Anyone
else who types a queue command gets one polite refusal and nothing more; group
chats are refused for everyone.

Commands: /wachtrij, /oppakken REF, /notitie REF tekst, /antwoord REF tekst,
/afronden REF, /vrijgeven REF, plus /live REF and /stoplive REF (live chat with
the resident: the assistant pauses meanwhile) and /help (staff only).
"""
from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from typing import Callable, Optional, Tuple, Union

from bot.handoff.models import FAILED
from bot.handoff.queue import (
    HandoffError,
    HandoffQueue,
    InvalidInput,
    NotAllowed,
    NotFound,
    Relay,
    StaffForward,
    parse_reference,
)
from bot.handoff.routing import Roster, StaffMember
from bot.handoff.texts import dashboard_link, staff_text

QUEUE_COMMANDS = ("wachtrij", "oppakken", "notitie", "antwoord", "afronden", "vrijgeven",
                  "live", "stoplive")
STAFF_ONLY_COMMANDS = ("help",)
_COMMAND_RE = re.compile(r"^/([A-Za-z_]+)(?:@\w+)?(?:\s+(.*))?$", re.DOTALL)
MAX_LIST = 20

USAGE = {
    "oppakken": "/oppakken T-0042",
    "notitie": "/notitie T-0042 tekst",
    "antwoord": "/antwoord T-0042 tekst",
    "afronden": "/afronden T-0042",
    "vrijgeven": "/vrijgeven T-0042",
    "live": "/live T-0042",
    "stoplive": "/stoplive T-0042",
}


@dataclass(frozen=True)
class StaffReply:
    texts: Tuple[str, ...]
    relays: Tuple[Relay, ...] = ()
    staff: Optional[StaffMember] = None  # None: the sender is not staff
    # Resident keys whose Rasa conversation must be paused / resumed
    # (runtime.set_assistant_paused) because live chat started / ended.
    pause: Tuple[str, ...] = ()
    resume: Tuple[str, ...] = ()


def _from_result(texts, result, staff) -> StaffReply:
    """A StaffReply carrying an ActionResult's relay and live change."""
    relays = (result.relay,) if result.relay else ()
    key = result.request.resident_key
    pause = (key,) if result.live_changed is True and key else ()
    resume = (key,) if result.live_changed is False and key else ()
    return StaffReply(tuple(texts), relays, staff=staff, pause=pause, resume=resume)


def parse_command(text: str) -> Optional[Tuple[str, str]]:
    """"/oppakken@OntmoetBot T-1 rest" -> ("oppakken", "T-1 rest")."""
    match = _COMMAND_RE.match((text or "").strip())
    if not match:
        return None
    return match.group(1).lower(), (match.group(2) or "").strip()


class TelegramStaffCommands:
    def __init__(self, queue: HandoffQueue, roster: Union[Roster, Callable[[], Roster]],
                 max_list: int = MAX_LIST, dashboard_url: str = "",
                 live_relay: bool = False) -> None:
        """roster: a Roster, or a callable such as routing.RosterCache(settings.staff_file).

        Resident words stay on the server: Telegram gets references, buurten and
        dashboard links. Only with `live_relay` (the operator setting
        ONTMOET_TELEGRAM_LIVE_RELAY) are a resident's live-chat messages forwarded."""
        self.queue = queue
        self._roster = roster
        self.max_list = max_list
        self.dashboard_url = dashboard_url
        self.live_relay = live_relay

    def link(self, reference: str) -> str:
        return dashboard_link(self.dashboard_url, reference)

    @property
    def roster(self) -> Roster:
        return self._roster if isinstance(self._roster, Roster) else self._roster()

    # -- entry points -------------------------------------------------------
    def handle(self, telegram_user_id, chat_type: str, text: str) -> Optional[StaffReply]:
        """The answer to a staff command, or None when `text` is not one."""
        parsed = parse_command(text)
        if parsed is None:
            return None
        command, rest = parsed
        staff = self.roster.by_telegram_id(telegram_user_id)
        if command not in QUEUE_COMMANDS:
            if command in STAFF_ONLY_COMMANDS and staff is not None and chat_type == "private":
                return StaffReply((staff_text("help"),), staff=staff)
            return None  # e.g. /start or /help of a resident: the assistant handles it
        if staff is None:
            return StaffReply((staff_text("refused"),))
        if chat_type != "private":
            return StaffReply((staff_text("private_only"),), staff=staff)
        try:
            return getattr(self, f"_cmd_{command}")(staff, rest)
        except NotFound as exc:
            ref = exc.details.get("reference") or rest.split(" ")[0]
            return StaffReply((staff_text("not_found", reference=ref),), staff=staff)
        except NotAllowed as exc:
            return StaffReply((self._not_allowed_text(exc, rest),), staff=staff)
        except InvalidInput:
            return StaffReply((staff_text("usage", usage=USAGE.get(command, "/help")),), staff=staff)

    async def handle_async(self, telegram_user_id, chat_type: str, text: str) -> Optional[StaffReply]:
        """`handle` in a worker thread (the queue does blocking database I/O)."""
        return await asyncio.to_thread(self.handle, telegram_user_id, chat_type, text)

    def delivery_text(self, relay: Relay, state: str) -> Optional[str]:
        """What the opbouwwerker hears after a relay was sent: failed always; for
        a message of theirs (a reply) also delivered or waiting."""
        if state == FAILED:
            return staff_text("reply_not_delivered", reference=relay.reference,
                              channel=relay.channel)
        if relay.note_id is None:
            return None
        return staff_text(f"reply_{state}", reference=relay.reference, channel=relay.channel)

    def forward_for_staff(self, forward: StaffForward) -> Tuple[Optional[StaffMember], str]:
        """Who gets a resident's live-chat message, and the text to send them."""
        member = self.roster.by_username(forward.staff_username) if forward.staff_username else None
        if self.live_relay:
            return member, staff_text("resident_message", reference=forward.reference,
                                      text=forward.text)
        return member, staff_text("resident_message_waiting", reference=forward.reference,
                                  link=self.link(forward.reference))

    def crisis_for_staff(self, forward: StaffForward) -> Tuple[Optional[StaffMember], str]:
        """Who is told that a resident in live chat wrote a crisis message (no text)."""
        member = self.roster.by_username(forward.staff_username) if forward.staff_username else None
        return member, staff_text("resident_crisis", reference=forward.reference,
                                  link=self.link(forward.reference))

    # -- helpers ------------------------------------------------------------
    def _display(self, username: Optional[str]) -> str:
        if not username:
            return "-"
        member = self.roster.by_username(username)
        return member.name if member else username

    def _not_allowed_text(self, exc: NotAllowed, rest: str) -> str:
        ref = parse_reference(rest.split(" ")[0]) or rest
        if exc.details.get("anonymised"):
            return staff_text("anonymised", reference=ref)
        status = exc.details.get("status")
        owner = exc.details.get("owner")
        if status in ("opgepakt", "in_contact") and owner:
            return staff_text("not_owner", reference=ref, owner=self._display(owner))
        return staff_text("wrong_status", reference=ref, status=status or "?")

    @staticmethod
    def _split(rest: str, need_text: bool, command: str) -> Tuple[str, str]:
        parts = rest.split(None, 1)
        if not parts:
            raise InvalidInput(command)
        reference = parse_reference(parts[0])
        if reference is None:
            raise InvalidInput(command)
        text = parts[1].strip() if len(parts) > 1 else ""
        if need_text and not text:
            raise InvalidInput(command)
        return reference, text

    # -- commands -----------------------------------------------------------
    def _cmd_wachtrij(self, staff: StaffMember, rest: str) -> StaffReply:
        views = self.queue.list(status="open", for_staff=staff)
        if not views:
            return StaffReply((staff_text("queue_empty"),), staff=staff)
        lines = [staff_text("queue_header", count=len(views))]
        for view in views[: self.max_list]:
            owner = f" · {self._display(view.assigned_to)}" if view.assigned_to else ""
            lines.append(staff_text("queue_line", reference=view.reference, status=view.status,
                                    area=view.area, kind=view.kind, owner=owner))
        if len(views) > self.max_list:
            lines.append(staff_text("queue_more", count=len(views) - self.max_list))
        return StaffReply(("\n".join(lines),), staff=staff)

    def _cmd_oppakken(self, staff: StaffMember, rest: str) -> StaffReply:
        reference, _ = self._split(rest, False, "oppakken")
        result = self.queue.claim(reference, staff)
        if result.won:
            view = self.queue.get(reference, staff)
            text = staff_text("claimed", reference=reference, area=view.area,
                              link=self.link(reference))
            return StaffReply((text,), staff=staff)
        if result.already_owner:
            return StaffReply((staff_text("claim_already_yours", reference=reference),), staff=staff)
        if result.status in ("afgerond", "geannuleerd"):
            return StaffReply((staff_text("claim_closed", reference=reference,
                                          status=result.status),), staff=staff)
        return StaffReply((staff_text("claim_lost", reference=reference,
                                      owner=self._display(result.owner)),), staff=staff)

    def _cmd_notitie(self, staff: StaffMember, rest: str) -> StaffReply:
        reference, text = self._split(rest, True, "notitie")
        self.queue.add_note(reference, staff, text)
        return StaffReply((staff_text("note_saved", reference=reference),), staff=staff)

    def _cmd_antwoord(self, staff: StaffMember, rest: str) -> StaffReply:
        reference, text = self._split(rest, True, "antwoord")
        result = self.queue.reply(reference, staff, text)
        relays = (result.relay,) if result.relay else ()
        if not relays:
            return StaffReply((staff_text("reply_not_delivered", reference=reference,
                                          channel=result.request.channel),), staff=staff)
        return StaffReply((staff_text("reply_sent", reference=reference,
                                      channel=result.request.channel),), relays, staff=staff)

    def _cmd_afronden(self, staff: StaffMember, rest: str) -> StaffReply:
        reference, note = self._split(rest, False, "afronden")
        result = self.queue.close(reference, staff, note=note or None)
        return _from_result([staff_text("closed", reference=reference)], result, staff)

    def _cmd_vrijgeven(self, staff: StaffMember, rest: str) -> StaffReply:
        reference, _ = self._split(rest, False, "vrijgeven")
        result = self.queue.release(reference, staff)
        return _from_result([staff_text("released", reference=reference)], result, staff)

    def _cmd_live(self, staff: StaffMember, rest: str) -> StaffReply:
        reference, _ = self._split(rest, False, "live")
        result = self.queue.set_in_contact(reference, staff, live=True)
        key = "live_started" if self.live_relay else "live_started_dashboard"
        return _from_result([staff_text(key, reference=reference, link=self.link(reference))],
                            result, staff)

    def _cmd_stoplive(self, staff: StaffMember, rest: str) -> StaffReply:
        reference, _ = self._split(rest, False, "stoplive")
        result = self.queue.end_live(reference, staff)
        return _from_result([staff_text("live_ended", reference=reference)], result, staff)


__all__ = ["TelegramStaffCommands", "StaffReply", "parse_command", "QUEUE_COMMANDS",
           "HandoffError"]
