"""`ontmoet knowledge report`: per place and buurt what is known, its source and age, what is missing."""
from __future__ import annotations

import csv
import io
from datetime import date

import pytest

from knowledge import cli
from knowledge.datafiles import load_dataset
from knowledge.report import COLUMNS, as_csv, as_table, build_report, summary


@pytest.fixture(scope="module")
def dataset():
    return load_dataset(include_demo=False)


def by_key(rows, kind, key):
    return next(r for r in rows if r.kind == kind and r.key == key)


def test_every_place_and_buurt_has_a_row(dataset):
    rows = build_report(dataset, today=date(2026, 12, 11))
    assert len([r for r in rows if r.kind == "place"]) == len(dataset.seed.places)
    assert len([r for r in rows if r.kind == "buurt"]) == len(dataset.buurten)


def test_a_place_row_says_what_is_known_from_which_page_and_how_old(dataset):
    rows = build_report(dataset, today=date(2026, 12, 11))
    amyerhoof = by_key(rows, "place", "gemeenschapshuis-amyerhoof")
    assert "website (page)" in amyerhoof.known
    assert amyerhoof.read == date(2026, 12, 1) and amyerhoof.age_days == 10
    assert any("https://amyerhoof.nl/historie" in s and "2026-12-01" in s for s in amyerhoof.sources)
    assert any(s.startswith("seed: Bijlage 1") for s in amyerhoof.sources)
    ruweel = by_key(rows, "place", "gemeenschapshuis-t-ruweel")
    assert {"address", "opening_hours", "accessibility", "activities"} <= set(ruweel.missing)
    assert ruweel.read is None and ruweel.age_days is None and ruweel.buurt == "Malberg"


def test_a_buurt_row_separates_sourced_facts_from_estimates(dataset):
    rows = build_report(dataset, today=date(2026, 12, 1))
    wyckerpoort = by_key(rows, "buurt", "wyckerpoort")
    assert {"point (page)", "postcodes (page)", "wijk (page)", "buurtnummer (page)"} <= set(wyckerpoort.known)
    assert wyckerpoort.age_days == 0
    frontenkwartier = by_key(rows, "buurt", "frontenkwartier")
    assert {"point (estimate only)", "postcodes (estimate only)"} <= set(frontenkwartier.missing)
    assert "stadsdeel (page)" in frontenkwartier.known
    borgharen = by_key(rows, "buurt", "borgharen")  # a point and a wijk, but no postcode on its page
    assert {"point (page)", "wijk (page)"} <= set(borgharen.known)
    assert "postcodes (estimate only)" in borgharen.missing
    # a dated page named in geo.yml (Pottenberg's point; its postcodes come from another page)
    assert "point (page)" in by_key(rows, "buurt", "pottenberg").known
    assert not any("stadsdeel (assigned by the project)" in r.missing for r in rows if r.kind == "buurt")


def test_the_summary_counts_what_is_sourced(dataset):
    rows = build_report(dataset)
    buurten = [r for r in rows if r.kind == "buurt"]
    points = sum("point (page)" in r.known for r in buurten)
    postcodes = sum("postcodes (page)" in r.known for r in buurten)
    # counts on 2026-12-03 (docs/KNOWLEDGE.md); more is fine, fewer means a source was lost
    assert points >= 37 and postcodes >= 18
    text = summary(rows)
    assert f"{points}/45 buurten with a sourced point" in text
    assert f"{postcodes}/45 with sourced postcodes" in text


def test_gap_counts_add_a_column_per_place_and_buurt(dataset):
    plain = build_report(dataset)
    assert all(r.gaps is None for r in plain)
    assert "gaps" not in as_csv(plain).splitlines()[0]
    rows = build_report(dataset, gap_counts={"gemeenschapshuis-amyerhoof": 3, "Malberg": 5, "heer": 2})
    assert by_key(rows, "place", "gemeenschapshuis-amyerhoof").gaps == 3
    assert by_key(rows, "buurt", "malberg").gaps == 5 and by_key(rows, "buurt", "heer").gaps == 2
    assert by_key(rows, "place", "gemeenschapshuis-t-ruweel").gaps == 0
    parsed = list(csv.DictReader(io.StringIO(as_csv(rows))))
    assert list(parsed[0]) == list(COLUMNS) + ["gaps"]
    assert next(r for r in parsed if r["key"] == "malberg")["gaps"] == "5"
    assert "gaps" in as_table(rows).splitlines()[0]


def test_csv_has_one_row_per_record_with_sources(dataset):
    rows = build_report(dataset)
    parsed = list(csv.DictReader(io.StringIO(as_csv(rows))))
    assert len(parsed) == len(rows)
    assert list(parsed[0]) == list(COLUMNS)
    statenkwartier = next(r for r in parsed if r["key"] == "statenkwartier")
    assert (
        "Statenkwartier_(Maastricht)" in statenkwartier["sources"] and statenkwartier["read"] == "2026-12-01"
    )


def test_cli_prints_a_table_or_csv_and_filters(capsys):
    assert cli.main(["report", "--kind", "place", "--missing", "address"]) == 0
    out = capsys.readouterr().out
    assert "Gemeenschapshuis ’t Ruweel" in out and "places with an address" in out
    assert cli.main(["report", "--csv", "--kind", "buurt"]) == 0
    parsed = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert parsed and {r["kind"] for r in parsed} == {"buurt"}


def test_a_stadsdeel_from_a_public_page_counts_as_sourced(dataset):
    rows = build_report(dataset)
    wyck = by_key(rows, "buurt", "wyck")
    assert "stadsdeel (page)" in wyck.known
    assert any("thuisinmaastricht.nl" in s and "2026-12-01" in s for s in wyck.sources)


def test_the_cli_report_counts_the_questions_it_could_not_answer(tmp_path, monkeypatch, capsys):
    from knowledge.gaps import KINDS, record_gap
    from ontmoet_core.db import make_engine, upgrade_database

    monkeypatch.setenv("ONTMOET_VAR_DIR", str(tmp_path))
    url = f"sqlite:///{tmp_path / 'ontmoet.db'}"
    upgrade_database(url)
    engine = make_engine(url)
    kind = sorted(KINDS)[0]
    for _ in range(3):
        record_gap(engine, kind, buurt="Malberg")
    record_gap(engine, kind, buurt="Heer", place="Gemeenschapshuis ’t Ruweel")
    engine.dispose()
    assert cli.main(["report", "--csv"]) == 0
    rows = {(r["kind"], r["name"]): r for r in csv.DictReader(io.StringIO(capsys.readouterr().out))}
    assert rows[("buurt", "Malberg")]["gaps"] == "3"
    assert rows[("place", "Gemeenschapshuis ’t Ruweel")]["gaps"] == "1"
