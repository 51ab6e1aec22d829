"""The service's side of reminders: send each due one once, on the resident's channel.

    reminders = ReminderRuntime.from_settings(settings)      # no I/O until used
    reminders.directory = directory                           # bot/service.py
    task = asyncio.create_task(reminders.loop())             # in the service
    await reminders.send_due_once()                           # one round (tests)

Delivery goes through the same ResidentDirectory as opbouwwerkers' messages
(bot/channels/stores.py): Telegram and WhatsApp send at once, the web chat and
REST put the text in the resident's inbox (the page fetches it; "waiting" until
then). After a restart the directory is empty: the address kept with the
reminder (Telegram chat id, WhatsApp wa_id) is registered again; a web chat
resident's address is their pseudonym. WhatsApp: inside the 24-hour customer
service window a normal text; outside it an approved template
(WHATSAPP_REMINDER_TEMPLATE_NAME), and without one the reminder is not sent and
its state says so ("no_template"): the resident was told at opt-in.

Several replicas on one database send each reminder once: the store claims it
with a conditional UPDATE (ReminderStore.take_due).
"""
from __future__ import annotations

import asyncio
import logging
from datetime import datetime
from typing import Callable, Optional

from bot.reminders.models import DELIVERED, FAILED, MISSED, WAITING
from bot.reminders.store import ADDRESSED_CHANNELS, ReminderStore, ReminderView, utcnow
from bot.reminders.texts import render
from ontmoet_core.config import Settings

logger = logging.getLogger(__name__)


class ReminderRuntime:
    def __init__(self, settings: Settings, store: Optional[ReminderStore] = None,
                 directory=None, clock: Callable[[], datetime] = utcnow) -> None:
        self.settings = settings
        self._store = store
        self.directory = directory  # bot.channels.stores.ResidentDirectory (the service's)
        self._clock = clock

    @classmethod
    def from_settings(cls, settings: Settings, **kwargs) -> "ReminderRuntime":
        return cls(settings, **kwargs)

    @property
    def store(self) -> ReminderStore:
        if self._store is None:
            self._store = ReminderStore.from_url(self.settings.database_url_resolved,
                                                 clock=self._clock)
        return self._store

    async def keep_addresses(self) -> int:
        """With consent, keep the chat address the service knows for reminders
        stored by the action server (which does not know it), so they still
        arrive after a restart. Returns the number kept."""
        if self.directory is None:
            return 0
        kept = 0
        for view in await asyncio.to_thread(self.store.without_address):
            address = await self.directory.lookup(view.resident_key)
            if address is None or address.channel != view.channel:
                continue
            if await asyncio.to_thread(self.store.keep_address, view.id, address.address):
                kept += 1
        return kept

    async def send_due_once(self) -> int:
        """Send every due reminder this process could claim; returns how many went."""
        if self.directory is None:
            return 0
        await self.keep_addresses()
        now = self._clock()
        sent = 0
        for view in await asyncio.to_thread(self.store.take_due, now):
            if view.event_at <= now:  # no service ran at its moment: too late now
                await asyncio.to_thread(self.store.finish, view.id, MISSED, now)
                logger.info("reminder %s: its moment passed unsent (missed)", view.id)
                continue
            try:
                state = await self.deliver(view)
            except Exception:
                logger.exception("reminder %s: sending failed", view.id)
                state = FAILED
            await asyncio.to_thread(self.store.finish, view.id, state)
            logger.info("reminder %s on %s: %s", view.id, view.channel, state)
            if state in (DELIVERED, WAITING):
                sent += 1
        return sent

    async def deliver(self, view: ReminderView) -> str:
        """Send one reminder on the resident's own channel; its state."""
        from bot.channels.stores import ResidentAddress

        directory = self.directory
        known = await directory.lookup(view.resident_key)
        if known is None or known.channel != view.channel:
            if view.channel in ADDRESSED_CHANNELS:
                if not view.address:
                    return FAILED  # the address was never known: nowhere to send it
                known = ResidentAddress(channel=view.channel, address=view.address,
                                        language=view.language)
            else:  # web chat / REST: the inbox of the pseudonym
                known = ResidentAddress(channel=view.channel, address=view.resident_key,
                                        language=view.language)
            await directory.remember(view.resident_key, known)
        text = render(view.text_key, view.params, view.language)
        return await directory.deliver_reminder(view.resident_key, text,
                                                receipt=self._fetched_receipt(view.id))

    def _fetched_receipt(self, reminder_id: int) -> Callable[[], None]:
        """Called when the web chat page fetches the reminder from its inbox."""
        store = self.store

        def fetched() -> None:
            try:
                loop = asyncio.get_running_loop()
            except RuntimeError:
                store.mark_fetched(reminder_id, DELIVERED)
                return
            loop.run_in_executor(None, store.mark_fetched, reminder_id, DELIVERED)

        return fetched

    async def loop(self, first_delay_seconds: float = 5.0) -> None:
        """Every ONTMOET_REMINDER_INTERVAL_SECONDS (0 switches reminders off)."""
        interval = self.settings.reminder_interval_seconds
        if interval <= 0:
            return
        await asyncio.sleep(first_delay_seconds)
        while True:
            try:
                await self.send_due_once()
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.exception("reminder round failed")
            await asyncio.sleep(interval)
