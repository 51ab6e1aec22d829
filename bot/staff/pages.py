"""What every staff page shares (the dashboard's and the insights'): the session
cookie, the security headers, the templates' filters and texts, and the Dutch
error pages. Its own module so that the dashboard (which mounts the insights
pages) and the insights pages (which use these) do not import each other."""
from __future__ import annotations

import logging
import traceback
from datetime import datetime, timezone
from typing import Callable, Dict, Optional

from jinja2 import Environment
from sanic import Blueprint
from sanic.exceptions import SanicException

from bot.handoff.texts import staff_label, staff_text
from bot.staff.clock import local_time
from bot.web_headers import STAFF_CSP, add_page_headers

logger = logging.getLogger(__name__)

SESSION_COOKIE = "ontmoet_staff"


def add_security_headers(resp) -> None:
    """The headers of every staff page (dashboard and insights): not cached, not
    framed, scripts only from our own static files (no inline script), nothing
    loaded from elsewhere."""
    add_page_headers(resp, STAFF_CSP)


def _change(event) -> str:
    """An audit event's old -> new in Dutch ("nieuw → in contact", "aan → uit")."""
    def word(value: Optional[str]) -> str:
        if value is None or value == "":
            return "-"
        if event.field in ("status", "live"):
            return staff_label(event.field, value)
        try:
            return local_time(datetime.fromisoformat(value).replace(tzinfo=None))
        except ValueError:
            return staff_label("boolean", value)
    return f"{word(event.old_value)} \u2192 {word(event.new_value)}"


def add_staff_filters(env: Environment) -> None:
    """The filters and texts every staff template uses (dashboard and insights)."""
    env.filters["when"] = local_time
    env.filters["label"] = lambda value, group: staff_label(group, value)  # value|label('status')
    env.filters["change"] = _change
    env.globals["t"] = staff_text


def error_texts(http_status: int) -> Dict[str, str]:
    """Heading and text of the Dutch error page for an HTTP status (404, 403, 500,
    else the general "dat ging niet goed")."""
    kind = http_status if http_status in (403, 404, 500) else (500 if http_status >= 500
                                                                else 400)
    values = {"time": local_time(datetime.now(timezone.utc).replace(tzinfo=None))} \
        if kind == 500 else {}
    return {"heading": staff_text(f"error_{kind}_heading"),
            "text": staff_text(f"error_{kind}", **values)}


def install_error_pages(bp: Blueprint, page: Callable[[int], object]) -> None:
    """Every error on the blueprint's routes gets the Dutch error page
    (`page(http_status)` renders it), never a stack trace. Logged for the
    operator with the kind of error and where, not its message (which may
    hold what someone typed)."""
    @bp.exception(SanicException, Exception)
    async def error_page(request, exception):
        http_status = getattr(exception, "status_code", 500) if isinstance(
            exception, SanicException) else 500
        if http_status >= 500:
            logger.error("staff page %s failed: %s at\n%s", request.path,
                         type(exception).__name__,
                         "".join(traceback.format_tb(exception.__traceback__)))
        resp = page(http_status)
        add_security_headers(resp)
        return resp
