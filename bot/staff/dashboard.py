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
GET /r/<ref>, GET /r/<ref>/close (the confirmation step: closing note, last
message), POST /r/<ref>/{claim,note,reply,close,release,live,stoplive,reopen,
contact,visit_confirm,visit_propose}, GET /api/stand (polling: counts and versions, JSON), GET
/static/dashboard.{css,js}; anything else under the prefix gets the Dutch 404
page (403 and 500 likewise). Every action is a staff action
(bot/staff/actions.py), the same as in Telegram and the CLI.

Knowing what came in (issue 19): the list and the detail page poll /api/stand
every REFRESH_SECONDS (static/dashboard.js, allowed by the CSP's script-src
'self'); when a version changed they fetch the page again and swap the list, or
the status and the timeline, in place. The tab title shows the number of new
requests plus requests with an unread message of the resident ("(2) Wachtrij").
All system values are shown in Dutch (staff_label, staff_texts.yml), all times
in Europe/Amsterdam.
"""
from __future__ import annotations

import asyncio
import functools
import hashlib
import logging
import re
import secrets
from dataclasses import dataclass, replace
from datetime import timedelta
from pathlib import Path
from typing import Awaitable, Callable, Dict, FrozenSet, Optional, Tuple
from urllib.parse import urlencode

from jinja2 import Environment, FileSystemLoader, select_autoescape
from sanic import Blueprint, response
from sanic.exceptions import NotFound as RouteNotFound

from bot.handoff.models import (
    CONTACT_CHAT,
    DELIVERY_STATES,
    FAILED,
    NIEUW,
    STATUSES,
    VISIT_ASKED,
    VISIT_PROPOSED,
    VISIT_STATUSES,
)
from bot.handoff.queue import (
    HandoffQueue,
    InvalidInput,
    NotAllowed,
    NotFound,
    Relay,
    RequestDetail,
    RequestView,
    deliver_state,
    parse_reference,
)
from bot.handoff.routing import RosterCache, StaffMember
from bot.handoff.texts import contact_number, describe_contact, staff_label, staff_text
from bot.handoff.visit import staff_line
from bot.staff.accounts import StaffAccounts, TooManyAttempts
from bot.staff.actions import (
    Outcome,
    RelaySender,
    StaffActions,
    can_act,
    can_reopen,
    reopen_until,
)
from bot.staff.clock import promised_hours, response_clock
from bot.staff.pages import (
    SESSION_COOKIE,
    add_security_headers,
    add_staff_filters,
    error_texts,
    install_error_pages,
)
from bot.staff.reads import ReadMarks
from ontmoet_core.config import Settings

logger = logging.getLogger(__name__)

TEMPLATES = Path(__file__).with_name("templates")
LOGIN_CSRF_COOKIE = "ontmoet_login_csrf"
STATUS_FILTERS = ("open",) + STATUSES + ("alle",)
REFRESH_SECONDS = 5  # how often an open dashboard page asks /api/stand
REFRESH_HEADER = "x-ontmoet-refresh"  # sent by dashboard.js when it fetches a page again
# flash messages that say something did not work: shown in red, with "Let op:"
ERROR_FLASHES = {
    "claim_lost", "reply_not_delivered", "not_allowed", "empty_text", "login_failed",
    "login_blocked", "session_expired", "csrf", "not_found", "anonymised", "sync_failed",
    "visit_confirmed_not_delivered", "visit_proposed_not_delivered", "visit_bad_moment",
    "visit_not_possible",
}
FLASH_KEYS = {
    "claimed", "claim_lost", "note_saved", "reply_delivered", "reply_waiting",
    "reply_not_delivered",
    "closed",
    "released", "live_started", "live_ended", "not_allowed", "empty_text", "logged_out",
    "login_failed", "login_blocked", "session_expired", "csrf", "not_found", "anonymised",
    "sync_failed", "reopened", "reopen_expired", "contact_gebeld", "contact_niet_bereikt",
    "contact_afspraak", "close_confirm",
    "visit_confirmed", "visit_confirmed_waiting", "visit_confirmed_not_delivered",
    "visit_proposed", "visit_proposed_waiting", "visit_proposed_not_delivered",
    "visit_bad_moment", "visit_not_possible",
}
NOTE_LABELS = {"note": "Notitie", "closing": "Afsluitnotitie", "reply": "Bericht aan bewoner",
               "resident": "Bericht van bewoner"}
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
    "reopened": "Heropend",
    "contact_gebeld": "Gebeld",
    "contact_niet_bereikt": "Gebeld, niet bereikt",
    "contact_afspraak": "Afspraak gemaakt",
    "visit_confirmed": "Eerste bezoek bevestigd",
    "visit_proposed": "Ander moment voor het eerste bezoek voorgesteld",
    "visit_accepted": "Bewoner zegt ja tegen het voorgestelde moment",
    "visit_declined": "Bewoner zegt nee tegen het voorgestelde moment",
}
CONTACT_BUTTONS = (("gebeld", "Gebeld"), ("niet_bereikt", "Niet bereikt"),
                   ("afspraak", "Afspraak gemaakt"))
_USERNAME_RE = re.compile(r"^[\w.\-]{1,80}$")

# async (request, resident_key, paused): live chat applied to the Agent of the app
AssistantPauser = Callable[[object, str, bool], Awaitable[Optional[bool]]]


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


async def directory_relay_sender(relay: Relay, queue: Optional[HandoffQueue] = None) -> str:
    """Deliver through the channels' process-wide ResidentDirectory; with `queue`
    the reply's delivery state is kept up to date (a web chat message becomes
    delivered when the page fetches it)."""
    from bot.channels.stores import default_directory

    try:
        return await deliver_state(relay, default_directory(), queue)
    except Exception:
        logger.exception("delivering a reply for %s failed", relay.reference)
        return FAILED


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


@dataclass(frozen=True)
class Stand:
    """What needs attention, for the counts, the tab title and the polling."""

    new: int
    unread: FrozenSet[str]
    visible: Tuple[RequestView, ...]
    list_version: str
    request_version: Optional[str] = None

    @property
    def count(self) -> int:
        return self.new + len(self.unread)

    def to_dict(self) -> dict:
        return {"new": self.new, "unread": len(self.unread), "count": self.count,
                "list": self.list_version, "request": self.request_version}


def _version(*parts) -> str:
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:16]


def _request_version(found: RequestDetail) -> str:
    """Changes with every note, event, status or live change of the request."""
    return _version(found.request.updated_at, found.request.status, found.request.live,
                    found.notes, found.events)





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
        self.relay_sender: RelaySender = relay_sender or (
            lambda relay: directory_relay_sender(relay, self.queue))
        self.assistant_pauser = assistant_pauser or agent_pauser
        self.prefix = prefix
        self.secure_cookies = secure_cookies
        self.env = Environment(loader=FileSystemLoader(str(TEMPLATES)),
                               autoescape=select_autoescape(["html"]), trim_blocks=True,
                               lstrip_blocks=True)
        add_staff_filters(self.env)
        self.env.filters["person"] = self._person
        self._reads: Optional[ReadMarks] = None

    @property
    def queue(self) -> HandoffQueue:
        if self._queue is None:
            if self._queue_factory is not None:
                self._queue = self._queue_factory()
            else:
                self._queue = HandoffQueue.from_url(self.settings.database_url_resolved)
        return self._queue

    @property
    def reads(self) -> ReadMarks:
        if self._reads is None:
            self._reads = ReadMarks(self.queue.engine)
        return self._reads

    def stand(self, me: StaffMember, reference: Optional[str] = None) -> Stand:
        """New and unread for `me`, and versions that change when the list or
        the request `reference` changes (blocking: run in a thread)."""
        visible = tuple(self.queue.list(None, None, me))
        mine = [v.reference for v in visible if v.is_open and v.assigned_to == me.username]
        unread = frozenset(self.reads.unread(me.username, mine))
        list_version = _version(sorted(unread), [
            (v.reference, v.status, v.assigned_to, v.updated_at, v.announced_at,
             v.announce_attempted_at, v.escalated_at, v.live) for v in visible])
        request_version = None
        if reference:
            try:
                request_version = _request_version(self.queue.show(reference, me))
            except NotFound:
                pass
        return Stand(sum(1 for v in visible if v.status == NIEUW), unread, visible,
                     list_version, request_version)

    @property
    def accounts(self) -> StaffAccounts:
        if self._accounts is None:
            if self._accounts_factory is not None:
                self._accounts = self._accounts_factory(self.queue.engine, self.roster)
            else:
                self._accounts = StaffAccounts(self.queue.engine, self.roster)
        return self._accounts

    def actions(self, request) -> StaffActions:
        """The staff actions for one web request: replies go out through the
        relay sender, live chat pauses the Agent of this app."""
        return StaffActions.for_settings(self.queue, self.settings, deliver=self.relay_sender,
                                         pause=functools.partial(self.assistant_pauser, request))

    def detail_context(self, found, me) -> dict:
        """What the detail page shows of a request (queue RequestDetail)."""
        r = found.request
        within = timedelta(days=self.settings.handoff_reopen_days)
        now = self.queue.now()
        return dict(
            r=r, timeline=found.timeline(), contact=describe_contact(r, dashboard=True),
            phone=contact_number(r), can_act=can_act(r, me),
            can_reopen=can_reopen(r, me, within, now), reopen_until=reopen_until(r, within),
            clock=response_clock(r, promised_hours(self.settings), now),
            live_possible=bool(r.resident_key) and r.contact_method in (None, CONTACT_CHAT),
            note_labels=NOTE_LABELS, event_labels=EVENT_LABELS, contact_buttons=CONTACT_BUTTONS,
            delivery_labels={state: staff_text(f"delivery_{state}") for state in DELIVERY_STATES},
            visit=staff_line(r),
            visit_can_confirm=r.visit_status in (VISIT_ASKED, VISIT_PROPOSED),
            visit_demo_note=staff_text("visit_demo_mark") if r.visit_place_demo else "")

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
        context.setdefault("refresh_seconds", REFRESH_SECONDS)
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

    def flash(self, request) -> Tuple[Optional[str], bool]:
        """(the message after an action, whether it says something went wrong)."""
        key = request.args.get("m")
        if key not in FLASH_KEYS:
            return None, False
        owner = request.args.get("o") or ""
        status = request.args.get("s") or ""
        owner = self._person(owner) if _USERNAME_RE.match(owner) else "-"
        status = staff_label("status", status) if status in STATUSES else "?"
        visit = request.args.get("v") or ""
        visit = staff_label("visit", visit) if visit in VISIT_STATUSES + ("geen",) else "-"
        text = staff_text(f"dash_{key}", owner=owner, status=status, visit=visit) if key in (
            "claim_lost", "not_allowed", "visit_not_possible") else staff_text(f"dash_{key}")
        return text, key in ERROR_FLASHES

    def error_page(self, http_status: int, **context):
        """The Dutch error page of the staff pages (heading and text may be given)."""
        return self.render("error.html", http_status=http_status,
                           **{**error_texts(http_status), **context})

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
    relay_sender: async (Relay) -> delivery state (or True/False) delivering
    messages to residents
    (default: the channels' ResidentDirectory). accounts_factory:
    (engine, roster_source) -> StaffAccounts (tests use it for a controlled clock).
    secure_cookies: None = Secure in production (ONTMOET_ENV), else when the
    request came over https.
    assistant_pauser: async (request, resident_key, paused) applying live chat
    to Rasa (default: the Agent in request.app.ctx.agent).
    """
    dash = _Dashboard(settings, queue_factory, accounts_factory, relay_sender, prefix,
                      secure_cookies, assistant_pauser)
    bp = Blueprint(name, url_prefix=prefix)
    run = asyncio.to_thread

    @bp.middleware("response")
    async def security_headers(request, resp):
        add_security_headers(resp)

    async def current(request, touch: Optional[bool] = None):
        """The session; the page's own refreshes (REFRESH_HEADER) do not count as
        activity, so the idle timeout still ends a session nobody looks at."""
        if touch is None:
            touch = request.headers.get(REFRESH_HEADER) != "1"
        return await run(dash.accounts.session, request.cookies.get(SESSION_COOKIE), None, touch)

    def csrf_ok(request, expected: Optional[str]) -> bool:
        given = request.form.get("csrf_token") if request.form else None
        return bool(expected and given) and secrets.compare_digest(str(given), str(expected))

    def login_page(request, message: Optional[str] = None, status: int = 200):
        token = secrets.token_urlsafe(24)
        flash, flash_error = (message, True) if message else dash.flash(request)
        resp = dash.render("login.html", http_status=status, login_csrf=token,
                           message=flash, message_error=flash_error)
        dash.set_cookie(request, resp, LOGIN_CSRF_COOKIE, token, 3600)
        return resp

    @bp.get("/static/dashboard.css")
    async def stylesheet(request):
        return await response.file(TEMPLATES / "dashboard.css",
                                   mime_type="text/css; charset=utf-8")

    @bp.get("/static/dashboard.js")
    async def script(request):
        return await response.file(TEMPLATES / "dashboard.js",
                                   mime_type="text/javascript; charset=utf-8")

    @bp.get("/api/stand")
    async def api_stand(request):
        """Polled by the open pages: counts, and versions of the list and of
        request `r` (the page fetches itself again when one changed)."""
        info = await current(request, touch=False)
        if info is None:
            return response.json({"login": True}, status=401)
        reference = parse_reference(request.args.get("r"))
        stand = await run(dash.stand, info.member, reference)
        return response.json(stand.to_dict())

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
        if status not in STATUS_FILTERS:
            status = "open"
        area = (request.args.get("area") or "").strip()[:120]
        stand = await run(dash.stand, me)
        visible = stand.visible
        shown = await run(dash.queue.list, None if status == "alle" else status, area or None, me)
        counts: Dict[str, int] = {}
        for view in visible:
            counts[view.status] = counts.get(view.status, 0) + 1
        areas = sorted({a for v in visible for a in (v.stadsdeel, v.buurt) if a}
                       | set(me.stadsdelen) | set(me.buurten))
        flash, flash_error = dash.flash(request)
        return dash.render(
            "list.html", me=me, csrf=info.csrf_token, requests=shown, status=status, area=area,
            status_options=[(value, staff_label("status_filter" if value in ("open", "alle")
                                                else "status", value))
                            for value in STATUS_FILTERS],
            area_options=areas, stand=stand,
            refresh_regions="queue-area",
            escalate_hours=f"{dash.settings.handoff_escalate_after_hours:g}",
            counts=[(s, counts[s]) for s in STATUSES if s in counts], message=flash,
            message_error=flash_error)

    @bp.get("/r/<reference>")
    async def detail(request, reference: str):
        info = await current(request)
        if info is None:
            return dash.redirect("/login")
        me = info.member
        ref = parse_reference(reference)
        try:
            if ref is None:
                raise NotFound(reference=reference)
            await run(dash.queue.get, ref, me)  # visible? (NotFound otherwise)
            await run(dash.reads.mark_seen, me.username, ref)  # before reading: nothing lost
            found = await run(dash.queue.show, ref, me)
        except NotFound:
            return dash.error_page(404, me=me, csrf=info.csrf_token,
                                   heading=staff_text("error_404_heading"),
                                   text=staff_text("dash_not_found"))
        stand = replace(await run(dash.stand, me), request_version=_request_version(found))
        flash, flash_error = dash.flash(request)
        return dash.render(
            "detail.html", me=me, csrf=info.csrf_token, message=flash,
            message_error=flash_error, stand=stand, stand_reference=found.request.reference,
            refresh_regions="status timeline", **dash.detail_context(found, me))

    @bp.get("/r/<reference>/close")
    async def close_form(request, reference: str):
        """The confirmation step of closing: a closing note and a last message."""
        info = await current(request)
        if info is None:
            return dash.redirect("/login")
        try:
            found = await run(dash.queue.show, reference, info.member)
        except NotFound:
            return dash.error_page(404, me=info.member, csrf=info.csrf_token,
                                   heading=staff_text("error_404_heading"),
                                   text=staff_text("dash_not_found"))
        if not can_act(found.request, info.member):
            return dash.redirect(f"/r/{found.request.reference}", m="not_allowed",
                                 s=found.request.status, o=found.request.assigned_to)
        flash, flash_error = dash.flash(request)
        return dash.render("close.html", me=info.member, csrf=info.csrf_token, r=found.request,
                           reopen_days=f"{dash.settings.handoff_reopen_days:g}",
                           message=flash, message_error=flash_error)

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
        if action in ("note", "reply") and not text:
            return dash.redirect(f"/r/{ref}", m="empty_text")
        actions = dash.actions(request)
        try:
            if action == "claim":
                outcome = await actions.claim(ref, me)
                if outcome.key in ("claimed", "claim_already_yours"):
                    return dash.redirect(f"/r/{ref}", m="claimed")
                if outcome.key == "claim_closed":
                    return dash.redirect(f"/r/{ref}", m="not_allowed", s=outcome.status,
                                         o=outcome.owner)
                return dash.redirect(f"/r/{ref}", m="claim_lost", o=outcome.owner)
            if action == "close" and request.form.get("confirm") != "ja":
                return dash.redirect(f"/r/{ref}/close", m="close_confirm")
            form = request.form or {}
            calls: Dict[str, Callable[[], Awaitable[Outcome]]] = {
                "note": lambda: actions.note(ref, me, text),
                "reply": lambda: actions.reply(ref, me, text),
                "close": lambda: actions.close(ref, me, note=(form.get("note") or "").strip(),
                                               message=(form.get("message") or "").strip()),
                "reopen": lambda: actions.reopen(ref, me),
                "contact": lambda: actions.contact(ref, me, form.get("outcome") or "", text),
                "release": lambda: actions.release(ref, me),
                "live": lambda: actions.start_live(ref, me),
                "stoplive": lambda: actions.end_live(ref, me),
                "visit_confirm": lambda: actions.confirm_visit(ref, me),
                "visit_propose": lambda: actions.propose_visit(ref, me, text),
            }
            outcome = await calls[action]()
            flash = "sync_failed" if outcome.sync_failed else outcome.key
            stays_visible = outcome.request is None or me.can_see(
                outcome.request.buurt, outcome.request.stadsdeel)
            return dash.redirect(f"/r/{ref}" if action != "release" or stays_visible else "/",
                                 m=flash)
        except NotFound:
            return dash.redirect("/", m="not_found")
        except NotAllowed as exc:
            if exc.details.get("anonymised"):
                return dash.redirect(f"/r/{ref}", m="anonymised")
            if action == "reopen" and exc.details.get("reopen_expired"):
                return dash.redirect(f"/r/{ref}", m="reopen_expired")
            if "visit" in exc.details:
                return dash.redirect(f"/r/{ref}", m="visit_not_possible",
                                     v=exc.details.get("visit") or "geen")
            return dash.redirect(f"/r/{ref}", m="not_allowed", s=exc.details.get("status"),
                                 o=exc.details.get("owner"))
        except InvalidInput:
            if action == "visit_propose" and text:
                return dash.redirect(f"/r/{ref}", m="visit_bad_moment")
            return dash.redirect(f"/r/{ref}", m="empty_text")

    for action_name in ("claim", "note", "reply", "close", "release", "live", "stoplive",
                        "reopen", "contact", "visit_confirm", "visit_propose"):
        async def handler(request, reference: str, _action=action_name):
            return await act(request, reference, _action)

        bp.add_route(handler, f"/r/<reference>/{action_name}", methods=["POST"],
                     name=f"action_{action_name}")

    @bp.route(r"/<unknown:[^/](?:.*[^/])?>", methods=["GET", "POST"], name="unknown_page")
    async def unknown_page(request, unknown: str):
        """Any other address under the prefix: the Dutch 404 page (below)."""
        raise RouteNotFound("no such staff page")

    install_error_pages(bp, dash.error_page)
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
