"""A fake 三竹 (Mitake) SMS gateway on loopback that records every request.

It answers `SmSend` and `SmQuery` the way Mitake does (INI-like text, its status codes,
``Duplicate=Y`` for a clientid seen before), and, like Mitake, calls the delivery-status URL
given with a message (`report`). Tests point `MITAKE_BASE_URL` at `gateway.url`.
"""

from __future__ import annotations

import itertools
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx

USERNAME = "casesys-test"
PASSWORD = "s3cret-mitake-password"


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    form: dict[str, str]


@dataclass
class Sent:
    msgid: str
    dstaddr: str
    smbody: str
    clientid: str
    response: str


@dataclass
class FakeMitake:
    requests: list[Request] = field(default_factory=list)
    # statuscodes for the next SmSend answers (default "1": delivered to the carrier).
    script: list[str] = field(default_factory=list)
    # HTTP status for the next answers (default 200).
    http_script: list[int] = field(default_factory=list)
    # Seconds to wait before the next answers, after the message is accepted (a slow gateway).
    delay_script: list[float] = field(default_factory=list)
    sent: list[Sent] = field(default_factory=list)
    points: int = 1000
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1_000_000_001))
    _lock: threading.Lock = field(default_factory=threading.Lock)

    # --- gateway behaviour ------------------------------------------------------------

    def _sm_send(self, form: dict[str, str]) -> str:
        if not form.get("username"):
            return "[1]\nstatuscode=c\nError=請輸入帳號\n"
        if form.get("username") != USERNAME or form.get("password") != PASSWORD:
            return "[1]\nstatuscode=e\nError=帳號、密碼錯誤\n"
        code = self.script.pop(0) if self.script else "1"
        with self._lock:
            earlier = next((s for s in self.sent if form.get("clientid") and s.clientid == form.get("clientid")), None)
            if earlier is not None:
                return f"[1]\nmsgid={earlier.msgid}\nstatuscode=1\nDuplicate=Y\nAccountPoint={self.points}\n"
            if code not in {"0", "1", "2", "3", "4"}:
                return f"[1]\nstatuscode={code}\nError=錯誤 {code}\n"
            msgid = str(next(self._ids))
            self.points -= 1
            self.sent.append(
                Sent(msgid, form.get("dstaddr", ""), form.get("smbody", ""), form.get("clientid", ""), form.get("response", ""))
            )
        return f"[1]\nmsgid={msgid}\nstatuscode={code}\nAccountPoint={self.points}\n"

    def _sm_query(self, form: dict[str, str]) -> str:
        if form.get("username") != USERNAME or form.get("password") != PASSWORD:
            return "statuscode=e\nError=帳號、密碼錯誤\n"
        return f"AccountPoint={self.points}\n"

    def report(self, msgid: str, statuscode: str) -> httpx.Response:
        """Call the message's delivery-status URL as Mitake does (GET with query parameters)."""
        sent = next(s for s in self.sent if s.msgid == msgid)
        params = {
            "msgid": msgid,
            "dstaddr": sent.dstaddr,
            "dlvtime": "20260303090000",
            "donetime": "20260303090005",
            "statusstr": {"4": "DELIVRD", "8": "EXPIRED", "6": "UNDELIV"}.get(statuscode, "UNKNOWN"),
            "statuscode": statuscode,
            "StatusFlag": statuscode,
        }
        return httpx.get(f"{sent.response}?{urlencode(params)}", timeout=10)

    def by_number(self, number: str) -> list[Sent]:
        return [s for s in self.sent if s.dstaddr == number]

    # --- server -------------------------------------------------------------------------

    def start(self) -> FakeMitake:
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode("utf-8") if length else ""
                split = urlsplit(self.path)
                query = {k: v[0] for k, v in parse_qs(split.query).items()}
                form = {k: v[0] for k, v in parse_qs(body, keep_blank_values=True).items()}
                gateway.requests.append(Request(self.command, split.path, query, form))
                status = gateway.http_script.pop(0) if gateway.http_script else 200
                if status != 200:
                    out = b"Service Unavailable"
                elif split.path == "/api/mtk/SmSend" and self.command == "POST":
                    out = gateway._sm_send(form).encode("utf-8")
                elif split.path == "/api/mtk/SmQuery":
                    out = gateway._sm_query(form).encode("utf-8")
                else:
                    status, out = 404, b"Not Found"
                if gateway.delay_script:
                    time.sleep(gateway.delay_script.pop(0))
                self.send_response(status)
                self.send_header("Content-Type", "text/plain; charset=utf-8")
                self.send_header("Content-Length", str(len(out)))
                self.end_headers()
                self.wfile.write(out)

            do_GET = do_POST = _handle

            def log_message(self, *args) -> None:
                pass

        class Server(ThreadingHTTPServer):
            daemon_threads = True
            block_on_close = False

        self._server = Server(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        return self

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
