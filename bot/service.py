"""The assistant service: one Sanic app around the Rasa Agent.

It serves the resident channels (web chat, REST, and Telegram / WhatsApp when
configured), the staff dashboard, and Rasa's HTTP API only when a token is set.
Everything listens on 127.0.0.1 unless ONTMOET_HOST says otherwise.

Run: `ontmoet serve` (what `make run` starts) or `python -m bot.service`.
"""
from __future__ import annotations

import asyncio
import logging
from functools import partial
from pathlib import Path
from typing import List, Optional

from ontmoet_core.config import Settings, load_settings

logger = logging.getLogger(__name__)

def build_input_channels(settings: Settings, runtime=None) -> list:
    """The channels this configuration enables (pure: no network at build time).

    `runtime` is the HandoffRuntime: with it, web chat and REST residents can be
    in live contact with an opbouwwerker and receive their answers.
    """
    from bot.channels.common import make_button_registry
    from bot.channels.live import LiveContact, Outbox, register_outbox
    from bot.channels.rest import ResidentRestInput, WebChatInput
    from bot.channels.stores import default_directory

    registry = make_button_registry(settings.redis_url)
    live = LiveContact(runtime) if runtime is not None else None
    outbox = Outbox()
    directory = default_directory()
    register_outbox(directory, outbox)
    if runtime is not None:
        runtime.directory = directory  # to keep a consenting resident's address
    channels = [
        ResidentRestInput(settings, registry, live=live, outbox=outbox, directory=directory),
        WebChatInput(settings, registry, live=live, outbox=outbox, directory=directory),
    ]
    channels.extend(_optional_channels(settings, registry))
    _register_erasure(registry, outbox, directory, channels)
    return channels


def _register_erasure(registry, outbox, directory, channels) -> None:
    """What "verwijder mijn gegevens" clears in this process (bot/channels/erasure.py):
    button tokens (Redis keys when shared), the outbox, addresses, and each
    channel's own per-resident state (WhatsApp pages, rate-limit counters)."""
    from bot.channels.erasure import reset_default_eraser

    reset_default_eraser()  # one service app per process: its own parts only
    from bot.channels.erasure import default_eraser

    eraser = default_eraser()
    eraser.register("knoppen", registry.forget)
    eraser.register("outbox", outbox.forget)
    eraser.register("adressen", directory.forget)
    for channel in channels:
        forget = getattr(channel, "forget_resident", None)
        if forget is not None:
            eraser.register(f"kanaal {channel.name()}", forget)


def _optional_channels(settings: Settings, registry) -> list:
    extra = []
    if settings.telegram_bot_token:
        from bot.channels.telegram.channel import TelegramInput

        extra.append(TelegramInput.from_settings(settings, registry))
    if settings.whatsapp_token and settings.whatsapp_app_secret:
        from bot.channels.whatsapp.channel import WhatsAppInput

        extra.append(WhatsAppInput.from_settings(settings, registry))
    return extra


def latest_model(model_dir: Path) -> Optional[Path]:
    """The newest trained model archive in `model_dir` (or the file itself)."""
    if model_dir.is_file():
        return model_dir
    models = sorted(model_dir.glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
    return models[-1] if models else None


def build_app(settings: Optional[Settings] = None, model_path: Optional[Path] = None):
    """The Sanic app with the Rasa Agent loaded before the server starts."""
    import rasa.core.run as rasa_run
    from sanic import response

    from bot.endpoints import build_endpoints

    settings = settings or load_settings()
    from ontmoet_core.keys import check_settings

    check_settings(settings)  # fail fast: weak secrets, another replica's pseudonym key
    model = model_path or latest_model(settings.model_path)
    if model is None:
        raise SystemExit(
            f"Geen getraind model gevonden in {settings.model_path}. Draai eerst 'make train'."
        )
    from bot.handoff.runtime import HandoffRuntime
    from bot.rasa_compat import install_all

    install_all()  # every patch of a Rasa internal, each checked (bot/rasa_compat.py)
    endpoints = build_endpoints(settings)
    runtime = HandoffRuntime.from_settings(settings)
    channels = build_input_channels(settings, runtime)
    from bot.reminders.runtime import ReminderRuntime

    reminders = ReminderRuntime.from_settings(settings, directory=runtime.directory)
    app = rasa_run.configure_app(
        channels,
        cors=None,
        auth_token=settings.rasa_api_token or None,
        enable_api=bool(settings.rasa_api_token),
        endpoints=endpoints,
        port=settings.port,
        route="/webhooks/",
        use_uvloop=True,
    )

    @app.route("/chat", methods=["GET"])
    async def chat_redirect(request):
        return response.redirect("/webhooks/webchat/chat")

    @app.route("/health", methods=["GET"])
    async def health(request):
        ready = getattr(app.ctx, "agent", None) is not None and app.ctx.agent.is_ready()
        return response.json({"ready": bool(ready)}, status=200 if ready else 503)

    app.ctx.handoff = runtime
    app.ctx.reminders = reminders
    runtime.app = app  # the loops pause/resume residents' conversations on app.ctx.agent
    _mount_staff_dashboard(app, settings, runtime)
    _mount_checklist_page(app, settings, runtime)

    async def start_escalation(app_, _loop):
        loop = asyncio.get_event_loop()
        # announcements, escalation, live-chat expiry and pause/resume (every few seconds)
        app_.ctx.escalation_task = loop.create_task(runtime.escalation_loop())
        # retention inside the service: the purge runs on a schedule
        app_.ctx.retention_task = loop.create_task(runtime.retention_loop())
        # opt-in reminders (bot/reminders/): each due one sent once, on its channel
        app_.ctx.reminder_task = loop.create_task(reminders.loop())

    async def stop_escalation(app_, _loop):
        for name in ("escalation_task", "retention_task", "reminder_task"):
            task = getattr(app_.ctx, name, None)
            if task is not None:
                task.cancel()

    app.register_listener(start_escalation, "after_server_start")
    app.register_listener(stop_escalation, "before_server_stop")

    app.register_listener(
        partial(rasa_run.load_agent_on_start, str(model), endpoints, None),
        "before_server_start",
    )
    app.register_listener(rasa_run.close_resources, "after_server_stop")
    for channel in channels:
        starter = getattr(channel, "on_server_start", None)
        if starter is not None:
            app.register_listener(starter, "after_server_start")
        stopper = getattr(channel, "on_server_stop", None)
        if stopper is not None:
            app.register_listener(stopper, "before_server_stop")
    return app


def _mount_checklist_page(app, settings: Settings, runtime) -> None:
    """GET /checklist/<token>: the printable checklist of the subsidy check (bot/precheck/)."""
    from bot.precheck.store import ChecklistStore
    from bot.precheck.web import checklist_blueprint

    stores: list = []

    def store() -> ChecklistStore:
        if not stores:
            stores.append(ChecklistStore(runtime.queue.engine, days=settings.checklist_days))
        return stores[0]

    app.blueprint(checklist_blueprint(store))


def _mount_staff_dashboard(app, settings: Settings, runtime) -> None:
    from bot.staff.dashboard import dashboard_blueprint

    app.blueprint(
        dashboard_blueprint(settings, queue_factory=lambda: runtime.queue),
        url_prefix="/staff",
    )
    from bot.insights.web import insights_blueprint

    app.blueprint(insights_blueprint(settings, lambda: runtime.queue.engine))


def configure_logging(level: int = logging.INFO) -> None:
    """Standard logging plus Rasa's structlog, both filtered at `level`.

    Without this, structlog prints Rasa's debug events (with message texts) to
    stdout. At INFO and above no message text or phone number is logged.
    """
    from rasa.utils.log_utils import configure_structlog

    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger().setLevel(level)
    configure_structlog(level)
    _keep_personal_data_out_of_structlog()
    logging.getLogger("rasa.core.nlg.interpolator").addFilter(_payload_interpolation_noise)


def _payload_interpolation_noise(record: logging.LogRecord) -> bool:
    """Drop the interpolator's error for button payloads such as
    `/inform_handoff{"handoff_choice": "chat"}`: Rasa tries to fill `{...}` as a
    slot, fails, logs an ERROR and correctly keeps the payload as it is."""
    return '"response": "/' not in record.getMessage()


# Keys of Rasa's structlog events that may hold what a resident wrote or the
# slots of their conversation (Rasa's own list in rasa.utils.log_utils, plus
# the interpolator's).
_PERSONAL_KEYS = frozenset({
    "text", "response_text", "user_text", "slot_values", "parse_data_text",
    "parse_data_entities", "prediction_events", "tracker_latest_message", "prefilled_slots",
    "message", "slot_candidates", "rasa_event", "rasa_events", "tracker_states",
    "current_states", "old_states", "successes", "current_entity", "next_entity", "states",
    "entity", "token_text", "user_message", "json_message", "values", "slots",
})


def _redact_personal(_logger, _name, event_dict):
    for key in _PERSONAL_KEYS & event_dict.keys():
        event_dict[key] = "<weggelaten>"
    return event_dict


def _keep_personal_data_out_of_structlog() -> None:
    """Rasa renders exceptions with the local variables of every frame, which
    include slot values (e.g. the interpolator's `values`); and its anonymiser
    only works with Rasa Pro. Redact the known keys and render tracebacks
    without locals."""
    import structlog
    from structlog.tracebacks import ExceptionDictTransformer

    processors = []
    for processor in structlog.get_config()["processors"]:
        if processor is structlog.processors.dict_tracebacks:
            processor = structlog.processors.ExceptionRenderer(
                ExceptionDictTransformer(show_locals=False))
        processors.append(processor)
    structlog.configure(processors=[_redact_personal, *processors])


def serve(settings: Optional[Settings] = None, model_path: Optional[Path] = None) -> None:
    settings = settings or load_settings()
    app = build_app(settings, model_path)
    logger.info("Chat: http://%s:%s/chat", settings.host, settings.port)
    app.run(host=settings.host, port=settings.port, workers=1, access_log=False)


def main(argv: Optional[List[str]] = None) -> None:  # pragma: no cover - thin
    configure_logging(logging.INFO)
    serve()


if __name__ == "__main__":  # pragma: no cover
    main()
