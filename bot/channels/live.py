"""Live contact between a resident and an opbouwwerker, in the channel layer.

While a request is `in_contact` through the chat (an opbouwwerker started live
chat in Telegram or the dashboard), Rasa's conversation is paused and the
assistant does not answer. Rasa would still run the NLU on those messages, so
the relay happens here, before Rasa: the resident's message goes to the
opbouwwerker (timeline; into Telegram only with ONTMOET_TELEGRAM_LIVE_RELAY,
else a dashboard link), and nothing reaches the assistant. A crisis message gets
the helplines here at once, and the opbouwwerker is alerted.

Outside live chat the same path carries replies in context (issue 19): when an
opbouwwerker wrote to the resident last (or closed the request a short while
ago), a message that answers them (bot/channels/in_context.py) goes to the
timeline and the opbouwwerker instead of to the assistant.

Web chat and REST residents cannot be pushed to: an opbouwwerker's answer waits
in the `Outbox` until the web chat page fetches it (it polls every few seconds).
"""
from __future__ import annotations

import logging
import time
from collections import OrderedDict, deque
from dataclasses import dataclass
from datetime import timedelta
from typing import Awaitable, Callable, Deque, List, Optional, Tuple

from bot.handoff.models import VISIT_PROPOSED, WAITING

logger = logging.getLogger(__name__)


class Outbox:
    """Messages waiting for a web chat / REST resident (in-process, bounded)."""

    def __init__(self, per_resident: int = 50, max_residents: int = 10_000,
                 ttl_seconds: float = 7 * 24 * 3600) -> None:
        self.per_resident = per_resident
        self.max_residents = max_residents
        self.ttl_seconds = ttl_seconds
        self._boxes: "OrderedDict[str, Deque[tuple]]" = OrderedDict()

    def put(self, pseudonym: str, text: str,
            receipt: Optional[Callable[[], None]] = None, origin: str = "opbouwwerker") -> None:
        """Hold `text`; `receipt()` is called when the resident's channel takes it.
        `origin`: who it is from ("opbouwwerker", or "assistent" for a reminder)."""
        box = self._boxes.setdefault(pseudonym, deque(maxlen=self.per_resident))
        box.append((time.time(), text, receipt, origin))
        self._boxes.move_to_end(pseudonym)
        while len(self._boxes) > self.max_residents:
            self._boxes.popitem(last=False)

    def take(self, pseudonym: str) -> List[str]:
        """The waiting texts (the caller hands them to the resident now)."""
        return [text for text, _ in self.take_messages(pseudonym)]

    def take_messages(self, pseudonym: str) -> List[Tuple[str, str]]:
        """The waiting (text, origin) pairs (the caller hands them over now)."""
        box = self._boxes.pop(pseudonym, None)
        if not box:
            return []
        cutoff = time.time() - self.ttl_seconds
        taken = [(text, receipt, origin) for stamp, text, receipt, origin in box
                 if stamp >= cutoff]
        for _, receipt, _ in taken:
            if receipt is not None:
                try:
                    receipt()
                except Exception:  # the message is handed over all the same
                    logger.exception("outbox: recording a delivery failed")
        return [(text, origin) for text, _, origin in taken]

    def forget(self, pseudonym: str) -> None:
        """"Verwijder mijn gegevens": waiting messages are dropped unread."""
        self._boxes.pop(pseudonym, None)

    async def send(self, pseudonym: str, address, text: str,
                   receipt: Optional[Callable[[], None]] = None) -> str:
        """A ResidentDirectory sender for the web chat and REST channels: the
        message waits until the page fetches it or the resident writes."""
        self.put(pseudonym, text, receipt)
        return WAITING

    async def send_reminder(self, pseudonym: str, address, text: str,
                            receipt: Optional[Callable[[], None]] = None) -> str:
        """The reminder sender (bot/reminders/): it waits like any message, and
        the page shows it as the assistant's, not an opbouwwerker's."""
        self.put(pseudonym, text, receipt, origin="assistent")
        return WAITING


@dataclass(frozen=True)
class Screened:
    """What the channel layer decided before the assistant sees a message.

    handled: the message went to the opbouwwerker (live contact), the assistant
    must not process it; replies: texts to send the resident at once (the
    crisis reply), whether handled or not."""

    handled: bool
    replies: Tuple[str, ...] = ()


def crisis_replies(language: str = "nl", staff_told: bool = False,
                   reading_level: str = "b1", kind: Optional[str] = None) -> Tuple[str, ...]:
    """The helplines (113, 0800-0113, 112) from knowledge/data/helplines.yml; 112
    first for a medical emergency (kind: bot.safety.crisis_kind, the same choice
    as action_crisis); in simpler Dutch (`<key>_a2`) when the conversation is at A2."""
    from bot.catalogue import text
    from bot.safety import crisis_catalogue_key, helpline_values

    key = crisis_catalogue_key(kind)
    if reading_level == "a2" and language == "nl":
        key += "_a2"
    replies = [text(key, language).format(**helpline_values())]
    if staff_told:
        replies.append(text("crisis_staff_told", language))
    return tuple(replies)


class LiveContact:
    """The channel layer's part of the handoff, before and after the assistant.

    * `screen`: while an opbouwwerker is live with the resident (the queue says
      so), the message goes to them and not to the assistant. A crisis message
      gets the helplines at once and the opbouwwerker is alerted: Rasa is paused
      then, so no action would answer it.
    * `after_silence`: the assistant said nothing. Its conversation was left
      paused (a live chat ended from the CLI, a resume failed): resume it and run
      the message again, so nobody is left in silence.
    """

    def __init__(self, runtime) -> None:
        self.runtime = runtime

    async def screen(self, pseudonym: str, text: str, language: str = "nl") -> Screened:
        from bot.safety import CRISIS, assess, crisis_kind

        try:  # one query for both: live chat, else a request the resident may be answering
            days = max(0.0, self.runtime.settings.handoff_followup_days)
            live, context = await self.runtime.queue_async.resident_contact(
                pseudonym, timedelta(days=days))
        except Exception:  # the assistant still answers when the queue is down
            logger.exception("live contact: queue unavailable")
            return Screened(False)
        if live is None:
            return await self.screen_answer(pseudonym, text, language, context)
        signal = assess(text)
        crisis = signal.level == CRISIS
        forward = None
        try:
            forward = await self.runtime.queue_async.record_resident_message(pseudonym, text)
        except Exception:
            logger.exception("live contact: storing a message for %s failed", live.reference)
        commands = getattr(self.runtime, "telegram", None)
        if forward is not None:
            await self._forward(forward)
        replies: Tuple[str, ...] = ()
        if crisis:
            self._count_crisis()
            told = False
            if forward is not None and commands is not None:
                member, alert = commands.crisis_for_staff(forward)
                told = await self._notify(member, alert)
            try:  # marked in the dashboard's timeline; the alert went out just now
                await self.runtime.queue_async.flag_crisis(pseudonym, pending=not told)
            except Exception:
                logger.exception("live contact: marking a crisis for %s failed", live.reference)
            # the language of the request when it is not Dutch (the channel may not know)
            wanted = live.language if live.language and live.language != "nl" else language
            replies = crisis_replies(wanted, staff_told=told,
                                     reading_level=await self._reading_level(pseudonym),
                                     kind=crisis_kind(signal))
            logger.warning("live contact: crisis message for %s, helplines given", live.reference)
        logger.info("live contact: message relayed for %s", live.reference)
        return Screened(True, replies)

    async def screen_answer(self, pseudonym: str, text: str, language: str,
                            context) -> Screened:
        """Replies in context (issue 19): an opbouwwerker wrote to the resident
        (or closed their request a short while ago) and this message answers
        them (bot/channels/in_context.py decides, with the NLU's parse). Then it
        goes to the request's timeline and the opbouwwerker, like a live-chat
        message, and the resident hears that it was passed on. Not while the
        assistant is asking something (a form is active): that answer is the
        assistant's. `context`: the queue's reply_context (HandoffQueue.resident_contact)."""
        from bot.channels.in_context import ANSWER, decide
        from bot.handoff.texts import resident_text

        if context is None:
            return Screened(False)
        reference = context.request.reference
        parse = await self._parse(pseudonym, text)
        if parse is False:  # the assistant is in the middle of a question
            return Screened(False)
        if context.request.visit_status == VISIT_PROPOSED and not context.after_close:
            answered = await self.answer_visit(pseudonym, text, context.request)
            if answered is not None:
                return answered
        decision = decide(text, parse or None, after_close=context.after_close)
        logger.info("replies in context: %s for %s (%s)", decision.route, reference,
                    decision.reason)
        if decision.route != ANSWER:
            return Screened(False)
        try:
            forward = await self.runtime.queue_async.record_resident_message(
                pseudonym, text, reference=reference)
        except Exception:
            logger.exception("replies in context: storing an answer for %s failed", reference)
            return Screened(False)
        if forward is None:
            return Screened(False)
        await self._forward(forward)
        key = "handoff_followup_passed_on" if context.after_close else "handoff_answer_passed_on"
        wanted = _language_of(parse or None) or (
            context.request.language if context.request.language != "nl" else language)
        return Screened(True, (resident_text(key, wanted, reference=reference),))

    async def answer_visit(self, pseudonym: str, text: str, request) -> Optional[Screened]:
        """The opbouwwerker proposed another moment for the first visit (issue
        18.2) and the resident answers ja or nee: the visit is agreed (and the
        reminder scheduled) or the opbouwwerker is asked for another moment. The
        words go on the timeline, the opbouwwerker hears it, the resident gets
        the confirmation. None when the message is not a plain ja or nee (a
        crisis message never is)."""
        from bot.handoff.form import yes_or_no
        from bot.handoff.texts import resident_text, staff_text
        from bot.handoff.visit import moment_words
        from bot.safety import is_crisis

        answer = None if is_crisis(text) else yes_or_no(None, text)
        if answer not in ("ja", "nee"):
            return None
        accepted = answer == "ja"
        try:
            view = await self.runtime.queue_async.answer_visit(request.reference, pseudonym,
                                                               accepted, text)
        except Exception:
            logger.exception("visit: storing the answer for %s failed", request.reference)
            return None
        if view is None:
            return None
        logger.info("visit: the resident %s the moment for %s",
                    "accepted" if accepted else "declined", view.reference)
        reminded = False
        if accepted:
            from bot.handoff.visit import remind_before_visit_async, will_remind

            try:
                await remind_before_visit_async(self.runtime.queue, view)
                reminded = will_remind(view.visit_start, self.runtime.queue.now())
            except Exception:
                logger.exception("visit: scheduling the reminder of %s failed", view.reference)
        commands = getattr(self.runtime, "telegram", None)
        if commands is not None:
            staff = staff_text("resident_visit_accepted" if accepted
                               else "resident_visit_declined",
                               reference=view.reference, link=commands.link(view.reference))
            member = commands.roster.by_username(view.assigned_to) if view.assigned_to else None
            for person in [member] if member is not None else self.runtime.roster().coordinators:
                await self._notify(person, staff)
        language = view.language or "nl"
        place = view.visit_place or resident_text("handoff_visit_no_place", language)
        key = "handoff_visit_accepted" if accepted else "handoff_visit_declined"
        said = resident_text(key, language, reference=view.reference, place=place,
                             moment=moment_words(view.visit_moment, view.visit_start, language))
        if reminded:
            said += " " + resident_text("handoff_visit_reminder_note", language)
        return Screened(True, (said,))

    async def _reading_level(self, pseudonym: str) -> str:
        """The conversation's slot `reading_level` ("b1" when unknown): Rasa's tracker store."""
        store = getattr(getattr(self.runtime, "agent", None), "tracker_store", None)
        if store is None:
            return "b1"
        try:
            tracker = await store.retrieve(pseudonym)
        except Exception:  # the helplines go out all the same, in B1
            logger.warning("live contact: reading level unknown for %s", pseudonym)
            return "b1"
        return "a2" if tracker is not None and tracker.get_slot("reading_level") == "a2" else "b1"

    async def _parse(self, pseudonym: str, text: str):
        """Rasa's parse of `text` ({} without an agent: the plain signals decide),
        or False while a form of the assistant is active for this resident."""
        agent = getattr(self.runtime, "agent", None)
        if agent is None or getattr(agent, "processor", None) is None:
            return {}
        try:
            tracker = await agent.processor.get_tracker(pseudonym)
            if tracker.active_loop_name:
                return False
            return await agent.parse_message(text)
        except Exception:
            logger.exception("replies in context: parsing failed for %s", pseudonym)
            return {}

    async def _forward(self, forward) -> None:
        """Tell the opbouwwerker of the request (or, when they are not in the staff
        file any more, the coordinators) that the resident wrote."""
        commands = getattr(self.runtime, "telegram", None)
        if commands is None:
            return
        member, staff_text = commands.forward_for_staff(forward)
        if member is not None:
            await self._notify(member, staff_text)
            return
        for coordinator in self.runtime.roster().coordinators:
            await self._notify(coordinator, staff_text)

    async def after_silence(self, pseudonym: str, text: str, language: str,
                            rerun: Callable[[], Awaitable[bool]]) -> Tuple[str, ...]:
        """The assistant produced no reply. Resume a conversation left paused and
        run the message again (`rerun` returns True when it produced a reply).
        Returns what the channel must still send: () when the rerun answered,
        else the crisis reply for a crisis message, else the kind fallback.
        An uncertain signal (CHECK_IN: "ik stop ermee") gets the crisis reply
        here too: the assistant that would ask the kind question is not there."""
        from bot.catalogue import text as catalogue_text
        from bot.safety import assess, crisis_kind

        agent = getattr(self.runtime, "agent", None)
        if agent is not None and getattr(agent, "processor", None) is not None:
            try:
                tracker = await agent.processor.get_tracker(pseudonym)
                if tracker.is_paused():
                    from bot.handoff.runtime import set_assistant_paused

                    logger.warning("the assistant was left paused for %s: resumed", pseudonym)
                    await set_assistant_paused(agent, pseudonym, False)
                    if await rerun():
                        return ()
            except Exception:
                logger.exception("resuming a paused conversation failed for %s", pseudonym)
        signal = assess(text)
        if signal.level is not None:
            self._count_crisis()
            try:  # the opbouwwerker of an open or recent request hears of it
                await self.runtime.queue_async.flag_crisis(pseudonym)
            except Exception:
                logger.exception("marking a crisis failed")
            return crisis_replies(language, kind=crisis_kind(signal))
        return (catalogue_text("technical_problem", language),)

    async def _notify(self, member, text: str) -> bool:
        if member is None:
            return False
        try:
            await self.runtime.notifier.notify(member, text)
            return True
        except Exception:
            logger.exception("live contact: notifying %s failed", member.username)
            return False

    def _count_crisis(self) -> None:
        from bot.safety import record_event

        try:
            record_event("crisis_keyword", self.runtime.settings.var_dir)
        except Exception:  # counting must never stop the reply
            logger.exception("counting a safety event failed")


def _language_of(parse) -> Optional[str]:
    """The language the NLU's LanguageDetector found in the message, if any."""
    for entity in (parse or {}).get("entities") or ():
        if entity.get("entity") == "language" and entity.get("value"):
            return str(entity["value"])
    return None


def register_outbox(directory, outbox: Outbox, channels: Optional[List[str]] = None) -> None:
    for name in channels or ["webchat", "rest"]:
        directory.register_sender(name, outbox.send)
        directory.register_reminder_sender(name, outbox.send_reminder)


__all__ = ["Outbox", "LiveContact", "Screened", "crisis_replies", "register_outbox"]
