"""Rasa endpoints (action server, tracker store, lock store) built from Settings.

`endpoints.yml` in the project root keeps the same defaults for Rasa's own CLI
(`rasa shell`, `rasa test`); the running service uses this module so that all
configuration comes from ontmoet_core/config.py.
"""
from __future__ import annotations

import asyncio
from typing import Any, Dict, Optional, Tuple

import aiohttp
from rasa.core.utils import AvailableEndpoints
from rasa.utils.endpoints import EndpointConfig
from sqlalchemy.engine import make_url

from ontmoet_core.config import Settings

# aiohttp keeps an idle connection this long; below Sanic's keep-alive timeout
# of the action server (5 s), so the server never closes one we are about to reuse.
KEEPALIVE_SECONDS = 2.0
_SESSIONS: Dict[Tuple[int, Tuple[Tuple[str, str], ...]], Tuple[Any, aiohttp.ClientSession]] = {}


class _Borrowed:
    """`async with` around a shared session that does not close it on exit."""

    def __init__(self, session: aiohttp.ClientSession) -> None:
        self._session = session

    async def __aenter__(self) -> aiohttp.ClientSession:
        return self._session

    async def __aexit__(self, *exc: Any) -> None:
        return None


class TimedEndpointConfig(EndpointConfig):
    """The action server endpoint with a short timeout and kept-alive connections.

    Rasa 3.6 waits up to 300 s for a custom action. A resident must not wait
    that long: after `timeout_seconds` the action fails, Rasa continues without
    its events, and the channel layer answers with a kind message instead of
    silence (bot/channels/pipeline.py).

    Rasa also opens a new aiohttp session, and so a new TCP connection, for
    every custom action; here one session per event loop (and headers) is
    shared by every call and copy, so a turn reuses an open connection
    (issue 20). `close_sessions()` closes them when the service stops.
    """

    def __init__(self, url: str, timeout_seconds: float, **kwargs: Any) -> None:
        super().__init__(url, **kwargs)
        self.timeout_seconds = timeout_seconds

    def session(self) -> Any:
        if self.basic_auth:
            return super().session()
        loop = asyncio.get_running_loop()
        key = (id(loop), tuple(sorted((self.headers or {}).items())))
        entry = _SESSIONS.get(key)
        if entry is None or entry[0] is not loop or entry[1].closed:
            for stale in [k for k, (owner, _) in _SESSIONS.items() if owner.is_closed()]:
                del _SESSIONS[stale]  # a stopped loop's session (tests start many loops)
            connector = aiohttp.TCPConnector(keepalive_timeout=KEEPALIVE_SECONDS)
            entry = (loop, aiohttp.ClientSession(headers=self.headers, connector=connector))
            _SESSIONS[key] = entry
        return _Borrowed(entry[1])

    async def request(self, *args: Any, **kwargs: Any) -> Any:
        kwargs["timeout"] = aiohttp.ClientTimeout(total=self.timeout_seconds)
        return await super().request(*args, **kwargs)

    def copy(self) -> "TimedEndpointConfig":
        return TimedEndpointConfig(self.url, self.timeout_seconds, headers=self.headers)


async def close_sessions(*_: Any) -> None:
    """Close the shared action server sessions of the running loop (a Sanic listener)."""
    loop = asyncio.get_running_loop()
    for key, (owner, session) in list(_SESSIONS.items()):
        if owner is loop:
            del _SESSIONS[key]
            await session.close()


def tracker_store_params(url: str) -> Dict[str, Any]:
    """Tracker store parameters from a SQLAlchemy URL: Rasa's SQLTrackerStore
    with lean statements (bot/tracker_store.py), on the same table."""
    parsed = make_url(url)
    dialect = parsed.drivername.split("+")[0]
    params: Dict[str, object] = {"type": "bot.tracker_store.LeanSQLTrackerStore",
                                 "dialect": parsed.drivername, "db": parsed.database}
    if dialect != "sqlite":
        params.update(
            host=parsed.host or "127.0.0.1",
            port=parsed.port,
            username=parsed.username,
            password=parsed.password,
        )
    return {k: v for k, v in params.items() if v is not None}


def lock_store_params(redis_url: str) -> Optional[Dict[str, object]]:
    if not redis_url:
        return None
    parsed = make_url(redis_url)
    return {
        # Rasa's own "redis" lock store is not atomic across replicas (bot/locks.py).
        "type": "bot.locks.AtomicRedisLockStore",
        "url": parsed.host or "127.0.0.1",
        "port": parsed.port or 6379,
        "db": int(parsed.database or 0),
        "password": parsed.password,
        "key_prefix": "ontmoet",
    }


def build_endpoints(settings: Settings) -> AvailableEndpoints:
    params = tracker_store_params(settings.tracker_store_url_resolved)
    if params.get("dialect", "").startswith("sqlite"):
        settings.var_dir.mkdir(parents=True, exist_ok=True)
    # Rasa passes EndpointConfig.url to SQLTrackerStore as `host`: a `host` key in
    # the kwargs would be a duplicate argument (PostgreSQL failed to start).
    host = params.pop("host", None)
    tracker = EndpointConfig(url=host, **params)
    lock = lock_store_params(settings.redis_url)
    from bot.action_server import SECRET_HEADER

    return AvailableEndpoints(
        # The action server accepts only calls with the shared secret (bot/action_server.py).
        action=TimedEndpointConfig(settings.action_server_url, settings.action_timeout_seconds,
                                   headers={SECRET_HEADER: settings.action_server_secret_value()}),
        tracker_store=tracker,
        lock_store=EndpointConfig(**{k: v for k, v in lock.items() if v is not None}) if lock else None,
    )
