"""Local fake LINE and Telegram API servers that record every request.

Each is a threaded `http.server` on 127.0.0.1 with a free port. Tests point
`LINE_API_HOST` / `TELEGRAM_API_BASE_URL` at `server.url` and assert on `server.requests`.
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote

FAKE_JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01fake-image-bytes\xff\xd9"


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body.decode("utf-8"))

    def form(self) -> dict[str, Any]:
        """Telegram (python-telegram-bot) posts form fields; complex values are JSON."""
        ctype = self.headers.get("content-type", "")
        if "application/json" in ctype:
            return self.json()
        fields = {k: v[0] for k, v in parse_qs(self.body.decode("utf-8"), keep_blank_values=True).items()}
        out: dict[str, Any] = {}
        for key, value in fields.items():
            try:
                out[key] = json.loads(value) if value[:1] in "{[" else value
            except ValueError:
                out[key] = value
        return out


Response = tuple[int, bytes, str]  # status, body, content type


@dataclass
class FakeApiServer:
    routes: list[tuple[str, re.Pattern, Any]] = field(default_factory=list)
    requests: list[Recorded] = field(default_factory=list)

    def route(self, method: str, pattern: str, responder) -> None:
        """Newest route wins; responder(recorded, match) -> (status, body, content_type)."""
        self.routes.insert(0, (method, re.compile(pattern + r"$"), responder))

    def respond(self, method: str, pattern: str, status: int, payload: Any = None) -> None:
        body = payload if isinstance(payload, bytes) else json.dumps(payload if payload is not None else {}).encode()
        self.route(method, pattern, lambda rec, m: (status, body, "application/json"))

    def start(self) -> FakeApiServer:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                rec = Recorded(self.command, self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                server.requests.append(rec)
                for method, pattern, responder in server.routes:
                    match = pattern.match(unquote(self.path.split("?")[0]))
                    if method == self.command and match:
                        status, out, ctype = responder(rec, match)
                        break
                else:
                    status, out, ctype = 404, b'{"message":"not found"}', "application/json"
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(out)))
                self.end_headers()
                self.wfile.write(out)

            do_GET = do_POST = _handle  # noqa: N815

            def log_message(self, *args) -> None:
                pass

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def calls(self, method: str | None = None, path_contains: str = "") -> list[Recorded]:
        return [r for r in self.requests if (method is None or r.method == method) and path_contains in r.path]


def fake_line_api() -> FakeApiServer:
    server = FakeApiServer()
    server.respond("POST", r"/v2/bot/message/reply", 200, {"sentMessages": [{"id": "1", "quoteToken": "q"}]})
    server.respond("POST", r"/v2/bot/message/push", 200, {"sentMessages": [{"id": "2", "quoteToken": "q"}]})
    server.route("GET", r"/v2/bot/message/(\d+)/content", lambda rec, m: (200, FAKE_JPEG, "image/jpeg"))
    server.route(
        "GET",
        r"/v2/bot/(group|room)/(\w+)/member/(\w+)",
        lambda rec, m: (200, json.dumps({"displayName": "福和里長", "userId": m.group(3)}).encode(), "application/json"),
    )
    return server.start()


TELEGRAM_TOKEN = "123456789:TEST-token_abcdefghijklmnopqrstuvwxyz"
BOT_ID = 123456789
BOT_USERNAME = "casesys_bot"


def fake_telegram_api(token: str = TELEGRAM_TOKEN) -> FakeApiServer:
    server = FakeApiServer()
    base = re.escape(f"/bot{token}")
    counter = {"n": 5000}

    def ok(result: Any) -> Response:
        return 200, json.dumps({"ok": True, "result": result}).encode(), "application/json"

    def send_message(rec: Recorded, m) -> Response:
        form = rec.form()
        counter["n"] += 1
        chat_id = int(form["chat_id"])
        return ok(
            {
                "message_id": counter["n"],
                "date": 1795340000,
                "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "supergroup"},
                "from": {"id": BOT_ID, "is_bot": True, "first_name": "市府小幫手", "username": BOT_USERNAME},
                "text": form.get("text", ""),
            }
        )

    server.route(
        "POST", base + r"/getMe",
        lambda rec, m: ok({"id": BOT_ID, "is_bot": True, "first_name": "市府小幫手", "username": BOT_USERNAME}),
    )
    server.route("POST", base + r"/sendMessage", send_message)
    server.route(
        "POST", base + r"/getFile",
        lambda rec, m: ok({"file_id": rec.form()["file_id"], "file_unique_id": "AQADxK0xH", "file_size": len(FAKE_JPEG),
                           "file_path": "photos/file_7.jpg"}),
    )
    server.route("GET", re.escape(f"/file/bot{token}") + r"/photos/file_7\.jpg", lambda rec, m: (200, FAKE_JPEG, "image/jpeg"))
    server.route("POST", base + r"/setWebhook", lambda rec, m: ok(True))
    server.route("POST", base + r"/close", lambda rec, m: ok(True))
    return server.start()
