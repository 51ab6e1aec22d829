"""Importers: HSDS (JSON, CSV), iCalendar and the template CSV.

All or nothing, errors naming file/row/field, idempotent re-import.
"""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest

from knowledge import KnowledgeError
from knowledge.importers import import_file
from knowledge.when import TZ
from tests.knowledge_helpers import dump, fresh_kb

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "knowledge" / "examples"


@pytest.fixture
def kb(tmp_path):
    return fresh_kb(tmp_path)


@pytest.mark.parametrize(
    "name, kind, places",
    [
        (
            "template-huiskamers.csv",
            "template",
            {"Voorbeeld-huiskamer De Ochtendkamer", "Voorbeeld-sociaal restaurant Tafel West"},
        ),
        (
            "hsds-services.json",
            "hsds-json",
            {"Voorbeeld-huiskamer De Linde", "Voorbeeld-sociaal restaurant De Pan"},
        ),
        ("hsds-csv", "hsds-csv", {"Voorbeeld-buurtkamer Oost"}),
    ],
)
def test_example_files_import_and_reimport_changes_nothing(kb, name, kind, places):
    result = import_file(kb, EXAMPLES / name, demo=True)
    assert result.kind == kind and result.changed
    imported = {p.name: p for p in kb.places() if p.origin == f"import:{name}"}
    assert set(imported) == places
    for place in imported.values():
        assert place.is_demo and place.buurt and place.source
    state = dump(kb)
    again = import_file(kb, EXAMPLES / name, demo=True)
    assert again.counts.changed == 0
    assert dump(kb) == state


def test_template_details(kb):
    import_file(kb, EXAMPLES / "template-huiskamers.csv", demo=True)
    place = kb.place_details("tpl-vb-ochtendkamer")
    assert place.buurt == "Mariaberg"  # written "Mariaberch" in the file
    assert place.target_groups == ("ouderen",) and place.organization == "Voorbeeld Stichting"
    monday = kb.activities(
        datetime(2026, 11, 30, tzinfo=TZ), datetime(2026, 12, 1, tzinfo=TZ), place=place.key
    )
    assert [(o.title, o.start.hour) for o in monday] == [("Koffieochtend (voorbeeld)", 10)]
    found = kb.find_places(buurt="Mariaberg", place_type="huiskamer")
    assert found[0].key == place.key and found[0].in_buurt


def test_hsds_json_details(kb):
    import_file(kb, EXAMPLES / "hsds-services.json", demo=True)
    linde = kb.place_details("hsds-vb-svc-1")
    assert linde.buurt == "Wittevrouwenveld" and linde.place_type == "huiskamer"
    assert linde.target_groups == ("ouderen",)  # minimum_age 55
    assert linde.opening_hours == "di, vr 14:00-16:00"
    pan = kb.place_details("hsds-vb-svc-2")
    assert pan.place_type == "sociaal_restaurant" and pan.buurt == "Daalhof"  # from coordinates
    assert pan.lat == pytest.approx(50.8403)
    friday = kb.activities(datetime(2026, 11, 27, tzinfo=TZ), datetime(2026, 11, 28, tzinfo=TZ),
                           place="hsds-vb-svc-1")
    assert [(o.start.hour, o.end.hour) for o in friday] == [(14, 16)]


def test_ics_import_with_recurrence_and_exdate(kb):
    result = import_file(kb, EXAMPLES / "agenda-voorbeeld.ics", demo=True)
    assert result.records == 2
    tuesdays = kb.activities(datetime(2026, 12, 15, tzinfo=TZ), datetime(2027, 1, 1, tzinfo=TZ),
                             place="demo-huiskamer-het-zonnetje")
    knit = [o.start.date().isoformat() for o in tuesdays if o.title.startswith("Breicaf")]
    assert knit == ["2026-12-15", "2026-12-22"]  # 29 December is an EXDATE
    party = [o for o in tuesdays if o.title.startswith("Kerstborrel")]
    assert party[0].start == datetime(2026, 12, 18, 16, 0, tzinfo=TZ) and not party[0].recurring
    state = dump(kb)
    assert import_file(kb, EXAMPLES / "agenda-voorbeeld.ics", demo=True).counts.changed == 0
    assert dump(kb) == state


def test_ics_converts_utc_and_handles_moved_occurrence(kb, tmp_path):
    ics = tmp_path / "ruweel.ics"
    ics.write_text(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:test\r\n"
        "BEGIN:VEVENT\r\nUID:a@test\r\nDTSTAMP:20260101T000000Z\r\nSUMMARY:Bingo (voorbeeld)\r\n"
        "DTSTART:20260105T130000Z\r\nDURATION:PT2H\r\nRRULE:FREQ=WEEKLY;BYDAY=MO\r\nEND:VEVENT\r\n"
        "BEGIN:VEVENT\r\nUID:a@test\r\nDTSTAMP:20260101T000000Z\r\nSUMMARY:Bingo (verplaatst)\r\n"
        "RECURRENCE-ID:20261130T130000Z\r\nDTSTART:20261201T130000Z\r\nDURATION:PT2H\r\nEND:VEVENT\r\n"
        "END:VCALENDAR\r\n", encoding="utf-8")
    import_file(kb, ics, place="demo-huiskamer-de-koffiepot", demo=True)
    week = kb.activities(datetime(2026, 11, 30, tzinfo=TZ), datetime(2026, 12, 8, tzinfo=TZ),
                         place="demo-huiskamer-de-koffiepot")
    bingo = [(o.title, o.start) for o in week if o.title.startswith("Bingo")]
    assert bingo == [
        ("Bingo (verplaatst)", datetime(2026, 12, 1, 14, 0, tzinfo=TZ)),  # 13:00 UTC = 14:00 in winter
        ("Bingo (voorbeeld)", datetime(2026, 12, 7, 14, 0, tzinfo=TZ)),
    ]


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


BAD_TEMPLATE = (
    "id,name,place_type,buurt,target_groups,email,days,start\n"
    "ok-1,Voorbeeld-huiskamer Goed,huiskamer,Malberg,ouderen,,,\n"
    "bad-2,Voorbeeld-huiskamer Fout,zwembad,Atlantis,bejaarden,geen-mail,xx,25:00\n"
)


def test_malformed_template_is_rejected_whole_with_file_row_field(kb, tmp_path):
    import_file(kb, EXAMPLES / "hsds-services.json", demo=True)
    before = dump(kb)
    bad = _write(tmp_path, "huiskamers.csv", BAD_TEMPLATE)
    with pytest.raises(KnowledgeError) as err:
        import_file(kb, bad)
    problems = err.value.problems
    for field_name in ("place_type", "buurt", "target_groups", "email", "days", "start"):
        assert any(p.startswith(f"huiskamers.csv: row 3: field '{field_name}'") for p in problems), field_name
    assert not any("row 2" in p for p in problems)
    assert dump(kb) == before  # the valid row 2 was not written either
    assert kb.resolve_place("Voorbeeld-huiskamer Goed") is None


def test_malformed_hsds_json_is_rejected(kb, tmp_path):
    before = dump(kb)
    broken = _write(tmp_path, "broken.json", '{"services": [')
    with pytest.raises(KnowledgeError) as err:
        import_file(kb, broken)
    assert err.value.problems[0].startswith("broken.json: row 1: not valid JSON")
    doc = json.loads((EXAMPLES / "hsds-services.json").read_text(encoding="utf-8"))
    doc[1]["schedules"][0]["opens_at"] = "half tien"
    doc[0]["service_at_locations"][0]["location"]["x_buurt"] = "Nergenshuizen"
    bad = _write(tmp_path, "services.json", json.dumps(doc))
    with pytest.raises(KnowledgeError) as err:
        import_file(kb, bad)
    problems = err.value.problems
    assert any(
        "services.json: row [1].service_at_locations[1].location: field 'x_buurt'" in p for p in problems
    )
    assert any("field 'opens_at'" in p for p in problems)
    assert dump(kb) == before


def test_malformed_ics_is_rejected(kb, tmp_path):
    before = dump(kb)
    bad = _write(tmp_path, "agenda.ics",
                 "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:t\r\n"
                 "BEGIN:VEVENT\r\nUID:x1\r\nDTSTAMP:20260101T000000Z\r\nSUMMARY:Goed\r\n"
                 "DTSTART:20260105T100000\r\nLOCATION:Ruweel\r\nEND:VEVENT\r\n"
                 "BEGIN:VEVENT\r\nUID:x2\r\nDTSTAMP:20260101T000000Z\r\n"
                 "DTSTART:20260105T100000\r\nLOCATION:Het Witte Huis\r\nRRULE:FREQ=SECONDLY\r\nEND:VEVENT\r\n"
                 "END:VCALENDAR\r\n")
    with pytest.raises(KnowledgeError) as err:
        import_file(kb, bad)
    problems = err.value.problems
    assert "agenda.ics: row 2 (UID x2): field 'SUMMARY': missing" in problems
    assert any(p.startswith("agenda.ics: row 2 (UID x2): field 'LOCATION'") for p in problems)
    assert any(p.startswith("agenda.ics: row 2 (UID x2): field 'RRULE'") for p in problems)
    assert dump(kb) == before
    with pytest.raises(KnowledgeError):
        import_file(kb, _write(tmp_path, "junk.ics", "dit is geen agenda"))
    assert dump(kb) == before


def test_new_version_of_a_file_replaces_its_records(kb, tmp_path):
    first = _write(
        tmp_path,
        "buurtkamers.csv",
        "id,name,place_type,buurt\nk1,Voorbeeld-kamer Een,huiskamer,Amby\n"
        "k2,Voorbeeld-kamer Twee,huiskamer,Heer\n",
    )
    import_file(kb, first, demo=True)
    _write(
        tmp_path,
        "buurtkamers.csv",
        "id,name,place_type,buurt\nk1,Voorbeeld-kamer Een (nieuw),huiskamer,Amby\n",
    )
    result = import_file(kb, first, demo=True)
    assert (result.counts.updated, result.counts.deleted) != (0, 0)
    names = {p.name for p in kb.places() if p.origin == "import:buurtkamers.csv"}
    assert names == {"Voorbeeld-kamer Een (nieuw)"}


def test_import_cannot_overwrite_other_records(kb, tmp_path):
    before = dump(kb)
    ics = _write(tmp_path, "x.ics",
                 "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:t\r\nBEGIN:VEVENT\r\nUID:demo-koffieochtend\r\n"
                 "DTSTAMP:20260101T000000Z\r\nSUMMARY:X\r\nDTSTART:20260105T100000\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")
    import_file(kb, ics, place="Ruweel", demo=True)  # different key space: ics-<uid>
    assert dump(kb) != before
    hsds = _write(tmp_path, "clash.json", json.dumps([{
        "id": "x", "name": "Voorbeeld", "x_place_type": "huiskamer",
        "service_at_locations": [{"location": {"id": "l", "x_buurt": "Amby"}}]}]))
    import_file(kb, hsds, demo=True)
    hsds2 = _write(tmp_path, "clash2.json", hsds.read_text())
    with pytest.raises(KnowledgeError) as err:
        import_file(kb, hsds2, demo=True)
    assert any("already exists from 'import:clash.json'" in p for p in err.value.problems)


def test_cli_import_reports_and_rejects(tmp_path):
    env = {"ONTMOET_VAR_DIR": str(tmp_path / "var"), "PATH": "/usr/bin:/bin", "ONTMOET_PSEUDONYM_KEY": "t"}
    cmd = [sys.executable, "-m", "knowledge.cli"]
    ok = subprocess.run(
        cmd + ["import", str(EXAMPLES / "template-huiskamers.csv"), "--demo"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert ok.returncode == 0, ok.stderr
    assert "inserted" in ok.stdout
    bad = _write(tmp_path, "fout.csv", BAD_TEMPLATE)
    rejected = subprocess.run(cmd + ["import", str(bad)], cwd=ROOT, env=env, capture_output=True, text=True)
    assert rejected.returncode == 1
    assert "REJECTED" in rejected.stderr and "fout.csv: row 3: field 'buurt'" in rejected.stderr


def test_register_adds_knowledge_group():
    import argparse

    from knowledge.cli import register

    parser = argparse.ArgumentParser()
    register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["knowledge", "import", "x.csv", "--place", "Ruweel"])
    assert args.func.__name__ == "cmd_import" and args.place == "Ruweel"
    assert parser.parse_args(["knowledge", "lookups", "--check"]).check is True


def test_hsds_csv_zip(kb, tmp_path):
    archive = shutil.make_archive(str(tmp_path / "hsds"), "zip", EXAMPLES / "hsds-csv")
    result = import_file(kb, archive, demo=True)
    assert result.kind == "hsds-csv"
    place = kb.place_details("hsds-vb-svc-9")
    assert (
        place.buurt == "Amby" and place.target_groups == ("ouderen", "volwassenen") and place.cost == "gratis"
    )
