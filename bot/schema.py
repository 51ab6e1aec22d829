"""Every SQLAlchemy MetaData of the project, for Alembic and tests."""
from __future__ import annotations

from typing import List

from sqlalchemy import MetaData


def all_metadata() -> List[MetaData]:
    from bot.handoff.models import Base as HandoffBase
    from bot.insights.models import Base as InsightsBase
    from bot.precheck.store import metadata as PrecheckMetadata
    from bot.reminders.models import Base as RemindersBase
    from bot.staff import models as _staff_models  # noqa: F401  (tables on HandoffBase)
    from knowledge.gaps import Base as GapsBase
    from knowledge.models import Base as KnowledgeBase
    from ontmoet_core.keys import metadata as KeysMetadata

    return [KnowledgeBase.metadata, HandoffBase.metadata, KeysMetadata, InsightsBase.metadata,
            GapsBase.metadata, RemindersBase.metadata, PrecheckMetadata]
