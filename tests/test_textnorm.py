"""The one normaliser and fuzzy matcher for names (knowledge/textnorm.py), shared by
the knowledge base (resolve_buurt), the NLU gazetteer and the handoff routing."""
from __future__ import annotations

import pytest

from bot.handoff.routing import normalise_area
from bot.nlu.gazetteer import Gazetteer
from bot.safety import normalise as safety_normalise
from knowledge.textnorm import close_enough, closest_name, compact, name_similarity, normalize

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
    assert name_similarity("wycck", "wyck") == name_similarity("mariabreg", "mariaberg") < 90
    assert index.lookup("wycck") is None
    assert index.lookup("mariabreg") == ("mariaberg", "Mariaberg", pytest.approx(88.9, abs=0.1))


def test_gazetteer_falls_back_to_one_slip_where_the_short_name_rule_says_no():
    gazetteer = Gazetteer({"buurt": {"wyck": "Wyck", "mariaberg": "Mariaberg"}})
    assert gazetteer._fuzzy("mariabreg") == ("buurt", "Mariaberg", pytest.approx(88.9, abs=0.1))
    assert gazetteer._fuzzy("wycck") == ("buurt", "Wyck", 90.0)  # one letter added
    assert gazetteer._fuzzy("xycck") is None  # the first letter must be right


def test_area_names_compare_as_the_knowledge_base_does():
    assert normalise_area("Zuid-West") == normalise_area("zuid west") == compact("ZuidWest")
    assert normalise_area("St. Pieter") == normalise_area("Sint Pieter")
    assert normalise_area(None) == ""


def test_safety_net_keeps_its_own_normalisation():
    """Apostrophes stay, stretched letters shrink, accents go as in normalize."""
    assert safety_normalise("Ik wil m’n lééven niet meer, dooood!!") == "ik wil m'n leeven niet meer dood"
