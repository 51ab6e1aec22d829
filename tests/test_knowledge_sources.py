"""knowledge/data/sources.yml: facts from public pages, each with the page and the date read (issue 16)."""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import yaml

from knowledge.datafiles import load_dataset
from knowledge.records import KnowledgeError

DATA = Path(__file__).resolve().parent.parent / "knowledge" / "data"


def data_copy(tmp_path: Path, sources: dict) -> Path:
    target = tmp_path / "data"
    shutil.copytree(DATA, target)
    (target / "sources.yml").write_text(yaml.safe_dump(sources, allow_unicode=True), encoding="utf-8")
    return target


def test_every_sourced_fact_has_a_page_and_the_date_read():
    doc = yaml.safe_load((DATA / "sources.yml").read_text(encoding="utf-8"))
    entries = list((doc.get("buurten") or {}).values()) + list((doc.get("places") or {}).values())
    assert entries
    for entry in entries:
        assert str(entry["url"]).startswith("https://") and entry["read"] and entry["publisher"]
    dataset = load_dataset(DATA)
    assert dataset.buurt_sources and dataset.place_sources


def test_a_sourced_point_and_postcodes_replace_the_estimates(tmp_path):
    before = load_dataset(DATA)
    estimated = {row[0] for row in before.postcodes if row[1] == "frontenkwartier"}
    assert estimated and all(
        row[2].startswith("project") for row in before.postcodes if row[1] == "frontenkwartier"
    )
    data = data_copy(tmp_path, {"buurten": {"Frontenkwartier": {
        "url": "https://example.org/fronten", "publisher": "Testbron", "read": "2026-11-30",
        "point": [50.8601, 5.6855], "postcodes": ["6215", "6216"]}}})
    after = load_dataset(data)
    buurt = after.buurt_by_key["frontenkwartier"]
    assert (buurt.lat, buurt.lon) == (50.8601, 5.6855)
    assert "https://example.org/fronten" in buurt.centroid_source and "2026-11-30" in buurt.centroid_source
    rows = sorted(row for row in after.postcodes if row[1] == "frontenkwartier")
    assert [row[0] for row in rows] == ["6215", "6216"]
    assert all("https://example.org/fronten" in row[2] for row in rows), "no estimate left for the buurt"
    # other buurten keep their rows
    assert {r for r in before.postcodes if r[1] == "lanakerveld"} == {
        r for r in after.postcodes if r[1] == "lanakerveld"
    }


def test_a_place_gets_only_what_its_page_says(tmp_path):
    data = data_copy(
        tmp_path,
        {
            "places": {
                "trefcentrum": {
                    "url": "https://example.org/tref",
                    "publisher": "de website van het Testcentrum",
                    "read": "2026-11-30",
                    "address": "Teststraat 1",
                    "postal_code": "6224 AA",
                }
            }
        },
    )
    dataset = load_dataset(data)
    place = next(p for p in dataset.seed.places if p.key == "trefcentrum")
    assert (place.address, place.postal_code, place.phone, place.opening_hours) == (
        "Teststraat 1", "6224 AA", None, None)
    assert dataset.place_sources["trefcentrum"].publisher == "de website van het Testcentrum"


@pytest.mark.parametrize("entry, message", [
    ({"publisher": "X", "read": "2026-11-30", "address": "Teststraat 1"}, "field 'url'"),
    ({"url": "https://example.org", "publisher": "X", "address": "Teststraat 1"}, "field 'read'"),
    ({"url": "https://example.org", "read": "2026-11-30", "address": "Teststraat 1"}, "field 'publisher'"),
    ({"url": "https://example.org", "publisher": "X", "read": "2999-01-01"}, "in the future"),
    ({"url": "https://example.org", "publisher": "X", "read": "2026-11-30", "adres": "x"}, "unknown field"),
    ({"url": "https://example.org", "publisher": "X", "read": "2026-11-30", "postal_code": "1234 AB"},
     "not a Maastricht postcode"),
])
def test_a_fact_without_its_page_or_date_is_rejected(tmp_path, entry, message):
    data = data_copy(tmp_path, {"places": {"trefcentrum": entry}})
    with pytest.raises(KnowledgeError) as info:
        load_dataset(data)
    assert any("sources.yml" in p and message in p for p in info.value.problems), info.value.problems


def test_unknown_buurt_or_place_is_rejected(tmp_path):
    page = {"url": "https://example.org", "publisher": "X", "read": "2026-11-30"}
    data = data_copy(tmp_path, {"buurten": {"Atlantis": dict(page, postcodes=["6299"])},
                                "places": {"nergens": page}})
    with pytest.raises(KnowledgeError) as info:
        load_dataset(data)
    text = "\n".join(info.value.problems)
    assert "unknown buurt 'Atlantis'" in text and "unknown place key 'nergens'" in text


def _degrees(written: str):
    """(lat, lon) from the coordinates as a page writes them: degrees, minutes and perhaps
    seconds, in any of the notations of the stored pages ("50°51'29\"NB", "50° 50′ 51″ nord",
    "50 ° 49 '48' 'Nord", "{{coord|50|54|N|5|42|E}}")."""
    numbers = [float(n.replace(",", ".")) for n in re.findall(r"\d+(?:[.,]\d+)?", written.split(" / ")[0])]
    if len(numbers) not in (4, 6):
        raise ValueError(written)
    half = len(numbers) // 2
    return tuple(sum(v / 60 ** i for i, v in enumerate(numbers[k * half:(k + 1) * half])) for k in (0, 1))


def test_every_sourced_point_is_the_point_its_page_writes():
    doc = yaml.safe_load((DATA / "sources.yml").read_text(encoding="utf-8"))
    checked = 0
    for name, entry in doc["buurten"].items():
        if "point" not in entry:
            continue
        assert entry.get("point_as_written"), f"{name}: say how the page writes the point"
        lat, lon = _degrees(entry["point_as_written"])
        assert abs(lat - entry["point"][0]) < 2e-4 and abs(lon - entry["point"][1]) < 2e-4, name
        checked += 1
    assert checked >= 36  # Pottenberg's point is in geo.yml


def test_no_estimate_is_left_where_a_page_gives_the_fact():
    dataset = load_dataset(DATA)
    for key, facts in dataset.buurt_sources.items():
        buurt = dataset.buurt_by_key[key]
        assert facts.url.startswith("https://") and facts.read, key
        if "point" in facts.values:
            assert (buurt.lat, buurt.lon) == facts.values["point"], key
            assert facts.url in buurt.centroid_source and not buurt.centroid_source.startswith("project"), key
        if "postcodes" in facts.values:
            rows = [row for row in dataset.postcodes if row[1] == key]
            assert sorted(row[0] for row in rows) == sorted(facts.values["postcodes"]), key
            assert all(facts.url in row[2] for row in rows), f"{key}: an estimated postcode is left"
    for buurt in dataset.buurten:
        assert not buurt.stadsdeel_source.startswith("project"), buurt.name


def test_the_houses_with_their_own_website_say_so():
    dataset = load_dataset(DATA)
    for key, site in (("gemeenschapshuis-haarderhof", "https://stichtinghaarderhof.nl"),
                      ("ontmoetingscentrum-aen-de-wan", "https://aendewan.nl"),
                      ("gemeenschapshuis-amyerhoof", "https://amyerhoof.nl")):
        facts = dataset.place_sources[key]
        place = next(p for p in dataset.seed.places if p.key == key)
        assert facts.url.startswith(site) and facts.publisher.startswith("de website van"), key
        assert place.url == site and place.address is None, "no address: the page does not give one"
