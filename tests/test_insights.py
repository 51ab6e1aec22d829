"""Learning and monitoring (issue 21): masking, collection from the tracker store,
review queue, export, retention, indicators with suppression, knowledge gaps."""
from __future__ import annotations

import asyncio
import datetime as dt
import json
import subprocess
import sys

import pytest

from bot.insights import review
from bot.insights.collect import collect
from bot.insights.indicators import SUPPRESSED, build_report
from bot.insights.masking import mask_personal_data
from bot.insights.models import Conversation, ReviewItem
from knowledge import gaps as kgaps
from ontmoet_core.config import PROJECT_ROOT
from ontmoet_core.db import make_engine, upgrade_database

NOW = dt.datetime(2026, 12, 1, 12, 0, tzinfo=dt.timezone.utc)


@pytest.mark.parametrize("text,expected", [
    ("Ik ben Jan, bel 06-12345678 of jan@example.nl, 6211 AB",
     "Ik ben [naam], bel [telefoon] of [e-mail], [postcode]"),
    ("ik ben jan en ik woon in malberg", "ik ben [naam] en ik woon in malberg"),
    ("mijn naam is Anna de Vries en ik woon in Wyck", "mijn naam is [naam] en ik woon in Wyck"),
    ("Ik heet Fatima", "Ik heet [naam]"),
    ("mijn postcode is 6211ab", "mijn postcode is [postcode]"),
    ("bel me op +31 6 12345678 a.u.b.", "bel me op [telefoon] a.u.b."),
    ("ons nummer is 043-3504000", "ons nummer is [telefoon]"),
    ("ik woon op de Brusselsestraat 12a", "ik woon op de [adres]"),
    ("Met Piet, ik zoek een huiskamer", "Met [naam], ik zoek een huiskamer"),
    ("I'm Ahmed from Syria", "I'm [naam] from Syria"),
    ("mijn bsn is 123456789", "mijn bsn is [nummer]"),
])
def test_personal_data_is_masked(text, expected):
    assert mask_personal_data(text) == expected


@pytest.mark.parametrize("text", [
    "ik ben eenzaam en zoek mensen",
    "ik ben op zoek naar een buurthuis in Malberg",
    "mijn postcode is 6218",  # four digits say only the area; the assistant uses them
    "is er dinsdag om 14.00 uur iets te doen",
])
def test_ordinary_questions_are_left_alone(text):
    assert mask_personal_data(text) == text


# --- a real Rasa tracker store ------------------------------------------------

def _user(text, intent, confidence, at, ranking=None):
    from rasa.shared.core.events import UserUttered

    parse = {"intent": {"name": intent, "confidence": confidence}, "entities": [], "text": text,
             "intent_ranking": ranking or [{"name": intent, "confidence": confidence}]}
    return UserUttered(text, parse["intent"], [], parse_data=parse, timestamp=at.timestamp(),
                       input_channel="rest")


def _bot(response, at):
    from rasa.shared.core.events import BotUttered

    return BotUttered("...", metadata={"utter_action": response}, timestamp=at.timestamp())


def _slot(name, value, at):
    from rasa.shared.core.events import SlotSet

    return SlotSet(name, value, timestamp=at.timestamp())


def _session(at):
    from rasa.shared.core.events import SessionStarted

    return SessionStarted(timestamp=at.timestamp())


def write_conversation(tracker_db, sender, events):
    """Store events with Rasa's own SQLTrackerStore (the real row format)."""
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.trackers import DialogueStateTracker

    domain = Domain.from_yaml("slots:\n  buurt:\n    type: text\n    mappings: []\n"
                              "  language:\n    type: text\n    mappings: []\n"
                              "  place:\n    type: text\n    mappings: []\n")
    store = SQLTrackerStore(domain, dialect="sqlite", db=str(tracker_db))
    tracker = asyncio.run(store.retrieve(sender)) or DialogueStateTracker(sender, domain.slots)
    for event in events:
        tracker.update(event)
    asyncio.run(store.save(tracker))
    store.engine.dispose()


@pytest.fixture
def dbs(tmp_path):
    url = f"sqlite:///{tmp_path / 'ontmoet.db'}"
    upgrade_database(url)
    engine = make_engine(url)
    from knowledge import open_knowledge

    open_knowledge(url, PROJECT_ROOT / "knowledge" / "data", include_demo=True)
    yield engine, tmp_path / "tracker.db", url
    engine.dispose()


def _t(minutes):
    return NOW - dt.timedelta(days=1) + dt.timedelta(minutes=minutes)


def fallback_conversation(tracker_db, sender="re-aaa"):
    write_conversation(tracker_db, sender, [
        _session(_t(0)),
        _user("Ik ben Jan, kan ik ergens jeu de boules spelen? bel 06-12345678", "nlu_fallback",
              0.4, _t(1), ranking=[{"name": "nlu_fallback", "confidence": 0.4},
                                   {"name": "find_activity", "confidence": 0.31}]),
        _bot("utter_default", _t(1)),
        _slot("buurt", "Malberg", _t(2)),
        _user("waar is een huiskamer in Malberg", "find_meeting_place", 0.95, _t(3)),
        _bot("utter_places_none", _t(3)),
        _user("wanneer is er koffie", "find_activity", 0.52, _t(4)),
        _bot("utter_activities_none", _t(4)),
        _user("ik wil mijn huiskamer aanmelden", "find_meeting_place", 0.9, _t(5)),
        _user("nee, dat bedoel ik niet", "deny", 0.8, _t(6)),
    ])


def test_collect_masks_before_storage_and_finds_what_went_wrong(dbs):
    engine, tracker_db, _ = dbs
    fallback_conversation(tracker_db)
    report = collect(f"sqlite:///{tracker_db}", engine)
    assert report.review_items == 3
    with engine.connect() as connection:
        rows = {row.reason: row for row in connection.execute(ReviewItem.__table__.select())}
    fallback = rows["fallback"]
    assert fallback.text == "Ik ben [naam], kan ik ergens jeu de boules spelen? bel [telefoon]"
    assert "Jan" not in fallback.text and "06-" not in fallback.text
    assert fallback.predicted_intent == "find_activity"
    assert fallback.resident_key == "re-aaa"
    assert rows["lage_zekerheid"].text == "wanneer is er koffie"
    # the message before "nee, dat bedoel ik niet" is the one that was misunderstood
    assert rows["correctie"].text == "ik wil mijn huiskamer aanmelden"
    gaps = kgaps.gap_counts(engine)
    assert gaps["per_buurt"]["Malberg"] == {"geen_plek": 1, "geen_activiteit": 1}
    assert gaps["per_stadsdeel"]["West"]["geen_plek"] == 1
    with engine.connect() as connection:
        conversation = connection.execute(Conversation.__table__.select()).one()
    assert (conversation.buurt, conversation.stadsdeel) == ("Malberg", "West")
    assert conversation.asked_place and conversation.asked_activity
    assert conversation.not_understood == 2


def test_collect_is_incremental_and_never_counts_twice(dbs):
    engine, tracker_db, _ = dbs
    fallback_conversation(tracker_db)
    collect(f"sqlite:///{tracker_db}", engine)
    again = collect(f"sqlite:///{tracker_db}", engine)
    assert again.events == 0 and again.review_items == 0
    write_conversation(tracker_db, "re-aaa", [
        _user("hoe zit het met de knikkerbaan", "nlu_fallback", 0.2, _t(30))])
    later = collect(f"sqlite:///{tracker_db}", engine, batch=1)
    assert later.review_items == 1
    with engine.connect() as connection:
        assert len(connection.execute(ReviewItem.__table__.select()).all()) == 4
        assert len(connection.execute(Conversation.__table__.select()).all()) == 1


def test_labelled_items_export_as_nlu_training_data(dbs):
    from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLReader

    engine, tracker_db, _ = dbs
    fallback_conversation(tracker_db)
    collect(f"sqlite:///{tracker_db}", engine)
    found = {g.items[0].reason: g.items[0] for g in review.groups(engine)}
    with pytest.raises(review.ReviewError):  # a placeholder is no training text
        review.label(engine, found["fallback"].id, "find_activity", None, "coordinator")
    with pytest.raises(review.ReviewError):
        review.label(engine, found["fallback"].id, "no_such_intent", "jeu de boules", "c")
    with pytest.raises(review.ReviewError):
        review.label(engine, found["fallback"].id, "find_activity", "in [X](no_entity)", "c")
    review.label(engine, found["fallback"].id, "find_activity",
                 "kan ik ergens jeu de boules spelen in [Malberg](buurt)", "coordinator")
    review.mark_out_of_scope(engine, found["correctie"].id, "coordinator")
    text, n = review.export(engine, now=NOW)
    assert n == 1
    data = RasaYAMLReader().reads(text)
    assert [(m.get("intent"), m.get("text")) for m in data.training_examples] == [
        ("find_activity", "kan ik ergens jeu de boules spelen in Malberg")]
    assert data.training_examples[0].get("entities")[0]["entity"] == "buurt"
    assert review.export(engine, now=NOW)[1] == 0  # exported once
    assert review.counts(engine) == {"geexporteerd": 1, "buiten_bereik": 1, "nieuw": 1}


def test_similar_wording_is_grouped():
    def item(i, text):
        return review.Item(i, NOW, "fallback", text, None, None, None, "nieuw", None, None, None)

    groups = review.group_items([
        item(1, "waar kan ik jeu de boules spelen"), item(2, "kan ik ergens jeu de boules spelen"),
        item(3, "hoe laat gaat de bus naar Heer"), item(4, "Waar kan ik jeu de boules spelen?"),
    ])
    assert [sorted(i.id for i in g.items) for g in groups] == [[1, 2, 4], [3]]


def test_retention_purges_review_items_and_pseudonyms(dbs):
    engine, tracker_db, _ = dbs
    fallback_conversation(tracker_db)
    collect(f"sqlite:///{tracker_db}", engine)
    assert review.purge(engine, dt.timedelta(days=30), now=NOW)["review_items"] == 0
    result = review.purge(engine, dt.timedelta(days=30), now=NOW + dt.timedelta(days=31))
    assert result == {"review_items": 3, "conversations_anonymised": 1}
    with engine.connect() as connection:
        assert connection.execute(ReviewItem.__table__.select()).all() == []
        row = connection.execute(Conversation.__table__.select()).one()
    assert row.resident_key is None and row.buurt == "Malberg"  # counts stay, anonymous


def test_privacy_purge_collects_first_then_applies_retention(dbs, monkeypatch):
    from bot.privacy import run_retention
    from ontmoet_core.config import load_settings

    engine, tracker_db, url = dbs
    fallback_conversation(tracker_db)
    settings = load_settings({"ONTMOET_DATABASE_URL": url,
                              "ONTMOET_TRACKER_STORE_URL": f"sqlite:///{tracker_db}",
                              "ONTMOET_VAR_DIR": str(tracker_db.parent)})
    run_retention(settings, now=NOW + dt.timedelta(days=31))
    with engine.connect() as connection:
        assert connection.execute(ReviewItem.__table__.select()).all() == []
        conversation = connection.execute(Conversation.__table__.select()).one()
    assert conversation.resident_key is None and conversation.asked_place


def test_erasing_a_resident_removes_their_review_items(dbs):
    engine, tracker_db, _ = dbs
    fallback_conversation(tracker_db, "re-aaa")
    fallback_conversation(tracker_db, "re-bbb")
    collect(f"sqlite:///{tracker_db}", engine)
    assert review.erase_resident(engine, "re-aaa") == {"review_items": 3}
    with engine.connect() as connection:
        keys = {row.resident_key for row in connection.execute(ReviewItem.__table__.select())}
    assert keys == {"re-bbb"}


def _conversations(engine, n, buurt, stadsdeel, month_start, **flags):
    with engine.begin() as connection:
        for _ in range(n):
            connection.execute(Conversation.__table__.insert().values(
                resident_key=None, started_at=month_start, last_at=month_start,
                month=month_start.strftime("%Y-%m"), buurt=buurt, stadsdeel=stadsdeel,
                language=flags.get("language", "nl"), asked_place=flags.get("asked_place", False),
                asked_activity=False, asked_subsidy=False,
                self_organising=flags.get("self_organising", False), asked_toeleiding=False,
                not_understood=0))


def test_indicators_suppress_small_counts(dbs):
    engine, _, _ = dbs
    november = dt.datetime(2026, 11, 10)
    _conversations(engine, 7, "Malberg", "West", november, asked_place=True)
    _conversations(engine, 2, "Wyck", "Centrum", november, language="en", self_organising=True)
    report = build_report(engine, by="stadsdeel", months=3, now=NOW)
    rows = {(r["month"], r["area"]): r for r in report["rows"]}
    west, centrum = rows[("2026-11", "West")], rows[("2026-11", "Centrum")]
    assert west["values"]["gesprekken"] == {"value": 7, "display": "7"}
    assert west["values"]["vragen_plekken"]["value"] == 7
    assert centrum["values"]["gesprekken"] == {"value": None, "display": SUPPRESSED,
                                               "suppressed": True}
    assert centrum["languages"]["en"]["display"] == SUPPRESSED
    city = {t["month"]: t for t in report["totals"]}["2026-11"]
    assert city["values"]["gesprekken"]["value"] == 9
    assert city["values"]["zelf_organiseren"]["display"] == SUPPRESSED
    assert report["months"] == ["2026-10", "2026-11", "2026-12"]
    # no text of any conversation in the report
    assert "Malberg" not in json.dumps(report)


def test_toeleiding_times_need_five_requests(dbs):
    from bot.handoff.queue import HandoffQueue

    engine, _, _ = dbs
    start = dt.datetime(2026, 11, 2, 9, 0)
    clock = {"now": start}
    queue = HandoffQueue(engine, clock=lambda: clock["now"])
    refs = []
    for i in range(6):
        clock["now"] = start
        refs.append(queue.create_request(channel="rest", consent=True, contact_method="chat",
                                         resident_key=f"r{i}", buurt="Malberg",
                                         stadsdeel="West", reason="graag hulp").reference)
    for ref in refs:
        clock["now"] = start + dt.timedelta(hours=4)
        queue.claim(ref, "voorbeeld-west")
        queue.set_in_contact(ref, "voorbeeld-west")
        clock["now"] = start + dt.timedelta(hours=10)
        queue.close(ref, "voorbeeld-west")
    report = build_report(engine, by="buurt", months=2, now=NOW)
    malberg = {(r["month"], r["area"]): r for r in report["rows"]}[("2026-11", "Malberg")]
    assert malberg["values"]["toeleiding"]["value"] == 6
    assert malberg["values"]["uren_tot_contact"]["value"] == 4
    assert malberg["values"]["uren_tot_afronden"]["value"] == 10
    with engine.begin() as connection:  # with 4 requests the times are hidden
        connection.exec_driver_sql("DELETE FROM ho_event")
        connection.exec_driver_sql("DELETE FROM ho_note")
        connection.exec_driver_sql("DELETE FROM ho_request WHERE id <= 2")
    malberg = {(r["month"], r["area"]): r for r in build_report(
        engine, by="buurt", months=2, now=NOW)["rows"]}[("2026-11", "Malberg")]
    assert malberg["values"]["uren_tot_contact"]["display"] == SUPPRESSED
    assert malberg["values"]["toeleiding"]["display"] == SUPPRESSED


def test_gap_counts_per_place_and_buurt(dbs):
    engine, _, _ = dbs
    kgaps.record_gap(engine, kgaps.KIND_NO_ADDRESS, buurt="Malberg", stadsdeel="West",
                     place="Gemeenschapshuis Malberg", at=NOW)
    kgaps.record_gap(engine, kgaps.KIND_NO_ADDRESS, buurt="Malberg", stadsdeel="West",
                     place="Gemeenschapshuis Malberg", at=NOW)
    kgaps.record_gap(engine, kgaps.KIND_UNKNOWN_BUURT, at=NOW)
    counts = kgaps.gap_counts(engine)
    assert counts["per_place"] == {"Gemeenschapshuis Malberg": {"geen_adres": 2}}
    assert counts["per_buurt"] == {"Malberg": {"geen_adres": 2}, "onbekend": {"onbekende_buurt": 1}}
    assert counts["total"] == 3
    assert kgaps.gap_counts(engine, since=NOW.replace(tzinfo=None) + dt.timedelta(days=1))[
        "total"] == 0
    with pytest.raises(ValueError):
        kgaps.record_gap(engine, "nonsense")


def test_cli_insights_json_and_csv(dbs, tmp_path):
    engine, tracker_db, url = dbs
    fallback_conversation(tracker_db)
    now = dt.datetime.now(dt.timezone.utc)
    _conversations(engine, 5, "Malberg", "West", now.replace(tzinfo=None))
    env = {"ONTMOET_DATABASE_URL": url, "ONTMOET_TRACKER_STORE_URL": f"sqlite:///{tracker_db}",
           "ONTMOET_VAR_DIR": str(tmp_path), "PYTHONPATH": str(PROJECT_ROOT),
           "SQLALCHEMY_SILENCE_UBER_WARNING": "1", "PATH": "/usr/bin:/bin"}

    def run(*args):
        return subprocess.run([sys.executable, "-m", "bot.cli", "insights", *args],
                              cwd=PROJECT_ROOT, env=env, capture_output=True, text=True,
                              timeout=120, check=True).stdout

    months = (now.year - 2026) * 12 + now.month - 11 + 1  # back to 2026-11 (NOW - 1 day)
    report = json.loads(run("--json", "--months", str(months)))
    month = now.strftime("%Y-%m")
    west = [r for r in report["rows"] if r["month"] == month and r["area"] == "West"][0]
    assert west["values"]["gesprekken"]["value"] == 5
    # the collected conversation (2026-11-30, in Malberg) is counted, suppressed
    collected = [r for r in report["rows"] if r["month"] == "2026-11" and r["area"] == "West"]
    assert collected[0]["values"]["gesprekken"]["display"] == "< 5"
    assert "jeu de boules" not in json.dumps(report) and "Jan" not in json.dumps(report)
    csv_text = run("--csv", "--no-collect")
    assert f"{month},West,gesprekken,5,5" in csv_text
    table = run("--by", "buurt", "--no-collect")
    assert "Malberg" in table and "< 5" in table
    review_text = run("review")
    assert "jeu de boules" in review_text and "06-12345678" not in review_text


def test_a_collector_that_loses_the_race_writes_nothing(dbs, monkeypatch):
    """Two collectors at once: the watermark moves with a conditional UPDATE, so the
    one that was slower rolls back and nothing is counted twice."""
    from bot.insights import collect as collect_module
    from bot.insights.models import CollectorState

    engine, tracker_db, _ = dbs
    fallback_conversation(tracker_db)
    original = collect_module._Batch.handle
    raced = {"done": False}

    def handle(self, row):
        if not raced["done"]:  # another collector finishes this batch first
            raced["done"] = True
            other = make_engine(str(engine.url))
            with other.begin() as connection:
                connection.execute(CollectorState.__table__.update().values(value="999999"))
            other.dispose()
        return original(self, row)

    monkeypatch.setattr(collect_module._Batch, "handle", handle)
    collect(f"sqlite:///{tracker_db}", engine)
    with engine.connect() as connection:
        assert connection.execute(ReviewItem.__table__.select()).all() == []
        assert connection.execute(Conversation.__table__.select()).all() == []
        assert connection.execute(CollectorState.__table__.select()).one().value == "999999"


def test_export_without_labelled_items_writes_no_file(dbs, monkeypatch, tmp_path, capsys):
    from bot.cli import main

    engine, tracker_db, url = dbs
    monkeypatch.setenv("ONTMOET_DATABASE_URL", url)
    monkeypatch.setenv("ONTMOET_TRACKER_STORE_URL", f"sqlite:///{tracker_db}")
    monkeypatch.setenv("ONTMOET_VAR_DIR", str(tmp_path / "var"))
    assert main(["insights", "export"]) == 0
    assert not (tmp_path / "var" / "review").exists()
    assert "geen gelabelde berichten om te exporteren" in capsys.readouterr().err
    fallback_conversation(tracker_db)
    collect(f"sqlite:///{tracker_db}", engine)
    item = [i for g in review.groups(engine) for i in g.items if i.reason == "correctie"][0]
    review.label(engine, item.id, "start_initiative", None, "coordinator")
    assert main(["insights", "export"]) == 0
    written = list((tmp_path / "var" / "review").glob("review-*.yml"))
    assert len(written) == 1
    assert "- ik wil mijn huiskamer aanmelden" in written[0].read_text()


@pytest.mark.postgres
def test_collect_and_indicators_on_postgresql(tmp_path):
    """The same migration, collection (tracker store and insights on PostgreSQL) and
    indicators on PostgreSQL."""
    from tests.postgres import throwaway_postgres

    with throwaway_postgres("ontmoet_insights") as url, \
            throwaway_postgres("ontmoet_insights_tracker") as tracker_url:
        upgrade_database(url)
        engine = make_engine(url)
        try:
            from rasa.core.tracker_store import SQLTrackerStore
            from rasa.shared.core.domain import Domain
            from rasa.shared.core.trackers import DialogueStateTracker
            from sqlalchemy.engine import make_url

            parsed = make_url(tracker_url)
            domain = Domain.from_yaml("slots:\n  buurt:\n    type: text\n    mappings: []\n")
            store = SQLTrackerStore(domain, dialect="postgresql", host=parsed.host,
                                    port=parsed.port, db=parsed.database,
                                    username=parsed.username)
            tracker = DialogueStateTracker("re-pg", domain.slots)
            for event in [_session(_t(0)), _slot("buurt", "Malberg", _t(1)),
                          _user("xyz blub", "nlu_fallback", 0.3, _t(2)),
                          _bot("utter_places_none", _t(3))]:
                tracker.update(event)
            asyncio.run(store.save(tracker))
            store.engine.dispose()
            report = collect(tracker_url, engine)
            assert (report.review_items, report.gaps, report.conversations) == (1, 1, 1)
            _conversations(engine, 5, "Malberg", "West", dt.datetime(2026, 11, 20),
                           asked_place=True)
            result = build_report(engine, by="buurt", months=2, now=NOW)
            cell = {(r["month"], r["area"]): r for r in result["rows"]}[("2026-11", "Malberg")]
            assert cell["values"]["gesprekken"]["value"] == 6
            assert cell["values"]["vragen_plekken"]["value"] == 5
            assert cell["values"]["niet_begrepen"]["display"] == SUPPRESSED
        finally:
            engine.dispose()


def test_a_subsidy_step_without_source_is_a_gap(dbs):
    engine, tracker_db, _ = dbs
    write_conversation(tracker_db, "re-sub", [
        _session(_t(0)), _slot("buurt", "Wyck", _t(0)),
        _user("hoeveel geld krijg ik", "ask_subsidy", 0.97, _t(1)),
        _bot("utter_subsidy_step", _t(1)), _bot("utter_subsidy_check", _t(2))])
    report = collect(f"sqlite:///{tracker_db}", engine)
    assert report.gaps == 1 and report.review_items == 0
    assert kgaps.gap_counts(engine)["per_buurt"] == {"Wyck": {"subsidie_onbekend": 1}}
    with engine.connect() as connection:
        conversation = connection.execute(Conversation.__table__.select()).one()
    assert conversation.asked_subsidy and conversation.stadsdeel == "Centrum"


def test_the_retention_runs_even_when_collecting_fails(dbs, monkeypatch):
    from bot.insights import collect as collect_module
    from bot.privacy import run_retention
    from ontmoet_core.config import load_settings

    engine, tracker_db, url = dbs
    fallback_conversation(tracker_db)
    collect(f"sqlite:///{tracker_db}", engine)

    def broken(*args, **kwargs):
        raise RuntimeError("tracker store unreachable")

    monkeypatch.setattr(collect_module, "collect", broken)
    settings = load_settings({"ONTMOET_DATABASE_URL": url,
                              "ONTMOET_TRACKER_STORE_URL": f"sqlite:///{tracker_db}",
                              "ONTMOET_VAR_DIR": str(tracker_db.parent)})
    run_retention(settings, now=NOW + dt.timedelta(days=31))
    with engine.connect() as connection:
        assert connection.execute(ReviewItem.__table__.select()).all() == []
