"""HandoffRuntime: submit (commit, then notify), async queue access, escalation round."""
from __future__ import annotations

import pytest

from bot.handoff.queue import HandoffQueue
from bot.handoff.routing import TelegramStaffNotifier
from bot.handoff.runtime import HandoffRuntime
from ontmoet_core.config import PROJECT_ROOT, Settings
from ontmoet_core.db import make_engine
from tests.fakes.notifier import RecordingNotifier
from tests.test_handoff_support import (  # noqa: F401  (fixtures)
    COORD,
    WEST,
    Clock,
    _sqlite_template,
    sqlite_url,
    write_roster,
)


@pytest.fixture
def runtime(sqlite_url, tmp_path):
    clock = Clock()
    settings = Settings(var_dir=tmp_path, staff_file=write_roster(tmp_path / "staff.yml"),
                        knowledge_dir=PROJECT_ROOT / "knowledge" / "data",
                        handoff_escalate_after_hours=48)
    rt = HandoffRuntime(settings, queue=HandoffQueue(make_engine(sqlite_url), clock=clock),
                        notifier=RecordingNotifier())
    rt.clock = clock
    return rt


async def test_submit_commits_then_notifies_the_area(runtime):
    view = await runtime.submit_request(channel="webchat", resident_key="we-1", consent=True,
                                        contact_method="chat", reason="Gezelschap",
                                        buurt="Mariaberg")
    assert view.reference == "T-0001" and view.stadsdeel == "West"  # from buurten.yml
    assert view.reference in runtime.notifier.to("ow-west")[0]
    statuses = await runtime.queue_async.status_for_resident("we-1")
    assert statuses[0].status == "nieuw"


async def test_a_failing_notifier_never_loses_the_request(runtime):
    class Broken:
        async def notify(self, staff, text):
            raise RuntimeError("telegram down")

    runtime.notifier = Broken()
    view = await runtime.submit_request(channel="webchat", resident_key="we-1", consent=False,
                                        reason="Hulp")
    assert runtime.queue.get(view.reference).status == "nieuw"


async def test_escalation_round_tells_the_coordinator(runtime):
    view = await runtime.submit_request(channel="webchat", resident_key="we-1", consent=False,
                                        reason="Hulp", buurt="Mariaberg")
    assert await runtime.escalate_once() == []
    runtime.clock.advance(hours=49)
    escalated = await runtime.escalate_once()
    assert [v.reference for v in escalated] == [view.reference]
    assert any(view.reference in text for text in runtime.notifier.to("coord"))


async def test_telegram_staff_notifier_sends_to_telegram_ids():
    sent = []

    async def send(chat_id, text):
        sent.append((chat_id, text))

    notifier = TelegramStaffNotifier(send)
    await notifier.notify(WEST, "hallo")
    await notifier.notify(COORD.__class__("x", "X", role="coordinator"), "niemand")
    assert sent == [(1001, "hallo")]


class _FakeProcessor:
    """The two MessageProcessor methods set_assistant_paused uses, on real trackers."""

    def __init__(self):
        from rasa.shared.core.trackers import DialogueStateTracker

        self._make = lambda sender: DialogueStateTracker(sender, slots=[])
        self.saved = {}

    async def get_tracker(self, sender_id):
        return self.saved.get(sender_id) or self._make(sender_id)

    async def save_tracker(self, tracker):
        self.saved[tracker.sender_id] = tracker


class _FakeAgent:
    def __init__(self):
        self.processor = _FakeProcessor()


async def test_live_chat_pauses_and_resumes_rasa(runtime):
    """The runtime's staff actions (Telegram's) pause and resume the service's Agent."""
    from types import SimpleNamespace

    from bot.handoff.runtime import set_assistant_paused

    agent = _FakeAgent()
    runtime.app = SimpleNamespace(ctx=SimpleNamespace(agent=agent))
    actions = runtime.staff_actions()
    view = await runtime.submit_request(channel="telegram", resident_key="te-live", consent=True,
                                        contact_method="chat", reason="Praten", buurt="Mariaberg")
    await actions.claim(view.reference, WEST)
    started = await actions.start_live(view.reference, WEST)
    assert not started.sync_failed
    assert agent.processor.saved["te-live"].is_paused()
    await actions.end_live(view.reference, WEST)
    assert not agent.processor.saved["te-live"].is_paused()
    # Idempotent: resuming a running conversation adds no event.
    events = len(agent.processor.saved["te-live"].events)
    await set_assistant_paused(agent, "te-live", False)
    await actions.close(view.reference, WEST)
    assert len(agent.processor.saved["te-live"].events) == events


async def test_requests_stored_by_the_action_server_are_announced_by_the_service(runtime):
    """The action server stores without announcing; the service's loop takes the outbox."""
    action_server = HandoffRuntime(runtime.settings, queue=runtime.queue,
                                   notifier=RecordingNotifier(), announces=False)
    view = await action_server.submit_request(channel="telegram", resident_key="te-9",
                                              consent=True, reason="Gezelschap",
                                              buurt="Mariaberg")
    assert action_server.notifier.sent == [] and runtime.notifier.sent == []
    assert runtime.queue.get(view.reference).announced_at is None

    announced = await runtime.announce_pending()
    assert [v.reference for v in announced] == [view.reference]
    assert view.reference in runtime.notifier.to("ow-west")[0]
    sent_before = list(runtime.notifier.sent)
    assert await runtime.announce_pending() == []  # once only
    assert runtime.notifier.sent == sent_before


async def test_two_service_processes_announce_each_request_once(runtime):
    import asyncio

    other = HandoffRuntime(runtime.settings, queue=runtime.queue, notifier=RecordingNotifier(),
                           announces=False)
    for n in range(6):
        await other.submit_request(channel="whatsapp", resident_key=f"wa-{n}", consent=False,
                                   reason="Hulp", buurt="Mariaberg")
    first, second = await asyncio.gather(runtime.announce_pending(), other.announce_pending())
    references = [v.reference for v in first] + [v.reference for v in second]
    assert sorted(references) == sorted(set(references)) and len(references) == 6
    mentioned = [text.split()[2] for _, text in runtime.notifier.sent + other.notifier.sent]
    assert sorted(set(mentioned)) == sorted(references)  # every request, by one process
    assert not set(v.reference for v in first) & set(v.reference for v in second)


async def test_the_service_keeps_a_consenting_residents_chat_address(runtime):
    """Stored by the action server (pseudonym only); the service adds the chat id
    it knows when it announces, so an answer still arrives after a restart."""
    from bot.channels.stores import ResidentAddress, ResidentDirectory

    runtime.directory = ResidentDirectory()
    await runtime.directory.remember("te-yes", ResidentAddress("telegram", "555001"))
    await runtime.directory.remember("te-no", ResidentAddress("telegram", "555002"))
    action_server = HandoffRuntime(runtime.settings, queue=runtime.queue, announces=False)
    yes = await action_server.submit_request(channel="telegram", resident_key="te-yes",
                                             consent=True, reason="Gezelschap", buurt="Mariaberg")
    no = await action_server.submit_request(channel="telegram", resident_key="te-no",
                                            consent=False, reason="Hulp", buurt="Mariaberg")
    await runtime.announce_pending()
    assert runtime.queue.get(yes.reference).channel_address == "555001"
    assert runtime.queue.get(no.reference).channel_address is None  # no consent, not kept
    actions = [e.action for e in runtime.queue.show(yes.reference).events]
    assert "address_kept" in actions
    assert not runtime.queue.keep_channel_address(yes.reference, "telegram", "999")  # once
    assert runtime.queue.get(yes.reference).channel_address == "555001"
