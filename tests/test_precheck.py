"""The subsidy check (issue 18, point 3): the rules, the checklist, the store and the print page.

knowledge/precheck.py on the real data files; bot/precheck/ for the words, the
store behind the print link and the page.
"""
from __future__ import annotations

import itertools
import re
from datetime import datetime, timedelta

import httpx
import pytest
import sqlalchemy as sa
import yaml

from bot.catalogue import text
from bot.precheck import render
from bot.precheck.store import ChecklistStore, checklists, link
from bot.precheck.web import checklist_blueprint
from knowledge.datafiles import DEFAULT_DATA_DIR, UNCONFIRMED
from knowledge.precheck import (
    Answers,
    Precheck,
    for_whom_answer,
    frequency_answer,
    kind_answer,
    people_answer,
    run_precheck,
    similar_answer,
)
from ontmoet_core.db import make_engine, upgrade_database
from tests.knowledge_helpers import fresh_kb
from tests.test_readability import problems

SCHARN = Answers("huiskamer", "senioren", "Scharn", "10_25", "elke_week", "weet_niet")
MALBERG = Answers("sociaal_restaurant", "iedereen", "Malberg", "meer_25", "elke_maand", "nee")
TAALCAFE = Answers("een taalcafé", "nieuwkomers", "Wyck", "tot_10", "elke_week", "ja")  # no same type
_apps = itertools.count()


@pytest.fixture(scope="module")
def kb(tmp_path_factory):
    return fresh_kb(tmp_path_factory.mktemp("kb"))


@pytest.fixture()
def store(tmp_path):
    url = f"sqlite:///{tmp_path / 'ontmoet.db'}"
    upgrade_database(url)
    engine = make_engine(url)
    yield ChecklistStore(engine, days=7)
    engine.dispose()


def keys(result):
    return [r.key for r in result.rules]


# -- the data: every rule sourced, unconfirmed ones marked ---------------------------------
def test_every_rule_has_a_source_and_unconfirmed_rules_are_marked_in_the_data(kb):
    rules = kb.subsidy().precheck_rules
    assert len(rules) >= 8
    for rule in rules:
        assert rule.source and rule.text and rule.todo
        assert (rule.status == UNCONFIRMED) == (not rule.confirmed), rule.key
    # what comes from the predecessor scheme is not confirmed for Kracht van de Samenleving
    for rule in rules:
        if "vorige regeling" in rule.text or "predecessor" in rule.source:
            assert not rule.confirmed, rule.key


def test_an_unconfirmed_rule_without_its_status_is_refused(tmp_path):
    import shutil

    from knowledge.datafiles import load_dataset
    from knowledge.records import KnowledgeError

    data = tmp_path / "data"
    shutil.copytree(DEFAULT_DATA_DIR, data)
    doc = yaml.safe_load((data / "subsidy.yml").read_text(encoding="utf-8"))
    rule = next(r for r in doc["precheck"]["rules"] if not r["confirmed"])
    del rule["status"]
    doc["precheck"]["rules"][0]["source"] = ""
    (data / "subsidy.yml").write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    with pytest.raises(KnowledgeError) as error:
        load_dataset(data)
    assert "nog niet bevestigd" in str(error.value) and "source" in str(error.value)


def test_rule_texts_and_todos_are_b1(kb):
    for rule in kb.subsidy().precheck_rules:
        for words in (rule.text, rule.todo):
            assert not problems(words), (rule.key, words, problems(words))


# -- which rules apply -------------------------------------------------------------------
def test_rules_that_always_apply_and_those_that_depend_on_the_answers(kb):
    scharn, malberg, taal = (run_precheck(kb, a) for a in (SCHARN, MALBERG, TAALCAFE))
    for result in (scharn, malberg, taal):
        assert {"kleinschalig", "een_per_buurt", "organisatie", "wanneer_aanvragen",
                "aantal_en_hoe_vaak", "hulp"} <= set(keys(result))
    assert "ouderen" in keys(scharn) and "ouderen" not in keys(malberg)
    assert "ander_soort" in keys(taal) and "ander_soort" not in keys(scharn)
    jongeren = run_precheck(kb, Answers("jongerenplek", "jongeren", "Pottenberg", "tot_10",
                                        "elke_week", "nee"))
    assert "jongeren" in keys(jongeren) and "jongeren" not in keys(scharn)
    # a gemeenschapshuis in the buurt (the Ruweel in Malberg): together under one roof
    assert "samen_onder_een_dak" in keys(malberg) and "samen_onder_een_dak" not in keys(scharn)
    assert [p.name for p in malberg.community_places] == ["Gemeenschapshuis \u2019t Ruweel"]


def test_similar_places_of_the_same_type_from_knowledge_marked_as_demo(kb):
    scharn = run_precheck(kb, SCHARN)
    assert scharn.similar_situation == "found"
    place = scharn.similar_places[0]
    assert (place.name, place.place_type, place.in_buurt, place.is_demo) == (
        "Voorbeeld-huiskamer De Koffiepot", "huiskamer", True, True)
    words = render.answer_message(scharn)
    assert "De Koffiepot (Scharn) " + text("channel_demo_marker") in words
    # the plan (7.2) names Scharn: a huiskamer for older people, through this subsidy
    assert [p.development for p in scharn.plans] == ["Huiskamer voor ouderen."]
    assert "Het beleidsplan noemt voor Scharn: Huiskamer voor ouderen." in words


def test_a_place_in_a_neighbouring_buurt_counts_as_nearby(kb):
    neighbour = next(n for n in kb.neighbours("Scharn") if not kb.places(buurt=n, place_type="huiskamer"))
    result = run_precheck(kb, Answers("huiskamer", "senioren", neighbour, "10_25", "elke_week", "nee"))
    near = [p for p in result.similar_places if p.name == "Voorbeeld-huiskamer De Koffiepot"]
    assert near and not near[0].in_buurt


def test_the_residents_yes_without_a_known_place_and_no_place_known(kb):
    taal = run_precheck(kb, TAALCAFE)
    assert taal.similar_places == () and taal.similar_situation == "resident_knows"
    assert text("precheck_similar_resident") in render.answer_message(taal)
    nothing = run_precheck(kb, Answers("huiskamer", "iedereen", "Randwyck", "tot_10", "elke_week", "nee"))
    assert nothing.similar_situation == "none_known"
    assert "Ik ken geen soortgelijke plek in of vlak bij Randwyck" in render.answer_message(nothing)


def test_without_demo_data_no_example_place_is_named(tmp_path):
    real = fresh_kb(tmp_path, include_demo=False)
    result = run_precheck(real, SCHARN)
    assert all(not p.is_demo for p in result.similar_places + result.community_places)
    assert text("channel_demo_marker") not in render.answer_message(result)


# -- reading the answers -------------------------------------------------------------------
@pytest.mark.parametrize("reader,choice,typed,expected", [
    (kind_answer, "huiskamer", "", "huiskamer"),
    (kind_answer, None, "een eettafel voor de straat", "sociaal_restaurant"),
    (kind_answer, None, "een taalcafé", "een taalcafé"),
    (for_whom_answer, None, "vooral ouderen", "senioren"),
    (for_whom_answer, None, "statushouders", "nieuwkomers"),
    (for_whom_answer, "iedereen", "", "iedereen"),
    (people_answer, None, "ongeveer 15", "10_25"),
    (people_answer, None, "zo'n 40 mensen", "meer_25"),
    (people_answer, None, "8", "tot_10"),
    (frequency_answer, None, "elke dinsdagochtend", "elke_week"),
    (frequency_answer, None, "een keer per maand", "elke_maand"),
    (frequency_answer, "af_en_toe", "", "af_en_toe"),
])
def test_answers_from_buttons_and_typed_words(reader, choice, typed, expected):
    assert reader(choice, typed) == expected


@pytest.mark.parametrize("reader", [kind_answer, for_whom_answer, people_answer, frequency_answer])
def test_dont_know_is_no_answer_so_the_question_comes_again(reader):
    for typed in ("weet ik niet", "Geen idee", "?", ""):
        assert reader(None, typed) is None, (reader.__name__, typed)


def test_similar_place_answers():
    assert similar_answer("weet_niet", None, "") == "weet_niet"
    assert similar_answer(None, "affirm", "ja hoor") == "ja"
    assert similar_answer(None, "deny", "nee") == "nee"
    assert similar_answer(None, None, "geen idee eigenlijk") == "weet_niet"
    assert similar_answer(None, None, "er is al een huiskamer") == "ja"
    assert similar_answer(None, None, "pizza") is None


# -- the words: marked rules, a message that survives WhatsApp and Telegram ------------------
def test_the_answer_marks_each_unconfirmed_rule(kb):
    result = run_precheck(kb, SCHARN)
    words = render.answer_message(result)
    for rule in result.rules:
        line = next(line for line in words.splitlines() if rule.text in line)
        assert line.startswith(f"- ({UNCONFIRMED}) ") == (not rule.confirmed), line
    assert "14 043" in words
    assert len(result.unconfirmed) >= 3


def test_the_checklist_message_is_plain_text_that_can_be_forwarded(kb):
    for answers in (SCHARN, MALBERG, TAALCAFE):
        result = run_precheck(kb, answers)
        message = render.checklist_message(result)
        assert not re.search(r"[*_~`]", message), "WhatsApp/Telegram would format these"
        assert len(message) < 4000
        todos = [line for line in message.splitlines() if line.startswith("[ ] ")]
        assert len(todos) == len(result.checklist)
        for item, line in zip(result.checklist, todos, strict=True):
            assert item.text in line and (UNCONFIRMED in line) == (not item.confirmed)
    assert "Uw plan: een huiskamer voor senioren in Scharn. Met 10 tot 25 mensen, elke week." in \
        render.checklist_message(run_precheck(kb, SCHARN))
    # the resident's own words stay as written
    assert "een taalcafé voor nieuwkomers in Wyck" in render.checklist_message(run_precheck(kb, TAALCAFE))


def test_a_result_survives_the_store_round_trip(kb):
    result = run_precheck(kb, MALBERG)
    assert Precheck.from_dict(result.to_dict()) == result


# -- the store behind the print link ----------------------------------------------------------
def test_the_link_holds_only_a_random_token_and_the_database_only_its_hash(kb, store):
    result = run_precheck(kb, SCHARN)
    token = store.save("resident-a", result)
    url = link("https://ontmoet.example/", token)
    assert url == f"https://ontmoet.example/checklist/{token}"
    assert len(token) >= 22 and "Scharn" not in url and "senioren" not in url
    assert store.save("resident-a", result) != token
    with store.engine.connect() as conn:
        hashes = [row[0] for row in conn.execute(sa.select(checklists.c.token_hash))]
    assert token not in hashes and len(hashes) == 2
    assert store.load(token) == result
    assert store.load("not-a-token") is None and store.load("") is None


def test_a_checklist_expires_and_is_deleted(kb, store):
    result = run_precheck(kb, SCHARN)
    start = datetime(2026, 12, 1, 10, 0)
    token = store.save("resident-a", result, now=start)
    assert store.load(token, now=start + timedelta(days=6, hours=23)) == result
    assert store.load(token, now=start + timedelta(days=7)) is None
    assert store.count("resident-a") == 0, "an expired checklist is deleted, not only hidden"


def test_the_retention_run_deletes_expired_checklists(kb, store, tmp_path):
    from bot.privacy import run_retention
    from ontmoet_core.config import load_settings

    result = run_precheck(kb, SCHARN)
    fresh = store.save("resident-b", result)
    old = store.save("resident-a", result, now=datetime.utcnow() - timedelta(days=8))
    with store.engine.begin() as conn:  # the old one is only in the table now
        assert conn.execute(sa.select(sa.func.count()).select_from(checklists)).scalar() == 2
    run_retention(load_settings({"ONTMOET_VAR_DIR": str(tmp_path)}))
    assert store.count("resident-a") == 0 and store.count("resident-b") == 1
    assert store.load(old) is None and store.load(fresh) == result


def test_erasing_a_resident_deletes_their_checklists_only(kb, store):
    import actions.privacy_erase as privacy_erase

    result = run_precheck(kb, SCHARN)
    mine, theirs = store.save("resident-a", result), store.save("resident-b", result)
    assert privacy_erase._erase_checklists(store.engine, "resident-a") == {"checklists": 1}
    assert store.load(mine) is None and store.load(theirs) == result


# -- the print page -------------------------------------------------------------------------
@pytest.fixture(autouse=True)
def _sanic_test_mode(monkeypatch):
    from sanic import Sanic

    monkeypatch.setattr(Sanic, "test_mode", True)


async def _get(store, path):
    from sanic import Sanic

    app = Sanic(f"precheck_test_{next(_apps)}")
    app.blueprint(checklist_blueprint(lambda: store))
    await app._startup()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url="http://testserver") as client:
        return await client.get(path)


async def test_the_print_page_shows_answers_marked_rules_sources_and_the_checklist(kb, store):
    result = run_precheck(kb, SCHARN)
    token = store.save("resident-a", result)
    page = await _get(store, f"/checklist/{token}")
    assert page.status_code == 200
    html = page.text
    assert '<html lang="nl">' in html and "@media print" in html
    assert text("precheck_page_title") in html
    assert "Scharn" in html and "senioren" in html and "10 tot 25 mensen" in html
    assert html.count('<span class="status">nog niet bevestigd</span>') == 2 * len(result.unconfirmed)
    assert "(bron: beleidsplan 3.1; 2.2)" in html  # the source of each rule, in words
    assert "(bron: gemeente Maastricht, vorige regeling)" in html
    assert "(bron: staat niet in het beleidsplan)" in html
    assert html.count("<li>") >= len(result.rules) + len(result.checklist)
    assert page.headers["cache-control"] == "no-store"
    assert "script-src" not in page.headers["content-security-policy"]
    assert page.headers["referrer-policy"] == "no-referrer"
    assert page.headers["x-robots-tag"] == "noindex, nofollow"  # a private link
    assert page.headers["x-frame-options"] == "DENY"


async def test_the_print_page_escapes_what_the_volunteer_typed(kb, store):
    result = run_precheck(kb, Answers("<script>alert(1)</script>", "iedereen", "Wyck", "tot_10",
                                      "elke_week", "nee"))
    page = await _get(store, f"/checklist/{store.save('resident-a', result)}")
    assert "<script>" not in page.text and "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text


async def test_an_unknown_or_expired_link_gets_a_dutch_404(store):
    page = await _get(store, "/checklist/onbekend")
    assert page.status_code == 404 and text("precheck_page_missing") in page.text
    assert '<html lang="nl">' in page.text
    assert page.headers["x-robots-tag"] == "noindex, nofollow"
