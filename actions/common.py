"""What every action module shares: the knowledge base, opened once per process."""
from __future__ import annotations

from functools import lru_cache

from ontmoet_core.config import Settings, load_settings


@lru_cache(maxsize=1)
def settings() -> Settings:
    return load_settings()


@lru_cache(maxsize=1)
def knowledge_base():
    """The KnowledgeBase of this action server (opened lazily, on first use)."""
    from knowledge import open_knowledge

    current = settings()
    return open_knowledge(
        current.database_url_resolved,
        current.knowledge_dir,
        include_demo=current.demo_data,
    )


def display_name(name: str) -> str:
    """Place names as residents type them: a plain apostrophe, no typographic one."""
    return name.replace("\u2019", "'").replace("\u2018", "'")


def response_variant(domain, key: str, language, reading_level=None) -> dict:
    """The variant of a domain response Rasa would pick for these slots: among the
    variants whose every condition holds (`language`, `reading_level`), the one with
    the most conditions; else the first (Dutch, B1)."""
    variants = (domain or {}).get("responses", {}).get(key) or [{}]
    slots = {"language": language or "nl", "reading_level": reading_level or "b1"}
    best, best_count = variants[0], 0
    for variant in variants:
        conditions = variant.get("condition") or []
        if conditions and len(conditions) > best_count and all(
                slots.get(c.get("name")) == c.get("value") for c in conditions):
            best, best_count = variant, len(conditions)
    return best


def response_text(domain, key: str, *, lang=None, reading_level=None, **values) -> str:
    """The text of a domain response (the one place for user-facing text), filled in.

    `lang` / `reading_level`: the variant Rasa would pick for those slots
    (response_variant), else the first."""
    text = response_variant(domain, key, lang, reading_level).get("text", "")
    try:
        return text.format(**values) if values else text
    except (KeyError, IndexError):
        return text
