"""What an opbouwwerker does with a request: one code path for the dashboard,
the Telegram staff commands and `ontmoet queue` (claim, note, reply, live chat,
contact attempts, close with a note and a message, reopen, release, and an
accompanied first visit: confirm it, or propose another moment).

    actions = StaffActions(queue, deliver=send_relay, pause=pause_assistant)
    outcome = await actions.claim("T-0042", staff)       # Outcome(key="claimed", ...)
    outcome = await actions.reply("T-0042", staff, "Ik bel u morgen")
    outcome.delivery                                      # "delivered" / "waiting" / "failed" / None

Each method makes the queue change (bot/handoff/queue.py, in a worker thread)
and then the side effects, here and nowhere else:

- a message for the resident (a reply, a closing message, "the live chat
  ended") is delivered with `deliver` (async (Relay) -> a delivery state or
  True/False, e.g. bot.handoff.queue.deliver_state through the channels'
  ResidentDirectory); how far a staff message got ("delivered", "waiting",
  "failed") is stored on its note in the timeline (Relay.note_id);
- live chat starting or ending pauses or resumes the assistant with `pause`
  (async (resident_key, paused) -> bool | None; False or an exception: failed).

A process that cannot reach residents or Rasa (the CLI) passes neither: the
queue then records what the service still has to do (assistant_sync with
"tell the resident"), and the service's loop does it within seconds. When the
pause fails here, the same record makes the service retry.

Errors are the queue's HandoffError subclasses (NotFound, NotAllowed,
InvalidInput); every interface words them itself. `Outcome.key` names the
result for the interface's texts (staff_texts.yml `KEY` and `dash_KEY`).
"""
from __future__ import annotations

import asyncio
import dataclasses
import functools
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Awaitable, Callable, Optional, Union

from bot.handoff.models import (
    AFGEROND,
    CLOSED_STATUSES,
    DELIVERED,
    DELIVERY_STATES,
    FAILED,
    IN_CONTACT,
    OPGEPAKT,
    WAITING,
)
from bot.handoff.queue import ActionResult, HandoffQueue, Relay, RequestView
from bot.handoff.routing import StaffMember

logger = logging.getLogger(__name__)

# returns a delivery state (models.DELIVERY_STATES) or True/False (delivered/failed)
RelaySender = Callable[[Relay], Awaitable[Union[bool, str]]]
AssistantPauser = Callable[[str, bool], Awaitable[Optional[bool]]]
Actor = Union[StaffMember, str]
DEFAULT_REOPEN_WITHIN = timedelta(days=14)  # Settings.handoff_reopen_days


@dataclass(frozen=True)
class Outcome:
    """The result of one staff action.

    key: claimed | claim_already_yours | claim_lost | claim_closed | note_saved |
         reply_delivered | reply_waiting | reply_not_delivered | reply_queued |
         closed | released |
         reopened | live_started | live_ended | contact_gebeld |
         contact_niet_bereikt | contact_afspraak |
         visit_confirmed[_waiting|_not_delivered|_queued] |
         visit_proposed[_waiting|_not_delivered|_queued]
    delivery: how far the message to the resident got: "delivered",
              "waiting" (until the resident writes again or the web chat page
              fetches it), "failed", or None (none to send here; without a
              channel the service delivers it within seconds).
    sync_failed: the assistant could not be paused/resumed now (the service retries).
    """

    key: str
    reference: str
    request: Optional[RequestView] = None
    owner: Optional[str] = None
    status: Optional[str] = None
    delivery: Optional[str] = None
    sync_failed: bool = False


_REPLY_KEYS = {DELIVERED: "reply_delivered", WAITING: "reply_waiting",
               FAILED: "reply_not_delivered"}


def delivery_state(answer: Union[bool, str, None]) -> str:
    """A RelaySender's answer as a delivery state (models.DELIVERY_STATES)."""
    if isinstance(answer, str) and answer in DELIVERY_STATES:
        return answer
    return DELIVERED if answer is True else FAILED


def can_act(view: RequestView, staff: StaffMember) -> bool:
    """May this person reply, close, release, start live chat, log contact?
    The owner of a claimed request, or a coordinator."""
    return view.status in (OPGEPAKT, IN_CONTACT) and (
        staff.is_coordinator or view.assigned_to == staff.username)


def reopen_until(view: RequestView, within: timedelta) -> Optional[datetime]:
    """Until when a closed request may be reopened (None: it may not)."""
    if view.status != AFGEROND or view.closed_at is None or view.anonymised_at is not None \
            or within <= timedelta(0):
        return None
    return view.closed_at + within


def can_reopen(view: RequestView, staff: StaffMember, within: timedelta,
               now: datetime) -> bool:
    until = reopen_until(view, within)
    return until is not None and until >= now and (
        staff.is_coordinator or view.assigned_to == staff.username)


class StaffActions:
    def __init__(self, queue: HandoffQueue, *, deliver: Optional[RelaySender] = None,
                 pause: Optional[AssistantPauser] = None,
                 reopen_within: timedelta = DEFAULT_REOPEN_WITHIN,
                 on_visit_agreed: Optional[Callable[[RequestView], Awaitable[None]]] = None
                 ) -> None:
        """reopen_within: how long after a close it may be reopened
        (settings.handoff_reopen_days). on_visit_agreed: called with the request
        once a first visit is agreed (default: the reminder the day before,
        bot/handoff/visit.remind_before_visit)."""
        self.queue = queue
        if on_visit_agreed is None:
            from bot.handoff.visit import remind_before_visit_async

            on_visit_agreed = functools.partial(remind_before_visit_async, queue)
        self.on_visit_agreed = on_visit_agreed
        self.deliver = deliver
        self.pause = pause
        self.reopen_within = reopen_within

    @classmethod
    def for_settings(cls, queue: HandoffQueue, settings, **kwargs) -> "StaffActions":
        return cls(queue, reopen_within=timedelta(days=settings.handoff_reopen_days), **kwargs)

    async def _run(self, method, *args, **kwargs):
        return await asyncio.to_thread(functools.partial(method, *args, **kwargs))

    @property
    def _later(self) -> bool:
        """No way to reach the resident here: the service tells them (assistant_sync)."""
        return self.deliver is None

    # -- side effects -----------------------------------------------------------
    async def _send(self, relay: Optional[Relay]) -> Optional[str]:
        """Deliver a message to the resident; its delivery state, stored on the
        staff message behind it (a reply, a closing message) when there is one."""
        if relay is None or self.deliver is None:
            return None
        try:
            state = delivery_state(await self.deliver(relay))
        except Exception:
            logger.exception("delivering a message for %s failed", relay.reference)
            state = FAILED
        if relay.note_id is not None:  # never backwards (set_delivery)
            try:
                await self._run(self.queue.set_delivery, relay.note_id, state)
            except Exception:  # the message went (or not); only the state is missing
                logger.exception("storing the delivery state of %s failed", relay.reference)
        return state

    async def _sync(self, result: ActionResult) -> bool:
        """Pause/resume the assistant for a live chat change; True when that failed."""
        key = result.request.resident_key
        if result.live_changed is None or not key or self.pause is None:
            return False
        try:
            applied = await self.pause(key, result.live_changed)
        except Exception:
            logger.exception("pausing/resuming the assistant for %s failed",
                             result.request.reference)
            return True
        return applied is False

    async def _finish(self, key: str, result: ActionResult) -> Outcome:
        delivery = await self._send(result.relay)
        failed = await self._sync(result)
        return Outcome(key, result.request.reference, result.request,
                       owner=result.request.assigned_to, status=result.request.status,
                       delivery=delivery, sync_failed=failed)

    # -- the actions --------------------------------------------------------------
    async def claim(self, reference: str, staff: Actor) -> Outcome:
        claim = await self._run(self.queue.claim, reference, staff)
        if claim.won:
            key = "claimed"
        elif claim.already_owner:
            key = "claim_already_yours"
        elif claim.status in CLOSED_STATUSES:
            key = "claim_closed"
        else:
            key = "claim_lost"
        view = await self._run(self.queue.get, claim.reference) if claim.won else None
        return Outcome(key, claim.reference, view, owner=claim.owner, status=claim.status)

    async def note(self, reference: str, staff: Actor, text: str) -> Outcome:
        await self._run(self.queue.add_note, reference, staff, text)
        return Outcome("note_saved", reference)

    async def reply(self, reference: str, staff: Actor, text: str) -> Outcome:
        result = await self._run(self.queue.reply, reference, staff, text,
                                 deliver_later=self._later)
        if self._later:
            return await self._finish("reply_queued", result)
        outcome = await self._finish("reply", result)
        key = _REPLY_KEYS[outcome.delivery or FAILED]
        return dataclasses.replace(outcome, key=key)

    async def _message_step(self, base: str, result: ActionResult) -> Outcome:
        """A step whose message reaches the resident like a reply: the key says
        how far it got (BASE, BASE_waiting, BASE_not_delivered, BASE_queued)."""
        if self._later:
            return await self._finish(f"{base}_queued", result)
        outcome = await self._finish(base, result)
        suffix = {DELIVERED: "", WAITING: "_waiting"}.get(outcome.delivery or FAILED,
                                                          "_not_delivered")
        return dataclasses.replace(outcome, key=base + suffix)

    async def confirm_visit(self, reference: str, staff: Actor) -> Outcome:
        """Go along to the first visit at the moment the resident asked (or that
        was proposed); the resident hears it on their own channel."""
        result = await self._run(self.queue.confirm_visit, reference, staff,
                                 deliver_later=self._later)
        outcome = await self._message_step("visit_confirmed", result)
        await self._visit_agreed(outcome)
        return outcome

    async def propose_visit(self, reference: str, staff: Actor, moment: str) -> Outcome:
        """Propose another moment for the first visit ("vrijdagmiddag"); the
        resident answers ja or nee on their own channel."""
        result = await self._run(self.queue.propose_visit, reference, staff, moment,
                                 deliver_later=self._later)
        return await self._message_step("visit_proposed", result)

    async def _visit_agreed(self, outcome: Outcome) -> None:
        """A visit was agreed: the reminder the day before (bot/handoff/visit.py)."""
        if self.on_visit_agreed is None or outcome.request is None:
            return
        try:
            await self.on_visit_agreed(outcome.request)
        except Exception:
            logger.exception("scheduling the visit reminder of %s failed", outcome.reference)

    async def contact(self, reference: str, staff: Actor, outcome: str,
                      text: Optional[str] = None) -> Outcome:
        """"gebeld", "niet_bereikt" or "afspraak" on the timeline (phone-first work)."""
        view = await self._run(self.queue.log_contact, reference, staff, outcome, text)
        return Outcome(f"contact_{outcome}", view.reference, view, owner=view.assigned_to,
                       status=view.status)

    async def start_live(self, reference: str, staff: Actor) -> Outcome:
        result = await self._run(self.queue.set_in_contact, reference, staff, live=True)
        return await self._finish("live_started", result)

    async def end_live(self, reference: str, staff: Actor) -> Outcome:
        result = await self._run(self.queue.end_live, reference, staff,
                                 tell_resident_later=self._later)
        return await self._finish("live_ended", result)

    async def close(self, reference: str, staff: Actor, note: Optional[str] = None,
                    message: Optional[str] = None) -> Outcome:
        """Close with an optional closing note (internal) and closing message
        (to the resident, through the same relay as a reply)."""
        result = await self._run(self.queue.close, reference, staff, note=note or None,
                                 message=message or None, tell_resident_later=self._later)
        return await self._finish("closed", result)

    async def reopen(self, reference: str, staff: Actor) -> Outcome:
        result = await self._run(self.queue.reopen, reference, staff, self.reopen_within)
        return await self._finish("reopened", result)

    async def release(self, reference: str, staff: Actor) -> Outcome:
        result = await self._run(self.queue.release, reference, staff,
                                 tell_resident_later=self._later)
        return await self._finish("released", result)
