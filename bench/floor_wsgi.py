"""Floor for the officer queue: a bare WSGI handler that runs the very SQL the API ran (captured
by bench/run.py into BENCH_QUEUE_SQL) with psycopg and answers the rows with json.dumps."""

from __future__ import annotations

import json
import os
import threading

import psycopg

_SQL: list[str] = json.loads(open(os.environ["BENCH_QUEUE_SQL"], encoding="utf-8").read())
_DSN = os.environ["BENCH_DSN"]
_local = threading.local()


def _conn():
    conn = getattr(_local, "conn", None)
    if conn is None or conn.closed:
        conn = _local.conn = psycopg.connect(_DSN, autocommit=True)
    return conn


def application(environ, start_response):
    rows: list = []
    with _conn().cursor() as cur:
        for sql in _SQL:
            cur.execute(sql)
            if cur.description is not None:
                result = cur.fetchall()
                if len(result) >= len(rows):
                    cols = [d.name for d in cur.description]
                    rows = [dict(zip(cols, r, strict=True)) for r in result]
    body = json.dumps({"results": rows}, default=str, ensure_ascii=False).encode()
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]
