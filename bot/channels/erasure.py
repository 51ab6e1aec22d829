""""Verwijder mijn gegevens" in the service's own state (issue 15, point 4).

The erasure action runs in the action server; it wipes the queue and the
tracker store. What the assistant *service* keeps per resident lives in its
memory (and, with several replicas, in Redis): the address to write back to,
opbouwwerkers' messages waiting in the outbox, the button tokens offered, the
rest of a long WhatsApp answer, the rate-limit counters. The action cannot
reach those, so after its reply it sends one custom message, the erase marker
(`{"ontmoet_erase_resident_state": true}`). The channel layer never shows it
to the resident: the output channel notes it (bot/channels/output.py) and the
resident-turn pipeline then calls `default_eraser().erase(pseudonym)`, which
runs every forgetter registered by the parts holding such state.

    eraser = default_eraser()
    eraser.register("buttons", registry.forget)       # sync or async, (pseudonym) -> any
    report = await eraser.erase(pseudonym)            # {"buttons": "ok", ...}
"""
from __future__ import annotations

import inspect
import logging
from typing import Any, Callable, Dict, List, Optional, Tuple

logger = logging.getLogger(__name__)

ERASE_MARKER = "ontmoet_erase_resident_state"

Forgetter = Callable[[str], Any]


def erase_marker() -> Dict[str, bool]:
    """The custom json message the erasure action sends after its reply."""
    return {ERASE_MARKER: True}


def is_erase_marker(message: Any) -> bool:
    """True for a bot message (Rasa's dict, or its `custom` part) that is the marker."""
    if not isinstance(message, dict):
        return False
    custom = message.get("custom", message)
    return isinstance(custom, dict) and custom.get(ERASE_MARKER) is True


class ResidentStateEraser:
    def __init__(self) -> None:
        self._forgetters: List[Tuple[str, Forgetter]] = []

    def register(self, name: str, forgetter: Forgetter) -> None:
        self._forgetters.append((name, forgetter))

    @property
    def names(self) -> List[str]:
        return [name for name, _ in self._forgetters]

    async def erase(self, pseudonym: str) -> Dict[str, str]:
        """Run every forgetter; one failing does not stop the others."""
        report: Dict[str, str] = {}
        for name, forgetter in self._forgetters:
            try:
                result = forgetter(pseudonym)
                if inspect.isawaitable(result):
                    await result
                report[name] = "ok"
            except Exception:
                logger.exception("erasure: forgetting %s failed for %s", name, pseudonym)
                report[name] = "failed"
        logger.info("erasure: service state of %s erased (%s)", pseudonym,
                    ", ".join(f"{k}={v}" for k, v in report.items()))
        return report


_default: Optional[ResidentStateEraser] = None


def default_eraser() -> ResidentStateEraser:
    """The process-wide eraser (created on first use, never at import)."""
    global _default
    if _default is None:
        _default = ResidentStateEraser()
    return _default


def reset_default_eraser() -> None:
    """A new empty eraser (a new service app in the same process, tests)."""
    global _default
    _default = None
