"""config.yml (make run, benchmarks) and tests/config.test.yml (the suite), issue 20.

The choice of settings is measured in docs/NLU.md ("Choosing config.yml"); these
tests keep the two files honest about what they share and about the policies.
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


def test_the_suite_tests_the_components_that_run():
    full = [c["name"] for c in load("config.yml")["pipeline"]]
    test = [c["name"] for c in load("tests/config.test.yml")["pipeline"]]
    assert full == test


def test_the_classifier_settings_are_the_same_apart_from_epochs():
    def diet(path):
        (component,) = [c for c in load(path)["pipeline"] if c["name"] == "DIETClassifier"]
        return {k: v for k, v in component.items() if k != "epochs"}

    assert diet("config.yml") == diet("tests/config.test.yml")


def test_story_policies_only_with_stories():
    """dialogue/ holds rules only: TED and memoization would train on nothing
    (Rasa skips them) and only cost time. Whoever adds a story must add TED back,
    or the story is never learned."""
    for path in ("config.yml", "tests/config.test.yml"):
        policies = {p["name"] for p in load(path)["policies"]}
        assert "RulePolicy" in policies, path
        if story_count():
            assert "TEDPolicy" in policies, path
        else:
            assert not policies & STORY_POLICIES, path
