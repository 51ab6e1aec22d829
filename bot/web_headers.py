"""Security headers of the pages the service renders itself (staff dashboard,
insights, the printable subsidy checklist): never cached, never framed, no
sniffing, no referrer, and a Content-Security-Policy per kind of page."""
from __future__ import annotations

from typing import Optional

# Staff pages: scripts and styles only from our own static files, no inline script.
STAFF_CSP = ("default-src 'none'; style-src 'self'; img-src 'self'; script-src 'self'; "
             "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
# The printable checklist: no script at all, its print CSS inline, no forms.
PRINT_PAGE_CSP = ("default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; "
                  "base-uri 'none'; form-action 'none'")


def add_page_headers(resp, csp: str, robots: Optional[str] = None) -> None:
    """Set the shared headers and `csp` on a Sanic response; `robots` becomes
    X-Robots-Tag (the checklist links are private and must not be indexed)."""
    resp.headers["Cache-Control"] = "no-store"
    resp.headers["X-Frame-Options"] = "DENY"
    resp.headers["X-Content-Type-Options"] = "nosniff"
    resp.headers["Referrer-Policy"] = "no-referrer"
    resp.headers["Content-Security-Policy"] = csp
    if robots:
        resp.headers["X-Robots-Tag"] = robots
