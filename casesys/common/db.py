"""Small database helpers shared by the apps."""

from __future__ import annotations

import time

from django.db import connection


def log_statement(sql: str, started: float) -> None:
    """Record a statement run outside Django's cursor wrapper (COPY through psycopg) in
    ``connection.queries`` when queries are being logged, so query counts (tests, the
    benchmark, the debug toolbar) include it."""
    if connection.queries_logged:
        connection.queries_log.append({"sql": sql, "time": f"{time.monotonic() - started:.3f}"})
