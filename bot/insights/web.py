"""The coordinators' insight pages in the staff dashboard (mounted at /staff/inzicht).

    GET  /inzicht/                       indicators: a chart per indicator over time,
                                         a map-like table per stadsdeel, knowledge gaps
    GET  /inzicht/review                 the review queue, grouped by similar wording
    POST /inzicht/review/<id>/label      intent (+ example with [entity](markup))
    POST /inzicht/review/<id>/buiten     mark out of scope
    POST /inzicht/review/export          labelled items as nlu_data training data
    GET  /inzicht/static/insights.css

Only coordinators (role "coordinator") see these pages: the indicators cover
heel Maastricht and the review queue holds (masked) messages of residents. The
login, session and CSRF token are the dashboard's (bot/staff/accounts.py); an
opbouwwerker gets a 403 page. Opening a page first reads new conversations
from the tracker store (collect.py), so what a resident just wrote is there.
"""
from __future__ import annotations

import asyncio
import logging
import secrets
from pathlib import Path
from typing import Callable, Optional

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, select_autoescape
from sanic import Blueprint, response
from sqlalchemy.engine import Engine

from bot.handoff.texts import staff_text
from bot.staff.pages import (
    SESSION_COOKIE,
    add_security_headers,
    add_staff_filters,
    error_texts,
    install_error_pages,
)
from ontmoet_core.config import Settings

logger = logging.getLogger(__name__)

TEMPLATES = Path(__file__).with_name("templates")
STAFF_TEMPLATES = Path(__file__).resolve().parent.parent / "staff" / "templates"
# Flash messages: keys of bot/handoff/staff_texts.yml ("insights_<key>").
FLASH = ("labelled", "out_of_scope", "csrf", "invalid", "nothing")


def insights_blueprint(settings: Settings, engine_factory: Optional[Callable[[], Engine]] = None,
                       *, prefix: str = "/staff", name: str = "staff_insights",
                       accounts_factory=None, collect_on_open: bool = True) -> Blueprint:
    """The insight pages under `{prefix}/inzicht` (mount with app.blueprint(bp))."""
    from bot.handoff.routing import RosterCache

    state = {"engine": None, "accounts": None}
    roster = RosterCache(settings.staff_file)
    env = Environment(loader=ChoiceLoader([FileSystemLoader(str(TEMPLATES)),
                                           FileSystemLoader(str(STAFF_TEMPLATES))]),
                      autoescape=select_autoescape(["html"]), trim_blocks=True,
                      lstrip_blocks=True)
    add_staff_filters(env)  # the staff base template's Dutch labels and texts
    base = f"{prefix}/inzicht"
    bp = Blueprint(name, url_prefix=base)
    run = asyncio.to_thread

    def engine() -> Engine:
        if state["engine"] is None:
            if engine_factory is not None:
                state["engine"] = engine_factory()
            else:
                from ontmoet_core.db import make_engine

                state["engine"] = make_engine(settings.database_url_resolved)
        return state["engine"]

    def accounts():
        if state["accounts"] is None:
            from bot.staff.accounts import StaffAccounts

            factory = accounts_factory or StaffAccounts
            state["accounts"] = factory(engine(), roster)
        return state["accounts"]

    def render(template: str, status: int = 200, **context):
        context.setdefault("prefix", prefix)
        context.setdefault("base", base)
        context.setdefault("demo", roster().demo)
        return response.html(env.get_template(template).render(**context), status=status)

    @bp.middleware("response")
    async def security_headers(request, resp):
        add_security_headers(resp)

    install_error_pages(bp, lambda http_status: render(
        "error.html", status=http_status, **error_texts(http_status)))

    async def coordinator(request):
        """(session info, None) for a coordinator; else (None, response)."""
        info = await run(accounts().session, request.cookies.get(SESSION_COOKIE))
        if info is None:
            return None, response.redirect(f"{prefix}/login", status=303)
        if not info.member.is_coordinator:
            return None, render("error.html", status=403, me=info.member, csrf=info.csrf_token,
                                heading=staff_text("insights_only_coordinator_heading"),
                                text=staff_text("insights_only_coordinator"))
        return info, None

    def csrf_ok(request, expected: str) -> bool:
        given = request.form.get("csrf_token") if request.form else None
        return bool(expected and given) and secrets.compare_digest(str(given), str(expected))

    async def collect_now() -> None:
        if not collect_on_open:
            return
        from bot.insights.collect import collect

        try:
            # at most 50,000 events per page view; cron collects the rest
            await run(collect, settings.tracker_store_url_resolved, engine(), 2000, 25)
        except Exception:  # the page still shows what was collected before
            logger.exception("insights: collecting new conversations failed")

    def flash(request) -> Optional[str]:
        key = request.args.get("m")
        if key not in FLASH:
            return None
        if key == "invalid":
            from bot.insights.review import ReviewError

            code = request.args.get("d")
            reason = staff_text(f"insights_err_{code}", detail="") if code in ReviewError.CODES \
                else ""
            return staff_text("insights_invalid", detail=reason)
        return staff_text(f"insights_{key}")

    @bp.get("/static/insights.css")
    async def stylesheet(request):
        return await response.file(TEMPLATES / "insights.css", mime_type="text/css; charset=utf-8")

    @bp.get("/")
    async def overview(request):
        info, denied = await coordinator(request)
        if denied:
            return denied
        from bot.insights.charts import bar_chart
        from bot.insights.indicators import CITY, INDICATORS, STADSDELEN_LAYOUT, build_report

        by = request.args.get("by") if request.args.get("by") in ("buurt", "stadsdeel") \
            else "stadsdeel"
        try:
            months = min(36, max(1, int(request.args.get("months") or 12)))
        except ValueError:
            months = 12
        await collect_now()
        report = await run(build_report, engine(), by, months)
        stadsdeel_report = report if by == "stadsdeel" else await run(
            build_report, engine(), "stadsdeel", months)
        charts = [(key, label, bar_chart(key, label, report["months"],
                                         [t["values"][key] for t in report["totals"]], unit,
                                         staff_text("insights_chart_empty")))
                  for key, label, unit in INDICATORS]
        period = {row["area"]: row for row in stadsdeel_report["period"]}
        languages = period.get(CITY, {}).get("languages", {})
        return render("insights.html", me=info.member, csrf=info.csrf_token, report=report,
                      charts=charts, by=by, months=months, period=period,
                      layout=STADSDELEN_LAYOUT, indicators=INDICATORS, city=CITY,
                      languages=languages, gaps=report["gaps"], message=flash(request))

    @bp.get("/review")
    async def review_page(request):
        info, denied = await coordinator(request)
        if denied:
            return denied
        from bot.insights import review

        await collect_now()
        groups = await run(review.groups, engine())
        counts = await run(review.counts, engine())
        intents, entities = review.domain_vocabulary()
        return render("review.html", me=info.member, csrf=info.csrf_token, groups=groups,
                      counts=counts, intents=intents, entities=sorted(entities),
                      message=flash(request))

    async def act(request, item_id: int, out_of_scope: bool):
        info, denied = await coordinator(request)
        if denied:
            return denied
        if not csrf_ok(request, info.csrf_token):
            return response.redirect(f"{base}/review?m=csrf", status=303)
        from urllib.parse import urlencode

        from bot.insights import review

        try:
            if out_of_scope:
                await run(review.mark_out_of_scope, engine(), item_id, info.username)
                return response.redirect(f"{base}/review?m=out_of_scope", status=303)
            intent = (request.form.get("intent") or "").strip()
            example = (request.form.get("example") or "").strip()
            await run(review.label, engine(), item_id, intent, example, info.username)
        except review.ReviewError as exc:
            return response.redirect(
                f"{base}/review?{urlencode({'m': 'invalid', 'd': exc.code})}", status=303)
        return response.redirect(f"{base}/review?m=labelled", status=303)

    @bp.post("/review/<item_id:int>/label")
    async def label(request, item_id: int):
        return await act(request, item_id, False)

    @bp.post("/review/<item_id:int>/buiten")
    async def out_of_scope(request, item_id: int):
        return await act(request, item_id, True)

    @bp.post("/review/export")
    async def export(request):
        info, denied = await coordinator(request)
        if denied:
            return denied
        if not csrf_ok(request, info.csrf_token):
            return response.redirect(f"{base}/review?m=csrf", status=303)
        from bot.insights import review

        text, n = await run(review.export, engine())
        if not n:
            return response.redirect(f"{base}/review?m=nothing", status=303)
        logger.info("insights: %s labelled examples exported by %s", n, info.username)
        return render("export.html", me=info.member, csrf=info.csrf_token, text=text, n=n)

    return bp
