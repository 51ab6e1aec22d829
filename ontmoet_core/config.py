"""All configuration, read from the environment in this one place.

Every setting has a safe embedded default (SQLite, local web chat, 127.0.0.1),
so `make run` needs no credentials. The README has the same table.
"""
from __future__ import annotations

import os
import secrets
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, Mapping, Optional

from ontmoet_core import PROJECT_ROOT
from ontmoet_core.keys import check_secret


def _bool(value: str) -> bool:
    return value.strip().lower() in {"1", "true", "yes", "ja", "on"}


@dataclass(frozen=True)
class Settings:
    # --- service -----------------------------------------------------------
    # "production": secrets must be set and strong, cookies are Secure (ontmoet_core/keys.py)
    environment: str = "development"
    host: str = "127.0.0.1"
    port: int = 5005
    action_server_url: str = "http://127.0.0.1:5055/webhook"
    # shared secret the service sends to the action server (header
    # X-Ontmoet-Action-Secret); empty: var_dir/action_server.secret
    action_server_secret: str = ""
    # reverse proxies in front of the service whose X-Forwarded-For is trusted
    trusted_proxies: int = 0
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
    # What "verwijder mijn gegevens" tells a resident is kept, and how long:
    # log lines (pseudonyms, no texts; journald MaxRetentionSec must match) and
    # database backups (deploy/backup-postgres.sh keeps BACKUP_KEEP_DAYS=14, so a
    # dump made just before the erasure is gone after at most 15 days).
    log_retention_days: int = 30
    backup_retention_days: int = 15
    # --- handoff (toeleiding) ----------------------------------------------
    # Service promises (issue 16): what the resident is told about the help.
    # Honest defaults: no time, no one going along, no interpreter, Dutch only.
    # An operator sets these only for what the opbouwwerkers really offer.
    handoff_expected_time: str = ""  # e.g. "binnen 2 werkdagen"; empty: no time is promised
    handoff_accompany: bool = False  # someone can go along to a first visit
    handoff_interpreter: bool = False  # an interpreter can be arranged
    handoff_languages: str = "nl"  # languages a person can speak with the resident (codes, comma separated)
    handoff_escalate_after_hours: float = 48.0
    # An opbouwwerker (or coordinator) may reopen a request they closed for this
    # many days after the close (0: never).
    handoff_reopen_days: float = 14.0
    # After a close, a resident's message about the request still reaches the
    # opbouwwerker for this many days instead of starting a new request (0: off).
    handoff_followup_days: float = 14.0
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
    # --- e-mail alerts for staff (issue 19): off while smtp_host is empty ------
    # Recipients: the `email` of each person in the staff file. An alert holds
    # only the reference, the buurt and a dashboard link.
    smtp_host: str = ""
    smtp_port: int = 587
    smtp_user: str = ""
    smtp_password: str = field(default="", repr=False)
    smtp_from: str = ""  # empty: smtp_user
    smtp_starttls: bool = True
    smtp_timeout_seconds: float = 10.0
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
    # reminders outside the 24-hour window: an approved template with one body
    # parameter (the reminder's text); empty: such reminders are not sent
    whatsapp_reminder_template_name: str = ""
    whatsapp_reminder_template_language: str = "nl"
    # --- reminders (bot/reminders/) ------------------------------------------
    reminder_day_before_hour: int = 10  # the day-before reminder, local time
    reminder_interval_seconds: float = 30.0  # how often the service looks; 0: off
    # --- limits ------------------------------------------------------------
    max_message_chars: int = 2000
    rate_limit_per_minute: int = 20
    # --- subsidy check (issue 18.3) ----------------------------------------
    # The address residents open the printable checklist on; empty: http://<host>:<port>
    public_url: str = ""
    # A printable checklist is kept this many days under its unguessable link
    checklist_days: int = 7
    # --- web chat ----------------------------------------------------------
    # a web chat conversation (its server-issued cookie) ends after this idle time
    webchat_session_hours: float = 12.0

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
    def public_url_resolved(self) -> str:
        if self.public_url:
            return self.public_url.rstrip("/")
        return f"http://{self.host}:{self.port}"

    @property
    def tracker_store_url_resolved(self) -> str:
        if self.tracker_store_url:
            return self.tracker_store_url
        return f"sqlite:///{self.var_dir / 'tracker.db'}"

    @property
    def production(self) -> bool:
        return self.environment.strip().lower() in {"production", "productie", "prod"}

    def pseudonym_key_bytes(self) -> bytes:
        """The key for pseudonymising sender ids (keyed hash).

        Taken from ONTMOET_PSEUDONYM_KEY, else from var/pseudonym.key, which is
        created on first use (never at import time) with mode 0600. In
        production the key must be given and strong: a missing, short or
        placeholder key raises ontmoet_core.keys.SecretError (ontmoet_core/keys.py).
        """
        if self.pseudonym_key:
            key = self.pseudonym_key
        else:
            key = read_or_create_secret_file(self.var_dir / "pseudonym.key",
                                             create=not self.production)
        check_secret("ONTMOET_PSEUDONYM_KEY", key, production=self.production)
        return key.encode()

    def action_server_secret_value(self) -> str:
        """The shared secret between the service and the action server.

        ONTMOET_ACTION_SERVER_SECRET, else var/action_server.secret (created on
        first use, mode 0600; `make run` starts both with the same var dir).
        Required and strong in production."""
        if self.action_server_secret:
            value = self.action_server_secret
        else:
            value = read_or_create_secret_file(self.var_dir / "action_server.secret",
                                               create=not self.production)
        check_secret("ONTMOET_ACTION_SERVER_SECRET", value, production=self.production)
        return value


def read_or_create_secret_file(path: Path, create: bool = True) -> str:
    """The secret in `path`; when missing and `create`, a new random one.

    The new secret is written to a private temporary file (created with mode
    0600, never readable by others, not even for a moment) and then linked to
    `path` in one atomic step: two processes starting at the same time end up
    with the same, complete secret (the second one reads the first one's)."""
    if not path.exists():
        if not create:
            return ""
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_hex(32))
            try:
                os.link(temporary, path)
            except FileExistsError:
                pass  # another process was first: use its secret
        finally:
            temporary.unlink(missing_ok=True)
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        os.chmod(path, 0o600)  # an older file made readable by others: close it
    return path.read_text().strip()


# Environment variable -> Settings field. One table, mirrored in README.md.
ENV_VARS = {
    "ONTMOET_ENV": "environment",
    "ONTMOET_HOST": "host",
    "ONTMOET_PORT": "port",
    "ONTMOET_ACTION_SERVER_URL": "action_server_url",
    "ONTMOET_ACTION_SERVER_SECRET": "action_server_secret",
    "ONTMOET_TRUSTED_PROXIES": "trusted_proxies",
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
    "ONTMOET_LOG_RETENTION_DAYS": "log_retention_days",
    "ONTMOET_BACKUP_RETENTION_DAYS": "backup_retention_days",
    "ONTMOET_HANDOFF_EXPECTED_TIME": "handoff_expected_time",
    "ONTMOET_HANDOFF_ACCOMPANY": "handoff_accompany",
    "ONTMOET_HANDOFF_INTERPRETER": "handoff_interpreter",
    "ONTMOET_HANDOFF_LANGUAGES": "handoff_languages",
    "ONTMOET_HANDOFF_ESCALATE_AFTER_HOURS": "handoff_escalate_after_hours",
    "ONTMOET_HANDOFF_REOPEN_DAYS": "handoff_reopen_days",
    "ONTMOET_HANDOFF_FOLLOWUP_DAYS": "handoff_followup_days",
    "ONTMOET_STAFF_FILE": "staff_file",
    "ONTMOET_LIVE_MAX_HOURS": "live_max_hours",
    "ONTMOET_TELEGRAM_LIVE_RELAY": "telegram_live_relay",
    "ONTMOET_DASHBOARD_URL": "dashboard_url",
    "ONTMOET_SMTP_HOST": "smtp_host",
    "ONTMOET_SMTP_PORT": "smtp_port",
    "ONTMOET_SMTP_USER": "smtp_user",
    "ONTMOET_SMTP_PASSWORD": "smtp_password",
    "ONTMOET_SMTP_FROM": "smtp_from",
    "ONTMOET_SMTP_STARTTLS": "smtp_starttls",
    "ONTMOET_SMTP_TIMEOUT_SECONDS": "smtp_timeout_seconds",
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
    "WHATSAPP_REMINDER_TEMPLATE_NAME": "whatsapp_reminder_template_name",
    "WHATSAPP_REMINDER_TEMPLATE_LANGUAGE": "whatsapp_reminder_template_language",
    "ONTMOET_REMINDER_DAY_BEFORE_HOUR": "reminder_day_before_hour",
    "ONTMOET_REMINDER_INTERVAL_SECONDS": "reminder_interval_seconds",
    "ONTMOET_MAX_MESSAGE_CHARS": "max_message_chars",
    "ONTMOET_RATE_LIMIT_PER_MINUTE": "rate_limit_per_minute",
    "ONTMOET_WEBCHAT_SESSION_HOURS": "webchat_session_hours",
    "ONTMOET_PUBLIC_URL": "public_url",
    "ONTMOET_CHECKLIST_DAYS": "checklist_days",
}


def load_settings(environ: Optional[Mapping[str, str]] = None) -> Settings:
    """Build Settings from environment variables (or a given mapping, for tests)."""
    env = os.environ if environ is None else environ
    defaults = Settings()
    values: Dict[str, Any] = {}
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
