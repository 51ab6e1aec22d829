"""Notice when a custom action failed during one resident message.

When the action server is down or too slow, Rasa logs the error, drops the
action's events and carries on predicting; the resident would then get the
fallback "Sorry, dat begreep ik niet" for a question that was understood. The
resident-turn pipeline (bot/channels/pipeline.py) watches each message instead:

    with watching_actions() as failed:
        await on_new_message(UserMessage(...))
    if failed: ...say the catalogue's technical_problem...

`bot.rasa_compat.install_action_watch()` (called once by bot/service.py) wraps
Rasa's RemoteAction.run so that a failure is recorded in the watch of the
message being handled (a context variable: concurrent messages never see each
other's failures). Form validation rejections are normal dialogue, not failures.
Output channels built on MessageOutputChannel stay quiet once an action failed:
the hold-back is in their send_response, the one method Rasa's processor calls.
"""
from __future__ import annotations

import logging
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Iterator, List, Optional

logger = logging.getLogger(__name__)

_failed: ContextVar[Optional[List[str]]] = ContextVar("ontmoet_failed_actions", default=None)


def record_failure(action_name: str) -> None:
    failed = _failed.get()
    if failed is not None:
        failed.append(action_name)
        logger.warning("custom action %s failed for this message", action_name)


def action_failed() -> bool:
    """True when a custom action failed while handling the current message."""
    return bool(_failed.get())


@contextmanager
def watching_actions() -> Iterator[List[str]]:
    """Collect the names of custom actions that fail inside this block."""
    failed: List[str] = []
    token = _failed.set(failed)
    try:
        yield failed
    finally:
        _failed.reset(token)
