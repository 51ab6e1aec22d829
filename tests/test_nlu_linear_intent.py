"""The linear intent classifier (bot/nlu/linear_intent.py): trains, ranks, saves without pickle."""
from __future__ import annotations

import numpy as np
import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.linear_intent import COEFFICIENTS, LinearIntentClassifier, LinearIntentModel
from bot.nlu.tokenizer import DutchLookupTokenizer

EXAMPLES = {
    "find_meeting_place": ["waar kan ik mensen ontmoeten", "is er een huiskamer in de buurt",
                           "ik zoek een buurthuis", "waar kan ik koffie drinken met anderen"],
    "ask_subsidy": ["hoe vraag ik subsidie aan", "krijg ik geld voor een initiatief",
                    "subsidie kracht van de samenleving", "welke subsidie is er voor vrijwilligers"],
    "express_loneliness": ["ik ben zo alleen", "ik voel me eenzaam", "niemand komt bij mij",
                           "ik ben eenzaam sinds mijn man dood is"],
}


def messages(texts):
    return [Message(data={TEXT: t}) for t in texts]


def training_data():
    return TrainingData([Message(data={TEXT: t, INTENT: i}) for i, ts in EXAMPLES.items() for t in ts])


@pytest.fixture()
def storage(tmp_path):
    (tmp_path / "storage").mkdir()
    return LocalModelStorage(tmp_path / "storage")


def context():
    return ExecutionContext(GraphSchema({}), "test")


def tokenizer():
    return DutchLookupTokenizer.create(DutchLookupTokenizer.get_default_config(), None, None, context())


def trained(storage):
    data = training_data()
    tokenizer().process_training_data(data)
    resource = Resource("linear_intent")
    component = LinearIntentClassifier.create(LinearIntentClassifier.get_default_config(), storage,
                                              resource, context())
    component.train(data)
    return component, resource


def test_ranks_every_intent_and_picks_the_right_one(storage):
    component, _ = trained(storage)
    msgs = messages(["is er een huiskamr bij mij in de buurt", "ik voel me zo eenzaam",
                     "subsidie aanvragen voor mijn buurt"])
    tokenizer().process(msgs)
    component.process(msgs)
    assert [m.get(INTENT)["name"] for m in msgs] == ["find_meeting_place", "express_loneliness",
                                                     "ask_subsidy"]
    for m in msgs:
        ranking = m.get(INTENT_RANKING_KEY)
        assert {r["name"] for r in ranking} == set(EXAMPLES)
        assert sum(r["confidence"] for r in ranking) == pytest.approx(1.0)
        assert ranking[0]["confidence"] == m.get(INTENT)["confidence"] > ranking[1]["confidence"]


def test_loads_from_the_model_file_with_the_same_answers(storage):
    component, resource = trained(storage)
    texts = ["waar kan ik mensen zien", "geld voor vrijwilligers", "alleen thuis"]
    before, after = messages(texts), messages(texts)
    tokenizer().process(before)
    tokenizer().process(after)
    component.process(before)
    loaded = LinearIntentClassifier.load(LinearIntentClassifier.get_default_config(), storage,
                                         resource, context())
    loaded.process(after)
    for a, b in zip(before, after, strict=False):
        assert a.get(INTENT)["name"] == b.get(INTENT)["name"]
        assert a.get(INTENT)["confidence"] == pytest.approx(b.get(INTENT)["confidence"], abs=1e-5)


def test_the_model_file_holds_no_pickle(storage):
    _, resource = trained(storage)
    with storage.read_from(resource) as directory:
        with np.load(directory / COEFFICIENTS, allow_pickle=False) as stored:
            assert set(stored.files) == {"coef", "intercept", "word_idf", "char_idf"}
            assert all(stored[k].dtype != object for k in stored.files)


def test_words_are_the_lemmas():
    model = LinearIntentModel(LinearIntentClassifier.get_default_config())
    model.fit(["wonen in malberg", "subsidie aanvragen"], ["wonen in malberg", "subsidie aanvragen"],
              ["inform_location", "ask_subsidy"])
    probabilities = model.probabilities(["wonen"], ["woont"])
    assert probabilities.shape == (1, 2)
    assert model.classes[int(probabilities.argmax())] == "inform_location"


def test_an_untrained_classifier_leaves_messages_alone(storage):
    component = LinearIntentClassifier.create(LinearIntentClassifier.get_default_config(), storage,
                                              Resource("empty"), context())
    msgs = messages(["hallo"])
    component.process(msgs)
    assert msgs[0].get(INTENT) is None
