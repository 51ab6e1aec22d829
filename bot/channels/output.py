"""Shared base for output channels that format a whole bot message at once."""
from __future__ import annotations

from typing import Any, Dict, Text

from rasa.core.channels.channel import OutputChannel


class MessageOutputChannel(OutputChannel):
    """Every bot message arrives in `send_response` as one dict.

    Rasa splits a message over send_text_message, send_text_with_buttons, ...;
    the Telegram and WhatsApp formatters need the whole message (text with its
    buttons, or a custom venue) to choose the platform's message type.
    """

    async def send_response(self, recipient_id: Text, message: Dict[Text, Any]) -> None:
        raise NotImplementedError

    async def send_text_message(self, recipient_id: Text, text: Text, **kwargs: Any) -> None:
        await self.send_response(recipient_id, {"text": text})

    async def send_text_with_buttons(self, recipient_id, text, buttons, **kwargs) -> None:
        await self.send_response(recipient_id, {"text": text, "buttons": buttons})

    async def send_custom_json(self, recipient_id, json_message, **kwargs) -> None:
        await self.send_response(recipient_id, {"custom": json_message})

    async def send_image_url(self, recipient_id, image, **kwargs) -> None:
        await self.send_response(recipient_id, {"image": image})
