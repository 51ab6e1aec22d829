"""The one normaliser and fuzzy matcher for names (knowledge/textnorm.py), shared by
the knowledge base (resolve_buurt), the NLU gazetteer and the handoff routing."""
from __future__ import annotations

import pytest

from bot.handoff.routing import normalise_area
from bot.nlu.gazetteer import Gazetteer
from bot.safety import normalise as safety_normalise
from knowledge.textnorm import close_enough, closest_name, compact, name_similarity, normalize, sound_key

NAMES = ["mariaberg", "malberg", "wittevrouwenveld", "heer", "wyck", "sintpieter"]


@pytest.mark.parametrize("written, expected", [
    ("’t Ruweel", "t ruweel"),
    ("St. Pieter", "sint pieter"),
    ("Belvédère", "belvedere"),
    ("Dousberg-Hazendans", "dousberg hazendans"),
    ("", ""),
])
def test_normalize(written, expected):
    assert normalize(written) == expected


@pytest.mark.parametrize("typed, expected", [
    (["mariabreg"], "mariaberg"),
    (["malbreg"], "malberg"),
    (["wittevrouweveld"], "wittevrouwenveld"),
    (["zzz", "stpieter"], "sintpieter"),  # the best of several probes
])
def test_closest_name(typed, expected):
    found = closest_name(typed, NAMES, 85)
    assert found is not None and found[0] == expected


def test_closest_name_none_below_the_threshold():
    assert closest_name(["amsterdam"], NAMES, 85) is None


def test_short_names_need_a_very_close_match():
    assert close_enough("mariaberg", 86)
    assert not close_enough("heer", 86)
    assert close_enough("heer", 90)


def test_knowledge_base_takes_a_loose_match_only_on_a_long_name():
    from knowledge.api import _NameIndex

    index = _NameIndex()
    index.add("wyck", "wyck", "Wyck")
    index.add("mariaberg", "mariaberg", "Mariaberg")
    assert name_similarity("wick", "wyck") < 90
    assert index.lookup("wick") is None  # not the same sound ("wik" / "weik"), one letter off a short name
    assert index.lookup("mariabreg") == ("mariaberg", "Mariaberg", pytest.approx(88.9, abs=0.1))


def test_gazetteer_falls_back_to_one_slip_where_the_short_name_rule_says_no():
    gazetteer = Gazetteer({"buurt": {"wyck": "Wyck", "mariaberg": "Mariaberg"}})
    assert gazetteer._fuzzy("mariabreg") == ("buurt", "Mariaberg", pytest.approx(88.9, abs=0.1))
    assert gazetteer._fuzzy("wyckx") == ("buurt", "Wyck", 90.0)  # one letter added
    assert gazetteer._fuzzy("xycck") is None  # the first letter must be right


def test_area_names_compare_as_the_knowledge_base_does():
    assert normalise_area("Zuid-West") == normalise_area("zuid west") == compact("ZuidWest")
    assert normalise_area("St. Pieter") == normalise_area("Sint Pieter")
    assert normalise_area(None) == ""


def test_safety_net_keeps_its_own_normalisation():
    """Apostrophes stay, stretched letters shrink, accents go as in normalize."""
    assert safety_normalise("Ik wil m’n lééven niet meer, dooood!!") == "ik wil m'n leeven niet meer dood"


@pytest.mark.parametrize("typed, name", [
    ("Kamperbroek", "Camperbroek"),      # c before a/o/u is k
    ("Hobbelsjans", "Hobbelschans"),     # sj / sch
    ("Veldhuize", "Veldhuizen"),         # the Dutch -e(n)
    ("Bergcht", "Bergchd"),              # final d / dt / t, ch / g
    ("Lijndenhof", "Lyndenhof"),         # ij / y
    ("Fieldstraat", "Fildstraat"),       # ie / i, v / f
    ("Goudberg", "Gaudberg"),            # ou / au
    ("Fillipot", "Philipot"),            # ph / f, double letters
    ("Antiek", "Antique"),               # qu / kw, -ique / -iek
    ("Sint Anna", "St. Anna"),           # sint / st
    ("Zonnewei", "Sonnewij"),            # z / s at the start, ij / ei
    ("Kortehof", "Korthehof"),           # a silent h after a consonant
])
def test_sound_alike_spellings_share_a_key(typed, name):
    assert sound_key(typed) == sound_key(name)
    found = closest_name([normalize(typed).replace(" ", "")], [normalize(name).replace(" ", "")], 85)
    assert found is not None


@pytest.mark.parametrize("typed, name", [
    ("kerk", "kaberg"), ("boeken", "boeckelhof"), ("heel", "heer"), ("wiek", "wyck"),
])
def test_different_words_do_not_match(typed, name):
    assert closest_name([typed], [name], 85) is None


def test_two_swapped_letters_apart_are_one_slip():
    assert name_similarity("ratelberg", "raletberg") > 85
    assert name_similarity("ratelberg", "rateblerg") < name_similarity("ratelberg", "raletberg") + 1


def test_gazetteer_finds_sound_alikes_and_joins_split_names():
    gazetteer = Gazetteer({"buurt": {"camperbroek": "Camperbroek", "hobbel schans": "Hobbel-Schans",
                                     "hobbel": "Hobbel-Schans", "wyck": "Wyck"}})
    assert [e["value"] for e in gazetteer.extract("ik woon in kamperbroek")] == ["Camperbroek"]
    assert [e["value"] for e in gazetteer.extract("ik woon in Hobbel-Sjans")] == ["Hobbel-Schans"]
    assert [e["value"] for e in gazetteer.extract("ik woon in wykk")] == ["Wyck"]
    assert gazetteer.extract("ik woon in de wijk, heel fijn") == []
