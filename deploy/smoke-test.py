#!/usr/bin/env python3
"""Smoke test through a running stack (deploy/run-prod-stack.sh, or any deployment).

    deploy/smoke-test.py [--url http://127.0.0.1:8765] [--username smoke --password-file …]

Checks, in order: the process answers; /healthz reports database, broker, worker and beat
healthy (waits for the first heartbeats); an API token for a staff account; an intake;
the citizen's lookup of that case with its password; security headers; /metrics.

With --mail-dir (the directory of deploy/smtp-sink.py, the SMTP server the stack was started
against), the intake carries an e-mail address and the test waits until the acknowledgement,
sent by the Celery worker through SMTP, has arrived there: to that address, with the case
number in the subject and the case password in the text. Without it no e-mail is triggered
(safe against a real deployment).

Standard library only. Exits 0 when everything passed, 1 with the failing step otherwise.
"""

from __future__ import annotations

import argparse
import json
import secrets
import sys
import time
import urllib.error
import urllib.request
from email import message_from_string
from email.policy import default as email_policy
from pathlib import Path
from typing import Any

DEFAULT_DIR = Path(__file__).resolve().parent.parent / "var" / "prod-stack"


class SmokeFailure(Exception):
    pass


class Client:
    def __init__(self, base: str) -> None:
        self.base = base.rstrip("/")
        # The load balancer terminates TLS and says so; production settings redirect without it.
        self.headers = {"X-Forwarded-Proto": "https", "Accept": "application/json"}

    def call(self, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], Any]:
        data = json.dumps(body).encode() if body is not None else None
        hdrs = {**self.headers, **(headers or {})}
        if data is not None:
            hdrs["Content-Type"] = "application/json"
        request = urllib.request.Request(self.base + path, data=data, method=method, headers=hdrs)
        try:
            with urllib.request.urlopen(request, timeout=20) as response:
                status, raw, rh = response.status, response.read(), dict(response.headers)
        except urllib.error.HTTPError as exc:
            status, raw, rh = exc.code, exc.read(), dict(exc.headers)
        try:
            payload = json.loads(raw.decode()) if raw else None
        except ValueError:
            payload = raw.decode(errors="replace")
        return status, rh, payload


def step(name: str):
    def wrap(fn):
        def run(*args, **kwargs):
            started = time.monotonic()
            try:
                result = fn(*args, **kwargs)
            except SmokeFailure as exc:
                print(f"✗ {name}: {exc}")
                raise
            print(f"✓ {name} ({(time.monotonic() - started) * 1000:.0f} ms)")
            return result

        return run

    return wrap


def expect(condition: bool, message: str) -> None:
    if not condition:
        raise SmokeFailure(message)


@step("process answers /healthz/live")
def live(c: Client) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            status, _, body = c.call("GET", "/healthz/live")
            if status == 200:
                return
        except OSError as exc:
            body = str(exc)
        if time.monotonic() > deadline:
            raise SmokeFailure(f"no answer: {body}")
        time.sleep(1)


@step("/healthz: database, broker, worker and beat healthy")
def healthz(c: Client, wait: float) -> None:
    deadline = time.monotonic() + wait
    while True:
        status, _, body = c.call("GET", "/healthz")
        if status == 200:
            expect(set(body["components"]) >= {"database", "broker", "worker", "beat"}, f"components missing: {body}")
            return
        if time.monotonic() > deadline:
            failing = {k: v for k, v in (body or {}).get("components", {}).items() if not v.get("ok")}
            raise SmokeFailure(f"HTTP {status}, failing: {json.dumps(failing, ensure_ascii=False)}")
        time.sleep(2)


@step("API token for a staff account")
def token(c: Client, username: str, password: str) -> str:
    status, _, body = c.call("POST", "/api/v1/auth/token/", {"username": username, "password": password})
    expect(status == 200 and body.get("token"), f"HTTP {status}: {body}")
    return body["token"]


@step("intake through the API")
def intake(c: Client, key: str, email: str = "") -> dict:
    petitioner = {"name": "冒煙測試", "phone": "0900000000", **({"email": email} if email else {})}
    status, headers, body = c.call(
        "POST",
        "/api/v1/cases/",
        {
            "channel": "phone",
            "category": "ROAD-POTHOLE",
            "subject": "冒煙測試：中山路坑洞",
            "description": "部署冒煙測試建立的案件 / created by the deployment smoke test",
            "petitioner": petitioner,
            "location": {"address": "中山路一段1號", "district": "中山區"},
        },
        headers={"Authorization": f"Token {key}"},
    )
    expect(status == 201, f"HTTP {status}: {body}")
    expect(body.get("number") and body.get("password"), f"no number/password in {body}")
    hsts = headers.get("Strict-Transport-Security", "")
    expect("max-age=" in hsts, f"no HSTS header on an HTTPS response: {headers}")
    return body


@step("acknowledgement e-mail reached the SMTP server")
def acknowledgement_mail(mail_dir: Path, address: str, case: dict, wait: float) -> None:
    deadline = time.monotonic() + wait
    seen: list[str] = []
    while True:
        for path in sorted(mail_dir.glob("*.json")):
            record = json.loads(path.read_text())
            message = message_from_string(record["data"], policy=email_policy)
            seen.append(f"{record['rcpt_tos']} {message['Subject']!r}")
            if address not in record["rcpt_tos"]:
                continue
            expect(message["To"] == address, f"To: {message['To']!r}, expected {address}")
            expect(case["number"] in str(message["Subject"]), f"case number not in the subject {message['Subject']!r}")
            text = message.get_body(preferencelist=("plain",)).get_content()
            expect(case["password"] in text, "the case password is not in the acknowledgement")
            return
        if time.monotonic() > deadline:
            raise SmokeFailure(f"no message to {address} within {wait:.0f} s; received: {seen or 'nothing'}")
        seen.clear()
        time.sleep(1)


@step("citizen lookup with the case password")
def track(c: Client, case: dict) -> None:
    status, _, body = c.call("POST", "/api/v1/track/", {"number": case["number"], "password": case["password"]})
    expect(status == 200, f"HTTP {status}: {body}")
    expect(json.dumps(body, ensure_ascii=False).find(case["number"]) >= 0, f"case number not in {body}")
    status, _, body = c.call("POST", "/api/v1/track/", {"number": case["number"], "password": "wrong-password"})
    expect(status == 404, f"a wrong password answered HTTP {status}")


@step("web pages carry the security headers")
def headers(c: Client) -> None:
    status, h, _ = c.call("GET", "/admin/login/", headers={"Accept": "text/html"})
    expect(status == 200, f"admin log-in page HTTP {status}")
    expect("default-src 'self'" in h.get("Content-Security-Policy", ""), f"no CSP: {h}")
    expect(h.get("X-Frame-Options") == "DENY", f"X-Frame-Options: {h.get('X-Frame-Options')}")
    plain = Client(c.base)
    plain.headers = {"Accept": "text/html"}
    request = urllib.request.Request(c.base + "/admin/login/", headers=plain.headers)

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    try:
        urllib.request.build_opener(NoRedirect).open(request, timeout=10)
        raise SmokeFailure("plain HTTP was served instead of redirected to HTTPS")
    except urllib.error.HTTPError as exc:
        expect(exc.code == 301 and exc.headers["Location"].startswith("https://"), f"plain HTTP: {exc.code}")


@step("/metrics exposes request and case metrics")
def metrics(c: Client, metrics_token: str) -> None:
    hdrs = {"Authorization": f"Bearer {metrics_token}"} if metrics_token else {}
    status, _, body = c.call("GET", "/metrics", headers=hdrs)
    expect(status == 200, f"HTTP {status}")
    for name in ("casesys_http_requests_total", "casesys_cases_open"):
        expect(name in body, f"{name} missing")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", default="http://127.0.0.1:8765")
    parser.add_argument("--username", default="smoke")
    parser.add_argument("--password-file", default=str(DEFAULT_DIR / "smoke-password"))
    parser.add_argument("--metrics-token-file", default=str(DEFAULT_DIR / "metrics-token"))
    parser.add_argument("--wait", type=float, default=120, help="seconds to wait for a healthy /healthz")
    parser.add_argument("--mail-dir", help="deploy/smtp-sink.py's directory: check the acknowledgement e-mail arrives")
    parser.add_argument("--mail-wait", type=float, default=60, help="seconds to wait for the e-mail")
    args = parser.parse_args()
    # A fresh address per run: an earlier run's message can never pass for this one's.
    address = f"smoke-{secrets.token_hex(4)}@example.invalid" if args.mail_dir else ""
    password = Path(args.password_file).read_text().strip()
    token_file = Path(args.metrics_token_file)
    metrics_token = token_file.read_text().strip() if token_file.exists() else ""
    c = Client(args.url)
    try:
        live(c)
        healthz(c, args.wait)
        key = token(c, args.username, password)
        case = intake(c, key, address)
        if args.mail_dir:
            acknowledgement_mail(Path(args.mail_dir), address, case, args.mail_wait)
        track(c, case)
        headers(c)
        metrics(c, metrics_token)
    except (SmokeFailure, OSError, KeyError, ValueError) as exc:
        if not isinstance(exc, SmokeFailure):
            print(f"✗ {type(exc).__name__}: {exc}")
        print("smoke test FAILED")
        return 1
    print(f"smoke test passed: {case['number']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
