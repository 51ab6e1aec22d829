"""A local fake of the WhatsApp Cloud API send endpoint (Graph API).

`POST /{version}/{phone_number_id}/messages` with `Authorization: Bearer <token>`
and a JSON message object, as documented for the Cloud API. The fake checks the
documented limits (reply buttons at most 3 with titles at most 20 characters and
unique; list messages at most 10 rows with titles at most 24 and descriptions at
most 72; interactive body at most 1024; text at most 4096) and the 24-hour window
(`close_window(wa_id)` makes free-form sends fail with error 131047, as the
platform does), records accepted sends, and can be told to fail the next
requests (`fail_next(status, code)`) with 429 or 5xx.

Also: `signed_post(...)` helpers live in tests/fakes/whatsapp_webhooks.py.
"""
from __future__ import annotations

import itertools
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Dict, List, Optional, Set


class FakeGraphApi:
    def __init__(self, token: str = "EAAG-test-token", phone_number_id: str = "106540352242922",
                 version: str = "v21.0"):
        self.token = token
        self.phone_number_id = phone_number_id
        self.version = version
        self.sent: List[Dict[str, Any]] = []  # accepted message objects
        self.requests: List[Dict[str, Any]] = []  # every request body, accepted or not
        self.closed_windows: Set[str] = set()
        self._failures: List[Dict[str, Any]] = []
        self._ids = itertools.count(1)
        self._server: Optional[ThreadingHTTPServer] = None

    # --- lifecycle -------------------------------------------------------
    def start(self) -> "FakeGraphApi":
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                fake._serve(self)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        ).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    @property
    def graph_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/{self.version}"

    # --- scripting / inspection -----------------------------------------
    def fail_next(self, status: int = 429, code: int = 130429, times: int = 1,
                  retry_after: Optional[int] = None) -> None:
        for _ in range(times):
            self._failures.append({"status": status, "code": code, "retry_after": retry_after})

    def close_window(self, wa_id: str) -> None:
        self.closed_windows.add(wa_id)

    def sent_to(self, wa_id: str) -> List[Dict[str, Any]]:
        return [m for m in list(self.sent) if m.get("to") == wa_id]

    def texts_to(self, wa_id: str) -> List[str]:
        out = []
        for m in self.sent_to(wa_id):
            if m["type"] == "text":
                out.append(m["text"]["body"])
            elif m["type"] == "interactive":
                out.append(m["interactive"]["body"]["text"])
        return out

    # --- HTTP ------------------------------------------------------------
    def _serve(self, handler: BaseHTTPRequestHandler) -> None:
        expected = f"/{self.version}/{self.phone_number_id}/messages"
        length = int(handler.headers.get("Content-Length") or 0)
        raw = handler.rfile.read(length) if length else b""
        if handler.path != expected:
            return self._error(handler, 400, 100, "Unsupported post request.")
        if handler.headers.get("Authorization") != f"Bearer {self.token}":
            return self._error(handler, 401, 190, "Invalid OAuth access token.")
        try:
            body = json.loads(raw)
        except ValueError:
            return self._error(handler, 400, 100, "Invalid parameter")
        self.requests.append(body)
        if self._failures:
            failure = self._failures.pop(0)
            headers = {"Retry-After": str(failure["retry_after"])} if failure["retry_after"] else {}
            return self._error(handler, failure["status"], failure["code"], "Temporary failure", headers)
        problem = _validate(body)
        if problem:
            return self._error(handler, 400, 131009, f"Parameter value is not valid: {problem}")
        if body.get("type") != "template" and body.get("to") in self.closed_windows:
            return self._error(
                handler,
                400,
                131047,
                "Re-engagement message: more than 24 hours have passed since the recipient last replied",
            )
        self.sent.append(body)
        wa_id = str(body.get("to"))
        reply = {
            "messaging_product": "whatsapp",
            "contacts": [{"input": wa_id, "wa_id": wa_id}],
            "messages": [{"id": f"wamid.FAKE{next(self._ids):08d}"}],
        }
        self._send(handler, 200, reply)

    def _error(self, handler, status, code, message, headers=None):
        body = {"error": {"message": message, "type": "OAuthException", "code": code,
                          "fbtrace_id": "AbCdEfGhIjK"}}
        self._send(handler, status, body, headers or {})

    @staticmethod
    def _send(handler, status, body, headers=None):
        raw = json.dumps(body).encode()
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(raw)))
        for key, value in (headers or {}).items():
            handler.send_header(key, value)
        handler.end_headers()
        handler.wfile.write(raw)


def _validate(body: Dict[str, Any]) -> str:
    """The first documented limit this message object breaks, or ""."""
    if body.get("messaging_product") != "whatsapp":
        return "messaging_product"
    if not body.get("to"):
        return "to"
    kind = body.get("type")
    if kind == "text":
        text = body.get("text", {}).get("body", "")
        if not text or len(text) > 4096:
            return "text.body"
        return ""
    if kind == "template":
        template = body.get("template", {})
        if not template.get("name") or not template.get("language", {}).get("code"):
            return "template"
        for comp in template.get("components", []):
            for param in comp.get("parameters", []):
                value = param.get("text", "")
                if "\n" in value or "\t" in value or "     " in value:
                    return "template parameter"
        return ""
    if kind == "location":
        loc = body.get("location", {})
        return "" if "latitude" in loc and "longitude" in loc else "location"
    if kind == "image":
        return "" if body.get("image", {}).get("link") or body.get("image", {}).get("id") else "image"
    if kind != "interactive":
        return "type"
    inter = body.get("interactive", {})
    text = inter.get("body", {}).get("text", "")
    if not text or len(text) > 1024:
        return "interactive.body.text"
    if inter.get("type") == "button":
        buttons = inter.get("action", {}).get("buttons", [])
        titles = [b.get("reply", {}).get("title", "") for b in buttons]
        if not 1 <= len(buttons) <= 3:
            return "buttons count"
        if any(not t or len(t) > 20 for t in titles):
            return "button title"
        if len(set(titles)) != len(titles):
            return "duplicate button title"
        if any(len(b.get("reply", {}).get("id", "")) > 256 for b in buttons):
            return "button id"
        return ""
    if inter.get("type") == "list":
        action = inter.get("action", {})
        if not action.get("button") or len(action["button"]) > 20:
            return "list button"
        rows = [r for s in action.get("sections", []) for r in s.get("rows", [])]
        if not 1 <= len(rows) <= 10:
            return "rows count"
        if any(not r.get("title") or len(r["title"]) > 24 for r in rows):
            return "row title"
        if any(len(r.get("description", "")) > 72 for r in rows):
            return "row description"
        if len({r.get("id") for r in rows}) != len(rows):
            return "row id"
        return ""
    if inter.get("type") == "location_request_message":
        return "" if inter.get("action", {}).get("name") == "send_location" else "action"
    return "interactive.type"
