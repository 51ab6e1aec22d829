"""The Dutch tokenizer and the gazetteer entity extractor (bot/nlu)."""
from __future__ import annotations

import pytest

from bot.nlu.gazetteer import Gazetteer, build_tables, find_postcodes


@pytest.fixture(scope="module")
def gazetteer():
    return Gazetteer(build_tables())


def values(found, entity):
    return [e["value"] for e in found if e["entity"] == entity]


@pytest.mark.parametrize("text,buurt", [
    ("ik woon in Malberg", "Malberg"),
    ("ik woon in mariaberch", "Mariaberg"),  # dialect
    ("wittevrouweveld", "Wittevrouwenveld"),  # typo
    ("Wittevrouwnveld", "Wittevrouwenveld"),
    ("st pieter", "Sint Pieter"),  # abbreviation
    ("is er iets in sint pieterr", "Sint Pieter"),
    ("woon in dousberg hazendans", "Dousberg-Hazendans"),  # hyphen missing
    ("Hazendans", "Dousberg-Hazendans"),
    ("ik woon in de heeg", "De Heeg"),
    ("eettafel in caberch", "Caberg"),  # Limburgish ch for g
    ("randwijk", "Randwyck"),
    ("ceramique", "Céramique"),  # accent missing
    ("ik woon in malbreg", "Malberg"),  # letters swapped
])
def test_buurt_resolves_to_its_canonical_name(gazetteer, text, buurt):
    found = gazetteer.extract(text)
    assert values(found, "buurt") == [buurt]
    span = next(e for e in found if e["entity"] == "buurt")
    assert 0 <= span["start"] < span["end"] <= len(text)


@pytest.mark.parametrize("text", [
    "ik ben alleen", "hier in de buurt", "ik woon in de wijk", "meer",
    "hoi ik ben meneer jansen", "ik heb een vraag over de subsidie", "de zon schijnt",
])
def test_ordinary_words_are_no_buurt(gazetteer, text):
    assert values(gazetteer.extract(text), "buurt") == []


def test_place_type_target_group_and_place(gazetteer):
    found = gazetteer.extract("is er een buurthuis voor jongeren, of wanneer is t ruweel open")
    assert values(found, "place_type") == ["gemeenschapshuis"]
    assert values(found, "target_group") == ["jongeren"]
    assert values(found, "place") == ["Gemeenschapshuis ’t Ruweel"]


@pytest.mark.parametrize("text,expected", [
    ("6224 bk", ["6224BK"]), ("mijn postcode is 6218", ["6218"]),
    ("6218 ik woon daar", ["6218"]), ("bel 14 043", []), ("1234AB", []),
])
def test_postcodes_upper_case_without_space(text, expected):
    assert [p["value"] for p in find_postcodes(text)] == expected


def test_dutch_tokenizer_gives_lookup_lemmas():
    from rasa.shared.nlu.training_data.message import Message

    from bot.nlu.tokenizer import DutchLookupTokenizer

    tokenizer = DutchLookupTokenizer(DutchLookupTokenizer.get_default_config())
    tokens = tokenizer.tokenize(Message(data={"text": "Ik zocht buurthuizen, voor d'r moeder!"}), "text")
    by_text = {t.text: t for t in tokens}
    assert by_text["buurthuizen"].lemma == "buurthuis"
    assert by_text["zocht"].lemma == "zoeken"
    assert "," not in by_text
    assert all(t.start < t.end for t in tokens)


def test_maastrichts_words_get_their_dutch_lemma_and_every_entry_has_a_source():
    import yaml
    from rasa.shared.nlu.training_data.message import Message

    from bot.nlu.tokenizer import DutchLookupTokenizer
    from knowledge.datafiles import DEFAULT_DATA_DIR

    tokenizer = DutchLookupTokenizer(DutchLookupTokenizer.get_default_config())
    tokens = tokenizer.tokenize(Message(data={"text": "Daanke, ich woen in Mestreech"}), "text")
    lemmas = {t.text: t.lemma for t in tokens}
    assert lemmas["Daanke"] == "bedankt" and lemmas["Mestreech"] == "maastricht"
    entries = yaml.safe_load((DEFAULT_DATA_DIR / "dialect.yml").read_text(encoding="utf-8"))["words"]
    assert entries and all(e["source"].startswith("https://") and e["read"] for e in entries)


@pytest.mark.parametrize("text, buurt", [("ik woon in Heugum", "Heugem"), ("ik woon in Caberh", "Caberg"),
                                         ("koffie drinken in Heerr", "Heer")])
def test_one_typing_slip_in_a_buurt_name_is_forgiven(text, buurt):
    from bot.nlu.gazetteer import Gazetteer, build_tables

    found = Gazetteer(build_tables()).extract(text)
    assert [(e["entity"], e["value"]) for e in found] == [("buurt", buurt)]


@pytest.mark.parametrize("text", ["ik ben blij", "een hele mooie dag", "ik woon in de stad", "ik ben Amy"])
def test_ordinary_words_and_short_names_are_not_read_as_buurten(text):
    from bot.nlu.gazetteer import Gazetteer, build_tables

    assert Gazetteer(build_tables()).extract(text) == []
