"""The Rasa action server, accepting calls only from the assistant service.

    python -m bot.action_server --actions actions -p 5055

What `rasa run actions` does (rasa_sdk's app with our `actions` package), plus:

* every call to `/webhook` and `/actions` must carry the shared secret in the
  header `X-Ontmoet-Action-Secret` (compared in constant time); anything else
  gets 401 and never reaches an action. `/health` stays open for probes. The
  service sends the header (bot/endpoints.py, Rasa's EndpointConfig `headers`).
  The secret is ONTMOET_ACTION_SERVER_SECRET, or var/action_server.secret
  (created on first use, shared by `make run` through the var dir); production
  refuses to start without a strong one (ontmoet_core/keys.py).
* no CORS headers (rasa_sdk allows every origin by default): a web page in a
  resident's browser cannot call the action server.
* listens on 127.0.0.1 unless SANIC_HOST says otherwise.
"""
from __future__ import annotations

import argparse
import hmac
import logging
import os
from typing import List, Optional

from ontmoet_core.config import Settings, load_settings

logger = logging.getLogger(__name__)

SECRET_HEADER = "X-Ontmoet-Action-Secret"
PROTECTED_PATHS = ("/webhook", "/actions")


def secret_matches(given: Optional[str], expected: str) -> bool:
    if not given or not expected:
        return False
    return hmac.compare_digest(given.encode(), expected.encode())


def protect(app, secret: str) -> None:
    """Register the Sanic middleware that refuses calls without the secret."""
    from sanic import response

    if not secret:
        raise ValueError("the action server needs a secret")

    @app.middleware("request")
    async def require_shared_secret(request):
        path = request.path.rstrip("/") or "/"
        if path not in PROTECTED_PATHS:
            return None
        if secret_matches(request.headers.get(SECRET_HEADER), secret):
            return None
        logger.warning("action server: refused a call to %s without the shared secret", path)
        return response.json({"error": "unauthorized"}, status=401)


def build_action_app(actions: str = "actions", settings: Optional[Settings] = None):
    """rasa_sdk's action server app with the shared-secret check."""
    from rasa_sdk.endpoint import create_app

    settings = settings or load_settings()
    secret = settings.action_server_secret_value()  # fails fast in production
    app = create_app(actions, cors_origins=None)
    protect(app, secret)
    return app


def main(argv: Optional[List[str]] = None) -> None:  # pragma: no cover - run by scripts
    from rasa_sdk import utils
    from rasa_sdk.plugin import plugin_manager

    parser = argparse.ArgumentParser(description="the Rasa action server (shared secret)")
    parser.add_argument("--actions", default="actions")
    parser.add_argument("-p", "--port", type=int, default=5055)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    app = build_action_app(args.actions)
    plugin_manager().hook.attach_sanic_app_extensions(app=app)
    host = os.environ.get("SANIC_HOST", "127.0.0.1")
    logger.info("action server on http://%s:%s (shared secret required)", host, args.port)
    app.run(host, args.port, workers=utils.number_of_sanic_workers(), access_log=False)


if __name__ == "__main__":  # pragma: no cover
    main()
