"""What every staff page shares (the dashboard's and the insights'): the session
cookie and the security headers."""
from __future__ import annotations

SESSION_COOKIE = "ontmoet_staff"


def add_security_headers(resp) -> None:
    """The headers of every staff page (dashboard and insights): not cached, not
    framed, no scripts, nothing loaded from elsewhere."""
    resp.headers["Cache-Control"] = "no-store"
    resp.headers["X-Frame-Options"] = "DENY"
    resp.headers["X-Content-Type-Options"] = "nosniff"
    resp.headers["Referrer-Policy"] = "no-referrer"
    resp.headers["Content-Security-Policy"] = (
        "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'")
