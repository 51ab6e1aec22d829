"""Issue 16: a resident is told only what a source or a setting supports.

Every reply that names a number, an organisation or a promise is listed in
bot/claims.yml with what backs it (knowledge/, a setting, the staff file, a
rule in the code, or an example); bot/claims.check() verifies each backing.
"""
from __future__ import annotations

import re
from pathlib import Path

import yaml

from bot import claims

ROOT = Path(__file__).resolve().parent.parent


def test_every_reply_naming_a_number_organisation_or_promise_is_backed():
    found = claims.find_claims()
    keys = {c.reply.key for c in found}
    # the list is real: the municipality's number, Trajekt, the trial, the settings
    assert {"utter_handoff_no_consent", "utter_handoff_intro", "utter_handoff_intro_trial",
            "utter_handoff_accompany", "utter_volunteer", "utter_loneliness"} <= keys
    problems = claims.check()
    assert not problems, "\n".join(problems)


def test_a_new_unbacked_claim_is_found():
    reply = claims.Reply("utter_x", "domain.yml", "nl",
                         "Bel 043 350 00 00. Een opbouwwerker helpt u. Trajekt belt u binnen een dag.")
    words = [c.words.lower() for c in claims.find_claims([reply])]
    assert "043 350 00 00" in words
    assert any("helpt" in w for w in words) and "trajekt" in words
    assert "belt u" in words and "binnen " in words
    # placeholders are filled by actions: not a claim of the text itself
    assert not claims.find_claims([claims.Reply("k", "d", "nl", "Uw nummer is {reference}.")])


def test_an_unlisted_claim_and_a_stale_listing_are_problems():
    registry = claims.load_registry()
    without = {k: v for k, v in registry.items() if k != "utter_handoff_no_consent"}
    assert any("utter_handoff_no_consent" in p and "14 043" in p for p in claims.check(without))
    stale = dict(
        registry, utter_greet=[{"says": "binnen 2 werkdagen", "backed_by": "setting:handoff_expected_time"}]
    )
    assert any("utter_greet" in p and "no longer" in p for p in claims.check(stale))


def test_a_backing_that_does_not_hold_is_a_problem():
    assert claims.backing_problem("knowledge:subsidy.yml#check_with.phone", "14 043", "k") is None
    assert "does not say" in claims.backing_problem("knowledge:subsidy.yml#check_with.phone", "14 044", "k")
    assert "nothing at" in claims.backing_problem("knowledge:subsidy.yml#topics.key=nope.text", "x", "k")
    assert claims.backing_problem("knowledge:postcodes.csv#6218", "6218", "k") is None
    assert "no row" in claims.backing_problem("knowledge:postcodes.csv#6299", "6299", "k")
    assert "not a setting" in claims.backing_problem(
        "setting:handoff_promise_everything", "x", "utter_handoff_intro"
    )
    # a setting backs a reply only when the settings choose that reply
    assert "not chosen" in claims.backing_problem("setting:handoff_accompany", "x", "utter_greet")
    assert claims.backing_problem("staff_file:demo", "x", "utter_handoff_intro_trial") is None
    assert claims.backing_problem("code:bot/privacy.py#DEFAULT_CONVERSATION_DAYS", "30", "k") is None
    assert "is not 31" in claims.backing_problem("code:bot/privacy.py#DEFAULT_CONVERSATION_DAYS", "31", "k")
    registry = claims.load_registry()
    broken = dict(registry, utter_ask_buurt=[{"says": "6218", "backed_by": "knowledge:postcodes.csv#6299"}])
    assert any("utter_ask_buurt" in p and "no row" in p for p in claims.check(broken))


def all_texts():
    for reply in claims.replies():
        yield reply.key, reply.text


def test_the_unsourced_promises_of_the_issue_are_gone():
    for key, text in all_texts():
        lowered = text.lower()
        assert "vraag naar een opbouwwerker" not in lowered, key
        assert "ask for an opbouwwerker" not in lowered, key
        assert not re.search(r"(opbouwwerker|maastricht doet!?) kan u helpen met de aanvraag", lowered), key
        assert "er komt informatie" not in lowered, key
        assert "hoort snel" not in lowered and "meezoeken" not in lowered, key


def test_the_budget_is_the_citys_not_an_amount_per_applicant():
    subsidy = yaml.safe_load((ROOT / "knowledge" / "data" / "subsidy.yml").read_text(encoding="utf-8"))
    topics = {t["key"]: t for t in subsidy["topics"]}
    budget = topics["budget"]["text"]
    assert "125" in budget and "1000 euro" in budget
    assert "budget van de hele stad" in budget and "geen bedrag per aanvraag" in budget
    one = topics["one_per_buurt"]["text"]
    assert "in principe" in one and "niet wenselijk" in one
    from actions.subsidy import topic_for

    assert topic_for("hoeveel geld krijg ik?") == "budget"
