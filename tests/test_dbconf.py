"""casesys/dbconf.py and its use in settings: the replica is built like the primary."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from casesys.dbconf import database_from_url, replica_from_url

ROOT = Path(__file__).resolve().parents[1]
PRIMARY = "postgres://casesys:s3cret@db1.internal:5432/casesys"
REPLICA = "postgres://casesys_ro:s3cret@db2.internal:5432/casesys?connect_timeout=5"


@pytest.fixture(autouse=True)
def _db_env(monkeypatch):
    for name in ("DB_CONN_MAX_AGE", "DB_PREPARED_STATEMENTS", "DB_PREPARE_THRESHOLD"):
        monkeypatch.delenv(name, raising=False)


def test_replica_gets_the_primarys_connection_options(monkeypatch):
    monkeypatch.setenv("DB_CONN_MAX_AGE", "30")
    monkeypatch.setenv("DB_PREPARE_THRESHOLD", "3")
    primary = database_from_url("DATABASE_URL", PRIMARY)
    replica = replica_from_url("DATABASE_REPLICA_URL", REPLICA, primary=primary)
    for key in ("ENGINE", "CONN_MAX_AGE", "CONN_HEALTH_CHECKS", "DISABLE_SERVER_SIDE_CURSORS"):
        assert replica[key] == primary[key], key
    assert primary["CONN_MAX_AGE"] == 30 and primary["CONN_HEALTH_CHECKS"] is True
    assert primary["OPTIONS"] == {"server_side_binding": True, "prepare_threshold": 3}
    # Options of the URL itself (here a connect timeout) come on top.
    assert replica["OPTIONS"] == {"server_side_binding": True, "prepare_threshold": 3, "connect_timeout": 5}
    assert (replica["HOST"], replica["USER"]) == ("db2.internal", "casesys_ro")
    assert replica["TEST"] == {"MIRROR": "default"} and "TEST" not in primary


def test_prepared_statements_off_applies_to_the_replica_too(monkeypatch):
    monkeypatch.setenv("DB_PREPARED_STATEMENTS", "false")
    primary = database_from_url("DATABASE_URL", PRIMARY)
    replica = replica_from_url("DATABASE_REPLICA_URL", REPLICA, primary=primary)
    assert "OPTIONS" not in primary and replica["OPTIONS"] == {"connect_timeout": 5}


@pytest.mark.parametrize(
    "url", ["not a url", "postgres//db2.internal/casesys", "postgres://db2.internal:port/casesys", "pg://db2/x"]
)
def test_malformed_url_names_the_variable_not_the_password(url):
    with pytest.raises(ImproperlyConfigured, match="DATABASE_REPLICA_URL is not a valid database URL") as exc:
        replica_from_url("DATABASE_REPLICA_URL", url.replace("db2", "u:s3cret@db2"), primary=database_from_url("DATABASE_URL", PRIMARY))
    assert "s3cret" not in str(exc.value)


@pytest.mark.parametrize(
    ("primary_url", "replica_url"),
    [(PRIMARY, "sqlite:////tmp/replica.sqlite3"), ("sqlite:////tmp/primary.sqlite3", REPLICA), (PRIMARY, "mysql://db2/casesys")],
)
def test_replica_must_be_postgresql_like_the_primary(primary_url, replica_url):
    with pytest.raises(ImproperlyConfigured, match="DATABASE_REPLICA_URL needs PostgreSQL"):
        replica_from_url("DATABASE_REPLICA_URL", replica_url, primary=database_from_url("DATABASE_URL", primary_url))


PROBE = "import json, casesys.settings as s; print(json.dumps({'dbs': s.DATABASES, 'reports': s.CASESYS_REPORTS_DB}))"


def settings_with(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "DB_", "CASESYS_"))}
    return subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env=base | {"CASESYS_VAR_DIR": str(tmp_path), "DATABASE_URL": PRIMARY} | env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_settings_add_the_replica_and_point_reports_at_it(tmp_path):
    result = settings_with(tmp_path, DATABASE_REPLICA_URL=REPLICA)
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["reports"] == "replica"
    assert out["dbs"]["replica"]["HOST"] == "db2.internal"
    assert out["dbs"]["replica"]["CONN_MAX_AGE"] == out["dbs"]["default"]["CONN_MAX_AGE"] == 60


def test_settings_without_a_replica_keep_reports_on_the_primary(tmp_path):
    out = json.loads(settings_with(tmp_path, DATABASE_REPLICA_URL="").stdout)
    assert set(out["dbs"]) == {"default"} and out["reports"] == "default"


def test_settings_refuse_a_malformed_replica_url(tmp_path):
    result = settings_with(tmp_path, DATABASE_REPLICA_URL="postgres://u:s3cret@db2:port/casesys")
    assert result.returncode != 0
    assert "DATABASE_REPLICA_URL is not a valid database URL" in result.stderr
    assert "s3cret" not in result.stderr


# --- timestamps are read with psycopg's C parser ---------------------------------------------


@pytest.mark.django_db
def test_timestamps_read_back_exactly_as_aware_utc_datetimes_through_the_c_loader(org):
    import datetime as dt

    from django.db import connection

    from casesys.cases.models import Case
    from casesys.dbconf import fast_timestamptz_loader
    from tests.factories import new_case

    loader = fast_timestamptz_loader()
    assert loader is not None, "psycopg's C module is a dependency (psycopg[binary])"
    connection.ensure_connection()
    oid = connection.connection.adapters.types["timestamptz"].oid
    from psycopg.pq import Format

    assert connection.connection.adapters.get_loader(oid, Format.TEXT).__name__ == loader.__name__
    case, _ = new_case(org)
    moment = dt.datetime(2026, 11, 27, 23, 59, 59, 123456, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    Case.objects.filter(pk=case.pk).update(due_at=moment)
    read = Case.objects.values_list("due_at", flat=True).get(pk=case.pk)
    assert read == moment and read.tzinfo is dt.UTC and read.microsecond == 123456
    # Django's own cursors keep it: no per-cursor loader (the zones agree).
    with connection.cursor() as cursor:
        cursor.execute("SELECT %s::timestamptz", [moment])
        assert cursor.fetchone()[0] == moment
