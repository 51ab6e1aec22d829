"""A labelled fallback becomes a training example, and the next model understands it.

The chain of docs/KNOWLEDGE.md, with a small NLU-only model (word and character
n-grams, logistic regression; about half a minute per model): messages the
assistant did not understand are collected from the tracker store, labelled,
exported in nlu_data format, added to the training data, and the retrained
model gives them the label.
"""
from __future__ import annotations

import asyncio
import shutil

from bot.insights import review
from bot.insights.collect import collect
from ontmoet_core.config import PROJECT_ROOT
from tests.test_insights import _session, _t, _user, dbs, write_conversation  # noqa: F401

TINY_CONFIG = """\
recipe: default.v1
language: nl
assistant_id: insights-test
pipeline:
  - name: WhitespaceTokenizer
  - name: CountVectorsFeaturizer
  - name: CountVectorsFeaturizer
    analyzer: char_wb
    min_ngram: 2
    max_ngram: 4
  - name: LogisticRegressionClassifier
    random_state: 42
policies: []
"""
LABEL = "ask_place_details"
# Three residents ask whether their dog may come along; the assistant falls back.
ASKED = ["kan mijn hond mee", "mag mijn hond mee naar binnen", "zijn honden welkom bij jullie"]


def _train(tmp_path, name, data_dir):
    from rasa.model_training import train_nlu

    config = tmp_path / "config.yml"
    config.write_text(TINY_CONFIG)
    return train_nlu(str(config), str(data_dir), str(tmp_path / "models"),
                     fixed_model_name=name)


def _intents(model_path, texts):
    from rasa.core.agent import Agent

    agent = Agent.load(model_path)

    async def parse():
        return [(await agent.parse_message(text))["intent"]["name"] for text in texts]

    return asyncio.run(parse())


def test_a_labelled_fallback_trains_the_next_model(dbs, tmp_path):
    engine, tracker_db, _ = dbs
    for index, text in enumerate(ASKED):
        write_conversation(tracker_db, f"re-{index}", [
            _session(_t(index)), _user(text, "nlu_fallback", 0.4, _t(index))])
    collect(f"sqlite:///{tracker_db}", engine)
    items = [item for group in review.groups(engine) for item in group.items]
    assert sorted(i.text for i in items) == sorted(ASKED)
    for item in items:
        review.label(engine, item.id, LABEL, None, "coordinator")
    exported, n = review.export(engine)
    assert n == 3

    data = tmp_path / "nlu_data"
    shutil.copytree(PROJECT_ROOT / "nlu_data", data,
                    ignore=shutil.ignore_patterns("generated"))
    before = _train(tmp_path, "before", data)
    (data / "review-2026-12-01.yml").write_text(exported, encoding="utf-8")
    after = _train(tmp_path, "after", data)

    # Before, the model does not give all three the label (the training data may
    # already carry one of them there); after the labelled examples, it does.
    assert _intents(before, ASKED).count(LABEL) < len(ASKED)
    assert _intents(after, ASKED) == [LABEL] * len(ASKED)
