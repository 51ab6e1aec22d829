"""Seed-derived data: buurten, gemeenschapshuizen, plans, subsidy, sources, demo data."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from sqlalchemy import select

from knowledge import KnowledgeError
from knowledge import models as m
from knowledge.datafiles import DEFAULT_DATA_DIR, load_dataset
from tests.knowledge_helpers import dump, fresh_kb

# Bijlage 1 of the seed, as written: (name, buurt as written, ownership)
BIJLAGE_1 = [
    ("Buurtcentrum De Romein", "Pottenberg", "gemeente"),
    ("Gemeenschapshuis ’t Atrium", "Daalhof", "gemeente"),
    ("Dorpscentrum De Aw Sjaol", "Itteren", "gemeente"),
    ("Gemeenschapshuis Haarderhof", "Borgharen", "gemeente"),
    ("Kapelaan Lochtmanhuis", "Limmel", "gemeente"),
    ("Buurtcentrum Nazareth", "Nazareth", "gemeente"),
    ("Gemeenschapshuis Amyerhoof", "Amby", "gemeente"),
    ("Trefcentrum", "Wittevrouwenveld", "gemeente"),
    ("Ontmoetingscentrum Aen de Wan", "Heer", "gemeente"),
    ("Buurtcentrum Moetiara Maloekoe", "Heer", "gemeente"),  # "Heer-Molukse buurt"
    ("Buurtcentrum De Boeckel", "De Heeg", "gemeente"),
    ("Gemeenschapshuis ’t Ruweel", "Malberg", "gemeente"),
    ("Buurtcentrum Mariaberg", "Mariaberg", "gemeente"),
    ("Buurtcentrum De Wiemerink", "Caberg", "gemeente"),
    ("Buurtcentrum De Soos", "Sint Pieter", "particuliere stichting"),  # "St. Pieter"
    ("Gemeenschapshuis Bosscherveld", "Boschpoort", "particuliere stichting"),
    ("Wijkcentrum De Luibe", "Oud-Caberg", "particuliere stichting"),
    ("Klaekeburg", "Heugem", "particuliere stichting"),
]

# Bijlage 2 (the map) and the 7.2 table name these buurten.
MAP_BUURTEN = [
    "Itteren", "Borgharen", "Beatrixhaven", "Meerssenhoven", "Amby", "Mariaberg", "Boschpoort", "Belvédère",
    "Lanakerveld", "Oud-Caberg", "Malberg", "Dousberg-Hazendans", "Caberg", "Bosscherveld", "Frontenkwartier",
    "Brusselsepoort", "Malpertuis", "Pottenberg", "Belfort", "Daalhof", "Wolder", "Campagne", "Biesland",
    "Jekerkwartier", "Villapark", "Sint Pieter", "Randwyck", "Heugem", "Heer", "De Heeg", "Scharn",
    "Wittevrouwenveld", "Heugemerveld", "Wyckerpoort", "Sint Maartenspoort", "Boschstraatkwartier",
    "Statenkwartier", "Limmel", "Nazareth", "Vroendaal", "Binnenstad", "Wyck", "Kommelkwartier", "Jekerdal",
]
TABLE_72 = {
    "Nazareth": "Noord",
    "Limmel": "Noord",
    "Borgharen": "Noord",
    "Itteren": "Noord",
    "Wyckerpoort": "Oost",
    "Wittevrouwenveld": "Oost",
    "Amby": "Oost",
    "Scharn": "Oost",
    "Heer": "Oost",
    "Heugemerveld": "Zuid",
    "Randwyck": "Zuid",
    "De Heeg": "Zuid",
    "Heugem": "Zuid",
    "Mariaberg": "West",
    "Belfort": "West",
    "Daalhof": "West",
    "Dousberg-Hazendans": "West",
    "Malberg": "West",
    "Sint Pieter": "Zuid-West",
    "Caberg": "Noord-West",
    "Pottenberg": "Noord-West",
    "Oud-Caberg": "Noord-West",
    "Boschpoort": "Noord-West",
    "Statenkwartier": "Centrum",
    "Kommelkwartier": "Centrum",
    "Céramique": "Centrum",
    "Binnenstad": "Centrum",
    "Sint Maartenspoort": "Centrum",
}


@pytest.fixture(scope="module")
def kb(tmp_path_factory):
    return fresh_kb(tmp_path_factory.mktemp("kbdata"))


def test_all_18_gemeenschapshuizen_once_with_buurt_and_ownership(kb):
    houses = kb.places(place_type="gemeenschapshuis")
    assert len(houses) == 18
    by_name = {p.name: p for p in houses}
    assert len(by_name) == 18, "a gemeenschapshuis is listed twice"
    for name, buurt, ownership in BIJLAGE_1:
        place = by_name[name]
        assert place.buurt == buurt, name
        assert place.ownership == ownership, name
        assert place.source.startswith("seed: Bijlage 1"), name
        assert place.verified is True
        # the seed gives no address, hours or phone: never guessed
        assert place.address is None and place.opening_hours is None and place.phone is None


def test_seed_spelling_of_buurt_is_kept(kb):
    assert kb.place_details("buurtcentrum-moetiara-maloekoe").buurt_as_written == "Heer-Molukse buurt"
    assert kb.place_details("buurtcentrum-de-soos").buurt_as_written == "St. Pieter"


def test_every_buurt_of_the_map_and_table_is_present_with_a_stadsdeel(kb):
    names = {b.name for b in kb.buurten()}
    for name in MAP_BUURTEN + list(TABLE_72):
        assert name in names
    stadsdelen = set(kb.stadsdelen())
    for buurt in kb.buurten():
        assert buurt.stadsdeel in stadsdelen, buurt.name
        assert buurt.stadsdeel_source, buurt.name
        assert buurt.source.startswith("seed"), buurt.name


def test_stadsdeel_follows_table_72_and_others_a_dated_public_page(kb):
    for buurt in kb.buurten():
        if buurt.name in TABLE_72:
            assert buurt.stadsdeel == TABLE_72[buurt.name], buurt.name
            assert buurt.stadsdeel_source.startswith("seed: 7.2")
            assert buurt.verified
        else:
            # no stadsdeel chosen by the project is left: a public page names it, with its date read
            assert buurt.stadsdeel_source.startswith("page: https://"), buurt.name
            assert "(read 20" in buurt.stadsdeel_source, buurt.name
            # the page's list for that stadsdeel names the buurt
            listed = buurt.stadsdeel_source.split(f"stadsdeel {buurt.stadsdeel} = ", 1)[-1]
            assert buurt.name in listed.replace("St. Pieter", "Sint Pieter"), buurt.name
            assert not buurt.verified


def test_the_municipality_places_three_buurten_elsewhere_than_the_project_guessed(kb):
    # Thuis in Maastricht, "Gebiedsgericht werken" (13 October 2022): the project had Oost, Oost, West
    moved = ("Meerssenhoven", "Vroendaal", "Malpertuis")
    assert {b.name: b.stadsdeel for b in kb.buurten() if b.name in moved} == {
        "Meerssenhoven": "Noord", "Vroendaal": "Zuid", "Malpertuis": "Noord-West"}


def test_every_record_in_the_database_has_a_source(kb):
    with kb.engine.connect() as conn:
        for model in (m.Buurt, m.Neighbour, m.Postcode, m.Organization, m.Location, m.Service, m.Schedule,
                      m.Contact, m.Plan):
            for row in conn.execute(select(model.__table__)).mappings():
                assert row["source"] and row["source"].strip(), (model.__tablename__, dict(row))
                if "is_demo" in row and row["is_demo"]:
                    assert row["source"] == "demo"


def test_centroids_are_marked_approximate(kb):
    for buurt in kb.buurten():
        assert buurt.lat is not None and buurt.lon is not None
        assert "approximate" in buurt.centroid_source and "ranking" in buurt.centroid_source


def test_planned_huiskamer_for_seniors_in_scharn(kb):
    plans = kb.plans_for_buurt("Scharn")
    assert len(plans) == 1
    assert "Huiskamer voor ouderen" in plans[0].development
    assert "Kracht van de Samenleving" in plans[0].how
    assert plans[0].source.startswith("seed: 7.2")
    where = {p.buurt for p in kb.plans(place_type="huiskamer", target_group="ouderen")}
    assert {"Scharn", "Caberg", "Boschpoort", "Binnenstad"} <= where
    # the combined row of the table applies to both buurten
    assert kb.plans_for_buurt("Kommelkwartier")[0].buurt_as_written == "Staten- en Kommelkwartier"
    assert kb.plans_for_buurt("Statenkwartier")[0].buurt_as_written == "Staten- en Kommelkwartier"


def test_huis_van_de_wijk_search_locations(kb):
    locations = kb.huis_van_de_wijk_search_locations()
    assert locations.buurten == ("Pottenberg", "Nazareth", "Mariaberg", "Wittevrouwenveld")
    assert locations.first == ("Pottenberg", "Nazareth")


def test_place_types_have_plain_explanations(kb):
    types = {t.key: t for t in kb.place_types()}
    for key in (
        "gemeenschapshuis",
        "ontmoetingscentrum",
        "huis_van_de_wijk",
        "huiskamer",
        "sociaal_restaurant",
        "buurtbrok",
        "jongerenplek",
    ):
        assert types[key].explanation and types[key].source.startswith("seed")
        assert types[key].nlu
    assert {c["key"] for c in kb.place_type_categories()} == {"kleinschalig", "ontmoetingscentrum",
                                                                "huis_van_de_wijk"}


def test_subsidy_unconfirmed_steps_refer_to_the_gemeente(kb):
    subsidy = kb.subsidy()
    assert subsidy.name == "Kracht van de Samenleving"
    for key in ("what", "for_whom", "one_per_buurt", "clustering", "support_opbouwwerk",
                "support_maastricht_doet"):
        topic = subsidy.topic(key)
        assert topic is not None and topic.confirmed and topic.source.startswith("seed"), key
    assert subsidy.topic("previous_regulation").confirmed is False
    assert any(not s.confirmed for s in subsidy.steps)
    for step in subsidy.steps:
        if step.confirmed:
            assert step.check_with is None
            assert step.source.startswith("seed")
        else:
            assert "14 043" in step.check_with
    assert subsidy.check_with_phone == "14 043"


def test_demo_data_is_marked_and_can_be_turned_off(kb, tmp_path):
    demo = [p for p in kb.places() if p.is_demo]
    assert demo, "the demo data set is loaded by default"
    for place in demo:
        assert place.name.startswith("Voorbeeld") and place.source == "demo"
        assert place.address is None and not place.verified
    off = fresh_kb(tmp_path, include_demo=False, name="nodemo.db")
    assert not [p for p in off.places() if p.is_demo]
    assert all(not r.is_demo for r in off.find_places(buurt="Scharn", limit=50))
    assert off.resolve_place("Voorbeeld-huiskamer De Koffiepot") is None
    with off.engine.connect() as conn:
        assert conn.execute(select(m.Service).where(m.Service.is_demo.is_(True))).first() is None


def test_turning_demo_off_removes_loaded_demo_rows(tmp_path):
    fresh_kb(tmp_path, include_demo=True, name="same.db")
    off = fresh_kb(tmp_path, include_demo=False, name="same.db")
    with off.engine.connect() as conn:
        assert conn.execute(select(m.Service).where(m.Service.is_demo.is_(True))).first() is None
        assert conn.execute(select(m.Schedule).where(m.Schedule.is_demo.is_(True))).first() is None


def test_loading_twice_changes_nothing(tmp_path):
    from knowledge.api import sync_files
    from knowledge.sync import sync_dataset
    from ontmoet_core.db import make_session_factory

    kb = fresh_kb(tmp_path)
    before = dump(kb)
    again = fresh_kb(tmp_path)
    assert dump(again) == before
    # even a forced sync (no fingerprint shortcut) changes no row
    with make_session_factory(kb.engine)() as session:
        counts = sync_dataset(session, load_dataset())
        session.commit()
    assert counts.changed == 0
    assert dump(kb) == before
    assert sync_files(kb.engine, load_dataset()) is None  # same files: skipped


def _copy_data(tmp_path: Path) -> Path:
    target = tmp_path / "data"
    shutil.copytree(DEFAULT_DATA_DIR, target)
    return target


def test_invalid_data_file_names_file_row_and_field(tmp_path):
    data = _copy_data(tmp_path)
    doc = yaml.safe_load((data / "places.yml").read_text(encoding="utf-8"))
    doc["places"][2]["buurt"] = "Atlantis"
    doc["places"][4]["source"] = ""
    (data / "places.yml").write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    with pytest.raises(KnowledgeError) as err:
        load_dataset(data)
    problems = err.value.problems
    assert "places.yml: row 3: field 'buurt': unknown buurt 'Atlantis'" in problems
    assert any(p.startswith("places.yml: row 5: field 'source'") for p in problems)


def test_invalid_data_files_leave_the_database_as_it_was(tmp_path):
    from knowledge.api import open_knowledge

    kb = fresh_kb(tmp_path)
    before = dump(kb)
    data = _copy_data(tmp_path)
    text = (
        (data / "buurten.yml")
        .read_text(encoding="utf-8")
        .replace("stadsdeel: Zuid-West", "stadsdeel: Nergens", 1)
    )
    (data / "buurten.yml").write_text(text, encoding="utf-8")
    with pytest.raises(KnowledgeError) as err:
        open_knowledge(kb.url, data, refresh=True)
    assert any("buurten.yml" in p and "stadsdeel" in p for p in err.value.problems)
    assert dump(kb) == before


def test_edited_data_file_is_synced(tmp_path):
    data = _copy_data(tmp_path)
    kb = fresh_kb(tmp_path, data_dir=data)
    assert kb.place_details("klaekeburg").description is None
    text = (data / "places.yml").read_text(encoding="utf-8").replace(
        "    name: Klaekeburg\n", "    name: Klaekeburg\n    description: Bijgewerkt door de gemeente\n")
    (data / "places.yml").write_text(text, encoding="utf-8")
    kb2 = fresh_kb(tmp_path, data_dir=data)
    assert kb2.place_details("klaekeburg").description == "Bijgewerkt door de gemeente"
    assert len(kb2.places(place_type="gemeenschapshuis")) == 18
