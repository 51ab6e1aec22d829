"""E-mail alerts for staff (issue 19.2), against a local SMTP sink (aiosmtpd).

A request counts as announced only when an alert reached someone; with SMTP
down and nobody on Telegram it shows "niet gemeld", is tried again later and
escalates to the coordinator."""
from __future__ import annotations

from email import message_from_bytes
from email.message import Message
from typing import List

import pytest
import yaml

from bot.handoff.queue import ANNOUNCE_RETRY, HandoffQueue
from bot.handoff.routing import LoggingNotifier, RosterError, TelegramStaffNotifier, parse_roster
from bot.handoff.runtime import HandoffRuntime
from bot.staff.accounts import StaffAccounts
from bot.staff.dashboard import dashboard_app
from ontmoet_core.config import PROJECT_ROOT, Settings, load_settings
from ontmoet_core.db import make_engine
from tests.conftest import free_port
from tests.test_handoff_support import (  # noqa: F401  (fixtures)
    ROSTER_DATA,
    Clock,
    _sqlite_template,
    sqlite_url,
)
from tests.test_staff_dashboard import (  # noqa: F401
    FAST_HASHER,
    PASSWORD,
    _app_names,
    _sanic_test_mode,
    client,
    login,
)

REASON = "Ik woon alleen sinds mijn man overleed"
PHONE = "043 123 45 67"


class Sink:
    """Collects the messages an aiosmtpd server receives."""

    def __init__(self) -> None:
        self.messages: List[Message] = []
        self.envelopes: list = []

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        self.messages.append(message_from_bytes(envelope.content))
        return "250 OK"


@pytest.fixture
def smtp_sink():
    from aiosmtpd.controller import Controller

    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield sink, controller.port
    finally:
        controller.stop()


def roster_with_email(path, west_email="west@ontmoet.example",
                      coord_email="coordinatie@ontmoet.example"):
    data = yaml.safe_load(yaml.safe_dump(ROSTER_DATA))
    for member in data["opbouwwerkers"]:  # nobody is on Telegram
        member.pop("telegram_user_id", None)
    if west_email:
        data["opbouwwerkers"][0]["email"] = west_email
    if coord_email:
        data["coordinators"][0]["email"] = coord_email
    data["coordinators"][0].pop("telegram_user_id", None)
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def make_runtime(sqlite_url, tmp_path, smtp_port, **roster):
    clock = Clock()
    settings = Settings(var_dir=tmp_path, knowledge_dir=PROJECT_ROOT / "knowledge" / "data",
                        staff_file=roster_with_email(tmp_path / "staff.yml", **roster),
                        smtp_host="127.0.0.1", smtp_port=smtp_port, smtp_starttls=False,
                        smtp_from="wachtrij@ontmoet.example", smtp_timeout_seconds=5,
                        dashboard_url="https://ontmoet.example/staff",
                        handoff_escalate_after_hours=48)
    runtime = HandoffRuntime(settings, queue=HandoffQueue(make_engine(sqlite_url), clock=clock),
                             notifier=LoggingNotifier(), announces=False)
    runtime.clock = clock
    return runtime


async def store(runtime, resident_key="we-1", buurt="Mariaberg"):
    return await runtime.submit_request(channel="webchat", resident_key=resident_key,
                                        consent=True, contact_method="telefoon",
                                        contact_phone=PHONE, reason=REASON, buurt=buurt)


async def test_a_delivered_email_alert_marks_the_request_announced(smtp_sink, sqlite_url,
                                                                   tmp_path):
    sink, port = smtp_sink
    runtime = make_runtime(sqlite_url, tmp_path, port)
    view = await store(runtime)
    assert runtime.queue.get(view.reference).announced_at is None
    await runtime.announce_pending()
    assert len(sink.messages) == 1
    mail = sink.messages[0]
    assert mail["To"] == "west@ontmoet.example" and mail["From"] == "wachtrij@ontmoet.example"
    assert view.reference in mail["Subject"]
    body = mail.get_payload(decode=True).decode()
    assert view.reference in body and "Mariaberg" in body
    assert f"https://ontmoet.example/staff/r/{view.reference}" in body
    raw = sink.envelopes[0].content.decode(errors="replace")
    for personal in (REASON, PHONE, "we-1", "woon alleen"):  # no personal data
        assert personal not in raw and personal not in body
    stored = runtime.queue.get(view.reference)
    assert stored.announced_at is not None and not stored.not_announced
    assert await runtime.announce_pending() == []  # once only
    assert len(sink.messages) == 1


async def test_smtp_down_means_niet_gemeld_then_retry_and_escalation(smtp_sink, sqlite_url,
                                                                     tmp_path):
    sink, port = smtp_sink
    runtime = make_runtime(sqlite_url, tmp_path, free_port())  # nothing listens there
    view = await store(runtime)
    await runtime.announce_pending()
    stored = runtime.queue.get(view.reference)
    assert stored.announced_at is None and stored.not_announced

    # the dashboard says so
    app = dashboard_app(runtime.settings, lambda: runtime.queue,
                        accounts_factory=lambda engine, roster: StaffAccounts(
                            engine, roster, clock=runtime.clock, hasher=FAST_HASHER),
                        app_name=f"staff_test_{next(_app_names)}")
    StaffAccounts(runtime.queue.engine, runtime.roster, clock=runtime.clock,
                  hasher=FAST_HASHER).add("ow-west", PASSWORD)
    async with await client(app) as c:
        await login(c, "ow-west")
        page = (await c.get("/staff/")).text
    assert '<span class="badge warn">niet gemeld</span>' in page
    assert "na 48 uur gaat de vraag naar de coördinator" in page

    # not tried again at once; after the retry time, still down: still not announced
    assert await runtime.announce_pending() == []
    runtime.clock.advance(seconds=ANNOUNCE_RETRY.total_seconds())
    assert [v.reference for v in await runtime.announce_pending()] == [view.reference]
    assert runtime.queue.get(view.reference).not_announced

    # SMTP is back by the time the escalation comes: the coordinator is told
    runtime.email_notifier.port = port
    runtime.clock.advance(hours=48)
    escalated = await runtime.escalate_once()
    assert [v.reference for v in escalated] == [view.reference]
    assert [m["To"] for m in sink.messages] == ["coordinatie@ontmoet.example"]
    assert "nog niet opgepakt" in sink.messages[0].get_payload(decode=True).decode()
    stored = runtime.queue.get(view.reference)
    assert stored.escalated_at is not None and stored.announced_at is not None


async def test_nobody_reachable_is_not_announced(sqlite_url, tmp_path):
    """The bug of issue 19: no Telegram id and no e-mail, yet marked announced."""
    runtime = make_runtime(sqlite_url, tmp_path, free_port(), west_email=None)
    runtime.email_notifier = None
    sent = []

    async def send(chat_id, text):
        sent.append(chat_id)

    runtime.notifier = TelegramStaffNotifier(send)
    view = await store(runtime)
    await runtime.announce_pending()
    assert sent == [] and runtime.queue.get(view.reference).not_announced


async def test_telegram_or_email_is_enough(smtp_sink, sqlite_url, tmp_path):
    sink, port = smtp_sink
    runtime = make_runtime(sqlite_url, tmp_path, free_port())  # e-mail down
    sent = []

    async def send(chat_id, text):
        sent.append(chat_id)

    runtime.roster = lambda: parse_roster(ROSTER_DATA)  # Telegram ids, no e-mail
    runtime.notifier = TelegramStaffNotifier(send)
    view = await store(runtime)
    await runtime.announce_pending()
    assert sent == [1001, 1003] and runtime.queue.get(view.reference).announced_at is not None


def test_smtp_settings_and_staff_email_are_read_and_checked():
    settings = load_settings({"ONTMOET_SMTP_HOST": "smtp.example", "ONTMOET_SMTP_PORT": "2525",
                              "ONTMOET_SMTP_USER": "u", "ONTMOET_SMTP_PASSWORD": "geheim-123",
                              "ONTMOET_SMTP_STARTTLS": "false"})
    assert (settings.smtp_host, settings.smtp_port, settings.smtp_starttls) == (
        "smtp.example", 2525, False)
    assert "geheim-123" not in repr(settings)
    assert Settings().smtp_starttls and not Settings().smtp_host
    with pytest.raises(RosterError):
        parse_roster({"opbouwwerkers": [{"username": "x", "email": "geen-adres",
                                         "werkgebied": {"stadsdelen": ["West"]}}]})
