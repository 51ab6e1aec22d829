"""Queue commands for opbouwwerkers in a private Telegram chat with the bot.

The Telegram channel passes (telegram_user_id, chat_type, text) and sends back
what `handle` returns. Nothing here talks to Telegram. The commands are the
staff actions of bot/staff/actions.py (the dashboard's and the CLI's too), which
deliver messages to the resident and pause or resume the assistant themselves.

    commands = TelegramStaffCommands(StaffActions(queue, deliver=..., pause=...), roster)
    reply = await commands.handle(update.effective_user.id, update.effective_chat.type, text)
    if reply is None:      -> not a staff command: treat the message as a resident's
    else: send reply.texts to the chat.

Only Telegram user ids in the staff file (the allowlist) get queue data. Anyone
else who types a queue command gets one polite refusal and nothing more; group
chats are refused for everyone.

Commands: /wachtrij, /oppakken REF, /notitie REF tekst, /antwoord REF tekst,
/afronden REF (asks to confirm: /afronden REF ja [note] [bericht: message]),
/heropenen REF, /vrijgeven REF, /gebeld REF, /nietbereikt REF, /afspraak REF
tekst, /bevestigbezoek REF and /andermoment REF moment (an accompanied first
visit: confirm it, or propose another moment), plus /live REF and /stoplive
REF (live chat with the resident: the assistant pauses meanwhile) and /help (staff only).
"""
from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from typing import Callable, Optional, Tuple, Union

from bot.handoff.queue import (
    HandoffError,
    InvalidInput,
    NotAllowed,
    NotFound,
    StaffForward,
    parse_reference,
)
from bot.handoff.routing import Roster, StaffMember
from bot.handoff.texts import dashboard_link, staff_label, staff_text
from bot.handoff.visit import staff_line
from bot.staff.actions import Outcome, StaffActions, can_act

QUEUE_COMMANDS = ("wachtrij", "oppakken", "notitie", "antwoord", "afronden", "vrijgeven",
                  "live", "stoplive", "heropenen", "gebeld", "nietbereikt", "afspraak",
                  "bevestigbezoek", "andermoment")
CONTACT_COMMANDS = {"gebeld": "gebeld", "nietbereikt": "niet_bereikt", "afspraak": "afspraak"}
_CONFIRM_RE = re.compile(r"^(?:ja|bevestig)\b\s*(.*)$", re.IGNORECASE | re.DOTALL)
_MESSAGE_RE = re.compile(r"\bbericht:\s*", re.IGNORECASE)
STAFF_ONLY_COMMANDS = ("help",)
_COMMAND_RE = re.compile(r"^/([A-Za-z_]+)(?:@\w+)?(?:\s+(.*))?$", re.DOTALL)
MAX_LIST = 20

USAGE = {
    "oppakken": "/oppakken T-0042",
    "notitie": "/notitie T-0042 tekst",
    "antwoord": "/antwoord T-0042 tekst",
    "afronden": "/afronden T-0042 ja [afsluitnotitie] [bericht: afsluitbericht]",
    "heropenen": "/heropenen T-0042",
    "gebeld": "/gebeld T-0042 [tekst]",
    "nietbereikt": "/nietbereikt T-0042 [tekst]",
    "afspraak": "/afspraak T-0042 donderdag 14 uur bij het gemeenschapshuis",
    "vrijgeven": "/vrijgeven T-0042",
    "live": "/live T-0042",
    "stoplive": "/stoplive T-0042",
    "bevestigbezoek": "/bevestigbezoek T-0042",
    "andermoment": "/andermoment T-0042 vrijdagmiddag",
}


@dataclass(frozen=True)
class StaffReply:
    texts: Tuple[str, ...]
    staff: Optional[StaffMember] = None  # None: the sender is not staff


def split_closing(text: str) -> Tuple[str, str]:
    """"Samen gewandeld bericht: Tot ziens!" -> ("Samen gewandeld", "Tot ziens!")."""
    parts = _MESSAGE_RE.split(text or "", maxsplit=1)
    return parts[0].strip(), (parts[1].strip() if len(parts) > 1 else "")


def parse_command(text: str) -> Optional[Tuple[str, str]]:
    """"/oppakken@OntmoetBot T-1 rest" -> ("oppakken", "T-1 rest")."""
    match = _COMMAND_RE.match((text or "").strip())
    if not match:
        return None
    return match.group(1).lower(), (match.group(2) or "").strip()


class TelegramStaffCommands:
    def __init__(self, actions: StaffActions, roster: Union[Roster, Callable[[], Roster]],
                 max_list: int = MAX_LIST, dashboard_url: str = "",
                 live_relay: bool = False) -> None:
        """actions: the staff actions (bot/staff/actions.py) over the queue.
        roster: a Roster, or a callable such as routing.RosterCache(settings.staff_file).

        Resident words stay on the server: Telegram gets references, buurten and
        dashboard links. Only with `live_relay` (the operator setting
        ONTMOET_TELEGRAM_LIVE_RELAY) are a resident's live-chat messages forwarded."""
        self.actions = actions
        self.queue = actions.queue
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
    async def handle(self, telegram_user_id, chat_type: str, text: str) -> Optional[StaffReply]:
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
            return await getattr(self, f"_cmd_{command}")(staff, rest)
        except NotFound as exc:
            ref = exc.details.get("reference") or rest.split(" ")[0]
            return StaffReply((staff_text("not_found", reference=ref),), staff=staff)
        except NotAllowed as exc:
            return StaffReply((self._not_allowed_text(exc, rest),), staff=staff)
        except InvalidInput as exc:
            if command == "andermoment" and "moment" in exc.details:
                ref = parse_reference(rest.split(" ")[0]) or "T-0042"
                return StaffReply((staff_text("visit_bad_moment", reference=ref),), staff=staff)
            return StaffReply((staff_text("usage", usage=USAGE.get(command, "/help")),), staff=staff)

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
        if exc.details.get("reopen_expired"):
            return staff_text("reopen_expired", reference=ref)
        if "visit" in exc.details and exc.details.get("status") in ("opgepakt", "in_contact"):
            return staff_text("visit_none", reference=ref,
                              visit=staff_label("visit", exc.details["visit"] or "geen"))
        status = exc.details.get("status")
        owner = exc.details.get("owner")
        if status in ("opgepakt", "in_contact") and owner:
            return staff_text("not_owner", reference=ref, owner=self._display(owner))
        return staff_text("wrong_status", reference=ref, status=staff_label("status", status or "?"))

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
    async def _cmd_wachtrij(self, staff: StaffMember, rest: str) -> StaffReply:
        views = await asyncio.to_thread(self.queue.list, status="open", for_staff=staff)
        if not views:
            return StaffReply((staff_text("queue_empty"),), staff=staff)
        lines = [staff_text("queue_header", count=len(views))]
        for view in views[: self.max_list]:
            owner = f" · {self._display(view.assigned_to)}" if view.assigned_to else ""
            if view.visit_status:
                owner += " · " + staff_text("queue_visit", visit=staff_label("visit",
                                                                             view.visit_status))
            lines.append(staff_text("queue_line", reference=view.reference,
                                    status=staff_label("status", view.status),
                                    area=view.area, kind=view.kind, owner=owner))
        if len(views) > self.max_list:
            lines.append(staff_text("queue_more", count=len(views) - self.max_list))
        return StaffReply(("\n".join(lines),), staff=staff)

    def _reply(self, outcome: Outcome, staff: StaffMember) -> StaffReply:
        """The staff text for an Outcome (plus a warning when the pause failed)."""
        r = outcome.request
        values = dict(reference=outcome.reference, link=self.link(outcome.reference),
                      owner=self._display(outcome.owner),
                      status=staff_label("status", outcome.status),
                      area=r.area if r else "", channel=r.channel if r else "",
                      visit=staff_line(r) if r else "-")
        key = outcome.key
        if key == "live_started" and not self.live_relay:
            key = "live_started_dashboard"
        texts = [staff_text(key, **values)]
        if outcome.sync_failed:
            texts.append(staff_text("dash_sync_failed"))
        return StaffReply(tuple(texts), staff=staff)

    async def _cmd_oppakken(self, staff: StaffMember, rest: str) -> StaffReply:
        reference, _ = self._split(rest, False, "oppakken")
        return self._reply(await self.actions.claim(reference, staff), staff)

    async def _cmd_notitie(self, staff: StaffMember, rest: str) -> StaffReply:
        reference, text = self._split(rest, True, "notitie")
        return self._reply(await self.actions.note(reference, staff, text), staff)

    async def _cmd_antwoord(self, staff: StaffMember, rest: str) -> StaffReply:
        reference, text = self._split(rest, True, "antwoord")
        return self._reply(await self.actions.reply(reference, staff, text), staff)

    async def _cmd_afronden(self, staff: StaffMember, rest: str) -> StaffReply:
        """`/afronden REF` asks to confirm; `/afronden REF ja [note] [bericht: text]` closes."""
        reference, rest_text = self._split(rest, False, "afronden")
        confirmed = _CONFIRM_RE.match(rest_text)
        if confirmed is None:
            view = await asyncio.to_thread(self.queue.get, reference, staff)
            if not can_act(view, staff):  # say now what closing would answer
                raise NotAllowed(reference, status=view.status, owner=view.assigned_to)
            days = f"{self.actions.reopen_within.total_seconds() / 86400:g}"
            return StaffReply((staff_text("close_confirm", reference=reference, days=days),),
                              staff=staff)
        note, message = split_closing(confirmed.group(1))
        return self._reply(await self.actions.close(reference, staff, note=note or None,
                                                    message=message or None), staff)

    async def _cmd_heropenen(self, staff: StaffMember, rest: str) -> StaffReply:
        reference, _ = self._split(rest, False, "heropenen")
        return self._reply(await self.actions.reopen(reference, staff), staff)

    async def _contact(self, staff: StaffMember, rest: str, command: str) -> StaffReply:
        reference, text = self._split(rest, command == "afspraak", command)
        return self._reply(await self.actions.contact(reference, staff, CONTACT_COMMANDS[command],
                                                      text or None), staff)

    async def _cmd_gebeld(self, staff: StaffMember, rest: str) -> StaffReply:
        return await self._contact(staff, rest, "gebeld")

    async def _cmd_nietbereikt(self, staff: StaffMember, rest: str) -> StaffReply:
        return await self._contact(staff, rest, "nietbereikt")

    async def _cmd_afspraak(self, staff: StaffMember, rest: str) -> StaffReply:
        return await self._contact(staff, rest, "afspraak")

    async def _cmd_vrijgeven(self, staff: StaffMember, rest: str) -> StaffReply:
        reference, _ = self._split(rest, False, "vrijgeven")
        return self._reply(await self.actions.release(reference, staff), staff)

    async def _cmd_bevestigbezoek(self, staff: StaffMember, rest: str) -> StaffReply:
        reference, _ = self._split(rest, False, "bevestigbezoek")
        return self._reply(await self.actions.confirm_visit(reference, staff), staff)

    async def _cmd_andermoment(self, staff: StaffMember, rest: str) -> StaffReply:
        reference, moment = self._split(rest, True, "andermoment")
        return self._reply(await self.actions.propose_visit(reference, staff, moment), staff)

    async def _cmd_live(self, staff: StaffMember, rest: str) -> StaffReply:
        reference, _ = self._split(rest, False, "live")
        return self._reply(await self.actions.start_live(reference, staff), staff)

    async def _cmd_stoplive(self, staff: StaffMember, rest: str) -> StaffReply:
        reference, _ = self._split(rest, False, "stoplive")
        return self._reply(await self.actions.end_live(reference, staff), staff)


__all__ = ["TelegramStaffCommands", "StaffReply", "parse_command", "QUEUE_COMMANDS",
           "HandoffError"]
