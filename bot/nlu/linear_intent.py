"""Intent classifier: tf-idf of words and character n-grams, logistic regression.

Chosen by measurement for issue 20 (docs/NLU.md, "Choosing config.yml"): on
the held-out development sets (bench/data/nlu_heldout_9_10.yml and _11.yml,
written apart from the training data) this linear model understood residents
better than DIET with or without transformer layers, and it trains in seconds
instead of minutes. Residents' messages are short, with typos, dialect and
English mixed in: sublinear word counts plus character n-grams within words
(2 to 5 letters, robust against "Wittevrouweveld") carry that well.

* words: the tokenizer's lemmas (bot/nlu/tokenizer.py: "woont" -> "wonen"),
  lower case; the raw text where a message has no tokens;
* character n-grams: of the lower-cased text, within word boundaries;
* each block tf-idf with sublinear counts and L2 norm, then side by side;
* scikit-learn's LogisticRegression (multinomial, lbfgs, balanced class
  weights): its probabilities are the intent ranking, and the
  FallbackClassifier after it works on the top one.

Saved without pickle: vocabularies and idf weights as JSON, the coefficients
as a NumPy .npz (loaded with allow_pickle=False), so a model file cannot run
code when it is loaded.
"""
from __future__ import annotations

import json
import logging
from typing import Any, Dict, List, Optional, Sequence, Text

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.nlu.constants import TOKENS_NAMES
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

logger = logging.getLogger(__name__)

COEFFICIENTS = "coefficients.npz"
VOCABULARY = "vocabulary.json"


def word_text(message: Message) -> str:
    """The message's words for the word block: the lemmas, lower case."""
    tokens = message.get(TOKENS_NAMES[TEXT]) or []
    words = [(t.lemma or t.text) for t in tokens if getattr(t, "text", "") != "__CLS__"]
    return " ".join(words).lower() if words else (message.get(TEXT) or "").lower()


def char_text(message: Message) -> str:
    return (message.get(TEXT) or "").lower()


class LinearIntentModel:
    """The plain model (no Rasa types): fit, probabilities, save and load as arrays."""

    def __init__(self, config: Dict[str, Any]) -> None:
        self.config = config
        # scikit-learn TfidfVectorizers and the coefficient arrays, set by fit()
        # or from_files()
        self.word_vectorizer: Any = None
        self.char_vectorizer: Any = None
        self.classes: List[str] = []
        self.coef: Any = None
        self.intercept: Any = None

    def _vectorizers(self):
        from sklearn.feature_extraction.text import TfidfVectorizer

        lo, hi = self.config["word_ngrams"]
        clo, chi = self.config["char_ngrams"]
        # the word block splits on white space: the tokenizer has already cut the text
        words = TfidfVectorizer(sublinear_tf=True, ngram_range=(lo, hi), token_pattern=r"\S+")
        chars = TfidfVectorizer(sublinear_tf=True, analyzer="char_wb", ngram_range=(clo, chi))
        return words, chars

    def _matrix(self, words: Sequence[str], chars: Sequence[str]):
        from scipy.sparse import hstack

        return hstack([self.word_vectorizer.transform(words),
                       self.char_vectorizer.transform(chars)]).tocsr()

    def fit(self, words: Sequence[str], chars: Sequence[str], labels: Sequence[str]) -> None:
        from scipy.sparse import hstack
        from sklearn.linear_model import LogisticRegression

        self.word_vectorizer, self.char_vectorizer = self._vectorizers()
        x = hstack([self.word_vectorizer.fit_transform(words),
                    self.char_vectorizer.fit_transform(chars)]).tocsr()
        clf = LogisticRegression(C=self.config["C"], max_iter=self.config["max_iter"],
                                 class_weight="balanced", random_state=self.config["random_seed"])
        clf.fit(x, list(labels))
        self.classes = [str(c) for c in clf.classes_]
        self.coef = np.asarray(clf.coef_, dtype=np.float32)
        self.intercept = np.asarray(clf.intercept_, dtype=np.float32)

    def probabilities(self, words: Sequence[str], chars: Sequence[str]) -> np.ndarray:
        scores = self._matrix(words, chars) @ self.coef.T + self.intercept
        scores = np.asarray(scores, dtype=np.float64)
        if len(self.classes) == 2:  # scikit-learn keeps one row of coefficients for two classes
            scores = np.hstack([-scores, scores]) / 2
        scores -= scores.max(axis=1, keepdims=True)
        exp = np.exp(scores)
        return exp / exp.sum(axis=1, keepdims=True)

    # ----------------------------------------------------------------- storage

    def to_files(self) -> tuple:
        vocabulary = {
            "classes": self.classes,
            "words": {k: int(v) for k, v in self.word_vectorizer.vocabulary_.items()},
            "chars": {k: int(v) for k, v in self.char_vectorizer.vocabulary_.items()},
        }
        arrays = {"coef": self.coef, "intercept": self.intercept,
                  "word_idf": self.word_vectorizer.idf_, "char_idf": self.char_vectorizer.idf_}
        return vocabulary, arrays

    @classmethod
    def from_files(cls, config: Dict[str, Any], vocabulary: Dict[str, Any],
                   arrays: Dict[str, np.ndarray]) -> "LinearIntentModel":
        model = cls(config)
        words, chars = model._vectorizers()
        words.set_params(vocabulary=vocabulary["words"])
        chars.set_params(vocabulary=vocabulary["chars"])
        # a vectorizer with a fixed vocabulary still needs fit() to set its
        # state; fit on nothing would fail, so fit on one word, then set idf_
        words.fit(["x"])
        chars.fit(["x"])
        words.idf_ = arrays["word_idf"]
        chars.idf_ = arrays["char_idf"]
        model.word_vectorizer, model.char_vectorizer = words, chars
        model.classes = list(vocabulary["classes"])
        model.coef, model.intercept = arrays["coef"], arrays["intercept"]
        return model


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class LinearIntentClassifier(IntentClassifier, GraphComponent):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            "C": 30.0,
            "max_iter": 3000,
            "word_ngrams": [1, 1],
            "char_ngrams": [2, 5],
            "random_seed": 42,
            "ranking_length": 10,
        }

    def __init__(self, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
                 model: Optional[LinearIntentModel] = None) -> None:
        self.config = {**self.get_default_config(), **config}
        self._model_storage = model_storage
        self._resource = resource
        self.model = model

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "LinearIntentClassifier":
        return cls(config, model_storage, resource)

    def train(self, training_data: TrainingData) -> Resource:
        examples = [m for m in training_data.intent_examples if m.get(INTENT) and m.get(TEXT)]
        if len({m.get(INTENT) for m in examples}) < 2:
            logger.warning("LinearIntentClassifier: fewer than two intents in the training data; not trained")
            return self._resource
        model = LinearIntentModel(self.config)
        model.fit([word_text(m) for m in examples], [char_text(m) for m in examples],
                  [m.get(INTENT) for m in examples])
        self.model = model
        vocabulary, arrays = model.to_files()
        with self._model_storage.write_to(self._resource) as directory:
            (directory / VOCABULARY).write_text(json.dumps(vocabulary), encoding="utf-8")
            np.savez(directory / COEFFICIENTS, **arrays)
        return self._resource

    @classmethod
    def load(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> "LinearIntentClassifier":
        merged = {**cls.get_default_config(), **config}
        try:
            with model_storage.read_from(resource) as directory:
                vocabulary = json.loads((directory / VOCABULARY).read_text(encoding="utf-8"))
                with np.load(directory / COEFFICIENTS, allow_pickle=False) as stored:
                    arrays = {key: stored[key] for key in stored.files}
        except (ValueError, FileNotFoundError):
            logger.warning("LinearIntentClassifier: no trained model in the model file")
            return cls(merged, model_storage, resource)
        return cls(merged, model_storage, resource, LinearIntentModel.from_files(merged, vocabulary, arrays))

    def process(self, messages: List[Message]) -> List[Message]:
        todo = [m for m in messages if m.get(TEXT)]
        if self.model is None or not todo:
            return messages
        probabilities = self.model.probabilities([word_text(m) for m in todo], [char_text(m) for m in todo])
        length = int(self.config["ranking_length"])
        for message, row in zip(todo, probabilities, strict=False):
            order = np.argsort(-row)
            ranking = [{"name": self.model.classes[i], "confidence": float(row[i])} for i in order]
            message.set(INTENT, ranking[0], add_to_output=True)
            message.set(INTENT_RANKING_KEY, ranking[:length] if length > 0 else ranking, add_to_output=True)
        return messages
