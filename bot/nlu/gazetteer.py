"""Gazetteer entity extractor: buurten, places, place types, target groups, postcodes.

Residents write "mariaberch", "wittevrouweveld", "st pieter", "dousberg hazendans"
or "6224 bk". This component finds those names in a message and gives the
canonical value (the buurt name exactly as in knowledge/data/buurten.yml, the
place name, the place_type and target_group keys of the domain, the postcode in
upper case without space).

The names come from knowledge/ (`knowledge.lookups.build_lookups`, the same
source as nlu_data/generated/lookups.yml) when the model is trained, and are
stored in the model, so a trained model does not read knowledge/ again.

Matching, on normalised words (lower case, no accents, no punctuation):
1. exact: every n-gram (longest first) against every known way of writing a name,
   also without spaces ("wittevrouwen veld" == "wittevrouwenveld");
2. fuzzy: the words left over against buurt and place names with a
   Damerau-Levenshtein / ratio score >= `fuzzy_threshold` (short names need a
   closer match; common Dutch words are never fuzzy-matched).
"""
from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Text, Tuple

from rapidfuzz import process
from rapidfuzz.distance import DamerauLevenshtein
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from knowledge.textnorm import COMMON_WORDS, close_enough, closest_name, normalize

logger = logging.getLogger(__name__)

ENTITY_ORDER = ("place", "buurt", "place_type", "target_group")
FUZZY_ENTITIES = ("buurt", "place")
TABLES_FILE = "gazetteer.json"

# two letters after four digits that are a word, not a postcode ("6218 ik woon")
NOT_POSTCODE_LETTERS = frozenset(
    "ik in op en is de te om er je we ze na al ja of zo nu be at on to".split()
)
POSTCODE_RE = re.compile(r"(?<![0-9])(6[12]\d\d)(?:\s?([A-Za-z]{2}))?(?![0-9A-Za-z])")
WORD_RE = re.compile(r"[0-9A-Za-zÀ-ÖØ-öø-ÿ’'`´]+")


@dataclass(frozen=True)
class Word:
    norm: str
    start: int
    end: int


def words_of(text: str) -> List[Word]:
    """Normalised words with their character span in `text`."""
    out: List[Word] = []
    for match in WORD_RE.finditer(text or ""):
        norm = normalize(match.group(0))
        if norm:
            # "d'r" -> "d r": keep one word per written word
            out.append(Word(norm.replace(" ", ""), match.start(), match.end()))
    return out


def find_postcodes(text: str) -> List[Dict[str, Any]]:
    found = []
    for match in POSTCODE_RE.finditer(text or ""):
        digits, letters = match.group(1), match.group(2)
        end = match.end()
        if letters and letters.lower() in NOT_POSTCODE_LETTERS:
            letters = None
            end = match.start() + 4
        value = digits + (letters.upper() if letters else "")
        found.append({"entity": "postcode", "value": value, "start": match.start(), "end": end})
    return found


def build_tables(data_dir: Optional[str] = None) -> Dict[str, Dict[str, str]]:
    """{entity: {normalised form: canonical value}} from knowledge/ data files."""
    from pathlib import Path

    from knowledge.lookups import build_lookups

    lookups = build_lookups(Path(data_dir) if data_dir else None)
    tables: Dict[str, Dict[str, str]] = {}
    for entity, values in lookups.items():
        table: Dict[str, str] = {}
        for canonical, forms in values.items():
            for form in [canonical, *forms]:
                norm = normalize(form)
                if not norm or norm in COMMON_WORDS:
                    continue
                table.setdefault(norm, canonical)
        tables[entity] = table
    return tables


class Gazetteer:
    """The matching itself (no Rasa types: easy to test and to reuse)."""

    def __init__(self, tables: Dict[str, Dict[str, str]], fuzzy_threshold: float = 85.0,
                 max_ngram: int = 5):
        self.tables = tables
        self.fuzzy_threshold = fuzzy_threshold
        self.max_ngram = max_ngram
        self.compact = {
            entity: {norm.replace(" ", ""): value for norm, value in table.items()}
            for entity, table in tables.items()
        }

    def _exact(self, gram: str) -> Optional[Tuple[str, str]]:
        for entity in ENTITY_ORDER:
            table = self.tables.get(entity) or {}
            if gram in table:
                return entity, table[gram]
        compact = gram.replace(" ", "")
        for entity in ENTITY_ORDER:
            table = self.compact.get(entity) or {}
            if compact in table and len(compact) >= 4:
                return entity, table[compact]
        return None

    def _fuzzy(self, gram: str) -> Optional[Tuple[str, str, float]]:
        best: Optional[Tuple[str, str, float]] = None
        # sound-alike spellings ("caberch", "wijck", "sjarn") are closest_name's sound key
        probes = [gram.replace(" ", "")]
        for entity in FUZZY_ENTITIES:
            table = self.compact.get(entity) or {}
            found = closest_name(probes, list(table), self.fuzzy_threshold)
            if (not found or not close_enough(*found)) and len(probes[0]) >= 5:
                # four letters: only the same sound key ("wykk" = "wyck"), no slip ("heel" != "heer")
                found = self._one_edit(probes, table)
            if not found or not close_enough(*found):
                continue
            alias, score = found
            if best is None or score > best[2]:
                best = (entity, table[alias], score)
        return best

    @staticmethod
    def _one_edit(probes, table: Dict[str, str]) -> Optional[Tuple[str, float]]:
        """One typing slip in a name of four letters or more ("Heugum", "Caberh",
        "Heerr"): one letter wrong, missing, added or two swapped, with the first
        letter right. Scored 90: below an exact or close match."""
        for candidate in probes:
            hit = process.extractOne(candidate, list(table), scorer=DamerauLevenshtein.distance,
                                     score_cutoff=1)
            alias = str(hit[0]) if hit else ""
            if len(alias) >= 4 and alias[0] == candidate[:1]:
                return alias, 90.0
        return None

    def extract(self, text: str) -> List[Dict[str, Any]]:
        """Entities found in `text`, with canonical values and character spans."""
        entities = find_postcodes(text)
        taken = [(e["start"], e["end"]) for e in entities]
        words = words_of(text)
        used = [any(s <= w.start < e for s, e in taken) for w in words]

        def claim(i: int, size: int, entity: str, value: str, confidence: float) -> None:
            for k in range(i, i + size):
                used[k] = True
            entities.append({
                "entity": entity, "value": value,
                "start": words[i].start, "end": words[i + size - 1].end,
                "confidence_entity": round(confidence, 3),
            })

        for fuzzy in (False, True):
            for size in range(min(self.max_ngram, len(words)), 0, -1):
                for i in range(len(words) - size + 1):
                    if any(used[i:i + size]):
                        continue
                    parts = [w.norm for w in words[i:i + size]]
                    gram = " ".join(parts)
                    if not fuzzy:
                        hit = self._exact(gram)
                        if hit:
                            claim(i, size, hit[0], hit[1], 1.0)
                        continue
                    if size > 3 or len(gram.replace(" ", "")) < 4:
                        continue
                    if parts[0] in COMMON_WORDS or parts[-1] in COMMON_WORDS:
                        continue
                    if any(p.isdigit() for p in parts):
                        continue
                    hit3 = self._fuzzy(gram)
                    if hit3:
                        claim(i, size, hit3[0], hit3[1], hit3[2] / 100.0)
        return _merge_split_names(text, sorted(entities, key=lambda e: e["start"]))


def _merge_split_names(text: str, entities: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
    """One entity for a name whose parts were found apart ("Dousberg-Hazedans":
    "Dousberg" exact, "Hazedans" fuzzy, both Dousberg-Hazendans)."""
    out: List[Dict[str, Any]] = []
    for entity in entities:
        last = out[-1] if out else None
        if (last and last["entity"] == entity["entity"] and last["value"] == entity["value"]
                and not text[last["end"]:entity["start"]].strip(" -")):
            last["end"] = entity["end"]
            if "confidence_entity" in last:
                last["confidence_entity"] = min(last["confidence_entity"], entity["confidence_entity"])
            continue
        out.append(dict(entity))
    return out


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=True
)
class GazetteerEntityExtractor(GraphComponent, EntityExtractorMixin):
    """Rasa component around `Gazetteer` (buurt, place, place_type, target_group, postcode)."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            "fuzzy_threshold": 85.0,
            "max_ngram": 5,
            # None: knowledge/data of this project
            "data_dir": None,
        }

    def __init__(self, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
                 tables: Optional[Dict[str, Dict[str, str]]] = None):
        self._config = config
        self._model_storage = model_storage
        self._resource = resource
        self._gazetteer: Optional[Gazetteer] = None
        if tables:
            self._set_tables(tables)

    def _set_tables(self, tables: Dict[str, Dict[str, str]]) -> None:
        self._gazetteer = Gazetteer(tables, float(self._config.get("fuzzy_threshold", 85.0)),
                                    int(self._config.get("max_ngram", 5)))

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "GazetteerEntityExtractor":
        return cls(config, model_storage, resource)

    def train(self, training_data: TrainingData) -> Resource:
        tables = build_tables(self._config.get("data_dir"))
        self._set_tables(tables)
        with self._model_storage.write_to(self._resource) as directory:
            (directory / TABLES_FILE).write_text(json.dumps(tables, ensure_ascii=False), encoding="utf-8")
        return self._resource

    @classmethod
    def load(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> "GazetteerEntityExtractor":
        tables = None
        try:
            with model_storage.read_from(resource) as directory:
                tables = json.loads((directory / TABLES_FILE).read_text(encoding="utf-8"))
        except (ValueError, FileNotFoundError) as exc:
            logger.warning("Gazetteer tables missing from the model (%s): building them from knowledge/", exc)
        if not tables:
            tables = build_tables(config.get("data_dir"))
        return cls(config, model_storage, resource, tables)

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        if self._gazetteer is None:
            self._set_tables(build_tables(self._config.get("data_dir")))
        for message in messages:
            text = message.get(TEXT)
            if not text or text.startswith("/"):
                continue
            found = self._gazetteer.extract(text) if self._gazetteer is not None else None
            if not found:
                continue
            found = self.add_extractor_name(found)
            message.set(ENTITIES, message.get(ENTITIES, []) + found, add_to_output=True)
        return messages
