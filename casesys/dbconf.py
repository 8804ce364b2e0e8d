"""`DATABASES` entries built from URLs.

The primary (`DATABASE_URL`) and the optional read replica for reports
(`DATABASE_REPLICA_URL`) are built by the same function, so a connection option tuned for one
(persistent connections, prepared statements) applies to both. A malformed URL stops start-up
with a message naming the variable, like every other setting (casesys/env.py).
"""

from __future__ import annotations

from typing import Any

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from casesys.env import env_bool, env_int

REPLICA = "replica"
_POSTGRES = "django.db.backends.postgresql"


def database_from_url(variable: str, url: str) -> dict[str, Any]:
    """One `DATABASES` entry for `url`, read from the environment variable `variable`."""
    try:
        db = dj_database_url.parse(
            url,
            # Persistent connections: with CONN_MAX_AGE=0 every request pays a new connection.
            conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
            conn_health_checks=True,
        )
    except ValueError as exc:
        # The parser's message names the problem, never the URL: it may hold a password.
        raise ImproperlyConfigured(f"Environment variable {variable} is not a valid database URL: {exc}") from exc
    if db["ENGINE"] == "django.db.backends.sqlite3":
        db["OPTIONS"] = {
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
        }
        db["CONN_MAX_AGE"] = 0
    elif env_bool("DB_PREPARED_STATEMENTS", True):
        # Server-side parameters, and each connection prepares a statement it has run 5 times:
        # the planner then no longer runs on every request (on the officer queue, planning took
        # twice as long as executing). Set DB_PREPARED_STATEMENTS=false behind a pooler that
        # cannot keep prepared statements (PgBouncer in transaction mode before 1.21).
        db.setdefault("OPTIONS", {}).update(
            server_side_binding=True, prepare_threshold=env_int("DB_PREPARE_THRESHOLD", 5)
        )
    return db


def replica_from_url(variable: str, url: str, *, primary: dict[str, Any]) -> dict[str, Any]:
    """The `replica` entry: a PostgreSQL streaming replica of `primary`, read by reports."""
    db = database_from_url(variable, url)
    # Hot standbys exist only for PostgreSQL, and /healthz asks the replica for its replay lag
    # with PostgreSQL functions; anything else is a configuration mistake, not a fallback.
    if db["ENGINE"] != _POSTGRES or primary["ENGINE"] != _POSTGRES:
        raise ImproperlyConfigured(
            f"Environment variable {variable} needs PostgreSQL: both it and DATABASE_URL must be "
            "postgres:// URLs (the replica streams from the primary)."
        )
    # Under test the alias opens its own connection to the primary's test database instead of
    # creating a second one: it sees committed rows, as a real replica would.
    db["TEST"] = {"MIRROR": "default"}
    return db
