"""A Dutch tokenizer for Rasa 3.6 without a pretrained model.

`spacy.blank("nl")` splits the text (Dutch rules for "'t", "d'r", "m'n" ...) and
the `lookup` lemmatizer of spacy-lookups-data gives each token its lemma
("buurthuizen" -> "buurthuis", "zocht" -> "zoeken"). The CountVectorsFeaturizer
uses the lemmas (its `use_lemma` default), so plural and past forms share
features with the forms in the training data. A Maastrichts word of the sourced
lexicon (knowledge/data/dialect.yml) gets the Dutch word as its lemma
("daanke" -> "bedankt", "Mestreech" -> "maastricht").
"""
from __future__ import annotations

from functools import lru_cache
from typing import Any, Dict, List, Optional, Text

from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.tokenizers.tokenizer import Token, Tokenizer
from rasa.shared.nlu.training_data.message import Message

from knowledge.datafiles import dialect_words


@lru_cache(maxsize=1)
def dutch_nlp():
    """The blank Dutch pipeline with lookup lemmas (built once per process)."""
    import spacy

    nlp = spacy.blank("nl")
    try:
        nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
        nlp.initialize()
    except Exception:  # pragma: no cover - spacy-lookups-data missing: no lemmas
        nlp = spacy.blank("nl")
    return nlp


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=False
)
class DutchLookupTokenizer(Tokenizer):
    """Tokens and lookup lemmas from spaCy's blank Dutch language."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            "intent_tokenization_flag": False,
            "intent_split_symbol": "_",
            "token_pattern": None,
            "prefix_separator_symbol": None,
        }

    @staticmethod
    def required_packages() -> List[Text]:
        return ["spacy"]

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "DutchLookupTokenizer":
        return cls(config)

    def tokenize(self, message: Message, attribute: Text) -> List[Token]:
        text = message.get(attribute) or ""
        doc = dutch_nlp()(text)
        dialect = dialect_words()
        tokens: List[Token] = []
        for tok in doc:
            if tok.is_space or (tok.is_punct and tok.text not in {"?", "!"}):
                continue
            lemma: Optional[str] = dialect.get(tok.text.lower()) or (tok.lemma_ or tok.text).lower()
            tokens.append(Token(tok.text, tok.idx, lemma=lemma))
        if not tokens and text.strip():
            tokens.append(Token(text.strip(), text.index(text.strip())))
        return self._apply_token_pattern(tokens)
