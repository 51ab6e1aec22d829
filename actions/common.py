"""What every action module shares: the knowledge base, opened once per process."""
from __future__ import annotations

from functools import lru_cache

from bot.language import response_variant
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


def response_text(domain, key: str, *, lang=None, reading_level=None, **values) -> str:
    """The text of a domain response (the one place for user-facing text), filled in.

    `lang` / `reading_level`: the variant Rasa would pick for those slots
    (response_variant), else the first."""
    text = response_variant(domain, key, lang, reading_level).get("text", "")
    try:
        return text.format(**values) if values else text
    except (KeyError, IndexError):
        return text
