"""E-mail settings come from the environment: production sends through the SMTP relay named
there, and a malformed or contradictory value stops start-up naming the variable.

Settings are read once at import, so each case runs Django in a subprocess (as in
test_production_settings.py). The sending case goes through a real SMTP server (aiosmtpd)
on loopback.
"""

from __future__ import annotations

import json
import socket
import sys
from email import message_from_bytes
from email.policy import default as email_policy
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from tests.ops.test_production_settings import prod_env, run

SMTP_ENV = {
    "EMAIL_HOST": "smtp.example.gov.tw",
    "EMAIL_PORT": "2525",
    "EMAIL_HOST_USER": "casesys-relay",
    "EMAIL_HOST_PASSWORD": "relay-secret",
    "EMAIL_USE_TLS": "true",
    "EMAIL_TIMEOUT": "7",
    "DEFAULT_FROM_EMAIL": "casesys@example.gov.tw",
}

PROBE = r"""
import json
import django
django.setup()
from django.conf import settings
from django.core.mail import get_connection
c = get_connection(timeout=settings.EMAIL_TIMEOUT)
print(json.dumps({
    "backend": f"{type(c).__module__}.{type(c).__name__}",
    "host": getattr(c, "host", None),
    "port": getattr(c, "port", None),
    "username": getattr(c, "username", None),
    "password": getattr(c, "password", None),
    "use_tls": getattr(c, "use_tls", None),
    "use_ssl": getattr(c, "use_ssl", None),
    "timeout": getattr(c, "timeout", None),
    "file_path": str(getattr(c, "file_path", "")),
    "from": settings.DEFAULT_FROM_EMAIL,
}))
"""

SEND = r"""
import types
import django
django.setup()
from casesys.notifications.transports_builtin import EmailTransport
EmailTransport().send(types.SimpleNamespace(
    key="3f1c1f0e-0000-4000-8000-000000000001", recipient_address="citizen@example.invalid",
    recipient_user=None, subject="案件受理通知：CS-1151122-00001", body="您的陳情已受理。", template="", context={},
))
print("sent")
"""


def connection_facts(env: dict[str, str]) -> dict:
    result = run([sys.executable, "-c", PROBE], env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_production_sends_through_the_smtp_relay_named_in_the_environment(tmp_path):
    facts = connection_facts(prod_env(tmp_path, **SMTP_ENV))
    assert facts == {
        "backend": "django.core.mail.backends.smtp.EmailBackend",
        "host": "smtp.example.gov.tw",
        "port": 2525,
        "username": "casesys-relay",
        "password": "relay-secret",
        "use_tls": True,
        "use_ssl": False,
        "timeout": 7,
        "file_path": "",
        "from": "casesys@example.gov.tw",
    }


def test_implicit_tls_is_honoured_and_the_port_follows_the_tls_mode(tmp_path):
    ssl = connection_facts(prod_env(tmp_path, EMAIL_HOST="smtp.example.gov.tw", EMAIL_USE_SSL="true"))
    assert (ssl["use_ssl"], ssl["use_tls"], ssl["port"]) == (True, False, 465)
    starttls = connection_facts(prod_env(tmp_path, EMAIL_HOST="smtp.example.gov.tw", EMAIL_USE_TLS="yes"))
    assert (starttls["use_tls"], starttls["port"]) == (True, 587)
    plain = connection_facts(prod_env(tmp_path, EMAIL_HOST="smtp.example.gov.tw"))
    assert (plain["use_tls"], plain["use_ssl"], plain["port"], plain["username"]) == (False, False, 25, "")


def test_development_writes_mail_to_files_under_var(tmp_path):
    env = prod_env(tmp_path, CASESYS_PRODUCTION=None, DJANGO_SECRET_KEY=None, DJANGO_ALLOWED_HOSTS=None)
    facts = connection_facts(env)
    assert facts["backend"] == "django.core.mail.backends.filebased.EmailBackend"
    assert Path(facts["file_path"]) == tmp_path / "var" / "mail"


def test_an_explicit_backend_wins_in_production(tmp_path):
    env = prod_env(tmp_path, EMAIL_BACKEND="django.core.mail.backends.console.EmailBackend")
    assert connection_facts(env)["backend"] == "django.core.mail.backends.console.EmailBackend"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"EMAIL_HOST": None}, "EMAIL_HOST is required"),
        ({"EMAIL_PORT": "smtp"}, "EMAIL_PORT='smtp' is not an integer"),
        ({"EMAIL_PORT": "70000"}, "EMAIL_PORT=70000 is out of range"),
        ({"EMAIL_USE_SSL": "true"}, "EMAIL_USE_TLS and EMAIL_USE_SSL are both true"),
        ({"EMAIL_USE_TLS": "maybe"}, "EMAIL_USE_TLS='maybe' is not a boolean"),
        ({"EMAIL_HOST_PASSWORD": None}, "EMAIL_HOST_USER and EMAIL_HOST_PASSWORD must be set together"),
        ({"EMAIL_TIMEOUT": "0"}, "EMAIL_TIMEOUT=0 is out of range"),
    ],
)
def test_bad_email_settings_stop_start_up_naming_the_variable(tmp_path, overrides, message):
    result = run([sys.executable, "manage.py", "check"], prod_env(tmp_path, **{**SMTP_ENV, **overrides}))
    assert result.returncode != 0
    assert message in result.stderr
    assert "relay-secret" not in result.stderr


class Relay:
    """A loopback SMTP server that wants a log-in and keeps what it accepted."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], bytes]] = []
        self.logins: list[tuple[str, str]] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((list(envelope.rcpt_tos), envelope.content))
        return "250 OK"

    def authenticate(self, server, session, envelope, mechanism, auth_data):
        if isinstance(auth_data, LoginPassword):
            self.logins.append((auth_data.login.decode(), auth_data.password.decode()))
            return AuthResult(success=auth_data.password == b"relay-secret")
        return AuthResult(success=False)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_a_message_reaches_the_configured_relay_with_its_log_in(tmp_path):
    relay = Relay()
    port = free_port()
    controller = Controller(
        relay, hostname="127.0.0.1", port=port, authenticator=relay.authenticate, auth_require_tls=False
    )
    controller.start()
    try:
        env = prod_env(tmp_path, **{**SMTP_ENV, "EMAIL_HOST": "127.0.0.1", "EMAIL_PORT": str(port), "EMAIL_USE_TLS": "false"})
        result = run([sys.executable, "-c", SEND], env)
    finally:
        controller.stop()
    assert result.returncode == 0, result.stderr
    assert relay.logins == [("casesys-relay", "relay-secret")]
    [(recipients, raw)] = relay.messages
    assert recipients == ["citizen@example.invalid"]
    message = message_from_bytes(raw, policy=email_policy)
    assert message["Subject"] == "案件受理通知：CS-1151122-00001"
    assert message["From"] == "casesys@example.gov.tw"
    assert message["Message-ID"] == "<3f1c1f0e-0000-4000-8000-000000000001@casesys>"
