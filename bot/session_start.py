"""The start of every conversation: it says this is an automated assistant.

Rasa runs `action_session_start` before the first message of a conversation
(and after a session expired). It runs here, in the service, not on the action
server: it reads only the tracker and the domain, and an HTTP round trip to
the action server (the tracker serialised there and back, the answer checked
against Rasa's events schema) cost every new conversation about a third of a
turn (issue 20, docs/BENCHMARKS.md). bot/rasa_compat.py
(`install_session_start`) makes Rasa take this action for the name, whatever
the model's domain says.

What it does, as the custom action did before:
* SessionStarted, then every slot of the previous session that has a value
  (not `requested_slot`) when the domain carries slots over;
* the disclosure (`utter_disclosure`) in the language of the message that
  opened the session (the server's hint in `session_started_metadata`,
  bot/rasa_compat.py `install_language_hint`), else the conversation's;
  English is sent as the English variant's text, and the slot `language` set;
* ActionExecuted(action_listen).
"""
from __future__ import annotations

from typing import Any, List, Optional, Text

from rasa.core.actions.action import Action, RemoteAction
from rasa.shared.core.constants import ACTION_LISTEN_NAME, ACTION_SESSION_START_NAME, REQUESTED_SLOT
from rasa.shared.core.events import ActionExecuted, Event, SessionStarted, SlotSet

from bot.language import ENGLISH, LANGUAGE_HINT, response_variant

DISCLOSURE = "utter_disclosure"


def opening_language(metadata: Any, language: Optional[str]) -> Optional[str]:
    """The language of the session's first message (the server's hint), else the
    conversation's (`language` slot: "ok" keeps the language)."""
    hint = metadata.get(LANGUAGE_HINT) if isinstance(metadata, dict) else None
    return hint or language


class ActionSessionStart(Action):
    """The disclosure at the start of every conversation, in the service."""

    def name(self) -> Text:
        return ACTION_SESSION_START_NAME

    async def run(self, output_channel, nlg, tracker, domain) -> List[Event]:
        events: List[Event] = [SessionStarted()]
        if domain.session_config.carry_over_slots:
            for key, value in tracker.current_slot_values().items():
                if value is not None and key != REQUESTED_SLOT:
                    events.append(SlotSet(key, value))
        language = opening_language(tracker.get_slot("session_started_metadata"),
                                    tracker.get_slot("language"))
        if language == ENGLISH:
            # Rasa fills a response with the slots from before this action: the
            # English variant is sent as its text
            variant = response_variant({"responses": domain.responses}, DISCLOSURE, language)
            responses = [{"text": variant.get("text", ""), "buttons": list(variant.get("buttons") or [])}]
            events.append(SlotSet("language", language))
        else:
            responses = [{"response": DISCLOSURE}]
        events.append(ActionExecuted(ACTION_LISTEN_NAME))
        # rendered exactly as Rasa renders a custom action's responses
        said = await RemoteAction._utter_responses(responses, output_channel, nlg, tracker)
        return [*said, *events]
