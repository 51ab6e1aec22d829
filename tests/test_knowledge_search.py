"""Names as residents write them, postcodes, nearby search and activities."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from knowledge import extract_postcode, haversine_km
from knowledge.when import TZ
from tests.knowledge_helpers import fresh_kb


@pytest.fixture(scope="module")
def kb(tmp_path_factory):
    return fresh_kb(tmp_path_factory.mktemp("kbsearch"))


@pytest.mark.parametrize("text, canonical", [
    ("Wittevrouweveld", "Wittevrouwenveld"),
    ("wittevrouwen-veld", "Wittevrouwenveld"),
    ("Mariaberch", "Mariaberg"),
    ("Randwijk", "Randwyck"),
    ("St. Pieter", "Sint Pieter"),
    ("st pieter", "Sint Pieter"),
    ("Sint-Pieter", "Sint Pieter"),
    ("Heeg", "De Heeg"),
    ("de heeg", "De Heeg"),
    ("Belvedere", "Belvédère"),
    ("ceramique", "Céramique"),
    ("Oud Caberg", "Oud-Caberg"),
    ("oudcaberg", "Oud-Caberg"),
    ("Caberg", "Caberg"),
    ("dousberg hazendans", "Dousberg-Hazendans"),
    ("Hazendans", "Dousberg-Hazendans"),
    ("St. Maartenspoort", "Sint Maartenspoort"),
    ("Wiekerpoort", "Wyckerpoort"),
    ("Wiek", "Wyck"),
    ("malbreg", "Malberg"),  # typo
    ("ik woon in mariaberch", "Mariaberg"),
    ("Heer-Molukse buurt", "Heer"),
])
def test_resolve_buurt_variants(kb, text, canonical):
    match = kb.resolve_buurt(text)
    assert match is not None, text
    assert match.name == canonical
    assert match.stadsdeel


@pytest.mark.parametrize("text", ["wijk", "buurt", "hallo", "ik woon in maastricht", "", "xyz", "centrum"])
def test_resolve_buurt_does_not_guess(kb, text):
    assert kb.resolve_buurt(text) is None


@pytest.mark.parametrize(
    "text",
    [
        "Gemeenschapshuis ’t Ruweel",
        "Gemeenschapshuis 't Ruweel",
        "'t Ruweel",
        "t ruweel",
        "ruweel",
        "het Ruweel",
        "Ruweeel",
    ],
)
def test_resolve_place_ruweel(kb, text):
    place = kb.resolve_place(text)
    assert place is not None, text
    assert place.name == "Gemeenschapshuis ’t Ruweel"  # stored as written in the seed
    assert place.buurt == "Malberg"


def test_resolve_place_distinguishes_place_from_buurt(kb):
    place = kb.resolve_place("Gemeenschapshuis Bosscherveld")
    assert place.name == "Gemeenschapshuis Bosscherveld" and place.buurt == "Boschpoort"
    assert kb.resolve_place("Klaekenburg").name == "Klaekeburg"  # spelling of 7.2
    assert kb.resolve_buurt("Bosscherveld").name == "Bosscherveld"


def test_postcodes(kb):
    assert extract_postcode("mijn postcode is 6218 AB") == "6218"
    assert extract_postcode("1234") is None
    assert kb.buurten_for_postcode("6218") == ["Malberg"]
    several = kb.buurten_for_postcode("6211 AB")
    assert len(several) > 1 and "Binnenstad" in several  # the assistant asks which
    assert kb.buurten_for_postcode("9999") == []
    for match in kb.postcode_matches("6211"):
        assert match.source and match.verified is False


def test_neighbours_are_symmetric(kb):
    for buurt in kb.buurten():
        for other in buurt.neighbours:
            assert buurt.name in kb.buurt(other).neighbours, (buurt.name, other)
    assert "Oud-Caberg" in kb.neighbours("Malberg")


def test_find_places_in_buurt_first_then_by_distance(kb):
    results = kb.find_places(buurt="Malberg", limit=10)
    assert results[0].name == "Gemeenschapshuis ’t Ruweel" or results[0].in_buurt
    in_buurt = [r for r in results if r.in_buurt]
    others = [r for r in results if not r.in_buurt]
    assert {r.buurt for r in in_buurt} == {"Malberg"}
    assert results[:len(in_buurt)] == in_buurt
    distances = [r.distance_km for r in others]
    assert all(d is not None for d in distances)
    assert distances == sorted(distances)
    assert all(r.distance_approximate for r in results)  # centroids only: approximate
    for r in results:
        assert r.source and r.stadsdeel


def test_find_places_orders_by_real_distance(kb):
    malberg = kb.buurt("Malberg")
    results = kb.find_places(lat=malberg.lat, lon=malberg.lon, limit=40)
    distances = [r.distance_km for r in results]
    assert distances == sorted(distances)
    far = kb.buurt("Heugem")
    assert results[0].distance_km < haversine_km(malberg.lat, malberg.lon, far.lat, far.lon)


def test_find_places_by_postcode_of_several_buurten(kb):
    results = kb.find_places(postcode="6211", limit=50)
    home = set(kb.buurten_for_postcode("6211"))
    flags = [r.in_buurt for r in results]
    assert flags == sorted(flags, reverse=True)  # places in those buurten first
    assert all(r.buurt in home for r in results if r.in_buurt)


def test_find_places_filters(kb):
    huiskamers = kb.find_places(buurt="Scharn", place_type="huiskamer", limit=20)
    assert huiskamers and all(r.place_type == "huiskamer" for r in huiskamers)
    youth = kb.find_places(buurt="Pottenberg", target_group="jongeren", limit=50)
    assert youth and all("jongeren" in r.target_groups or "iedereen" in r.target_groups for r in youth)
    assert not any(r.target_groups == ("ouderen",) for r in youth)
    both = kb.find_places(buurt="Malberg", place_type=["gemeenschapshuis", "sociaal_restaurant"], limit=50)
    assert {r.place_type for r in both} <= {"gemeenschapshuis", "sociaal_restaurant"}
    page1 = kb.find_places(buurt="Malberg", limit=3)
    page2 = kb.find_places(buurt="Malberg", limit=3, offset=3)
    assert not {r.key for r in page1} & {r.key for r in page2}
    assert kb.find_places(buurt="Atlantis") == []


def test_place_details_by_key_or_name(kb):
    by_key = kb.place_details("gemeenschapshuis-t-ruweel")
    by_name = kb.place_details("Ruweel")
    assert by_key == by_name
    assert by_key.ownership == "gemeente" and by_key.address is None


WEDNESDAY = datetime(2026, 11, 25, 15, 0, tzinfo=TZ)


def test_activities_answer_when_and_where(kb):
    start, end = kb.resolve_when("dit weekend", now=WEDNESDAY)
    occurrences = kb.activities(start, end)
    titles = {o.title for o in occurrences}
    assert "Samen wandelen (voorbeeld)" in titles and "Zondagmiddag koffie (voorbeeld)" in titles
    for o in occurrences:
        assert start <= o.start < end
        assert o.place_name and o.buurt and o.is_demo and o.source == "demo"
    assert [o.start for o in occurrences] == sorted(o.start for o in occurrences)


def test_activities_filter_by_buurt_and_one_off(kb):
    span = kb.resolve_when("volgende week", now=WEDNESDAY)
    scharn = kb.activities(*span, buurt="Scharn")
    assert {o.title for o in scharn} == {"Koffieochtend (voorbeeld)"}
    assert len(scharn) == 2  # monday and thursday
    party = kb.activities(
        datetime(2026, 12, 19, tzinfo=TZ), datetime(2026, 12, 20, tzinfo=TZ), buurt="Scharn"
    )
    assert [o.title for o in party] == ["Winterfeest (voorbeeld, één keer)"]
    assert party[0].recurring is False


def test_weekly_activity_keeps_local_time_across_dst(kb):
    # 2027-03-28 is the switch to summer time; the coffee morning stays at 10:00 local
    before = kb.activities(datetime(2027, 3, 22, tzinfo=TZ), datetime(2027, 3, 23, tzinfo=TZ), buurt="Scharn")
    after = kb.activities(datetime(2027, 3, 29, tzinfo=TZ), datetime(2027, 3, 30, tzinfo=TZ), buurt="Scharn")
    assert before[0].start.hour == 10 and after[0].start.hour == 10
    assert before[0].start.utcoffset() == timedelta(hours=1)
    assert after[0].start.utcoffset() == timedelta(hours=2)


def test_activities_when_phrase(kb):
    wed = kb.activities_when("woensdagmiddag", now=datetime(2026, 11, 25, 9, 0, tzinfo=TZ))
    assert [o.title for o in wed] == ["Spelletjesmiddag (voorbeeld)"]
    assert wed[0].start == datetime(2026, 11, 25, 14, 0, tzinfo=TZ)
    assert kb.activities_when("onzin", now=WEDNESDAY) == []


def test_place_by_its_name_without_the_type_word(kb):
    assert kb.resolve_place("de koffiepot").name == "Voorbeeld-huiskamer De Koffiepot"
    assert kb.resolve_place("De Romein").name == "Buurtcentrum De Romein"
    # "Buurtcentrum Nazareth" without its type word is a buurt, not a place name
    assert kb.resolve_place("Nazareth") is None
    assert kb.resolve_buurt("Nazareth").name == "Nazareth"
