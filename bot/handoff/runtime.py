"""One object that bundles the handoff parts for the service, actions and channels.

    runtime = HandoffRuntime.from_settings(settings)          # no I/O until used
    view = await runtime.submit_request(channel=..., resident_key=..., consent=True, ...)
    await runtime.queue_async.status_for_resident(pseudonym)  # any queue method, async
    reply = await runtime.telegram.handle(user_id, chat_type, text)
    task = asyncio.create_task(runtime.escalation_loop())     # in the service

`submit_request` stores the request (committed). A runtime that `announces`
(the assistant service, which holds the staff's Telegram connection) then
notifies the opbouwwerkers of the area, or the coordinator. The action server,
where residents' requests are stored, does not announce: its requests wait in
the outbox (`announce_attempted_at` is empty) until the service's loop takes
them (`announce_pending`, every few seconds). A request counts as announced
(`announced_at`) only when an alert reached someone; a failing notification
never loses the stored request. Plug a real notifier in with
`runtime.notifier = ...` (e.g. TelegramStaffNotifier(send) from routing); with
ONTMOET_SMTP_HOST set, alerts also go by e-mail (`staff_alerts`).
"""
from __future__ import annotations

import asyncio
import functools
import logging
from datetime import timedelta
from typing import Dict, Optional

from bot.handoff.models import FAILED
from bot.handoff.queue import (
    SYNC_PAUSE,
    SYNC_RESUME_ENDED,
    SYNC_RESUME_EXPIRED,
    HandoffQueue,
    RequestView,
    deliver_relay,
    deliver_state,
)
from bot.handoff.routing import (
    FanoutNotifier,
    LoggingNotifier,
    Notifier,
    RosterCache,
    announce_escalations,
    announce_new_request,
    load_buurt_stadsdelen,
    normalise_area,
)
from ontmoet_core.config import Settings

logger = logging.getLogger(__name__)


class AsyncQueue:
    """Every HandoffQueue method as a coroutine (run in a worker thread)."""

    def __init__(self, queue: HandoffQueue) -> None:
        self._queue = queue

    def __getattr__(self, name):
        method = getattr(self._queue, name)
        if not callable(method):
            return method

        @functools.wraps(method)
        async def call(*args, **kwargs):
            return await asyncio.to_thread(method, *args, **kwargs)

        return call


class HandoffRuntime:
    def __init__(self, settings: Settings, queue: Optional[HandoffQueue] = None,
                 notifier: Optional[Notifier] = None, announces: bool = True) -> None:
        self.settings = settings
        self.announces = announces
        self._queue = queue
        self.roster = RosterCache(settings.staff_file)
        # the staff's Telegram (set by the Telegram channel); e-mail besides it
        # when ONTMOET_SMTP_HOST is set (staff_alerts uses both)
        self.notifier: Notifier = notifier or LoggingNotifier()
        from bot.handoff.email_alerts import EmailStaffNotifier

        self.email_notifier: Optional[Notifier] = EmailStaffNotifier.from_settings(settings)
        # the service's ResidentDirectory (pseudonym -> chat address), set by
        # bot/service.py; None in the action server
        self.directory = None
        # the Sanic app whose ctx holds the Rasa Agent (set by bot/service.py)
        self.app = None
        self._telegram = None
        self._buurten: Optional[Dict[str, str]] = None
        # pause/resume attempts before staff are told (the service keeps retrying)
        self.sync_surface_after = 3

    @classmethod
    def from_settings(cls, settings: Settings, **kwargs) -> "HandoffRuntime":
        return cls(settings, **kwargs)

    @property
    def queue(self) -> HandoffQueue:
        if self._queue is None:
            self._queue = HandoffQueue.from_url(
                self.settings.database_url_resolved,
                telegram_live_relay=self.settings.telegram_live_relay)
        return self._queue

    @property
    def staff_alerts(self) -> Notifier:
        """Telegram and (when configured) e-mail: delivered when either reached the person."""
        if self.email_notifier is None:
            return self.notifier
        return FanoutNotifier(self.notifier, self.email_notifier)

    @property
    def agent(self):
        """The Rasa Agent of the service (None in the action server and in tests)."""
        return getattr(getattr(self.app, "ctx", None), "agent", None)

    @property
    def queue_async(self) -> AsyncQueue:
        return AsyncQueue(self.queue)

    @property
    def telegram(self):
        """TelegramStaffCommands for the staff allowlist in the staff file."""
        if self._telegram is None:
            from bot.handoff.telegram_staff import TelegramStaffCommands

            self._telegram = TelegramStaffCommands(
                self.staff_actions(), self.roster,
                dashboard_url=self.settings.dashboard_url_resolved,
                live_relay=self.settings.telegram_live_relay)
        return self._telegram

    def staff_actions(self):
        """The staff actions (bot/staff/actions.py) of this process: messages go to
        residents through the service's ResidentDirectory, live chat pauses the
        service's Agent."""
        from bot.staff.actions import StaffActions

        return StaffActions.for_settings(self.queue, self.settings,
                                         deliver=self.deliver_to_resident,
                                         pause=self.pause_assistant)

    async def deliver_to_resident(self, relay) -> str:
        """Send a message to the resident; its delivery state (stored on the staff
        message behind it by StaffActions._send, and updated when a waiting
        message is fetched)."""
        if self.directory is None:
            return FAILED
        return await deliver_state(relay, self.directory, self.queue)

    async def pause_assistant(self, resident_key: str, paused: bool) -> Optional[bool]:
        """Pause/resume now; without an Agent the loop applies it (assistant_sync)."""
        agent = self.agent
        if agent is None or getattr(agent, "processor", None) is None:
            return None
        await set_assistant_paused(agent, resident_key, paused)
        return True

    def stadsdeel_for(self, buurt: Optional[str]) -> Optional[str]:
        """The stadsdeel of a buurt, from knowledge/data/buurten.yml."""
        if not buurt:
            return None
        if self._buurten is None:
            self._buurten = load_buurt_stadsdelen(self.settings.knowledge_dir)
        return self._buurten.get(normalise_area(buurt))

    async def submit_request(self, **fields) -> RequestView:
        """create_request (committed), then notify the area's opbouwwerkers.

        Takes the keyword arguments of HandoffQueue.create_request; a missing
        stadsdeel is looked up from the buurt."""
        if fields.get("buurt") and not fields.get("stadsdeel"):
            fields["stadsdeel"] = self.stadsdeel_for(fields["buurt"])
        view = await asyncio.to_thread(functools.partial(self.queue.create_request, **fields))
        if self.announces:
            await self.announce_pending()
        return view

    async def announce_pending(self) -> list:
        """Announce every stored request nobody announced yet (the outbox).

        Each request is taken by one caller only (a conditional UPDATE), so two
        service processes never announce the same request twice. It counts as
        announced only when the alert reached someone (Telegram or e-mail);
        otherwise the dashboard shows "niet gemeld", it is tried again later
        (queue.ANNOUNCE_RETRY) and escalates to the coordinator like any
        request nobody picks up."""
        views = await asyncio.to_thread(self.queue.take_unannounced)
        for view in views:
            await self._keep_address(view)
            reached: list = []
            try:
                reached = await announce_new_request(view, self.roster(), self.staff_alerts,
                                                     self.settings.dashboard_url_resolved)
            except Exception:  # the request is stored; the retry and escalation catch it
                logger.exception("notifying staff about %s failed", view.reference)
            if reached:
                await asyncio.to_thread(self.queue.mark_announced, view.reference)
            else:
                logger.warning("new request %s: the alert reached nobody (niet gemeld)",
                               view.reference)
        return views

    async def _keep_address(self, view) -> None:
        """With consent, store the chat address the service knows for this request."""
        if self.directory is None or not view.consent or view.channel_address:
            return
        if view.channel not in ("telegram", "whatsapp") or not view.resident_key:
            return
        try:
            address = await self.directory.lookup(view.resident_key)
            if address is not None and address.channel == view.channel:
                await asyncio.to_thread(self.queue.keep_channel_address, view.reference,
                                        view.channel, address.address)
        except Exception:  # the request stays; the in-memory address still works
            logger.exception("keeping the address of %s failed", view.reference)

    async def deliver_pending(self) -> int:
        """Deliver the messages to residents stored without a channel at hand
        (`ontmoet queue reply`, `close --message`); each is taken once. Returns
        the number delivered."""
        if self.directory is None:
            return 0
        delivered = 0
        actions = self.staff_actions()
        for relay in await asyncio.to_thread(self.queue.take_pending_deliveries):
            # through StaffActions._send, the one writer of the delivery state
            if await actions._send(relay) != FAILED:
                delivered += 1
                continue
            from bot.handoff.texts import staff_text

            view = await asyncio.to_thread(self.queue.get, relay.reference)
            await self._tell_staff(view, staff_text("reply_not_delivered",
                                                    reference=relay.reference,
                                                    channel=relay.channel))
        return delivered

    async def escalate_once(self) -> list:
        after = timedelta(hours=self.settings.handoff_escalate_after_hours)
        views = await asyncio.to_thread(self.queue.escalate_overdue, None, after)
        for view in views:
            reached = await announce_escalations([view], self.roster(), self.staff_alerts,
                                                 self.settings.dashboard_url_resolved)
            if reached:  # a coordinator knows now: no need to retry the first alert
                await asyncio.to_thread(self.queue.mark_announced, view.reference)
        return views

    # -- nobody left in silence: pause and resume, applied and retried ---------
    async def apply_assistant_syncs(self) -> int:
        """Apply every pending pause/resume of a resident's Rasa conversation.

        The queue records what must happen (in the transaction of the status
        change, whoever made it: dashboard, Telegram, `ontmoet queue`, the
        expiry); this applies it, clears it only when it worked, and tells the
        resident when a live chat ended elsewhere or expired. A failure is
        retried every round; after `sync_surface_after` attempts the
        opbouwwerker (or the coordinators) are told. Returns the number applied."""
        agent = self.agent
        if agent is None or getattr(agent, "processor", None) is None:
            return 0
        applied = 0
        for view in await asyncio.to_thread(self.queue.pending_assistant_syncs):
            value = view.assistant_sync
            if view.resident_key is None or value is None:  # the query excludes both
                continue
            try:
                await set_assistant_paused(agent, view.resident_key, value == SYNC_PAUSE)
            except Exception:
                logger.exception("pause/resume of the assistant for %s failed", view.reference)
                attempts = await asyncio.to_thread(self.queue.assistant_sync_failed,
                                                   view.reference, value)
                if attempts == self.sync_surface_after:
                    await self._surface_sync_failure(view, attempts)
                continue
            # Only the caller that clears it tells the resident (several replicas
            # may apply the same change; applying is idempotent, telling is not).
            if not await asyncio.to_thread(self.queue.assistant_synced, view.reference, value):
                continue
            if value in (SYNC_RESUME_ENDED, SYNC_RESUME_EXPIRED) and self.directory is not None:
                await self._tell_resident(view, value)
            applied += 1
        return applied

    async def _tell_resident(self, view: RequestView, value: str) -> None:
        from bot.handoff.queue import Relay
        from bot.handoff.texts import resident_text

        key = "handoff_live_expired" if value == SYNC_RESUME_EXPIRED else "handoff_live_ended"
        relay = Relay(reference=view.reference, channel=view.channel,
                      resident_key=view.resident_key or "",
                      address=view.channel_address if view.consent else None,
                      language=view.language,
                      text=resident_text(key, view.language, reference=view.reference))
        try:
            if not await deliver_relay(relay, self.directory):
                logger.warning("telling the resident of %s that live chat ended: not delivered",
                               view.reference)
        except Exception:
            logger.exception("telling the resident of %s that live chat ended failed",
                             view.reference)

    def _staff_for(self, view: RequestView) -> list:
        roster = self.roster()
        member = roster.by_username(view.assigned_to) if view.assigned_to else None
        return [member] if member is not None else list(roster.coordinators)

    async def _tell_staff(self, view: RequestView, text: str) -> None:
        for member in self._staff_for(view):
            try:
                await self.staff_alerts.notify(member, text)
            except Exception:
                logger.exception("notifying %s failed", member.username)

    async def _surface_sync_failure(self, view: RequestView, attempts: int) -> None:
        from bot.handoff.texts import dashboard_link, staff_text

        logger.error("the assistant of %s could not be %s after %s attempts", view.reference,
                     "paused" if view.assistant_sync == SYNC_PAUSE else "resumed", attempts)
        what = staff_text("sync_what_pause" if view.assistant_sync == SYNC_PAUSE
                          else "sync_what_resume")
        await self._tell_staff(view, staff_text(
            "sync_failed", reference=view.reference, attempts=attempts, what=what,
            link=dashboard_link(self.settings.dashboard_url_resolved, view.reference)))

    async def announce_crisis_signals(self) -> list:
        """Tell the opbouwwerker of the request (or the area's staff, or the
        coordinators) that the resident wrote a crisis message to the assistant.
        The action server flags it (HandoffQueue.flag_crisis); no text is sent."""
        from bot.handoff.texts import dashboard_link, staff_text

        views = await asyncio.to_thread(self.queue.take_crisis_signals)
        for view in views:
            roster = self.roster()
            member = roster.by_username(view.assigned_to) if view.assigned_to else None
            staff = [member] if member is not None else list(
                roster.who_to_notify(view.buurt, view.stadsdeel).staff)
            text = staff_text("resident_crisis_assistant", reference=view.reference,
                              link=dashboard_link(self.settings.dashboard_url_resolved,
                                                  view.reference))
            for person in staff:
                try:
                    await self.staff_alerts.notify(person, text)
                except Exception:
                    logger.exception("notifying %s failed", person.username)
        return views

    async def expire_live_once(self) -> list:
        """End live chats without an answer for ONTMOET_LIVE_MAX_HOURS: the
        resident hears what happens next (apply_assistant_syncs), the
        opbouwwerker is told."""
        from bot.handoff.texts import dashboard_link, staff_text

        hours = self.settings.live_max_hours
        if hours <= 0:
            return []
        views = await asyncio.to_thread(self.queue.expire_live, timedelta(hours=hours))
        for view in views:
            await self._tell_staff(view, staff_text(
                "live_expired", reference=view.reference, hours=f"{hours:g}",
                link=dashboard_link(self.settings.dashboard_url_resolved, view.reference)))
        return views

    async def retention_once(self):
        """The retention rules (bot.privacy.run_retention) in a worker thread."""
        from bot.privacy import run_retention

        return await asyncio.to_thread(
            run_retention, self.settings, self.settings.conversation_retention_days,
            self.settings.request_retention_days, None, self.settings.open_request_max_days)

    async def retention_loop(self, first_delay_seconds: float = 60.0) -> None:
        """Purge on a schedule inside the service (every
        ONTMOET_RETENTION_INTERVAL_HOURS; 0 switches it off). Idempotent, so
        several replicas may run it."""
        interval = self.settings.retention_interval_hours * 3600
        if interval <= 0:
            return
        await asyncio.sleep(first_delay_seconds)
        while True:
            try:
                await self.retention_once()
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.exception("retention round failed")
            await asyncio.sleep(interval)

    async def escalation_loop(self, interval_seconds: float = 600.0,
                              announce_every_seconds: float = 5.0) -> None:
        """Announce new requests every few seconds and escalate overdue ones
        every `interval_seconds` (cancel the task to stop)."""
        loop = asyncio.get_running_loop()
        next_escalation = loop.time()
        while True:
            try:
                await self.announce_pending()
                await self.expire_live_once()
                await self.announce_crisis_signals()
                await self.apply_assistant_syncs()
                await self.deliver_pending()
                if loop.time() >= next_escalation:
                    next_escalation = loop.time() + interval_seconds
                    await self.escalate_once()
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.exception("announcement or escalation round failed")
            await asyncio.sleep(announce_every_seconds)


# --------------------------------------------------------------------------
# Live contact: Rasa's pause and resume
# --------------------------------------------------------------------------
async def set_assistant_paused(agent, sender_id: str, paused: bool) -> None:
    """Pause (or resume) the Rasa conversation of `sender_id` (the pseudonym).

    While paused, Rasa records the resident's messages but does not answer
    (MessageProcessor._should_handle_message); the channel forwards them to the
    opbouwwerker with HandoffQueue.record_resident_message."""
    from rasa.shared.core.events import ConversationPaused, ConversationResumed

    tracker = await agent.processor.get_tracker(sender_id)
    if tracker.is_paused() == paused:
        return
    tracker.update(ConversationPaused() if paused else ConversationResumed())
    await agent.processor.save_tracker(tracker)

