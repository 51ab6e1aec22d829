"""Staff roster and routing: who hears about a new or overdue request."""
from __future__ import annotations

from datetime import timedelta

import pytest
import yaml

from bot.handoff.routing import (
    RosterCache,
    RosterError,
    announce_escalations,
    announce_new_request,
    load_buurt_stadsdelen,
    load_roster,
    parse_roster,
)
from ontmoet_core.config import PROJECT_ROOT, load_settings
from tests.fakes.notifier import RecordingNotifier
from tests.test_handoff_support import (  # noqa: F401  (fixtures)
    ROSTER_DATA,
    _sqlite_template,
    new_request,
    queue,
    roster,
    sqlite_url,
    write_roster,
)


def test_area_routing_and_coordinator_fallback():
    r = roster()
    plan = r.who_to_notify("Mariaberg", "West")
    assert {m.username for m in plan.staff} == {"ow-west", "ow-west2"} and not plan.to_coordinator
    plan = r.who_to_notify("Wyck", "Centrum")  # covered by buurt
    assert [m.username for m in plan.staff] == ["ow-noord"]
    plan = r.who_to_notify("zuid-west buurt", "Zuid-West")
    assert plan.to_coordinator and [m.username for m in plan.staff] == ["coord"]
    assert r.who_to_notify(None, None).to_coordinator


def test_area_names_match_loosely():
    r = parse_roster({"opbouwwerkers": [{"username": "a", "werkgebied": {
        "stadsdelen": ["Zuid-West"], "buurten": ["Céramique"]}}]})
    member = r.by_username("a")
    assert member.covers(None, "zuidwest") and member.covers("ceramique", None)
    assert not member.covers("Mariaberg", "West")


def test_allowlist_by_telegram_id():
    r = roster()
    assert r.by_telegram_id(1001).username == "ow-west"
    assert r.by_telegram_id("1009").is_coordinator
    assert r.by_telegram_id(4242) is None and r.by_telegram_id(None) is None


@pytest.mark.parametrize("data", [
    {"opbouwwerkers": [{"username": "a"}]},  # no werkgebied
    {"opbouwwerkers": [{"name": "no username", "werkgebied": {"stadsdelen": ["West"]}}]},
    {"opbouwwerkers": [{"username": "a", "werkgebied": {"stadsdelen": ["West"]}},
                       {"username": "a", "werkgebied": {"stadsdelen": ["Oost"]}}]},
    {"coordinators": [{"username": "c", "telegram_user_id": "abc"}]},
    {"opbouwwerkers": [{"username": "a", "role": "baas", "werkgebied": {"stadsdelen": ["W"]}}]},
])
def test_invalid_rosters_are_rejected(data):
    with pytest.raises(RosterError):
        parse_roster(data)


def test_shipped_staff_file_is_demo_and_safe():
    settings = load_settings({})
    r = load_roster(settings.staff_file)
    assert r.demo and r.members and r.coordinators
    for member in r.members:
        assert member.demo and "Voorbeeld" in member.name and "DEMO" in member.name
        # Fictitious people must not put a real Telegram account on the allowlist.
        assert member.telegram_user_id is None
    stadsdelen = {s for m in r.members for s in m.stadsdelen}
    known = set(yaml.safe_load((PROJECT_ROOT / "knowledge" / "data" / "buurten.yml")
                               .read_text(encoding="utf-8"))["stadsdelen"])
    assert stadsdelen <= known
    buurten = load_buurt_stadsdelen(PROJECT_ROOT / "knowledge" / "data")
    from bot.handoff.routing import normalise_area
    for member in r.members:
        for buurt in member.buurten:
            assert normalise_area(buurt) in buurten, buurt


def test_roster_cache_reloads_changed_file(tmp_path):
    path = write_roster(tmp_path / "staff.yml")
    cache = RosterCache(path)
    assert cache().by_username("ow-west") is not None
    data = dict(ROSTER_DATA, opbouwwerkers=ROSTER_DATA["opbouwwerkers"][:1] + [
        {"username": "ow-nieuw", "werkgebied": {"stadsdelen": ["Oost"]}}])
    path.write_text(yaml.safe_dump(data) + "\n# changed\n", encoding="utf-8")
    assert cache().by_username("ow-nieuw") is not None
    path.write_text("opbouwwerkers: [{username: kapot}]\n# a broken edit, longer\n")
    assert cache().by_username("ow-nieuw") is not None  # keeps the last good roster


async def test_new_request_notifies_area_or_coordinator(queue):
    notifier = RecordingNotifier()
    west = new_request(queue)
    assert await announce_new_request(west, roster(), notifier) == ["ow-west", "ow-west2"]
    assert west.reference in notifier.to("ow-west")[0]
    nobody = new_request(queue, resident_key="te-2", buurt="Sint Pieter", stadsdeel="Zuid-West")
    assert await announce_new_request(nobody, roster(), notifier) == ["coord"]
    assert "niemand" in notifier.to("coord")[0]


async def test_overdue_requests_escalate_to_coordinator(queue):
    notifier = RecordingNotifier()
    view = new_request(queue)
    queue.test_clock.advance(hours=49)
    escalated = queue.escalate_overdue(after=timedelta(hours=48))
    assert await announce_escalations(escalated, roster(), notifier) == ["coord"]
    assert view.reference in notifier.to("coord")[0]
    assert notifier.to("ow-west") == []


async def test_a_failing_channel_does_not_stop_other_notifications(queue):
    class Flaky(RecordingNotifier):
        async def notify(self, staff, text):
            if staff.username == "ow-west":
                raise RuntimeError("channel down")
            await super().notify(staff, text)

    notifier = Flaky()
    assert await announce_new_request(new_request(queue), roster(), notifier) == ["ow-west2"]
