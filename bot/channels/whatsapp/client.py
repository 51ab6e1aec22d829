"""The Graph API client: POST .../messages with retry, back-off and the pair
rate limit, and WhatsApp's 24-hour customer service window."""
from __future__ import annotations

import asyncio
import logging
import random
import time
from dataclasses import dataclass
from typing import Any, Awaitable, Callable, Dict, Optional

import httpx

from bot.channels.stores import Gcra

logger = logging.getLogger(__name__)

WINDOW_SECONDS = 24 * 3600
WINDOW_MARGIN_SECONDS = 5 * 60  # do not try a free-form send in the last minutes
# Graph error codes worth retrying (rate limits, temporary errors).
RETRY_ERROR_CODES = {4, 80007, 130429, 131000, 131016, 131056, 133004}
ERROR_OUTSIDE_WINDOW = 131047


def window_open(last_inbound: Optional[float], now: float) -> bool:
    """Within WhatsApp's 24-hour customer service window (with a safety margin)."""
    return last_inbound is not None and now - last_inbound < WINDOW_SECONDS - WINDOW_MARGIN_SECONDS


@dataclass
class SendResult:
    ok: bool
    status: int = 0
    message_id: str = ""
    error_code: Optional[int] = None
    attempts: int = 0


class GraphClient:
    """POST {graph_url}/{phone_number_id}/messages with retry, back-off and the
    pair rate limit (per recipient: bursts of `pair_burst`, then one per
    `pair_period` seconds)."""

    def __init__(
        self,
        graph_url: str,
        phone_number_id: str,
        token: str,
        *,
        http: Optional[httpx.AsyncClient] = None,
        max_retries: int = 4,
        base_delay: float = 0.5,
        max_delay: float = 30.0,
        pair_period: float = 6.0,
        pair_burst: int = 10,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
    ) -> None:
        self.url = f"{graph_url.rstrip('/')}/{phone_number_id}/messages"
        self.token = token
        self._http = http
        self.max_retries = max_retries
        self.base_delay = base_delay
        self.max_delay = max_delay
        self._pair = Gcra(pair_period, pair_burst, clock)
        self._sleep = sleep

    def _client(self) -> httpx.AsyncClient:
        if self._http is None:
            self._http = httpx.AsyncClient(timeout=httpx.Timeout(10.0, connect=5.0))
        return self._http

    async def close(self) -> None:
        if self._http is not None:
            await self._http.aclose()
            self._http = None

    async def _wait(self, seconds: float) -> None:
        if seconds > 0:
            await self._sleep(seconds)

    def _backoff(self, attempt: int, retry_after: Optional[float]) -> float:
        if retry_after is not None:
            return min(self.max_delay, retry_after)
        delay = min(self.max_delay, self.base_delay * (2 ** attempt))
        return delay * (0.8 + 0.4 * random.random())  # jitter

    async def send(self, to: str, message: Dict[str, Any]) -> SendResult:
        payload = {"messaging_product": "whatsapp", "recipient_type": "individual", "to": to, **message}
        await self._wait(self._pair.reserve(to))
        attempt = 0
        while True:
            status, code, body, retry_after = 0, None, {}, None
            try:
                reply = await self._client().post(
                    self.url, json=payload, headers={"Authorization": f"Bearer {self.token}"}
                )
                status = reply.status_code
                try:
                    body = reply.json()
                except ValueError:
                    body = {}
                header = reply.headers.get("Retry-After")
                if header and header.isdigit():
                    retry_after = float(header)
            except httpx.HTTPError as exc:
                logger.info("whatsapp: send failed (%s)", type(exc).__name__)
                status = 0
            if 200 <= status < 300:
                ids = body.get("messages") if isinstance(body, dict) else None
                message_id = (
                    ids[0].get("id", "") if isinstance(ids, list) and ids and isinstance(ids[0], dict) else ""
                )
                return SendResult(True, status, message_id, attempts=attempt + 1)
            error = body.get("error") if isinstance(body, dict) else None
            if isinstance(error, dict) and isinstance(error.get("code"), int):
                code = error["code"]
            retryable = status == 0 or status == 429 or status >= 500 or code in RETRY_ERROR_CODES
            if not retryable or attempt >= self.max_retries:
                logger.warning("whatsapp: send failed with HTTP %s, code %s", status, code)
                return SendResult(False, status, error_code=code, attempts=attempt + 1)
            await self._wait(self._backoff(attempt, retry_after))
            attempt += 1


