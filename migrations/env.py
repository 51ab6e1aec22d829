"""Alembic environment: one migration history for every table of the project."""
from __future__ import annotations

from alembic import context

from bot.schema import all_metadata
from ontmoet_core.config import load_settings
from ontmoet_core.db import make_engine

config = context.config
url = config.get_main_option("sqlalchemy.url") or load_settings().database_url_resolved
target_metadata = all_metadata()


def run_migrations_offline() -> None:
    context.configure(url=url, target_metadata=target_metadata, literal_binds=True,
                      render_as_batch=url.startswith("sqlite"))
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    engine = make_engine(url)
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata,
                          render_as_batch=url.startswith("sqlite"))
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
