"""The intents a form treats as "not an answer" are the domain's intents, and every
domain intent is placed: either it ends the question (NOT_AN_ANSWER) or it may be
an answer. A new intent in domain.yml must be put on one side here."""
from __future__ import annotations

import ast
from pathlib import Path

import yaml

from actions.handoff import NOT_AN_ANSWER

ROOT = Path(__file__).resolve().parent.parent
# intents a resident may use to answer a form question ("ja", "nee", a buurt,
# a location, a reason in their own words ...), or that the form hands to a rule itself
MAY_BE_AN_ANSWER = {
    "affirm", "deny", "inform_handoff", "inform_location", "share_location", "nlu_fallback",
    "out_of_scope", "greet", "thank", "more_places", "next_step", "request_human",
    "request_toeleiding", "volunteer", "start_initiative", "board_support",
}


def domain_intents() -> set:
    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    return {i if isinstance(i, str) else next(iter(i)) for i in domain["intents"]}


def allowed_in_forms() -> set:
    """The intents passed as `allow=(...)` to `_answering` (a question that takes them)."""
    found = set()
    for path in [*ROOT.glob("actions/*.py"), *ROOT.glob("bot/**/*.py")]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", "")) \
                    == "_answering":
                for keyword in node.keywords:
                    if keyword.arg == "allow":
                        found |= set(ast.literal_eval(keyword.value))
    return found


def test_not_an_answer_names_only_domain_intents():
    assert sorted(NOT_AN_ANSWER - domain_intents()) == []


def test_intents_allowed_as_answers_are_domain_intents():
    allowed = allowed_in_forms()
    assert allowed, "no _answering(..., allow=...) calls found"
    assert sorted(allowed - domain_intents()) == []


def test_every_domain_intent_is_placed_once():
    assert NOT_AN_ANSWER & MAY_BE_AN_ANSWER == set()
    assert sorted(domain_intents() - NOT_AN_ANSWER - MAY_BE_AN_ANSWER) == []
    assert sorted(MAY_BE_AN_ANSWER - domain_intents()) == []
