"""All configuration, read from the environment in this one place.

Every setting has a safe embedded default (SQLite, local web chat, 127.0.0.1),
so `make run` needs no credentials. The README has the same table.
"""
from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping, Optional

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _bool(value: str) -> bool:
    return value.strip().lower() in {"1", "true", "yes", "ja", "on"}


@dataclass(frozen=True)
class Settings:
    # --- service -----------------------------------------------------------
    host: str = "127.0.0.1"
    port: int = 5005
    action_server_url: str = "http://127.0.0.1:5055/webhook"
    var_dir: Path = PROJECT_ROOT / "var"
    model_path: Path = PROJECT_ROOT / "models"
    # Rasa's HTTP API (/model, /conversations ...) stays off unless a token is set.
    rasa_api_token: str = ""
    # --- storage -----------------------------------------------------------
    database_url: str = ""  # default: sqlite file in var_dir (see database_url_resolved)
    redis_url: str = ""  # empty: in-process state (single node)
    tracker_store_url: str = ""  # default: sqlite file var_dir/tracker.db
    action_timeout_seconds: float = 5.0
    # --- knowledge ---------------------------------------------------------
    knowledge_dir: Path = PROJECT_ROOT / "knowledge" / "data"
    demo_data: bool = True
    # --- privacy -----------------------------------------------------------
    pseudonym_key: str = ""  # empty: read/created in var_dir/pseudonym.key
    # --- handoff (toeleiding) ----------------------------------------------
    handoff_expected_time: str = "binnen 2 werkdagen"
    handoff_escalate_after_hours: float = 48.0
    staff_file: Path = PROJECT_ROOT / "knowledge" / "data" / "opbouwwerkers.yml"
    # --- safety and privacy of live contact (issue 15) -----------------------
    # A live chat (assistant paused) ends by itself after this many hours without
    # a message from the opbouwwerker; the resident hears what happens next.
    live_max_hours: float = 2.0
    # Resident messages during live chat are forwarded into Telegram only when
    # this is on; otherwise staff get the reference and a dashboard link.
    telegram_live_relay: bool = False
    # Where staff read requests; empty: http://<host>:<port>/staff
    dashboard_url: str = ""
    # --- retention, run by the service itself (issue 15) --------------------
    retention_interval_hours: float = 24.0  # 0: the service does not purge
    conversation_retention_days: int = 30
    request_retention_days: int = 180
    open_request_max_days: int = 90
    # --- Telegram ----------------------------------------------------------
    telegram_bot_token: str = ""
    telegram_webhook_url: str = ""
    telegram_secret_token: str = ""
    telegram_base_url: str = "https://api.telegram.org/bot"
    # --- WhatsApp Cloud API ------------------------------------------------
    whatsapp_token: str = ""
    whatsapp_phone_number_id: str = ""
    whatsapp_app_secret: str = ""
    whatsapp_verify_token: str = ""
    whatsapp_graph_url: str = "https://graph.facebook.com/v21.0"
    whatsapp_template_name: str = "opbouwwerker_bericht"
    whatsapp_template_language: str = "nl"
    # --- limits ------------------------------------------------------------
    max_message_chars: int = 2000
    rate_limit_per_minute: int = 20

    extra: Mapping[str, str] = field(default_factory=dict)

    @property
    def database_url_resolved(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.var_dir / 'ontmoet.db'}"

    @property
    def dashboard_url_resolved(self) -> str:
        if self.dashboard_url:
            return self.dashboard_url.rstrip("/")
        return f"http://{self.host}:{self.port}/staff"

    @property
    def tracker_store_url_resolved(self) -> str:
        if self.tracker_store_url:
            return self.tracker_store_url
        return f"sqlite:///{self.var_dir / 'tracker.db'}"

    def pseudonym_key_bytes(self) -> bytes:
        """The key for pseudonymising sender ids (keyed hash).

        Taken from ONTMOET_PSEUDONYM_KEY, else from var/pseudonym.key, which is
        created on first use (never at import time).
        """
        if self.pseudonym_key:
            return self.pseudonym_key.encode()
        path = self.var_dir / "pseudonym.key"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(secrets.token_hex(32))
            path.chmod(0o600)
        return path.read_text().strip().encode()


# Environment variable -> Settings field. One table, mirrored in README.md.
ENV_VARS = {
    "ONTMOET_HOST": "host",
    "ONTMOET_PORT": "port",
    "ONTMOET_ACTION_SERVER_URL": "action_server_url",
    "ONTMOET_VAR_DIR": "var_dir",
    "ONTMOET_MODEL_PATH": "model_path",
    "ONTMOET_RASA_API_TOKEN": "rasa_api_token",
    "ONTMOET_DATABASE_URL": "database_url",
    "ONTMOET_REDIS_URL": "redis_url",
    "ONTMOET_TRACKER_STORE_URL": "tracker_store_url",
    "ONTMOET_ACTION_TIMEOUT_SECONDS": "action_timeout_seconds",
    "ONTMOET_KNOWLEDGE_DIR": "knowledge_dir",
    "ONTMOET_DEMO_DATA": "demo_data",
    "ONTMOET_PSEUDONYM_KEY": "pseudonym_key",
    "ONTMOET_HANDOFF_EXPECTED_TIME": "handoff_expected_time",
    "ONTMOET_HANDOFF_ESCALATE_AFTER_HOURS": "handoff_escalate_after_hours",
    "ONTMOET_STAFF_FILE": "staff_file",
    "ONTMOET_LIVE_MAX_HOURS": "live_max_hours",
    "ONTMOET_TELEGRAM_LIVE_RELAY": "telegram_live_relay",
    "ONTMOET_DASHBOARD_URL": "dashboard_url",
    "ONTMOET_RETENTION_INTERVAL_HOURS": "retention_interval_hours",
    "ONTMOET_CONVERSATION_RETENTION_DAYS": "conversation_retention_days",
    "ONTMOET_REQUEST_RETENTION_DAYS": "request_retention_days",
    "ONTMOET_OPEN_REQUEST_MAX_DAYS": "open_request_max_days",
    "TELEGRAM_BOT_TOKEN": "telegram_bot_token",
    "TELEGRAM_WEBHOOK_URL": "telegram_webhook_url",
    "TELEGRAM_SECRET_TOKEN": "telegram_secret_token",
    "TELEGRAM_BASE_URL": "telegram_base_url",
    "WHATSAPP_TOKEN": "whatsapp_token",
    "WHATSAPP_PHONE_NUMBER_ID": "whatsapp_phone_number_id",
    "WHATSAPP_APP_SECRET": "whatsapp_app_secret",
    "WHATSAPP_VERIFY_TOKEN": "whatsapp_verify_token",
    "WHATSAPP_GRAPH_URL": "whatsapp_graph_url",
    "WHATSAPP_TEMPLATE_NAME": "whatsapp_template_name",
    "WHATSAPP_TEMPLATE_LANGUAGE": "whatsapp_template_language",
    "ONTMOET_MAX_MESSAGE_CHARS": "max_message_chars",
    "ONTMOET_RATE_LIMIT_PER_MINUTE": "rate_limit_per_minute",
}


def load_settings(environ: Optional[Mapping[str, str]] = None) -> Settings:
    """Build Settings from environment variables (or a given mapping, for tests)."""
    env = os.environ if environ is None else environ
    defaults = Settings()
    values = {}
    for var, name in ENV_VARS.items():
        raw = env.get(var)
        if raw is None or raw == "":
            continue
        default = getattr(defaults, name)
        if isinstance(default, bool):
            values[name] = _bool(raw)
        elif isinstance(default, int):
            values[name] = int(raw)
        elif isinstance(default, float):
            values[name] = float(raw)
        elif isinstance(default, Path):
            values[name] = Path(raw)
        else:
            values[name] = raw
    return Settings(**values)
