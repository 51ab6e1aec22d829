"""What every action module shares: the knowledge base, opened once per process."""
from __future__ import annotations

from functools import lru_cache

from bot.config import Settings, load_settings


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


def response_variant(domain, key: str, language: str) -> dict:
    """The variant of a domain response for a conversation language (the one
    whose condition is `language == <language>`), else the first (Dutch)."""
    variants = (domain or {}).get("responses", {}).get(key) or [{}]
    for variant in variants:
        conditions = variant.get("condition") or []
        if any(c.get("name") == "language" and c.get("value") == language for c in conditions):
            return variant
    return variants[0]


def response_text(domain, key: str, **values) -> str:
    """The text of a domain response (the one place for user-facing text), filled in."""
    variants = (domain or {}).get("responses", {}).get(key) or [{}]
    text = variants[0].get("text", "")
    try:
        return text.format(**values) if values else text
    except (KeyError, IndexError):
        return text
