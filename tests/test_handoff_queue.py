"""The handoff queue on SQLite: lifecycle, audit trail, atomic claims, restart,
escalation with a controlled clock, privacy and retention."""
from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.handoff.models import HandoffEvent, HandoffRequest
from bot.handoff.queue import (
    ConsentRequired,
    HandoffQueue,
    InvalidInput,
    NotAllowed,
    NotFound,
    parse_reference,
)
from ontmoet_core.db import make_engine
from tests.test_handoff_support import (  # noqa: F401  (fixtures)
    COORD,
    NOORD,
    WEST,
    WEST2,
    _sqlite_template,
    new_request,
    queue,
    sqlite_url,
)


def test_reference_parsing():
    assert parse_reference("T-0042") == "T-0042"
    assert parse_reference("t-42") == "T-0042"
    assert parse_reference(" T0042 ") == "T-0042"
    assert parse_reference("42") == "T-0042"
    assert parse_reference("T-12345") == "T-12345"
    assert parse_reference("hallo") is None
    assert parse_reference("T-") is None


def test_resident_flow_stores_request_and_returns_reference(queue):
    """What the dialogue does at the end of the handoff form."""
    view = new_request(queue)
    assert view.reference == "T-0001"
    assert view.status == "nieuw" and view.consent and view.consent_at is not None
    # It is committed: a separate engine sees it.
    other = HandoffQueue(make_engine(str(queue.engine.url)))
    stored = other.get(view.reference)
    assert stored.reason == "Ik zoek een huiskamer voor ouderen"
    assert stored.channel_address == "555001"
    assert new_request(queue, resident_key="te-2").reference == "T-0002"
    statuses = queue.status_for_resident("te-resident-1")
    assert [s.reference for s in statuses] == ["T-0001"]
    assert "ontvangen" in statuses[0].text and "T-0001" in statuses[0].text
    assert queue.status_for_resident("someone-else") == []


def test_contact_details_only_with_consent(queue):
    with pytest.raises(ConsentRequired):
        new_request(queue, consent=False, channel_address="555001")
    with pytest.raises(ConsentRequired):
        new_request(queue, consent=False, channel_address=None, contact_phone="0612345678",
                    contact_method="telefoon")
    view = new_request(queue, consent=False, channel_address=None, contact_method=None)
    assert view.consent is False and view.consent_at is None and view.channel_address is None
    with pytest.raises(InvalidInput):
        new_request(queue, contact_method="telefoon", contact_phone=None)
    with pytest.raises(InvalidInput):
        new_request(queue, contact_method="telefoon", contact_phone="bel me maar")
    with pytest.raises(InvalidInput):
        new_request(queue, contact_method="fax")


def test_full_lifecycle_with_audit_trail(queue):
    ref = new_request(queue).reference
    queue.test_clock.advance(minutes=5)
    claim = queue.claim(ref, WEST)
    assert claim.won and claim.owner == "ow-west"
    queue.test_clock.advance(minutes=5)
    queue.add_note(ref, WEST, "Gebeld, geen gehoor")
    result = queue.reply(ref, WEST, "Goedemorgen, ik bel u morgen om 10 uur.")
    assert result.request.status == "in_contact"
    assert result.relay.channel == "telegram"
    assert result.relay.resident_key == "te-resident-1"
    assert result.relay.address == "555001"
    assert "ik bel u morgen" in result.relay.text and ref in result.relay.text
    assert queue.status_for_resident("te-resident-1")[0].status == "in_contact"
    queue.test_clock.advance(days=1)
    closed = queue.close(ref, WEST, note="Meegegaan naar de huiskamer")
    assert closed.request.status == "afgerond" and closed.request.closed_at == queue.test_clock.now

    detail = queue.show(ref)
    actions = [(e.action, e.actor, e.old_value, e.new_value) for e in detail.events]
    assert actions == [
        ("created", "resident", None, "nieuw"),
        ("claimed", "ow-west", "nieuw", "opgepakt"),
        ("note", "ow-west", None, None),
        ("in_contact", "ow-west", "opgepakt", "in_contact"),
        ("reply", "ow-west", None, None),
        ("note", "ow-west", None, None),  # the closing note, in the close's transaction
        ("closed", "ow-west", "in_contact", "afgerond"),
    ]
    assert [n.kind for n in detail.notes] == ["note", "reply", "closing"]
    assert all(e.at is not None for e in detail.events)
    # Timeline shows notes instead of their duplicate events, in time order.
    kinds = [kind for _, kind, _ in detail.timeline()]
    assert kinds.count("note") == 3 and kinds.count("event") == 4
    times = [at for at, _, _ in detail.timeline()]
    assert times == sorted(times)


def test_only_owner_or_coordinator_may_act(queue):
    ref = new_request(queue).reference
    with pytest.raises(NotAllowed):
        queue.reply(ref, WEST, "nog niet opgepakt")
    assert queue.claim(ref, WEST).won
    second = queue.claim(ref, WEST2)
    assert not second.won and second.owner == "ow-west" and second.status == "opgepakt"
    assert queue.claim(ref, WEST).already_owner
    with pytest.raises(NotAllowed) as info:
        queue.close(ref, WEST2)
    assert info.value.details["owner"] == "ow-west"
    with pytest.raises(NotAllowed):
        queue.release(ref, WEST2)
    # A coordinator may take over any step.
    assert queue.release(ref, COORD).request.status == "nieuw"
    assert queue.get(ref).assigned_to is None
    assert queue.claim(ref, WEST2).won


def test_werkgebied_limits_what_an_opbouwwerker_sees(queue):
    west = new_request(queue, buurt="Mariaberg", stadsdeel="West").reference
    wyck = new_request(queue, resident_key="te-2", buurt="Wyck", stadsdeel="Centrum").reference
    unknown = new_request(queue, resident_key="te-3", buurt=None, stadsdeel=None).reference
    assert [v.reference for v in queue.list(status="open", for_staff=WEST)] == [west]
    assert [v.reference for v in queue.list(status="open", for_staff=NOORD)] == [wyck]
    assert len(queue.list(status="open", for_staff=COORD)) == 3
    assert [v.reference for v in queue.list(area="west")] == [west]
    with pytest.raises(NotFound):
        queue.show(wyck, for_staff=WEST)
    with pytest.raises(NotFound):
        queue.claim(unknown, WEST)
    assert queue.claim(unknown, COORD).won


def test_eight_concurrent_claims_have_exactly_one_winner_sqlite(sqlite_url):
    setup = HandoffQueue(make_engine(sqlite_url))
    ref = new_request(setup).reference
    claimers = [WEST.__class__(f"ow-{i}", f"OW {i}", stadsdelen=("West",)) for i in range(8)]
    barrier = threading.Barrier(len(claimers))
    results = [None] * len(claimers)

    def claim(i):
        engine = make_engine(sqlite_url)  # a separate connection per claimer
        try:
            q = HandoffQueue(engine)
            barrier.wait()
            results[i] = q.claim(ref, claimers[i])
        finally:
            engine.dispose()

    threads = [threading.Thread(target=claim, args=(i,)) for i in range(len(claimers))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    winners = [r for r in results if r.won]
    assert len(winners) == 1
    owner = winners[0].owner
    assert all(r.owner == owner for r in results)  # the losers are told who has it
    assert setup.get(ref).assigned_to == owner
    claimed_events = [e for e in setup.show(ref).events if e.action == "claimed"]
    assert len(claimed_events) == 1


def test_restart_loses_no_request(sqlite_url):
    first = HandoffQueue(make_engine(sqlite_url))
    refs = [new_request(first, resident_key=f"te-{i}").reference for i in range(5)]
    first.claim(refs[0], WEST)
    first.engine.dispose()
    second = HandoffQueue(make_engine(sqlite_url))
    assert [v.reference for v in second.list()] == refs
    assert second.get(refs[0]).assigned_to == "ow-west"
    # New references continue; none is reused.
    assert new_request(second, resident_key="te-9").reference == "T-0006"


def test_cancel_by_resident(queue):
    ref = new_request(queue).reference
    with pytest.raises(NotFound):
        queue.cancel(ref, "te-somebody-else")
    result = queue.cancel(ref, "te-resident-1")
    assert result.request.status == "geannuleerd" and result.relay is None
    assert "ingetrokken" in queue.status_for_resident("te-resident-1")[0].text
    with pytest.raises(NotAllowed):
        queue.cancel(ref, "te-resident-1")
    assert not queue.claim(ref, WEST).won


def test_escalation_with_controlled_clock(queue):
    clock = queue.test_clock
    old = new_request(queue).reference
    clock.advance(hours=30)
    young = new_request(queue, resident_key="te-2").reference
    claimed = new_request(queue, resident_key="te-3").reference
    queue.claim(claimed, WEST)
    clock.advance(hours=20)  # old: 50 h, young and claimed: 20 h
    escalated = queue.escalate_overdue(after=timedelta(hours=48))
    assert [v.reference for v in escalated] == [old]
    assert escalated[0].escalated_at == clock.now
    assert queue.escalate_overdue(after=timedelta(hours=48)) == []  # only once
    clock.advance(hours=30)
    assert [v.reference for v in queue.escalate_overdue(after=timedelta(hours=48))] == [young]
    assert any(e.action == "escalated" and e.actor == "system" for e in queue.show(old).events)


def test_live_contact_pauses_and_forwards(queue):
    ref = new_request(queue).reference
    assert queue.live_request("te-resident-1") is None
    assert queue.record_resident_message("te-resident-1", "hallo?") is None
    queue.claim(ref, WEST)
    started = queue.set_in_contact(ref, WEST, live=True)
    assert started.request.live and started.request.status == "in_contact"
    assert "opbouwwerker" in started.relay.text
    assert queue.live_request("te-resident-1").reference == ref
    forward = queue.record_resident_message("te-resident-1", "Ik ben er!")
    assert forward.reference == ref and forward.staff_username == "ow-west"
    assert queue.show(ref).notes[-1].kind == "resident"
    ended = queue.close(ref, WEST)
    assert ended.relay is not None and "assistent" in ended.relay.text
    assert queue.live_request("te-resident-1") is None


def test_resident_contact_answers_live_request_and_reply_context_at_once(queue):
    """The channel's one query before every message (bot/channels/live.py)."""
    resident = "te-resident-1"
    assert queue.resident_contact(resident) == (None, None)
    ref = new_request(queue).reference
    queue.claim(ref, WEST)
    queue.reply(ref, WEST, "Zullen we donderdag koffie drinken?")
    live, context = queue.resident_contact(resident)
    assert live is None and context.request.reference == ref and not context.after_close
    assert context == queue.reply_context(resident)
    queue.set_in_contact(ref, WEST, live=True)
    live, context = queue.resident_contact(resident)
    assert live.reference == queue.live_request(resident).reference == ref and context is None
    assert queue.reply_context(resident) is None  # live chat is not a reply in context
    queue.close(ref, WEST)
    live, context = queue.resident_contact(resident)
    assert live is None and context.after_close
    assert queue.resident_contact("someone else") == (None, None)


def test_live_chat_needs_chat_contact(queue):
    ref = new_request(queue, contact_method="telefoon", contact_phone="043 123 4567").reference
    queue.claim(ref, WEST)
    with pytest.raises(NotAllowed):
        queue.set_in_contact(ref, WEST, live=True)
    assert queue.set_in_contact(ref, WEST).request.status == "in_contact"


def test_delete_resident_data_keeps_anonymous_counts(queue):
    a = new_request(queue).reference
    b = new_request(queue).reference
    queue.claim(a, WEST)
    queue.add_note(a, WEST, "Mevrouw woont aan de Voorbeeldstraat")
    queue.close(a, WEST)
    counts = queue.delete_resident_data("te-resident-1")
    assert counts == {"requests": 2, "notes": 1, "cancelled": 1}
    for ref in (a, b):
        view = queue.get(ref)
        assert view.resident_key is None and view.reason is None
        assert view.channel_address is None and view.best_moment is None
        assert view.anonymised_at is not None
    assert queue.get(b).status == "geannuleerd"
    assert queue.show(a).notes == ()
    assert queue.status_for_resident("te-resident-1") == []
    assert queue.counts() == {"afgerond": {"West": 1}, "geannuleerd": {"West": 1}}
    with queue._sessions() as session:
        values = session.execute(select(HandoffEvent.old_value, HandoffEvent.new_value)).all()
    assert not any("Voorbeeldstraat" in str(v) for row in values for v in row)


def test_purge_anonymises_old_closed_requests_only(queue):
    clock = queue.test_clock
    old = new_request(queue).reference
    queue.claim(old, WEST)
    queue.close(old, WEST)
    clock.advance(days=200)
    recent = new_request(queue, resident_key="te-2").reference
    queue.claim(recent, WEST)
    queue.close(recent, WEST)
    still_open = new_request(queue, resident_key="te-3").reference
    counts = queue.purge(closed_older_than=timedelta(days=180))
    assert counts["requests"] == 1
    assert queue.get(old).resident_key is None
    assert queue.get(recent).resident_key == "te-2"
    assert queue.get(still_open).reason is not None
    assert queue.purge(closed_older_than=timedelta(days=180))["requests"] == 0


def test_reference_never_reused_after_purge(queue):
    refs = [new_request(queue, resident_key=f"te-{i}").reference for i in range(2)]
    with queue._sessions() as session, session.begin():
        session.execute(HandoffRequest.__table__.delete().where(
            HandoffRequest.reference == refs[-1]))
    assert new_request(queue, resident_key="te-x").reference == "T-0003"


def test_live_started_later_is_audited_and_owner_only(queue):
    ref = new_request(queue).reference
    queue.claim(ref, WEST)
    queue.reply(ref, WEST, "Hallo")
    with pytest.raises(NotAllowed):
        queue.set_in_contact(ref, WEST2, live=True)
    started = queue.set_in_contact(ref, WEST, live=True)
    assert started.request.live and started.relay is not None
    assert queue.set_in_contact(ref, WEST, live=True).relay is None  # already live
    event = queue.show(ref).events[-1]
    assert (event.action, event.field, event.old_value, event.new_value) == (
        "live_started", "live", "False", "True")
