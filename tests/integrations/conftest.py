"""Fixtures for the connector tests: fake APIs, signed requests, Celery modes."""

from __future__ import annotations

import base64
import copy
import hashlib
import hmac
import json
import socket
from pathlib import Path

import pytest

from tests.integrations.fakes import BOT_USERNAME, TELEGRAM_TOKEN, fake_line_api, fake_telegram_api

SAMPLES = Path(__file__).parent / "samples"
LINE_SECRET = "test-line-channel-secret"
TELEGRAM_SECRET = "test-telegram-webhook-secret_1"
LINE_USER = "U4af4980629f0e2b3c4d5e6f7a8b9c0d1"
LINE_GROUP = "Ca56f94637cc4347f90a25382909b24b9"


def sample(provider: str, name: str) -> dict:
    return json.loads((SAMPLES / provider / f"{name}.json").read_text("utf-8"))


def line_sign(body: bytes, secret: str = LINE_SECRET) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def line_body(*events: dict, destination: str = "U0123456789abcdef0123456789abcdef") -> bytes:
    return json.dumps({"destination": destination, "events": list(events)}, ensure_ascii=False).encode("utf-8")


def line_event(name: str, **changes) -> dict:
    """One event of a sample, optionally with new ids/text (deep copy)."""
    event = copy.deepcopy(sample("line", name)["events"][0])
    for key, value in changes.items():
        if key == "text":
            event["message"]["text"] = value
        elif key == "message_id":
            event["message"]["id"] = value
        else:
            event[key] = value
    return event


@pytest.fixture
def line_api(settings):
    server = fake_line_api()
    settings.LINE_CHANNEL_SECRET = LINE_SECRET
    settings.LINE_CHANNEL_ACCESS_TOKEN = "test-line-access-token"
    settings.LINE_API_HOST = server.url
    settings.LINE_API_DATA_HOST = ""
    settings.LINE_BOT_USER_ID = ""
    yield server
    server.stop()


@pytest.fixture
def telegram_api(settings):
    server = fake_telegram_api()
    settings.TELEGRAM_BOT_TOKEN = TELEGRAM_TOKEN
    settings.TELEGRAM_WEBHOOK_SECRET = TELEGRAM_SECRET
    settings.TELEGRAM_API_BASE_URL = server.url
    settings.TELEGRAM_BOT_USERNAME = BOT_USERNAME
    yield server
    server.stop()


@pytest.fixture
def post_line(client):
    def post(body: bytes, *, signature: str | None = None, sign: bool = True):
        headers = {}
        if sign:
            headers["HTTP_X_LINE_SIGNATURE"] = signature if signature is not None else line_sign(body)
        return client.post("/integrations/line/webhook/", data=body, content_type="application/json", **headers)

    return post


@pytest.fixture
def post_telegram(client):
    def post(update: dict | bytes, *, secret: str | None = TELEGRAM_SECRET):
        body = update if isinstance(update, bytes) else json.dumps(update, ensure_ascii=False).encode()
        headers = {}
        if secret is not None:
            headers["HTTP_X_TELEGRAM_BOT_API_SECRET_TOKEN"] = secret
        return client.post("/integrations/telegram/webhook/", data=body, content_type="application/json", **headers)

    return post


@pytest.fixture
def eager_celery():
    """Tasks published after commit run at once, in-process (a worker without the wait)."""
    from workers.celery import app

    saved = app.conf.task_always_eager, app.conf.task_eager_propagates
    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = True
    yield app
    app.conf.task_always_eager, app.conf.task_eager_propagates = saved


def _closed_port() -> int:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()  # nothing listens here any more
    return port


@pytest.fixture
def broker_down():
    """The Celery broker is unreachable (Redis "down"): publishing fails with connection refused."""
    from celery import Celery
    from celery import current_app as proxy

    import workers.celery  # noqa: F401 - make sure the real app exists before we replace it

    previous = proxy._get_current_object()
    down = Celery("broker-down", broker=f"redis://127.0.0.1:{_closed_port()}/0", set_as_current=True)
    down.set_current()
    down.conf.task_always_eager = False
    yield down
    previous.set_current()
    down.close()
