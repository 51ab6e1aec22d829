"""Where the project reaches into Rasa 3.6's internals.

Each patch names what it replaces and checks at start-up that it still exists
(`require`), so an upgrade of Rasa fails loudly when the service starts instead
of silently running without the patch. The upgrade checklist is in
docs/RASA_UPGRADE.md.
"""
from __future__ import annotations

import logging
from typing import Any

logger = logging.getLogger(__name__)


class RasaChanged(RuntimeError):
    """A Rasa internal that the project patches is gone or changed."""


def require(owner: Any, attribute: str) -> Any:
    """The attribute a patch replaces; RasaChanged when Rasa no longer has it."""
    if not hasattr(owner, attribute):
        raise RasaChanged(
            f"{getattr(owner, '__name__', owner)}.{attribute} no longer exists in this Rasa "
            "version: see docs/RASA_UPGRADE.md")
    return getattr(owner, attribute)


def install_story_reader() -> None:
    """Long messages are parsed clause by clause, and a short "en ..." after an
    answer as a follow-up of that answer (bot/nlu/story.py).

    Replaces MessageProcessor._parse_message_with_graph(message, tracker,
    only_output_properties), the one step where Rasa 3.6 runs the NLU graph on
    a user message (Agent.parse_message and every channel come through it).
    Idempotent."""
    from rasa.core.channels.channel import UserMessage
    from rasa.core.processor import MessageProcessor

    from rasa.shared.core.events import ActionExecuted

    from bot.nlu.story import follow_up, is_story, last_answer, merge_parses, split_clauses

    original = require(MessageProcessor, "_parse_message_with_graph")
    if getattr(original, "ontmoet_story_reader", False):
        return

    def parse_story(self, message, tracker, only_output_properties=True):
        whole = original(self, message, tracker, only_output_properties)
        text = message.text or ""
        if not is_story(text):
            if tracker is None or text.startswith("/"):
                return whole
            actions = [e.action_name for e in tracker.events
                       if isinstance(e, ActionExecuted) and e.action_name]
            return follow_up(whole, last_answer(actions[-6:]))
        clauses = []
        for start, end in split_clauses(text):
            part = UserMessage(text[start:end], sender_id=message.sender_id,
                               input_channel=message.input_channel)
            clauses.append(((start, end), original(self, part, tracker, only_output_properties)))
        merged = merge_parses(whole, clauses)
        merged["text"] = whole.get("text", text)
        return merged

    parse_story.ontmoet_story_reader = True
    parse_story.__wrapped__ = original
    MessageProcessor._parse_message_with_graph = parse_story


LANGUAGE_HINT = "ontmoet_language"


def install_language_hint() -> None:
    """The first reply in the language of the first message.

    Rasa runs action_session_start before it parses the message that opened
    the session, so the disclosure would always be Dutch. This wraps
    MessageProcessor.handle_message(message) to put the language of the
    message's text in its metadata (key LANGUAGE_HINT, set by the server only);
    Rasa hands that metadata to action_session_start in the slot
    `session_started_metadata`. Idempotent."""
    from rasa.core.processor import MessageProcessor

    from bot.language import detect_language

    original = require(MessageProcessor, "handle_message")
    if getattr(original, "ontmoet_language_hint", False):
        return

    async def handle_message(self, message):
        metadata = dict(message.metadata or {})
        metadata.pop(LANGUAGE_HINT, None)  # never taken from a client
        text = message.text or ""
        if text and not text.startswith("/"):
            language = detect_language(text)
            if language:
                metadata[LANGUAGE_HINT] = language
        message.metadata = metadata
        return await original(self, message)

    handle_message.ontmoet_language_hint = True
    handle_message.__wrapped__ = original
    MessageProcessor.handle_message = handle_message
