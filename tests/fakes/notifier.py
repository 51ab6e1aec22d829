"""A staff notifier that keeps what it was told (bot.handoff.routing.Notifier)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import List, Tuple

from bot.handoff.routing import StaffMember


@dataclass
class RecordingNotifier:
    """Keeps every notification in memory: [(username, text), ...]."""

    sent: List[Tuple[str, str]] = field(default_factory=list)

    async def notify(self, staff: StaffMember, text: str) -> bool:
        self.sent.append((staff.username, text))
        return True

    def to(self, username: str) -> List[str]:
        return [text for user, text in self.sent if user == username]
