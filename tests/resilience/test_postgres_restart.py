"""PostgreSQL restarts under load: clean 503s with a clear message, no half-written case.

The test runs its own PostgreSQL cluster (initdb + pg_ctl on a free port) with a copy of
the migrated test database, serves the app from it under gunicorn, keeps citizens' cases
coming in through the intake API, and stops/starts that cluster in the middle.
"""

from __future__ import annotations

import threading
import time
import uuid
from dataclasses import dataclass

import pytest
from django.db import connection
from rest_framework.authtoken.models import Token

from casesys.ops.responses import DB_UNAVAILABLE_MESSAGE
from tests.resilience.support import (
    Gunicorn,
    ThrowawayPostgres,
    base_env,
    database_url_of,
    full_run,
    http,
    print_logs,
    scaled,
)

pytestmark = [pytest.mark.resilience, pytest.mark.django_db(transaction=True)]


@dataclass
class Outcome:
    subject: str
    status: int | None  # None: no HTTP answer at all (connection refused/reset, timeout)
    body: dict | None
    retry_after: str | None
    error: str = ""


class IntakeLoad:
    """Threads posting intakes in a loop until stopped; every outcome is kept."""

    def __init__(self, url: str, token: str, threads: int) -> None:
        self.url = f"{url}/api/v1/cases/"
        self.headers = {"Authorization": f"Token {token}"}
        self.n = threads
        self.outcomes: list[Outcome] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._run, args=(i,), daemon=True) for i in range(threads)]

    def _run(self, i: int) -> None:
        seq = 0
        while not self._stop.is_set():
            seq += 1
            subject = f"壓測 {i}-{seq}-{uuid.uuid4().hex[:6]}"
            payload = {
                "channel": "phone",
                "category": "ROAD-POTHOLE",
                "subject": subject,
                "description": "中正路與民生路口有大坑洞，機車容易摔倒。",
                "petitioner": {"name": "林小華", "phone": "0912345678", "email": "citizen@example.invalid"},
                "location": {"address": "中正路100號", "district": "中正區"},
            }
            try:
                reply = http("POST", self.url, data=payload, headers=self.headers, timeout=20)
                try:
                    body = reply.json()
                except ValueError:
                    body = {"raw": reply.text[:300]}
                outcome = Outcome(subject, reply.status, body, reply.headers.get("Retry-After"))
            except OSError as exc:
                outcome = Outcome(subject, None, None, None, error=f"{type(exc).__name__}: {exc}")
            with self._lock:
                self.outcomes.append(outcome)
            time.sleep(0.02)

    def start(self) -> IntakeLoad:
        for t in self._threads:
            t.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        for t in self._threads:
            t.join(timeout=60)

    def count(self, status: int) -> int:
        with self._lock:
            return sum(1 for o in self.outcomes if o.status == status)


def test_restart_under_load_fails_cleanly_and_leaves_no_half_written_case(org, tmp_path):
    token = Token.objects.create(user=org.intake).key
    pg = ThrowawayPostgres().init()
    server = None
    load = None
    try:
        pg.start()
        # Schema, the organisation and the token, committed by this test: copied as they are.
        pg.load_from(database_url_of(connection.settings_dict))
        env = base_env(DATABASE_URL=pg.url(), CASESYS_VAR_DIR=str(tmp_path / "var"), DB_CONN_MAX_AGE="60")
        server = Gunicorn(env=env, log_dir=tmp_path, workers=2, threads=4).start()

        load = IntakeLoad(server.url, token, threads=scaled(4, 8)).start()
        cycles = scaled(1, 3)
        healthz_during_outage = []
        for cycle in range(cycles):
            ok_before = load.count(201)
            _wait(lambda n=ok_before: load.count(201) >= n + 5, 60, "intakes to succeed before the restart")
            # fast: in-flight transactions are killed; immediate: like a crash (full run only).
            pg.stop("immediate" if full_run() and cycle % 2 else "fast")
            unavailable_before = load.count(503)
            _wait(lambda n=unavailable_before: load.count(503) >= n + 3, 30, "503s while the database is down")
            healthz_during_outage.append(http("GET", f"{server.url}/healthz", timeout=15))
            time.sleep(scaled(1, 3))
            pg.start()
            ok_after = load.count(201)
            _wait(lambda n=ok_after: load.count(201) >= n + 5, 60, "intakes to succeed again after the restart")
        load.stop()

        outcomes = load.outcomes
        statuses = {o.status for o in outcomes}
        # Every request got an HTTP answer, and only these two.
        assert statuses == {201, 503}, [o for o in outcomes if o.status not in (201, 503)][:5]
        for o in outcomes:
            if o.status == 503:
                assert o.body == {"detail": DB_UNAVAILABLE_MESSAGE, "errors": {}, "code": "database_unavailable"}
                assert o.retry_after == "15"
        for reply in healthz_during_outage:
            assert reply.status == 503 and reply.json()["components"]["database"]["ok"] is False

        # Nothing half-written: each case has its audit trail and its petitioner, no
        # petitioner or event exists without its case.
        created = {o.subject: o.body["number"] for o in outcomes if o.status == 201}
        rows = pg.psql("SELECT subject || '|' || number FROM cases_case", dbname="casesys").splitlines()
        stored = dict(row.split("|", 1) for row in rows)
        assert set(created.items()) <= set(stored.items())
        # A case committed just as the connection died answers 503 yet exists: complete, or absent.
        assert len(stored) - len(created) <= load.count(503)
        checks = {
            "case without its created event": "SELECT count(*) FROM cases_case c WHERE NOT EXISTS "
            "(SELECT 1 FROM cases_caseevent e WHERE e.case_id = c.id AND e.kind = 'created')",
            "routed case without its dispatched event": "SELECT count(*) FROM cases_case c WHERE c.department_id IS NOT NULL "
            "AND NOT EXISTS (SELECT 1 FROM cases_caseevent e WHERE e.case_id = c.id AND e.kind = 'dispatched')",
            "case without its petitioner": "SELECT count(*) FROM cases_case WHERE petitioner_id IS NULL",
            "petitioner without a case": "SELECT count(*) FROM cases_petitioner p WHERE NOT EXISTS "
            "(SELECT 1 FROM cases_case c WHERE c.petitioner_id = p.id)",
            "case numbers beyond the daily counter": "SELECT count(*) FROM cases_case c WHERE NOT EXISTS "
            "(SELECT 1 FROM cases_casesequence s WHERE s.last >= CAST(split_part(c.number, '-', 3) AS integer))",
        }
        problems = {name: int(pg.psql(sql, dbname="casesys")) for name, sql in checks.items()}
        assert problems == dict.fromkeys(checks, 0)
        assert len(stored) >= 10 * cycles
    except BaseException:
        print_logs(server)
        raise
    finally:
        if load is not None:
            load.stop()
        if server is not None:
            server.stop()
        pg.close()


def _wait(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)
