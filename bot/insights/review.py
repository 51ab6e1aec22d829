"""The review queue: what went wrong, grouped, labelled, exported as training data.

    groups(engine)                          open items grouped by similar wording
    label(engine, item_id, intent, example, by)
    mark_out_of_scope(engine, item_id, by)
    export(engine, now=...) -> (yaml_text, n)   labelled items in nlu_data format
    purge(engine, older_than, now)          the conversation retention
    erase_resident(engine, resident_key)    "verwijder mijn gegevens"

Grouping uses RapidFuzz (token-set similarity of the masked text without the
placeholders, lower-cased and without punctuation):
an item joins the first group whose first item is at least `threshold` similar.
An example may carry entities in Rasa's markup ("[Malberg](buurt)"); intents and
entities are checked against the domain. The export is a file for review
(`var/review/…yml` by default), not a change to `nlu_data/`: a person reads it,
moves it into `nlu_data/` and commits it (docs/KNOWLEDGE.md).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Dict, FrozenSet, List, Optional, Sequence, Tuple

import yaml
from sqlalchemy import delete, select, update
from sqlalchemy.engine import Engine

from bot.insights.masking import PLACEHOLDERS
from bot.insights.models import EXPORTED, LABELLED, NEW, OUT_OF_SCOPE, Conversation, ReviewItem
from ontmoet_core.config import PROJECT_ROOT

DOMAIN_FILE = PROJECT_ROOT / "domain.yml"
GROUP_THRESHOLD = 65.0
# Intents that are never a label: made by components or buttons, not by people.
_NOT_LABELS = {"nlu_fallback", "inform_location", "inform_handoff", "share_location"}


class ReviewError(ValueError):
    """A label that cannot become a training example (unknown intent, bad markup).

    `code` names the staff text `insights_err_<code>` (bot/handoff/staff_texts.yml)."""

    CODES = ("not_found", "unknown_intent", "empty", "too_long", "bad_markup",
             "unknown_entity", "placeholder")

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code
        self.detail = detail

    def text(self) -> str:
        from bot.handoff.texts import staff_text

        return staff_text(f"insights_err_{self.code}", detail=self.detail)


@dataclass(frozen=True)
class Item:
    id: int
    created_at: dt.datetime
    reason: str
    text: str
    language: Optional[str]
    predicted_intent: Optional[str]
    confidence: Optional[float]
    status: str
    label_intent: Optional[str]
    label_example: Optional[str]
    labelled_by: Optional[str]


@dataclass
class Group:
    key: str  # the first item's text
    items: List[Item]

    @property
    def size(self) -> int:
        return len(self.items)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


def _naive(value: Optional[dt.datetime]) -> Optional[dt.datetime]:
    if value is not None and value.tzinfo is not None:
        return value.astimezone(dt.timezone.utc).replace(tzinfo=None)
    return value


@lru_cache(maxsize=4)
def domain_vocabulary(domain_file: Path = DOMAIN_FILE) -> Tuple[Tuple[str, ...], FrozenSet[str]]:
    """(intents a person may label with, sorted; entity names) from domain.yml."""
    intents, entities = set(), set()
    data = yaml.safe_load(Path(domain_file).read_text(encoding="utf-8")) or {}
    for intent in data.get("intents") or []:
        intents.add(next(iter(intent)) if isinstance(intent, dict) else str(intent))
    for entity in data.get("entities") or []:
        entities.add(next(iter(entity)) if isinstance(entity, dict) else str(entity))
    return tuple(sorted(intents - _NOT_LABELS)), frozenset(entities)


def _row_item(row) -> Item:
    return Item(id=row.id, created_at=row.created_at, reason=row.reason, text=row.text,
                language=row.language, predicted_intent=row.predicted_intent,
                confidence=row.confidence, status=row.status, label_intent=row.label_intent,
                label_example=row.label_example, labelled_by=row.labelled_by)


def items(engine: Engine, statuses: Sequence[str] = (NEW,), limit: int = 500) -> List[Item]:
    table = ReviewItem.__table__
    query = select(table).where(table.c.status.in_(list(statuses))).order_by(
        table.c.created_at.desc(), table.c.id.desc()).limit(limit)
    with engine.connect() as connection:
        return [_row_item(row) for row in connection.execute(query)]


def _similarity_key(text: str) -> str:
    for placeholder in PLACEHOLDERS:
        text = text.replace(placeholder, " ")
    return " ".join(text.casefold().split())


def group_items(found: Sequence[Item], threshold: float = GROUP_THRESHOLD) -> List[Group]:
    """Items grouped by similar wording; the largest groups first."""
    from rapidfuzz import fuzz, utils

    groups: List[Group] = []
    keys: List[str] = []
    for item in found:
        key = _similarity_key(item.text)
        best, best_score = None, 0.0
        for index, other in enumerate(keys):
            score = fuzz.token_set_ratio(key, other, processor=utils.default_process)
            if score >= threshold and score > best_score:
                best, best_score = index, score
        if best is None:
            groups.append(Group(key=item.text, items=[item]))
            keys.append(key)
        else:
            groups[best].items.append(item)
    return sorted(groups, key=lambda g: (-g.size, -g.items[0].id))


def groups(engine: Engine, threshold: float = GROUP_THRESHOLD) -> List[Group]:
    return group_items(items(engine, (NEW,)), threshold)


def validate_example(intent: str, example: str, domain_file: Path = DOMAIN_FILE) -> str:
    """The cleaned example, or ReviewError when it cannot become training data."""
    from rasa.shared.nlu.training_data.entities_parser import (
        find_entities_in_training_example,
        replace_entities,
    )

    intents, entities = domain_vocabulary(Path(domain_file))
    if intent not in intents:
        raise ReviewError("unknown_intent", intent)
    example = " ".join((example or "").split())
    if not example:
        raise ReviewError("empty")
    if len(example) > 500:
        raise ReviewError("too_long")
    try:
        found = find_entities_in_training_example(example)
        plain = replace_entities(example)
    except Exception as exc:  # Rasa raises on broken JSON in {...} markup
        raise ReviewError("bad_markup") from exc
    for entity in found:
        if entity["entity"] not in entities:
            raise ReviewError("unknown_entity", entity["entity"])
    if any(placeholder in plain for placeholder in PLACEHOLDERS):
        # A masked placeholder is no training text: the coordinator rewrites it.
        raise ReviewError("placeholder")
    if "[" in plain or "](" in example and not found:
        raise ReviewError("bad_markup")
    return example


def label(engine: Engine, item_id: int, intent: str, example: Optional[str], by: str,
          now: Optional[dt.datetime] = None) -> Item:
    """Label an open item with an intent (example defaults to the masked text)."""
    table = ReviewItem.__table__
    with engine.begin() as connection:
        row = connection.execute(select(table).where(table.c.id == item_id)).first()
        if row is None:
            raise ReviewError("not_found")
        example = validate_example(intent, example if example else row.text)
        connection.execute(update(table).where(table.c.id == item_id).values(
            status=LABELLED, label_intent=intent, label_example=example, labelled_by=by,
            labelled_at=_naive(now) or _now(), exported_at=None))
        return _row_item(connection.execute(select(table).where(table.c.id == item_id)).first())


def mark_out_of_scope(engine: Engine, item_id: int, by: str,
                      now: Optional[dt.datetime] = None) -> None:
    table = ReviewItem.__table__
    with engine.begin() as connection:
        result = connection.execute(update(table).where(table.c.id == item_id).values(
            status=OUT_OF_SCOPE, label_intent=None, label_example=None, labelled_by=by,
            labelled_at=_naive(now) or _now()))
        if result.rowcount != 1:
            raise ReviewError("not_found")


def training_yaml(examples: Dict[str, List[str]], comment: str = "") -> str:
    """Rasa NLU training data (version 3.1) with one block per intent."""
    lines: List[str] = []
    if comment:
        lines.extend(f"# {line}" for line in comment.splitlines())
    lines.append('version: "3.1"')
    lines.append("nlu:" if examples else "nlu: []")
    for intent in sorted(examples):
        lines.append(f"  - intent: {intent}")
        lines.append("    examples: |")
        for example in sorted(set(examples[intent])):
            lines.append(f"      - {example}")
    return "\n".join(lines) + "\n"


def export(engine: Engine, now: Optional[dt.datetime] = None, include_exported: bool = False,
           mark: bool = True) -> Tuple[str, int]:
    """(training data in nlu_data format, number of examples) of the labelled items.

    Marks them exported (status `geexporteerd`) unless `mark` is False.
    """
    table = ReviewItem.__table__
    now = _naive(now) or _now()
    statuses = [LABELLED, EXPORTED] if include_exported else [LABELLED]
    with engine.begin() as connection:
        rows = connection.execute(select(table).where(table.c.status.in_(statuses))
                                  .order_by(table.c.id)).all()
        examples: Dict[str, List[str]] = {}
        for row in rows:
            examples.setdefault(row.label_intent, []).append(row.label_example)
        if mark and rows:
            connection.execute(update(table).where(table.c.id.in_([r.id for r in rows]))
                               .values(status=EXPORTED, exported_at=now))
    comment = (f"Gelabelde berichten uit de reviewwachtrij, geëxporteerd {now:%Y-%m-%d %H:%M} UTC.\n"
               "Lees dit na, zet het in nlu_data/ en commit het (docs/KNOWLEDGE.md).")
    return training_yaml(examples, comment), sum(len(v) for v in examples.values())


def counts(engine: Engine) -> Dict[str, int]:
    from sqlalchemy import func

    table = ReviewItem.__table__
    with engine.connect() as connection:
        rows = connection.execute(select(table.c.status, func.count())
                                  .group_by(table.c.status)).all()
    return {status: int(n) for status, n in rows}


def purge(engine: Engine, older_than: dt.timedelta, now: Optional[dt.datetime] = None
          ) -> Dict[str, int]:
    """The conversation retention: review items older than `older_than` are
    deleted; conversations lose their pseudonym (the anonymous row stays)."""
    cutoff = (_naive(now) or _now()) - older_than
    items_table = ReviewItem.__table__
    conversations = Conversation.__table__
    with engine.begin() as connection:
        deleted = connection.execute(
            delete(items_table).where(items_table.c.created_at < cutoff)).rowcount or 0
        anonymised = connection.execute(
            update(conversations).where(conversations.c.last_at < cutoff,
                                        conversations.c.resident_key.isnot(None))
            .values(resident_key=None)).rowcount or 0
    return {"review_items": deleted, "conversations_anonymised": anonymised}


def erase_resident(engine: Engine, resident_key: str) -> Dict[str, int]:
    """Erase one resident's review items; their conversations lose the pseudonym."""
    items_table = ReviewItem.__table__
    conversations = Conversation.__table__
    with engine.begin() as connection:
        deleted = connection.execute(
            delete(items_table).where(items_table.c.resident_key == resident_key)).rowcount or 0
        connection.execute(update(conversations)
                           .where(conversations.c.resident_key == resident_key)
                           .values(resident_key=None))
    return {"review_items": deleted}
