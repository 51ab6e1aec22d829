"""The NLU lookup tables are generated from knowledge/data and never drift."""
from __future__ import annotations

from pathlib import Path

import yaml

from knowledge.datafiles import load_dataset
from knowledge.lookups import DEFAULT_OUT, build_lookups, is_up_to_date, render_lookups

DOMAIN_PLACE_TYPES = {"gemeenschapshuis", "ontmoetingscentrum", "huis_van_de_wijk", "huiskamer",
                      "sociaal_restaurant", "buurtbrok", "jongerenplek"}
DOMAIN_TARGET_GROUPS = {
    "ouderen",
    "jongeren",
    "kinderen",
    "volwassenen",
    "gezinnen",
    "nieuwkomers",
    "iedereen",
}


def test_generated_file_is_up_to_date():
    assert is_up_to_date(), "run `python -m knowledge.cli lookups` and commit nlu_data/generated/lookups.yml"


def _synonyms(doc):
    out = {}
    for item in doc["nlu"]:
        if "synonym" in item:
            for example in item["examples"].splitlines():
                example = example.strip()[2:].strip()
                if example:
                    out[example.lower()] = item["synonym"]
    return out


def test_file_is_rasa_nlu_with_canonical_values():
    doc = yaml.safe_load(DEFAULT_OUT.read_text(encoding="utf-8"))
    assert doc["version"] == "3.1"
    lookups = {item["lookup"]: item["examples"] for item in doc["nlu"] if "lookup" in item}
    assert set(lookups) == {"buurt", "place", "place_type", "target_group"}
    synonyms = _synonyms(doc)
    assert synonyms["mariaberch"] == "Mariaberg"
    assert synonyms["wittevrouweveld"] == "Wittevrouwenveld"
    assert synonyms["randwijk"] == "Randwyck"
    assert synonyms["st. pieter"] == "Sint Pieter"
    assert synonyms["heeg"] == "De Heeg"
    assert synonyms["'t ruweel"] == "Gemeenschapshuis ’t Ruweel"
    assert synonyms["senioren"] == "ouderen"
    assert synonyms["buurthuis"] == "gemeenschapshuis"
    buurt_names = {b.name for b in load_dataset(include_demo=False).buurten}
    tables = build_lookups()
    assert set(tables["buurt"]) == buurt_names
    assert set(tables["place_type"]) == DOMAIN_PLACE_TYPES
    assert set(tables["target_group"]) == DOMAIN_TARGET_GROUPS
    for value in synonyms.values():
        assert value in buurt_names | DOMAIN_PLACE_TYPES | DOMAIN_TARGET_GROUPS | set(tables["place"])


def test_no_form_maps_to_two_values_and_no_generic_words():
    tables = build_lookups()
    owner = {}
    for entity, values in tables.items():
        for canonical, forms in values.items():
            for form in forms:
                key = form.lower()
                assert owner.setdefault(key, (entity, canonical)) == (entity, canonical), form
    for generic in ("wijk", "buurt", "centrum"):
        assert generic not in owner
    assert not any(name.startswith("Voorbeeld") for name in tables["place"])  # demo stays out of NLU


def test_change_in_data_changes_the_lookups(tmp_path):
    import shutil

    from knowledge.datafiles import DEFAULT_DATA_DIR

    data = tmp_path / "data"
    shutil.copytree(DEFAULT_DATA_DIR, data)
    text = (data / "buurten.yml").read_text(encoding="utf-8").replace(
        "variants: [Nazaret]", "variants: [Nazaret, Nazzareth]")
    (data / "buurten.yml").write_text(text, encoding="utf-8")
    assert "Nazzareth" in render_lookups(data)
    assert not is_up_to_date(Path(DEFAULT_OUT), data)
