"""Shared base for output channels that format a whole bot message at once."""
from __future__ import annotations

from typing import Any, Dict, Text

from rasa.core.channels.channel import OutputChannel

from bot.channels.action_failures import action_failed
from bot.channels.erasure import default_eraser, is_erase_marker


class MessageOutputChannel(OutputChannel):
    """Every bot message arrives in `send_response` as one dict.

    Rasa splits a message over send_text_message, send_text_with_buttons, ...;
    the Telegram and WhatsApp formatters need the whole message (text with its
    buttons, or a custom venue) to choose the platform's message type.

    Once a custom action failed during this message (action server down or
    slow), the rest of Rasa's replies (its fallback guesses) are held back; the
    channel then says the catalogue's technical_problem instead.
    """

    async def send_response(self, recipient_id: Text, message: Dict[Text, Any]) -> None:
        """The path Rasa's processor takes for every bot message
        (MessageProcessor._send_bot_messages): the erase marker and the
        hold-back live here."""
        if is_erase_marker(message):
            # "verwijder mijn gegevens": never shown; the service forgets the resident
            await default_eraser().erase(recipient_id)
            return
        if action_failed():
            return
        await self.deliver(recipient_id, message)

    async def deliver(self, recipient_id: Text, message: Dict[Text, Any]) -> None:
        """Format and send one whole bot message on the platform."""
        raise NotImplementedError

    async def send_text_message(self, recipient_id: Text, text: Text, **kwargs: Any) -> None:
        await self.send_response(recipient_id, {"text": text})

    async def send_text_with_buttons(self, recipient_id, text, buttons, **kwargs) -> None:
        await self.send_response(recipient_id, {"text": text, "buttons": buttons})

    async def send_custom_json(self, recipient_id, json_message, **kwargs) -> None:
        await self.send_response(recipient_id, {"custom": json_message})

    async def send_image_url(self, recipient_id, image, **kwargs) -> None:
        await self.send_response(recipient_id, {"image": image})
