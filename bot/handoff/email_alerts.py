"""E-mail alerts for staff, through the operator's SMTP server (issue 19).

    notifier = EmailStaffNotifier.from_settings(settings)   # None without ONTMOET_SMTP_HOST
    await notifier.notify(member, text)                     # False: no e-mail address

The same alert texts as Telegram (bot/handoff/staff_texts.yml): the reference,
the buurt and a dashboard link, never what the resident wrote or their contact
details. Sent with the standard library (smtplib, email.message) in a worker
thread; STARTTLS unless ONTMOET_SMTP_STARTTLS=false. A failure raises, so the
caller knows the alert was not delivered (and the request is not "gemeld").
"""
from __future__ import annotations

import asyncio
import logging
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Optional

from bot.handoff.routing import StaffMember
from bot.handoff.texts import staff_text
from ontmoet_core.config import Settings

logger = logging.getLogger(__name__)


class EmailStaffNotifier:
    """Sends a staff alert to the `email` of the person in the staff file."""

    def __init__(self, host: str, port: int = 587, user: str = "", password: str = "",
                 sender: str = "", starttls: bool = True, timeout: float = 10.0) -> None:
        self.host = host
        self.port = port
        self.user = user
        self._password = password
        self.sender = sender or user
        self.starttls = starttls
        self.timeout = timeout

    @classmethod
    def from_settings(cls, settings: Settings) -> Optional["EmailStaffNotifier"]:
        if not settings.smtp_host:
            return None
        return cls(settings.smtp_host, settings.smtp_port, settings.smtp_user,
                   settings.smtp_password, settings.smtp_from, settings.smtp_starttls,
                   settings.smtp_timeout_seconds)

    def message(self, to: str, text: str) -> EmailMessage:
        summary = text.split(". ", 1)[0].split("\n", 1)[0].strip()[:120]
        message = EmailMessage()
        message["From"] = self.sender
        message["To"] = to
        message["Subject"] = staff_text("mail_subject", summary=summary)
        message["Date"] = formatdate(localtime=False)
        message["Message-ID"] = make_msgid(domain=self.sender.rpartition("@")[2] or None)
        message.set_content(f"{text}\n\n{staff_text('mail_footer')}\n")
        return message

    def _send(self, message: EmailMessage) -> None:
        with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
            if self.starttls:
                smtp.starttls(context=ssl.create_default_context())
            if self.user:
                smtp.login(self.user, self._password)
            smtp.send_message(message)

    async def notify(self, staff: StaffMember, text: str) -> bool:
        if not staff.email:
            return False
        await asyncio.to_thread(self._send, self.message(staff.email, text))
        logger.info("e-mail alert sent to %s", staff.username)
        return True
