"""GET /checklist/<token>: the printable checklist of the subsidy check.

On the assistant service's own Sanic app (bot/service.py). Jinja2 with
autoescaping (as the staff pages); the print CSS sits in a <style> element (the
Content-Security-Policy allows inline styles and nothing else: no script, nothing
loaded from elsewhere); not cached, not indexed, no referrer.
An unknown or expired link gets a Dutch 404 page.
"""
from __future__ import annotations

from pathlib import Path
from typing import Callable

from jinja2 import Environment, FileSystemLoader, select_autoescape
from sanic import Blueprint, response

from bot.catalogue import text
from bot.precheck.render import page_context
from bot.precheck.store import ChecklistStore
from bot.web_headers import PRINT_PAGE_CSP, add_page_headers

TEMPLATES = Path(__file__).with_name("templates")


def _env() -> Environment:
    return Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=select_autoescape(["html"]),
                       trim_blocks=True, lstrip_blocks=True)


def _headers(resp) -> None:
    add_page_headers(resp, PRINT_PAGE_CSP, robots="noindex, nofollow")


def checklist_blueprint(store_factory: Callable[[], ChecklistStore]) -> Blueprint:
    bp = Blueprint("precheck_checklist")
    env = _env()

    @bp.get("/checklist/<token:str>")
    async def checklist_page(request, token: str):
        result = store_factory().load(token)
        if result is None:
            html = env.get_template("missing.html").render(
                lang=text("precheck_page_lang"), title=text("precheck_page_title"),
                missing=text("precheck_page_missing"))
            resp = response.html(html, status=404)
        else:
            html = env.get_template("checklist.html").render(**page_context(result))
            resp = response.html(html)
        _headers(resp)
        return resp

    return bp
