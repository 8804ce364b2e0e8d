"""/healthz: database, broker, worker and beat heartbeats; 200 only when all are healthy."""

from __future__ import annotations

import datetime as dt
import socket
import time

import pytest
from django.db import OperationalError
from django.test import Client
from django.utils import timezone

from casesys.ops.models import Heartbeat


def _beat(kind: str, node: str, age_seconds: float = 0) -> None:
    Heartbeat.objects.update_or_create(
        kind=kind, node=node, defaults={"at": timezone.now() - dt.timedelta(seconds=age_seconds)}
    )


def _all_fresh() -> None:
    _beat(Heartbeat.Kind.WORKER, "celery@web1")
    _beat(Heartbeat.Kind.WORKER_TASK, "celery@web1")
    _beat(Heartbeat.Kind.BEAT, "beat-host")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.django_db
def test_healthy_stack_answers_200_with_every_component(client):
    _all_fresh()
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert set(body["components"]) == {"database", "broker", "worker", "beat"}
    assert all(c["ok"] for c in body["components"].values())
    assert body["components"]["worker"]["nodes"][0]["node"] == "celery@web1"
    assert response["Cache-Control"].startswith("max-age=0")


@pytest.mark.django_db
def test_without_heartbeats_worker_and_beat_fail_and_status_is_503(client):
    response = client.get("/healthz")
    assert response.status_code == 503
    components = response.json()["components"]
    assert components["database"]["ok"] and components["broker"]["ok"]
    assert not components["worker"]["ok"] and "No worker heartbeat" in components["worker"]["error"]
    assert not components["beat"]["ok"] and "Beat heartbeat" in components["beat"]["error"]


@pytest.mark.django_db
def test_stale_beat_is_reported_with_its_age(client, settings):
    settings.CASESYS_HEARTBEAT_MAX_AGE = 60
    _beat(Heartbeat.Kind.WORKER, "celery@w1")
    _beat(Heartbeat.Kind.WORKER_TASK, "celery@w1", age_seconds=300)
    _beat(Heartbeat.Kind.BEAT, "beat-host", age_seconds=300)
    response = client.get("/healthz")
    assert response.status_code == 503
    components = response.json()["components"]
    assert components["beat"]["ok"] is False and components["beat"]["age_seconds"] >= 300
    # Beat is down, so the stale task heartbeat is not held against the (alive) worker.
    assert components["worker"]["ok"] is True


@pytest.mark.django_db
def test_live_worker_that_consumes_nothing_while_beat_publishes_is_unhealthy(client, settings):
    settings.CASESYS_HEARTBEAT_MAX_AGE = 60
    _beat(Heartbeat.Kind.WORKER, "celery@w1")
    _beat(Heartbeat.Kind.BEAT, "beat-host")
    _beat(Heartbeat.Kind.WORKER_TASK, "celery@w1", age_seconds=600)
    response = client.get("/healthz")
    assert response.status_code == 503
    worker = response.json()["components"]["worker"]
    assert worker["ok"] is False and worker["last_task_age_seconds"] >= 600


@pytest.mark.django_db
def test_broker_down_is_reported_quickly(client, settings):
    _all_fresh()
    settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{_free_port()}/0"
    started = time.monotonic()
    response = client.get("/healthz")
    assert time.monotonic() - started < 8
    assert response.status_code == 503
    broker = response.json()["components"]["broker"]
    assert broker["ok"] is False and broker["error"]


@pytest.mark.django_db
def test_database_down_reports_database_and_unknown_heartbeats(client, monkeypatch):
    from casesys.ops import health

    def boom() -> dict:
        raise OperationalError("connection refused")

    monkeypatch.setattr(health, "check_database", boom)
    response = client.get("/healthz")
    assert response.status_code == 503
    components = response.json()["components"]
    assert components["database"] == {"ok": False, "error": "OperationalError: connection refused", "latency_ms": components["database"]["latency_ms"]}
    assert "heartbeat unknown" in components["worker"]["error"]


@pytest.mark.django_db
def test_probes_answer_load_balancers_calling_by_ip_over_plain_http(settings):
    # Production-like: a strict host list and the HTTPS redirect must not hide the probes.
    settings.ALLOWED_HOSTS = ["casesys.example.gov.tw"]
    settings.SECURE_SSL_REDIRECT = True
    _all_fresh()
    client = Client(HTTP_HOST="10.0.0.7")
    assert client.get("/healthz").status_code == 200
    assert client.get("/healthz/live").json() == {"status": "ok"}
    assert client.get("/metrics").status_code == 200
    # Everything else is still host-checked.
    assert Client(HTTP_HOST="10.0.0.7", raise_request_exception=False).get("/admin/login/").status_code == 400


def test_liveness_needs_no_database(client):
    # No django_db mark: any query would fail the test.
    assert client.get("/healthz/live").status_code == 200


# --- read replica for reports (DATABASE_REPLICA_URL) -------------------------------------
# In tests the `replica` alias is a mirror of the test database (tests/conftest.py): a primary,
# so "in recovery" and a lag are simulated by rewriting the check's query on its connection.

replica_db = pytest.mark.django_db(databases=["default", "replica"])


@pytest.fixture
def replica(settings):
    from django.db import connections

    settings.CASESYS_REPORTS_DB = "replica"
    yield connections["replica"]
    connections["replica"].close()


@replica_db
def test_configured_replica_is_a_component(client, replica):
    _all_fresh()
    response = client.get("/healthz")
    assert response.status_code == 200
    component = response.json()["components"]["replica"]
    # The test database is no standby: reachable, not in recovery, so no replay lag.
    assert component["ok"] is True and component["alias"] == "replica"
    assert component["in_recovery"] is False and component["lag_seconds"] is None


@replica_db
def test_replica_lag_is_reported_but_never_fails_health(client, replica):
    _all_fresh()

    def standby_an_hour_behind(execute, sql, params, many, context):
        if "pg_last_xact_replay_timestamp" in sql:
            sql = "SELECT true, EXTRACT(EPOCH FROM interval '1 hour 0.04 seconds')"
        return execute(sql, params, many, context)

    with replica.execute_wrapper(standby_an_hour_behind):
        response = client.get("/healthz")
    assert response.status_code == 200 and response.json()["status"] == "ok"
    component = response.json()["components"]["replica"]
    assert component["ok"] is True and component["in_recovery"] is True
    assert component["lag_seconds"] == 3600.0


@replica_db
def test_unreachable_replica_fails_its_component(client, replica, monkeypatch):
    _all_fresh()
    replica.close()
    monkeypatch.setitem(replica.settings_dict, "PORT", _free_port())
    response = client.get("/healthz")
    assert response.status_code == 503
    components = response.json()["components"]
    assert components["replica"]["ok"] is False
    assert components["replica"]["error"].startswith("OperationalError")
    # Only the replica is down: the primary and the rest stay healthy.
    assert all(c["ok"] for name, c in components.items() if name != "replica")


@pytest.mark.django_db
def test_without_a_replica_there_is_no_replica_component(client):
    _all_fresh()
    assert "replica" not in client.get("/healthz").json()["components"]


# --- warnings: next year's office calendar (never a failure) -------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "now, warned",
    [
        (dt.datetime(2026, 10, 31, 23, 59, tzinfo=dt.timezone(dt.timedelta(hours=8))), False),
        (dt.datetime(2026, 11, 1, 0, 1, tzinfo=dt.timezone(dt.timedelta(hours=8))), True),
        (dt.datetime(2026, 12, 31, 12, 0, tzinfo=dt.timezone(dt.timedelta(hours=8))), True),
    ],
)
def test_missing_next_year_calendar_is_a_warning_from_1_november(client, time_machine, now, warned):
    time_machine.move_to(now, tick=False)
    _all_fresh()
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    if warned:
        assert body["warnings"] == [
            {"check": "calendar", "year": 2027, "message": body["warnings"][0]["message"]}
        ]
        assert "The 2027 office calendar (DGPA) has not been imported" in body["warnings"][0]["message"]
    else:
        assert body["warnings"] == []


@pytest.mark.django_db
def test_calendar_warning_goes_once_next_year_is_imported(client, time_machine):
    from casesys.workcal.services import import_dgpa_calendar

    time_machine.move_to(dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=8))), tick=False)
    _all_fresh()
    assert client.get("/healthz").json()["warnings"]
    import_dgpa_calendar(data="西元日期,星期,是否放假,備註\n20270104,一,0,\n".encode(), source="office-calendar-2027.csv")
    assert client.get("/healthz").json()["warnings"] == []


@pytest.mark.django_db
def test_calendar_warning_does_not_change_a_failing_status(client, time_machine):
    time_machine.move_to(dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=8))), tick=False)
    response = client.get("/healthz")  # no heartbeats: 503 as before
    assert response.status_code == 503 and response.json()["status"] == "fail"
    assert response.json()["warnings"][0]["check"] == "calendar"
