"""Output channels for one resident turn: the hold-back and the erase marker.

Rasa's processor hands every bot message to `send_response`
(MessageProcessor._send_bot_messages). There, for every channel:

* the erase marker ("verwijder mijn gegevens" was done) is never shown; it is
  noted (`erase_requested`) and the pipeline then forgets the resident;
* once a custom action failed during this message (action server down or
  slow), the rest of Rasa's replies (its fallback guesses) are held back; the
  pipeline then says the catalogue's technical_problem instead.
"""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa.core.channels.channel import CollectingOutputChannel, OutputChannel

from bot.channels.action_failures import action_failed
from bot.channels.erasure import is_erase_marker


class TurnWatch:
    """The part of `send_response` every resident channel shares."""

    sent = 0  # bot messages produced (0 after a turn: the assistant said nothing)
    erase_requested = False

    async def send_response(self, recipient_id: Text, message: Dict[Text, Any]) -> None:
        if is_erase_marker(message):
            self.erase_requested = True
            return
        if action_failed():
            return
        await self.deliver(recipient_id, message)

    async def deliver(self, recipient_id: Text, message: Dict[Text, Any]) -> None:
        """Format and send one whole bot message on the platform."""
        raise NotImplementedError


class MessageOutputChannel(TurnWatch, OutputChannel):
    """Every bot message arrives in `deliver` as one dict.

    Rasa splits a message over send_text_message, send_text_with_buttons, ...;
    the Telegram and WhatsApp formatters need the whole message (text with its
    buttons, or a custom venue) to choose the platform's message type.
    """

    async def send_text_message(self, recipient_id: Text, text: Text, **kwargs: Any) -> None:
        await self.send_response(recipient_id, {"text": text})

    async def send_text_with_buttons(self, recipient_id, text, buttons, **kwargs) -> None:
        await self.send_response(recipient_id, {"text": text, "buttons": buttons})

    async def send_custom_json(self, recipient_id, json_message, **kwargs) -> None:
        await self.send_response(recipient_id, {"custom": json_message})

    async def send_image_url(self, recipient_id, image, **kwargs) -> None:
        await self.send_response(recipient_id, {"image": image})


class CollectedOutput(TurnWatch, CollectingOutputChannel):
    """Rasa's collecting channel (REST, web chat) with the same hold-back."""

    messages: List[Dict[Text, Any]]

    @property  # type: ignore[override]  # counted from what was collected
    def sent(self) -> int:
        return len(self.messages)

    async def deliver(self, recipient_id: Text, message: Dict[Text, Any]) -> None:
        await CollectingOutputChannel.send_response(self, recipient_id, message)
