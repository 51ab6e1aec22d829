"""The NLU training data, the held-out test set and the replies (issue 4)."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
NLU_DIR = ROOT / "nlu_data"
TEST_FILE = ROOT / "tests" / "nlu_test_data.yml"
DOMAIN_FILE = ROOT / "domain.yml"
SAFETY_OWNED = {"crisis", "express_loneliness"}
CONTRACT = {
    "greet", "goodbye", "thank", "affirm", "deny", "help", "bot_challenge",
    "find_meeting_place", "find_activity", "inform_location", "ask_place_details",
    "ask_subsidy", "start_initiative", "request_toeleiding", "request_human",
    "handoff_status", "cancel_request", "volunteer", "board_support", "privacy_info",
    "delete_my_data", "out_of_scope",
}
ANNOTATION = re.compile(r"\[([^\]]+)\](\([^)]*\)|\{[^}]*\})")


def plain(example: str) -> str:
    text = ANNOTATION.sub(lambda m: m.group(1), example)
    return " ".join(re.sub(r"[^\w\s]", " ", text.lower()).split())


def examples_by_intent(files):
    out = {}
    for path in files:
        doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for item in doc.get("nlu") or []:
            if "intent" in item:
                lines = [line.strip()[2:] for line in item["examples"].splitlines()
                         if line.strip().startswith("- ")]
                out.setdefault(item["intent"], []).extend(lines)
    return out


def training_files():
    return [p for p in sorted(NLU_DIR.rglob("*.yml")) if "generated" not in p.parts]


def test_no_test_sentence_is_a_training_sentence():
    train = {plain(e) for exs in examples_by_intent(training_files()).values() for e in exs}
    test = [e for exs in examples_by_intent([TEST_FILE]).values() for e in exs]
    overlap = sorted(e for e in test if plain(e) in train)
    assert overlap == []


def test_every_contract_intent_has_varied_training_data_and_test_sentences():
    train = examples_by_intent(training_files())
    test = examples_by_intent([TEST_FILE])
    for intent in CONTRACT:
        assert len(set(train.get(intent, []))) >= 15, intent
        assert len(test.get(intent, [])) >= 5, intent


def test_core_intents_have_english_examples():
    english = re.compile(r"\b(the|you|my|i|what|where|can|is there|thanks?|please)\b")
    train = examples_by_intent(training_files())
    for intent in ("greet", "goodbye", "thank", "help", "bot_challenge", "find_meeting_place",
                   "ask_subsidy", "request_human", "out_of_scope"):
        assert any(english.search(e.lower()) for e in train[intent]), intent


def test_no_training_sentence_has_two_intents():
    seen = {}
    for intent, exs in examples_by_intent(training_files()).items():
        for e in exs:
            key = plain(e)
            assert seen.setdefault(key, intent) == intent, f"'{e}' in {seen[key]} and {intent}"


def test_my_intents_are_in_the_domain_and_safety_intents_are_not_mine():
    domain_intents = set()
    doc = yaml.safe_load(DOMAIN_FILE.read_text(encoding="utf-8")) or {}
    for intent in doc.get("intents") or []:
        domain_intents.add(intent if isinstance(intent, str) else next(iter(intent)))
    assert CONTRACT <= domain_intents
    mine = examples_by_intent([p for p in training_files()
                               if p.name not in {"safety.yml", "language.yml"}])
    assert not (SAFETY_OWNED & set(mine))


def all_responses():
    return (yaml.safe_load(DOMAIN_FILE.read_text(encoding="utf-8")) or {}).get("responses") or {}


def response_features():
    """{response name: feature} from the section headers (`  # ==== places ====`) of
    the `responses:` key of domain.yml."""
    features, feature, inside = {}, None, False
    for line in DOMAIN_FILE.read_text(encoding="utf-8").splitlines():
        if re.match(r"^[a-z_]+:", line):
            inside = line.startswith("responses:")
            continue
        header = re.match(r"^  # ==== (\w+) =+$", line)
        if inside and header:
            feature = header.group(1)
        name = re.match(r"^  (\w+):", line)
        if inside and name:
            features[name.group(1)] = feature
    return features


def responses(features):
    """The responses of these features (sections of domain.yml)."""
    of = response_features()
    return {name: variants for name, variants in all_responses().items() if of[name] in features}


def test_every_response_sits_in_a_feature_section():
    features = response_features()
    assert set(features) == set(all_responses())
    assert set(features.values()) == {"core", "places", "subsidy", "handoff", "safety", "privacy",
                                      "language", "reminders"}
    assert features["utter_greet"] == "core" and features["utter_crisis"] == "safety"


MY_DOMAIN = ("core", "places", "subsidy", "privacy")


@pytest.mark.parametrize("name,variants", sorted(all_responses().items()))
def test_replies_are_short_and_choices_are_buttons(name, variants):
    for variant in variants:
        text = re.sub(r"\{[a-z_]+\}", "x", variant.get("text", ""))
        assert len(text.split()) <= 60, name
        # at most one question a message
        assert text.count("?") <= 2, name
        for button in variant.get("buttons") or []:
            assert button["payload"].startswith("/"), name
            assert len(button["title"]) <= 30, name


def test_municipal_number_is_the_sourced_one():
    texts = " ".join(v.get("text", "") for vs in responses(MY_DOMAIN).values() for v in vs)
    assert "14 043" in texts
    # any phone-like number in a reply is the gemeente's 14 043
    for number in re.findall(r"\b\d[\d ]{3,}\d\b", texts):
        assert number in {"14 043", "6218"} or len(number) == 4, number
