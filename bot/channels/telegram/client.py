"""Talking to the Bot API: the rate limiter for python-telegram-bot's ExtBot and
the filter that keeps the bot token out of the HTTP logs."""
from __future__ import annotations

import asyncio
import logging
import re
import time
from typing import Any, Awaitable, Callable

from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

from bot.channels.stores import Gcra
from bot.channels.telegram.parse import as_int

logger = logging.getLogger(__name__)

# Endpoints that put a message in a chat (counted by Telegram's flood limits).
_LIMITED_ENDPOINTS = ("send", "edit", "copy", "forward")


class _TokenRedactingFilter(logging.Filter):
    """httpx logs request URLs at INFO; Bot API URLs contain the bot token."""

    _TOKEN = re.compile(r"/bot\d+:[A-Za-z0-9_-]+")

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "/bot" in message:
            record.msg, record.args = self._TOKEN.sub("/bot<token>", message), ()
        return True


def redact_token_in_http_logs() -> None:
    for name in ("httpx", "httpcore", "telegram"):
        log = logging.getLogger(name)
        if not any(isinstance(f, _TokenRedactingFilter) for f in log.filters):
            log.addFilter(_TokenRedactingFilter())



class TelegramRateLimiter(BaseRateLimiter):
    """Keeps sends within Telegram's limits and honours `retry_after`.

    Written here instead of PTB's `AIORateLimiter` because that one needs the
    `aiolimiter` extra and does not limit private chats (about one message a
    second per chat); this one uses the GCRA gate from stores.py with an
    injectable clock and sleep, so tests need no real waiting.
    """

    def __init__(
        self,
        per_chat_period: float = 1.0,
        per_chat_burst: int = 3,
        group_period: float = 3.0,
        overall_period: float = 1 / 30,
        max_retries: int = 3,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
    ) -> None:
        self._chat = Gcra(per_chat_period, per_chat_burst, clock)
        self._group = Gcra(group_period, 1, clock)
        self._overall = Gcra(overall_period, 1, clock)
        self._clock = clock
        self._sleep = sleep
        self.max_retries = max_retries
        self._paused_until = 0.0

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    async def _pause(self, seconds: float) -> None:
        if seconds > 0:
            await self._sleep(seconds)

    async def process_request(self, callback, args, kwargs, endpoint, data, rate_limit_args):
        chat_id = data.get("chat_id") if isinstance(data, dict) else None
        if chat_id is not None and endpoint.startswith(_LIMITED_ENDPOINTS):
            numeric = as_int(chat_id) if not isinstance(chat_id, int) else chat_id
            is_group = numeric is None or numeric < 0
            gate = self._group if is_group else self._chat
            await self._pause(max(gate.reserve(chat_id), self._overall.reserve()))
        retries = self.max_retries if rate_limit_args is None else int(rate_limit_args)
        attempt = 0
        while True:
            await self._pause(self._paused_until - self._clock())
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as exc:
                if attempt >= retries:
                    raise
                attempt += 1
                seconds = retry_after_seconds(exc) + 0.1
                logger.info("telegram: flood control, waiting %.1f s (%s)", seconds, endpoint)
                self._paused_until = max(self._paused_until, self._clock() + seconds)


def retry_after_seconds(exc: RetryAfter) -> float:
    value = getattr(exc, "_retry_after", None)
    if value is None:
        value = exc.retry_after
    return value.total_seconds() if hasattr(value, "total_seconds") else float(value)


