"""config.yml: the one pipeline for make run, the benchmarks and the suite (issue 20).

The choice of settings is measured in docs/NLU.md ("Choosing config.yml").
"""
from __future__ import annotations

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
STORY_POLICIES = {"TEDPolicy", "MemoizationPolicy", "AugmentedMemoizationPolicy",
                  "UnexpecTEDIntentPolicy"}


def load(path: str) -> dict:
    return yaml.safe_load((ROOT / path).read_text(encoding="utf-8"))


def story_count() -> int:
    count = 0
    for path in sorted((ROOT / "dialogue").rglob("*.yml")):
        doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        count += len(doc.get("stories") or [])
    return count


def test_the_suite_trains_the_pipeline_that_runs():
    """No second, smaller configuration: the suite's model is config.yml's."""
    assert not (ROOT / "tests" / "config.test.yml").exists()
    for path in ("Makefile", "scripts/test.sh"):
        text = (ROOT / path).read_text(encoding="utf-8")
        assert "--config config.yml" in text and "--out tests/.models" in text, path


def test_intents_come_from_the_linear_classifier_alone():
    names = [c["name"] for c in load("config.yml")["pipeline"]]
    assert "bot.nlu.linear_intent.LinearIntentClassifier" in names
    assert "DIETClassifier" not in names


def test_story_policies_only_with_stories():
    """dialogue/ holds rules only: TED and memoization would train on nothing
    (Rasa skips them) and only cost time. Whoever adds a story must add TED back,
    or the story is never learned."""
    policies = {p["name"] for p in load("config.yml")["policies"]}
    assert "RulePolicy" in policies
    if story_count():
        assert "TEDPolicy" in policies
    else:
        assert not policies & STORY_POLICIES
