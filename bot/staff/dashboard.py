"""The opbouwwerkers' web dashboard: a Sanic Blueprint on the assistant service.

    app.blueprint(dashboard_blueprint(settings))          # mounted at /staff

Server-rendered HTML (Jinja2, autoescape on). Staff log in with accounts made by
`ontmoet staff add`; passwords are Argon2id hashes; sessions are stored in the
database and expire (absolute lifetime and idle timeout); failed logins are
rate limited; every form carries a CSRF token (the login form a double-submit
cookie). An opbouwwerker sees the requests of their werkgebied (and those they
hold); a coordinator sees all. Anyone without a session gets the login page
and no queue data.

Routes (relative to the prefix): GET /login, POST /login, POST /logout, GET /,
GET /r/<ref>, POST /r/<ref>/{claim,note,reply,close,release,live,stoplive},
GET /static/dashboard.css.
"""
from __future__ import annotations

import asyncio
import logging
import re
import secrets
from datetime import datetime, timezone
from pathlib import Path
from typing import Awaitable, Callable, Dict, Optional, Tuple
from urllib.parse import urlencode

from jinja2 import Environment, FileSystemLoader, select_autoescape
from sanic import Blueprint, response

from bot.handoff.models import CONTACT_CHAT, IN_CONTACT, OPGEPAKT, STATUSES
from bot.handoff.queue import (
    ActionResult,
    HandoffQueue,
    InvalidInput,
    NotAllowed,
    NotFound,
    Relay,
    deliver_relay,
    parse_reference,
)
from bot.handoff.routing import RosterCache
from bot.handoff.texts import describe_contact, staff_text
from bot.staff.accounts import StaffAccounts, TooManyAttempts
from bot.staff.pages import SESSION_COOKIE, add_security_headers
from ontmoet_core.config import Settings

logger = logging.getLogger(__name__)

TEMPLATES = Path(__file__).with_name("templates")
LOGIN_CSRF_COOKIE = "ontmoet_login_csrf"
STATUS_OPTIONS = [("open", "open (nieuw, opgepakt, in contact)")] + [(s, s) for s in STATUSES] + [
    ("alle", "alle")]
FLASH_KEYS = {
    "claimed", "claim_lost", "note_saved", "reply_sent", "reply_not_delivered", "closed",
    "released", "live_started", "live_ended", "not_allowed", "empty_text", "logged_out",
    "login_failed", "login_blocked", "session_expired", "csrf", "not_found", "anonymised",
    "sync_failed",
}
NOTE_LABELS = {"note": "Notitie", "reply": "Bericht aan bewoner", "resident": "Bericht van bewoner"}
EVENT_LABELS = {
    "created": "Vraag ontvangen", "claimed": "Opgepakt", "in_contact": "In contact",
    "closed": "Afgerond", "released": "Vrijgegeven", "cancelled": "Ingetrokken door bewoner",
    "escalated": "Geëscaleerd naar coördinator", "live_started": "Live chat gestart",
    "live_ended": "Live chat gestopt",
    "anonymised": "Persoonsgegevens verwijderd",
    "address_kept": "Chatadres bewaard (met toestemming)",
    "crisis_signal": "Let op: bericht dat op een crisis wijst (113 en 112 gegeven)",
    "live_expired": "Live chat vanzelf gestopt (te lang geen antwoord)",
    "expired": "Gesloten: stond te lang open",
}
_USERNAME_RE = re.compile(r"^[\w.\-]{1,80}$")

RelaySender = Callable[[Relay], Awaitable[bool]]
AssistantPauser = Callable[[object, str, bool], Awaitable[None]]


async def agent_pauser(request, resident_key: str, paused: bool) -> bool:
    """Pause/resume Rasa for the resident via the Agent on this Sanic app (if any).

    False when it failed: the dashboard says so; the service's loop retries
    (the queue keeps the pending change in assistant_sync)."""
    agent = getattr(request.app.ctx, "agent", None)
    if agent is None:
        logger.warning("no Rasa agent on this app: live chat state not applied to Rasa")
        return True
    from bot.handoff.runtime import set_assistant_paused

    try:
        await set_assistant_paused(agent, resident_key, paused)
    except Exception:
        logger.exception("pausing/resuming the assistant failed")
        return False
    return True


async def directory_relay_sender(relay: Relay) -> bool:
    """Deliver through the channels' process-wide ResidentDirectory."""
    from bot.channels.stores import default_directory

    try:
        return await deliver_relay(relay, default_directory())
    except Exception:
        logger.exception("delivering a reply for %s failed", relay.reference)
        return False


def client_address(peer: Optional[str], forwarded_for: Optional[str], trusted_proxies: int) -> str:
    """The visitor's address, for login throttling.

    With `trusted_proxies` = 0 the peer of the TCP connection. Behind n trusted
    proxies (nginx appends the address it saw to X-Forwarded-For), the n-th
    address from the right of X-Forwarded-For: what a visitor writes into the
    header themselves stays to the left and is ignored. Falls back to the peer
    when the header is shorter than promised (a request that bypassed the proxy).
    """
    peer = (peer or "-").strip() or "-"
    if trusted_proxies <= 0 or not forwarded_for:
        return peer
    hops = [h.strip() for h in forwarded_for.split(",") if h.strip()]
    if len(hops) < trusted_proxies:
        return peer
    return hops[-trusted_proxies][:64]


def _local_time(value: Optional[datetime]) -> str:
    if value is None:
        return "-"
    try:
        from zoneinfo import ZoneInfo

        local = value.replace(tzinfo=timezone.utc).astimezone(ZoneInfo("Europe/Amsterdam"))
        return local.strftime("%d-%m-%Y %H:%M")
    except Exception:  # pragma: no cover - no tz database
        return value.strftime("%d-%m-%Y %H:%M UTC")


class _Dashboard:
    """Lazily built services (no engine or file access at import or build time)."""

    def __init__(self, settings: Settings, queue_factory, accounts_factory, relay_sender,
                 prefix: str, secure_cookies: Optional[bool],
                 assistant_pauser: Optional[AssistantPauser] = None) -> None:
        self.settings = settings
        self._queue_factory = queue_factory
        self._accounts_factory = accounts_factory
        self._queue: Optional[HandoffQueue] = None
        self._accounts: Optional[StaffAccounts] = None
        self.roster = RosterCache(settings.staff_file)
        self.relay_sender = relay_sender
        self.assistant_pauser = assistant_pauser or agent_pauser
        self.prefix = prefix
        self.secure_cookies = secure_cookies
        self.env = Environment(loader=FileSystemLoader(str(TEMPLATES)),
                               autoescape=select_autoescape(["html"]), trim_blocks=True,
                               lstrip_blocks=True)
        self.env.filters["when"] = _local_time
        self.env.filters["person"] = self._person

    @property
    def queue(self) -> HandoffQueue:
        if self._queue is None:
            if self._queue_factory is not None:
                self._queue = self._queue_factory()
            else:
                self._queue = HandoffQueue.from_url(self.settings.database_url_resolved)
        return self._queue

    @property
    def accounts(self) -> StaffAccounts:
        if self._accounts is None:
            if self._accounts_factory is not None:
                self._accounts = self._accounts_factory(self.queue.engine, self.roster)
            else:
                self._accounts = StaffAccounts(self.queue.engine, self.roster)
        return self._accounts

    def _person(self, username: Optional[str]) -> str:
        if not username:
            return "-"
        if username in ("resident", "system"):
            return {"resident": "bewoner", "system": "systeem"}[username]
        member = self.roster().by_username(username)
        return member.name if member else username

    def render(self, name: str, http_status: int = 200, **context):
        context.setdefault("prefix", self.prefix)
        context.setdefault("demo", self.roster().demo)
        html = self.env.get_template(name).render(**context)
        return response.html(html, status=http_status)

    def secure(self, request) -> bool:
        if self.secure_cookies is not None:
            return self.secure_cookies
        if self.settings.production:
            return True  # behind the TLS proxy the service itself sees http
        return request.scheme == "https"

    def remote(self, request) -> str:
        return client_address(request.ip, request.headers.get("x-forwarded-for"),
                              self.settings.trusted_proxies)

    def set_cookie(self, request, resp, name: str, value: str, max_age: int) -> None:
        resp.cookies[name] = value
        cookie = resp.cookies[name]
        cookie["httponly"] = True
        cookie["samesite"] = "Strict"
        cookie["path"] = self.prefix
        cookie["max-age"] = max_age
        if self.secure(request):
            cookie["secure"] = True

    def flash(self, request) -> Optional[str]:
        key = request.args.get("m")
        if key not in FLASH_KEYS:
            return None
        owner = request.args.get("o") or ""
        status = request.args.get("s") or ""
        owner = self._person(owner) if _USERNAME_RE.match(owner) else "-"
        status = status if status in STATUSES else "?"
        return staff_text(f"dash_{key}", owner=owner,
                          status=status) if key in ("claim_lost", "not_allowed") else staff_text(
            f"dash_{key}")

    def redirect(self, path: str, **params):
        query = {k: v for k, v in params.items() if v}
        url = f"{self.prefix}{path}" + (f"?{urlencode(query)}" if query else "")
        return response.redirect(url, status=303)


def dashboard_blueprint(settings: Settings,
                        queue_factory: Optional[Callable[[], HandoffQueue]] = None, *,
                        relay_sender: Optional[RelaySender] = None,
                        accounts_factory=None, prefix: str = "/staff",
                        name: str = "staff_dashboard",
                        secure_cookies: Optional[bool] = None,
                        assistant_pauser: Optional[AssistantPauser] = None) -> Blueprint:
    """The dashboard Blueprint, served under `prefix` (mount with app.blueprint(bp)).

    queue_factory: returns the HandoffQueue (default: settings.database_url_resolved).
    relay_sender: async (Relay) -> bool delivering replies to residents
    (default: the channels' ResidentDirectory). accounts_factory:
    (engine, roster_source) -> StaffAccounts (tests use it for a controlled clock).
    secure_cookies: None = Secure in production (ONTMOET_ENV), else when the
    request came over https.
    assistant_pauser: async (request, resident_key, paused) applying live chat
    to Rasa (default: the Agent in request.app.ctx.agent).
    """
    dash = _Dashboard(settings, queue_factory, accounts_factory,
                      relay_sender or directory_relay_sender, prefix, secure_cookies,
                      assistant_pauser)
    bp = Blueprint(name, url_prefix=prefix)
    run = asyncio.to_thread

    @bp.middleware("response")
    async def security_headers(request, resp):
        add_security_headers(resp)

    async def current(request):
        return await run(dash.accounts.session, request.cookies.get(SESSION_COOKIE))

    def csrf_ok(request, expected: Optional[str]) -> bool:
        given = request.form.get("csrf_token") if request.form else None
        return bool(expected and given) and secrets.compare_digest(str(given), str(expected))

    def login_page(request, message: Optional[str] = None, status: int = 200):
        token = secrets.token_urlsafe(24)
        resp = dash.render("login.html", http_status=status, login_csrf=token,
                           message=message or dash.flash(request))
        dash.set_cookie(request, resp, LOGIN_CSRF_COOKIE, token, 3600)
        return resp

    @bp.get("/static/dashboard.css")
    async def stylesheet(request):
        return await response.file(TEMPLATES / "dashboard.css",
                                   mime_type="text/css; charset=utf-8")

    @bp.get("/login")
    async def login_form(request):
        return login_page(request)

    @bp.post("/login")
    async def login(request):
        cookie_token = request.cookies.get(LOGIN_CSRF_COOKIE)
        if not csrf_ok(request, cookie_token):
            return login_page(request, staff_text("dash_csrf"), status=403)
        username = (request.form.get("username") or "").strip()
        password = request.form.get("password") or ""
        remote = dash.remote(request)
        try:
            member = await run(dash.accounts.authenticate, username, password, remote)
        except TooManyAttempts:
            return login_page(request, staff_text("dash_login_blocked"), status=429)
        if member is None:
            return login_page(request, staff_text("dash_login_failed"), status=401)
        token, _csrf = await run(dash.accounts.create_session, member.username)
        resp = dash.redirect("/")
        lifetime = int(dash.accounts.session_lifetime.total_seconds())
        dash.set_cookie(request, resp, SESSION_COOKIE, token, lifetime)
        dash.set_cookie(request, resp, LOGIN_CSRF_COOKIE, "", 0)
        return resp

    @bp.post("/logout")
    async def logout(request):
        info = await current(request)
        if info is not None and csrf_ok(request, info.csrf_token):
            await run(dash.accounts.end_session, request.cookies.get(SESSION_COOKIE))
        resp = dash.redirect("/login", m="logged_out")
        dash.set_cookie(request, resp, SESSION_COOKIE, "", 0)
        return resp

    @bp.get("/")
    async def index(request):
        info = await current(request)
        if info is None:
            return dash.redirect("/login", m="session_expired" if request.cookies.get(
                SESSION_COOKIE) else None)
        me = info.member
        status = request.args.get("status") or "open"
        if status not in {value for value, _ in STATUS_OPTIONS}:
            status = "open"
        area = (request.args.get("area") or "").strip()[:120]
        visible = await run(dash.queue.list, None, None, me)
        shown = await run(dash.queue.list, None if status == "alle" else status, area or None, me)
        counts = {}
        for view in visible:
            counts[view.status] = counts.get(view.status, 0) + 1
        areas = sorted({a for v in visible for a in (v.stadsdeel, v.buurt) if a}
                       | set(me.stadsdelen) | set(me.buurten))
        return dash.render(
            "list.html", me=me, csrf=info.csrf_token, requests=shown, status=status, area=area,
            status_options=STATUS_OPTIONS, area_options=areas,
            counts=[(s, counts[s]) for s in STATUSES if s in counts], message=dash.flash(request))

    @bp.get("/r/<reference>")
    async def detail(request, reference: str):
        info = await current(request)
        if info is None:
            return dash.redirect("/login")
        me = info.member
        try:
            found = await run(dash.queue.show, reference, me)
        except NotFound:
            return dash.render("error.html", http_status=404, me=me, csrf=info.csrf_token,
                               heading="Niet gevonden", text=staff_text("dash_not_found"))
        r = found.request
        can_act = r.status in (OPGEPAKT, IN_CONTACT) and (
            me.is_coordinator or r.assigned_to == me.username)
        return dash.render(
            "detail.html", me=me, csrf=info.csrf_token, r=r, timeline=found.timeline(),
            contact=describe_contact(r), can_act=can_act,
            live_possible=bool(r.resident_key) and r.contact_method in (None, CONTACT_CHAT),
            note_labels=NOTE_LABELS, event_labels=EVENT_LABELS, message=dash.flash(request))

    async def act(request, reference: str, action: str):
        info = await current(request)
        if info is None:
            return dash.redirect("/login")
        ref = parse_reference(reference)
        if ref is None:
            return dash.redirect("/", m="not_found")
        if not csrf_ok(request, info.csrf_token):
            return dash.redirect(f"/r/{ref}", m="csrf")
        me = info.member
        text = (request.form.get("text") or "").strip()
        queue = dash.queue
        try:
            if action == "claim":
                claim = await run(queue.claim, ref, me)
                if claim.won or claim.already_owner:
                    return dash.redirect(f"/r/{ref}", m="claimed")
                return dash.redirect(f"/r/{ref}", m="claim_lost", o=claim.owner)
            if action in ("note", "reply") and not text:
                return dash.redirect(f"/r/{ref}", m="empty_text")
            if action == "note":
                await run(queue.add_note, ref, me, text)
                return dash.redirect(f"/r/{ref}", m="note_saved")
            if action == "reply":
                result = await run(queue.reply, ref, me, text)
                delivered = bool(result.relay) and await dash.relay_sender(result.relay)
                return dash.redirect(f"/r/{ref}", m="reply_sent" if delivered
                                     else "reply_not_delivered")
            methods: Dict[str, Tuple[Callable[..., ActionResult], str]] = {
                "close": (queue.close, "closed"),
                "release": (queue.release, "released"),
                "live": (lambda r, s: queue.set_in_contact(r, s, live=True), "live_started"),
                "stoplive": (queue.end_live, "live_ended"),
            }
            method, flash = methods[action]
            result = await run(method, ref, me)
            if result.relay is not None:
                await dash.relay_sender(result.relay)
            if result.live_changed is not None and result.request.resident_key:
                applied = await dash.assistant_pauser(request, result.request.resident_key,
                                                      result.live_changed)
                if applied is False:
                    flash = "sync_failed"
            return dash.redirect(f"/r/{ref}" if action != "release" or me.can_see(
                result.request.buurt, result.request.stadsdeel) else "/", m=flash)
        except NotFound:
            return dash.redirect("/", m="not_found")
        except NotAllowed as exc:
            if exc.details.get("anonymised"):
                return dash.redirect(f"/r/{ref}", m="anonymised")
            return dash.redirect(f"/r/{ref}", m="not_allowed", s=exc.details.get("status"),
                                 o=exc.details.get("owner"))
        except InvalidInput:
            return dash.redirect(f"/r/{ref}", m="empty_text")

    for action_name in ("claim", "note", "reply", "close", "release", "live", "stoplive"):
        async def handler(request, reference: str, _action=action_name):
            return await act(request, reference, _action)

        bp.add_route(handler, f"/r/<reference>/{action_name}", methods=["POST"],
                     name=f"action_{action_name}")

    return bp


def dashboard_app(settings: Settings, queue_factory=None, **kwargs):
    """A Sanic app with only the dashboard (local trials, screenshots, tests)."""
    from sanic import Sanic

    app = Sanic(kwargs.pop("app_name", "ontmoet_staff"))
    app.blueprint(dashboard_blueprint(settings, queue_factory, **kwargs))
    from bot.insights.web import insights_blueprint  # coordinators' insight pages

    app.blueprint(insights_blueprint(
        settings, (lambda: queue_factory().engine) if queue_factory else None,
        prefix=kwargs.get("prefix", "/staff"), accounts_factory=kwargs.get("accounts_factory")))

    @app.get("/")
    async def root(request):
        return response.redirect(kwargs.get("prefix", "/staff") + "/")

    return app


def main(argv=None) -> None:  # pragma: no cover - exercised by the browser test
    """Serve only the dashboard: `python -m bot.staff.dashboard [--port 8010]`."""
    import argparse

    from ontmoet_core.config import load_settings

    parser = argparse.ArgumentParser(description="the staff dashboard on its own")
    parser.add_argument("--host", default=None)
    parser.add_argument("--port", type=int, default=8010)
    args = parser.parse_args(argv)
    settings = load_settings()
    logging.basicConfig(level=logging.INFO)
    app = dashboard_app(settings)
    app.run(host=args.host or settings.host, port=args.port, workers=1, access_log=False)


if __name__ == "__main__":  # pragma: no cover
    main()
