"""`python -m casesys.preflight`: stop early, with instructions, if a service is missing.

`make test` runs this before pytest so a stopped PostgreSQL or Redis gives one clear
message instead of hundreds of failing tests (and never a silent skip).
"""

from __future__ import annotations

import os
import sys
from urllib.parse import urlparse

PG_HINT = "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start"
REDIS_HINT = (
    'redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no '
    "--dir /var/lib/redis --logfile /var/log/redis/ci.log"
)


def check_postgres(url: str) -> str | None:
    if not url.startswith(("postgres://", "postgresql://")):
        return f"DATABASE_URL must point to PostgreSQL for the test suite (got {url.split(':')[0]}://…)."
    import psycopg

    parsed = urlparse(url)
    try:
        with psycopg.connect(
            host=parsed.hostname or "127.0.0.1",
            port=parsed.port or 5432,
            user=parsed.username or "postgres",
            password=parsed.password,
            dbname="postgres",
            connect_timeout=3,
        ):
            return None
    except Exception as exc:  # noqa: BLE001 - any failure means "not reachable"
        return f"PostgreSQL is not reachable at {parsed.hostname}:{parsed.port or 5432} ({exc}).\n  Start it with: {PG_HINT}"


def check_redis(url: str) -> str | None:
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=3).ping()
        return None
    except Exception as exc:  # noqa: BLE001
        return f"Redis is not reachable at {url} ({exc}).\n  Start it with: {REDIS_HINT}"


def main() -> int:
    problems = [
        p
        for p in (
            check_postgres(os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/casesys")),
            check_redis(os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")),
        )
        if p
    ]
    for p in problems:
        print(f"✗ {p}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
