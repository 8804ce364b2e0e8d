"""/metrics: Prometheus request metrics by view and business gauges."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from casesys.cases.models import Case
from tests.factories import new_case


def _sample(text: str, name: str, **labels: str) -> float | None:
    for line in text.splitlines():
        if not line.startswith(name):
            continue
        m = re.match(rf"{re.escape(name)}(\{{(?P<labels>[^}}]*)\}})? (?P<value>\S+)$", line)
        if not m:
            continue
        found = dict(re.findall(r'(\w+)="([^"]*)"', m.group("labels") or ""))
        if all(found.get(k) == v for k, v in labels.items()):
            return float(m.group("value"))
    return None


@pytest.mark.django_db
def test_requests_are_counted_and_timed_by_view(client):
    before = _sample(client.get("/metrics").content.decode(), "casesys_http_requests_total", view="admin:login", method="GET", status="200") or 0
    assert client.get("/admin/login/").status_code == 200
    text = client.get("/metrics").content.decode()
    assert _sample(text, "casesys_http_requests_total", view="admin:login", method="GET", status="200") == before + 1
    assert _sample(text, "casesys_http_request_duration_seconds_count", view="admin:login", method="GET") >= 1
    # The scrape itself is not a request worth counting.
    assert 'view="ops:metrics"' not in text


@pytest.mark.django_db
def test_unknown_paths_share_one_label(client):
    client.get("/no/such/page/1")
    client.get("/no/such/page/2")
    text = client.get("/metrics").content.decode()
    assert "/no/such" not in text
    assert _sample(text, "casesys_http_requests_total", view="unmatched", status="404") >= 2


@pytest.mark.django_db
def test_business_gauges_count_open_overdue_and_outbox(client, org, settings):
    settings.CASESYS_METRICS_CACHE_SECONDS = 0
    open_case, _ = new_case(org)
    late, _ = new_case(org)
    Case.objects.filter(pk=late.pk).update(due_at=timezone.now() - dt.timedelta(days=1))
    text = client.get("/metrics").content.decode()
    open_now = Case.objects.filter(state__in=["received", "dispatched", "in_progress", "pending_approval"]).count()
    assert _sample(text, "casesys_cases_open") == open_now == 2
    assert _sample(text, "casesys_cases_overdue") == 1
    assert _sample(text, "casesys_outbox_pending") is not None
    assert _sample(text, "casesys_inbound_pending") == 0


@pytest.mark.django_db
def test_business_gauges_are_cached_between_scrapes(client, org, settings, django_assert_max_num_queries):
    settings.CASESYS_METRICS_CACHE_SECONDS = 60
    client.get("/metrics")
    with django_assert_max_num_queries(0):
        client.get("/metrics")


@pytest.mark.django_db
def test_token_protects_metrics_when_set(client, settings):
    settings.METRICS_TOKEN = "scrape-secret"
    denied = client.get("/metrics")
    assert denied.status_code == 401 and denied["WWW-Authenticate"].startswith("Bearer")
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 401
    ok = client.get("/metrics", HTTP_AUTHORIZATION="Bearer scrape-secret")
    assert ok.status_code == 200 and b"casesys_http_requests_total" in ok.content
