"""The abuse limits live in casesys.common.limits: one counter class, one citizen-lookup
counter shared by the API, the portal and the chat bots, keyed by the client address."""

from __future__ import annotations

import ast
from pathlib import Path

from django.test import RequestFactory
from rest_framework.request import Request

from casesys.common.limits import (
    FailureLimiter,
    client_ident,
    lookup_limiter,
    mailbox_limiter,
    track_limiter,
)

CASESYS = Path(__file__).resolve().parents[2] / "casesys"


def test_a_drf_request_and_its_django_request_fall_in_the_same_bucket():
    django_request = RequestFactory().get("/", REMOTE_ADDR="198.51.100.7")
    assert client_ident(Request(django_request)) == client_ident(django_request) == "198.51.100.7"


def test_portal_status_lookup_and_api_track_share_one_failure_counter():
    ident = "198.51.100.7"
    for _ in range(track_limiter().limit):
        track_limiter().record_failure(ident)
    assert lookup_limiter().retry_after(ident) > 0
    assert track_limiter().retry_after("198.51.100.8") == 0


def test_mailbox_allowance_is_per_client_address(settings):
    settings.CASESYS = {**settings.CASESYS, "MAILBOX_PER_HOUR": 2}
    limiter, ident = mailbox_limiter(RequestFactory().post("/", REMOTE_ADDR="2001:db8:1:2::1"))
    assert ident == "2001:db8:1:2::/64"
    limiter.record(ident)
    assert limiter.retry_after(ident) == 0
    limiter.record(ident)
    assert limiter.retry_after(ident) > 0


def test_only_casesys_common_limits_defines_a_failure_counter():
    definers = [
        str(path.relative_to(CASESYS))
        for path in CASESYS.rglob("*.py")
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.ClassDef) and node.name == "FailureLimiter"
    ]
    assert definers == ["common/limits.py"]
    assert FailureLimiter.__module__ == "casesys.common.limits"
