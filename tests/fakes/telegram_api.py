"""A local fake of the Telegram Bot API (https://core.telegram.org/bots/api).

An HTTP server on 127.0.0.1 (its own thread) that python-telegram-bot talks to
through `Bot(token, base_url=fake.base_url)`. It speaks the documented wire
format: `POST /bot<token>/<method>` with urlencoded, JSON or multipart
parameters; answers `{"ok": true, "result": ...}` or
`{"ok": false, "error_code": .., "description": .., "parameters": {"retry_after": ..}}`.

It records every call (`calls`, `sent`), serves queued updates to getUpdates
(with `offset` confirming and `timeout` long polling), and can be told to
answer the next calls with an error (`fail_next(...)`, e.g. 429 + retry_after).
"""
from __future__ import annotations

import cgi
import io
import itertools
import json
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Dict, List, Optional
from urllib.parse import parse_qsl

# Parameters that are plain strings in the wire format (never JSON-decoded).
_STRING_FIELDS = {
    "text", "title", "address", "caption", "url", "secret_token", "callback_query_id",
    "parse_mode", "foursquare_id", "google_place_id", "photo", "inline_message_id",
    "ip_address", "emoji", "question",
}
_SEND_METHODS = {"sendMessage", "sendVenue", "sendLocation", "sendPhoto", "sendChatAction"}


@dataclass
class Call:
    method: str
    params: Dict[str, Any]


class FakeTelegramApi:
    def __init__(self, token: str = "123456:TEST-token_abc", bot_username: str = "ontmoet_test_bot"):
        self.token = token
        self.bot_user = {
            "id": int(token.split(":")[0]),
            "is_bot": True,
            "first_name": "Ontmoet",
            "username": bot_username,
            "can_join_groups": False,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }
        self.calls: List[Call] = []
        self.webhook: Dict[str, Any] = {"url": ""}
        self._updates: List[Dict[str, Any]] = []
        self._failures: List[Dict[str, Any]] = []
        self._message_ids = itertools.count(1000)
        self._lock = threading.Condition()
        self._server: Optional[ThreadingHTTPServer] = None
        self._thread: Optional[threading.Thread] = None

    # --- lifecycle -------------------------------------------------------
    def start(self) -> "FakeTelegramApi":
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep test output quiet
                pass

            def do_POST(self):
                fake._serve(self)

            def do_GET(self):
                fake._serve(self)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        with self._lock:
            self._lock.notify_all()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/bot"

    # --- scripting -------------------------------------------------------
    def queue_update(self, update: Dict[str, Any]) -> None:
        with self._lock:
            self._updates.append(update)
            self._lock.notify_all()

    def fail_next(self, method: str, error_code: int = 429, retry_after: int = 1,
                  description: str = "", times: int = 1) -> None:
        for _ in range(times):
            self._failures.append(
                {"method": method, "error_code": error_code, "retry_after": retry_after,
                 "description": description}
            )

    # --- inspection ------------------------------------------------------
    def calls_to(self, method: str) -> List[Dict[str, Any]]:
        return [c.params for c in list(self.calls) if c.method == method]

    @property
    def sent(self) -> List[Call]:
        return [c for c in list(self.calls) if c.method in _SEND_METHODS]

    def texts_to(self, chat_id: int) -> List[str]:
        return [
            c.params.get("text", "")
            for c in self.sent
            if c.method == "sendMessage" and int(c.params.get("chat_id")) == int(chat_id)
        ]

    # --- HTTP ------------------------------------------------------------
    def _serve(self, handler: BaseHTTPRequestHandler) -> None:
        path = handler.path.split("?", 1)[0]
        prefix = f"/bot{self.token}/"
        if not path.startswith("/bot"):
            return self._reply(handler, 404, {"ok": False, "error_code": 404, "description": "Not Found"})
        if not path.startswith(prefix):
            return self._reply(handler, 401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
        method = path[len(prefix):]
        params = self._params(handler)
        self.calls.append(Call(method, params))
        failure = next((f for f in self._failures if f["method"] == method), None)
        if failure is not None:
            self._failures.remove(failure)
            body = {"ok": False, "error_code": failure["error_code"],
                    "description": failure["description"] or _describe(failure)}
            if failure["error_code"] == 429:
                body["parameters"] = {"retry_after": failure["retry_after"]}
            return self._reply(handler, failure["error_code"], body)
        func = getattr(self, "_m_" + method, None)
        if func is None:
            return self._reply(
                handler, 404, {"ok": False, "error_code": 404, "description": "Not Found: method not found"}
            )
        try:
            result = func(params)
        except _ApiError as exc:
            return self._reply(
                handler, exc.code, {"ok": False, "error_code": exc.code, "description": exc.description}
            )
        return self._reply(handler, 200, {"ok": True, "result": result})

    @staticmethod
    def _reply(handler, status: int, body: Dict[str, Any]) -> None:
        raw = json.dumps(body).encode()
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(raw)))
        handler.end_headers()
        try:
            handler.wfile.write(raw)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client stopped waiting (a long poll cut short at shutdown)

    @staticmethod
    def _params(handler) -> Dict[str, Any]:
        length = int(handler.headers.get("Content-Length") or 0)
        raw = handler.rfile.read(length) if length else b""
        ctype = handler.headers.get("Content-Type", "")
        if "application/json" in ctype:
            data = json.loads(raw or b"{}")
            return data if isinstance(data, dict) else {}
        if "multipart/form-data" in ctype:
            form = cgi.FieldStorage(
                fp=io.BytesIO(raw), headers=handler.headers,
                environ={"REQUEST_METHOD": "POST", "CONTENT_TYPE": ctype},
            )
            pairs = [(k, form.getfirst(k)) for k in form.keys()]
        else:
            pairs = parse_qsl(raw.decode("utf-8"), keep_blank_values=True)
        out: Dict[str, Any] = {}
        for key, value in pairs:
            if isinstance(value, bytes):
                value = value.decode("utf-8", "replace")
            if key in _STRING_FIELDS:
                out[key] = value
                continue
            try:
                out[key] = json.loads(value)
            except (TypeError, ValueError):
                out[key] = value
        return out

    # --- methods ---------------------------------------------------------
    def _m_getMe(self, params):
        return self.bot_user

    def _m_logOut(self, params):
        return True

    def _m_close(self, params):
        return True

    def _m_setWebhook(self, params):
        secret = params.get("secret_token")
        if secret is not None and not _valid_secret(str(secret)):
            raise _ApiError(400, "Bad Request: secret token contains unallowed characters")
        self.webhook = {"url": params.get("url", ""), "secret_token": secret,
                        "allowed_updates": params.get("allowed_updates")}
        return True

    def _m_deleteWebhook(self, params):
        self.webhook = {"url": ""}
        return True

    def _m_getWebhookInfo(self, params):
        return {"url": self.webhook.get("url", ""), "has_custom_certificate": False,
                "pending_update_count": len(self._updates)}

    def _m_getUpdates(self, params):
        if self.webhook.get("url"):
            raise _ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        offset = params.get("offset")
        timeout = float(params.get("timeout") or 0)
        deadline = time.monotonic() + min(timeout, 5.0)
        with self._lock:
            if isinstance(offset, int):
                self._updates = [u for u in self._updates if u["update_id"] >= offset]
            while not self._updates and time.monotonic() < deadline:
                self._lock.wait(timeout=max(0.0, deadline - time.monotonic()))
            return list(self._updates[: int(params.get("limit") or 100)])

    def _chat(self, params) -> Dict[str, Any]:
        if "chat_id" not in params:
            raise _ApiError(400, "Bad Request: chat_id is empty")
        chat_id = int(params["chat_id"])
        return {"id": chat_id, "type": "private" if chat_id > 0 else "group"}

    def _message(self, params, **content) -> Dict[str, Any]:
        return {"message_id": next(self._message_ids), "date": int(time.time()),
                "chat": self._chat(params), "from": self.bot_user, **content}

    def _m_sendMessage(self, params):
        text = params.get("text")
        if not isinstance(text, str) or not text.strip():
            raise _ApiError(400, "Bad Request: message text is empty")
        if len(text.encode("utf-16-le")) // 2 > 4096:
            raise _ApiError(400, "Bad Request: message is too long")
        content = {"text": text}
        markup = params.get("reply_markup")
        if isinstance(markup, dict) and "inline_keyboard" in markup:
            for row in markup["inline_keyboard"]:
                for button in row:
                    if len(str(button.get("callback_data", "")).encode()) > 64:
                        raise _ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
            content["reply_markup"] = markup
        return self._message(params, **content)

    def _m_sendVenue(self, params):
        for key in ("latitude", "longitude", "title", "address"):
            if params.get(key) in (None, ""):
                raise _ApiError(400, f"Bad Request: {key} is empty")
        location = {"latitude": float(params["latitude"]), "longitude": float(params["longitude"])}
        return self._message(
            params,
            location=location,
            venue={"location": location, "title": params["title"], "address": params["address"]},
        )

    def _m_sendLocation(self, params):
        location = {"latitude": float(params["latitude"]), "longitude": float(params["longitude"])}
        return self._message(params, location=location)

    def _m_sendPhoto(self, params):
        return self._message(
            params, photo=[{"file_id": "AgAD", "file_unique_id": "AQAD", "width": 1, "height": 1}]
        )

    def _m_sendChatAction(self, params):
        self._chat(params)
        return True

    def _m_answerCallbackQuery(self, params):
        if not params.get("callback_query_id"):
            raise _ApiError(
                400, "Bad Request: query is too old and response timeout expired or query ID is invalid"
            )
        return True

    def _m_editMessageReplyMarkup(self, params):
        return self._message(params, text="(edited)")


class _ApiError(Exception):
    def __init__(self, code: int, description: str):
        super().__init__(description)
        self.code = code
        self.description = description


def _describe(failure: Dict[str, Any]) -> str:
    if failure["error_code"] == 429:
        return f"Too Many Requests: retry after {failure['retry_after']}"
    if failure["error_code"] == 403:
        return "Forbidden: bot was blocked by the user"
    return "Internal Server Error"


def _valid_secret(secret: str) -> bool:
    import re

    return bool(re.fullmatch(r"[A-Za-z0-9_-]{1,256}", secret))
