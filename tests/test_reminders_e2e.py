"""Opt-in reminders end to end, on the web chat (REST), Telegram and WhatsApp.

The real service (`ontmoet serve`, trained test model, reminder loop every
second) and the real action server on one var dir; Telegram and WhatsApp through
their fakes. On each channel the resident asks what is on next week, presses Ja
for a reminder and chooses the moments; the reminder is stored with consent and
listed by "mijn herinneringen". The moment comes (the test moves the stored
moment to now: a service process keeps the real clock) and the reminder arrives
once, on the resident's own channel: a Telegram message, the web chat inbox, a
WhatsApp text inside the 24-hour window. Then the service restarts (a new
process, the same database) and the next reminder still arrives: on WhatsApp,
with the window closed, as the configured template message.
"""
from __future__ import annotations

import json
import re
import time
from datetime import datetime, timedelta, timezone

import httpx
import pytest
from sqlalchemy import update

from bot.reminders.models import ACTIVITY_HOUR, DELIVERED, SCHEDULED, STOPPED, Reminder
from bot.reminders.store import ReminderStore
from ontmoet_core.config import load_settings
from tests.conftest import ActionServer, ServiceProcess, require_test_model
from tests.fakes.graph_api import FakeGraphApi
from tests.fakes.telegram_api import FakeTelegramApi
from tests.test_channel_conversations import (
    APP_SECRET,
    RESIDENT_CHAT,
    WA,
    TelegramResident,
    WhatsAppResident,
    _write_staff_file,
    wait_until,
)

pytestmark = pytest.mark.model

TEMPLATE = "ontmoet_herinnering"


class Stack:
    def __init__(self, var_dir):
        self.var_dir = var_dir
        staff_file = _write_staff_file(var_dir / "staff.yml")
        self.env = dict(ONTMOET_STAFF_FILE=str(staff_file), ONTMOET_REMINDER_INTERVAL_SECONDS="1",
                        WHATSAPP_REMINDER_TEMPLATE_NAME=TEMPLATE)
        self.actions = ActionServer(var_dir, **self.env)
        self.telegram, self.graph = FakeTelegramApi().start(), FakeGraphApi().start()
        self.service = None
        settings = load_settings({"ONTMOET_VAR_DIR": str(var_dir)})
        self.store = ReminderStore.from_url(settings.database_url_resolved)

    def start_service(self):
        self.service = ServiceProcess(
            self.actions.url, self.var_dir, self.var_dir / "tracker.db", **self.env,
            TELEGRAM_BOT_TOKEN=self.telegram.token, TELEGRAM_BASE_URL=self.telegram.base_url,
            TELEGRAM_WEBHOOK_URL="",
            WHATSAPP_TOKEN=self.graph.token, WHATSAPP_PHONE_NUMBER_ID=self.graph.phone_number_id,
            WHATSAPP_APP_SECRET=APP_SECRET, WHATSAPP_VERIFY_TOKEN="verify-reminders",
            WHATSAPP_GRAPH_URL=self.graph.graph_url,
        ).start()
        return self.service

    def stop(self):
        if self.service is not None:
            self.service.stop()
        self.actions.stop()
        self.telegram.stop()
        self.graph.stop()

    def reminders(self, channel):
        with self.store._sessions() as session:
            rows = session.query(Reminder).filter(Reminder.channel == channel) \
                .order_by(Reminder.id).all()
            return [(r.id, r.kind, r.state, r.address) for r in rows]

    def the_moment_comes(self, reminder_id):
        """The controlled clock of a service process: its reminder's moment is now."""
        now = datetime.now(timezone.utc).replace(tzinfo=None)
        with self.store._sessions() as session, session.begin():
            session.execute(update(Reminder).where(Reminder.id == reminder_id)
                            .values(due_at=now - timedelta(seconds=1)))

    def state(self, reminder_id):
        return self.store.get(reminder_id).state


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    require_test_model()
    stack = Stack(tmp_path_factory.mktemp("reminders"))
    try:
        stack.actions.wait()
        stack.start_service()
        yield stack
    finally:
        stack.stop()


def _opt_in(resident, hour_title):
    answer = resident.says("welke activiteiten zijn er volgende week", expect="herinnering")
    assert "Dit vond ik" in answer and "Wilt u een herinnering?" in answer, resident.transcript
    resident.presses("Koffieochtend|Creatieve", expect="uur van tevoren")
    answer = resident.presses(hour_title, expect="Ik stuur u een herinnering")
    assert "mijn herinneringen" in answer
    listing = resident.says("mijn herinneringen", expect="Dit zijn uw herinneringen")
    assert "(voorbeeld)" in listing, resident.transcript


def _settle(seconds=4.0):
    time.sleep(seconds)  # several rounds of the reminder loop


def test_telegram_the_reminder_arrives_once_and_stop_works(stack):
    resident = TelegramResident(stack.telegram, stack.service, RESIDENT_CHAT)
    _opt_in(resident, "Ook een uur ervoor")
    (day, _, state, address), (hour, kind, _, _) = stack.reminders("telegram")
    assert state == SCHEDULED and kind == ACTIVITY_HOUR
    assert wait_until(lambda: stack.reminders("telegram")[0][3] == str(RESIDENT_CHAT), 30)
    stack.the_moment_comes(day)

    def reminders_sent():
        return [t for t in stack.telegram.texts_to(RESIDENT_CHAT) if t.startswith("Herinnering:")]

    assert wait_until(reminders_sent, timeout=30), stack.service.log_text()[-3000:]
    _settle()
    (text,) = reminders_sent()  # once
    assert "morgen" in text and "voorbeeld" in text and "stop herinneringen" in text
    assert stack.state(day) == DELIVERED
    # "stop herinneringen": the hour-before one is not sent when its moment comes
    answer = resident.says("stop herinneringen", expect="geen herinneringen meer")
    assert "1" in answer
    assert stack.state(hour) == STOPPED
    stack.the_moment_comes(hour)
    _settle()
    assert len(reminders_sent()) == 1


class WebChatResident:
    def __init__(self, service):
        self.client = httpx.Client(base_url=service.url, timeout=90)
        self.transcript = []
        self.buttons = []

    def _post(self, message, expect):
        r = self.client.post("/webhooks/webchat/webhook", content=json.dumps({"message": message}))
        assert r.status_code == 200, r.text
        texts = [m.get("text") or "" for m in r.json()]
        self.transcript += [f"  bot: {t}" for t in texts]
        self.buttons = [b for m in r.json() for b in m.get("buttons") or []] or self.buttons
        answer = "\n".join(texts)
        assert re.search(expect, answer), "\n".join(self.transcript)
        return answer

    def says(self, text, expect):
        self.transcript.append(f"resident: {text}")
        return self._post(text, expect)

    def presses(self, title_pattern, expect):
        matching = [b for b in self.buttons if re.search(title_pattern, b["title"], re.I)]
        assert matching, (title_pattern, self.buttons)
        self.transcript.append(f"resident presses: {matching[0]['title']}")
        return self._post(matching[0]["payload"], expect)

    def inbox(self):
        return [(m["text"], m["from"])
                for m in self.client.get("/webhooks/webchat/inbox").json()]


def test_web_chat_the_reminder_waits_in_the_inbox_once(stack):
    resident = WebChatResident(stack.service)
    _opt_in(resident, "Alleen de dag ervoor")
    ((reminder, _, _, address),) = stack.reminders("webchat")
    assert address is None  # the web chat keeps no address: the inbox is the pseudonym's
    stack.the_moment_comes(reminder)
    assert wait_until(lambda: stack.state(reminder) != SCHEDULED and
                      stack.state(reminder) != "sending", timeout=30)
    ((text, origin),) = [m for m in resident.inbox() if m[0].startswith("Herinnering:")]
    assert "voorbeeld" in text and origin == "assistent"  # not shown as an opbouwwerker's
    assert wait_until(lambda: stack.state(reminder) == DELIVERED, timeout=10)  # fetched
    _settle()
    assert resident.inbox() == []  # once


def test_whatsapp_text_in_the_window_then_after_a_restart_the_template(stack):
    resident = WhatsAppResident(stack.graph, stack.service, WA)
    _opt_in(resident, "Ook een uur ervoor")
    (day, _, _, _), (hour, _, _, _) = stack.reminders("whatsapp")
    assert wait_until(lambda: stack.reminders("whatsapp")[0][3] == WA, 30)

    def sent(kind):
        return [m for m in stack.graph.sent_to(WA) if m.get("type") == kind and
                ("Herinnering:" in json.dumps(m, ensure_ascii=False))]

    stack.the_moment_comes(day)
    assert wait_until(lambda: sent("text"), timeout=30), stack.service.log_text()[-3000:]
    _settle()
    assert len(sent("text")) == 1 and sent("template") == []
    # -- restart: a new service process, the same database; the window has closed ------
    stack.service.stop()
    stack.graph.close_window(WA)
    resident.service = stack.start_service()
    stack.the_moment_comes(hour)
    assert wait_until(lambda: sent("template"), timeout=30), stack.service.log_text()[-3000:]
    _settle()
    (template,) = sent("template")
    assert template["template"]["name"] == TEMPLATE
    (parameter,) = template["template"]["components"][0]["parameters"]
    assert parameter["text"].startswith("Herinnering: over een uur")
    assert len(sent("text")) == 1
    assert stack.state(hour) == DELIVERED
