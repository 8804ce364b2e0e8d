"""A local HTTP receiver standing in for a messaging API, and the transport that calls it.

The receiver deduplicates on the ``X-Idempotency-Key`` header the way LINE does with
``X-Line-Retry-Key``: a repeated key is answered 409 and not delivered again, so the test
can count what the citizen actually received.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from django.conf import settings

from casesys.notifications.transports import Transport, TransportError


class HttpFakeTransport(Transport):
    channel = "fake"

    def send(self, notification) -> None:
        request = urllib.request.Request(
            settings.FAKE_RECEIVER_URL,
            data=json.dumps({"to": notification.recipient_address, "text": notification.body}).encode(),
            headers={"Content-Type": "application/json", "X-Idempotency-Key": str(notification.key)},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=30):
                return
        except urllib.error.HTTPError as exc:
            if exc.code == 409:  # already delivered under this key
                return
            permanent = 400 <= exc.code < 500 and exc.code not in (408, 429)
            raise TransportError(f"HTTP {exc.code}", permanent=permanent) from exc
        except OSError as exc:
            raise TransportError(f"{type(exc).__name__}: {exc}", permanent=False) from exc


class HttpFakeEmailBackend:
    """A Django e-mail backend posting each message to the receiver (worker_settings uses it
    when FAKE_EMAIL_TO_RECEIVER is set), so a test sees what the citizen's mailbox got."""

    def __init__(self, fail_silently: bool = False, **kwargs) -> None:
        self.fail_silently = fail_silently

    def open(self):
        return True

    def close(self):
        return None

    def send_messages(self, messages) -> int:
        import uuid

        for message in messages:
            request = urllib.request.Request(
                settings.FAKE_RECEIVER_URL,
                data=json.dumps({"to": list(message.to), "subject": message.subject, "text": message.body}).encode(),
                headers={"Content-Type": "application/json", "X-Idempotency-Key": f"mail:{uuid.uuid4()}"},
                method="POST",
            )
            with urllib.request.urlopen(request, timeout=30):
                pass
        return len(messages)


class FakeReceiver:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.requests: list[tuple[float, str]] = []
        self.delivered: dict[str, str] = {}
        self.script: list[int] = []  # status codes to answer, in order; then 200
        self.hang_first = threading.Event()  # set = answer the first request only after `release`
        self.release = threading.Event()
        self.delay = 0.0  # seconds each answer takes: a slow relay, so a backlog is real
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server API
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
                key = self.headers.get("X-Idempotency-Key", "")
                with receiver.lock:
                    receiver.requests.append((time.monotonic(), key))
                    first_request = len(receiver.requests) == 1
                    status = receiver.script.pop(0) if receiver.script else 200
                    if status == 200:
                        if key in receiver.delivered:
                            status = 409
                        else:
                            receiver.delivered[key] = body
                if first_request and receiver.hang_first.is_set():
                    receiver.release.wait(timeout=40)
                if receiver.delay:
                    time.sleep(receiver.delay)
                try:
                    self.send_response(status)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                except OSError:
                    pass  # the caller was killed while we waited

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/send"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> FakeReceiver:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()

    def bodies(self) -> list[str]:
        with self.lock:
            return list(self.delivered.values())

    def keys(self) -> list[str]:
        with self.lock:
            return [key for _t, key in self.requests]

    def times(self, key: str) -> list[float]:
        with self.lock:
            return [t for t, k in self.requests if k == key]
