"""Real Celery worker (and beat) subprocesses for `@pytest.mark.worker` tests.

The subprocesses get the test database (pytest-django's ``test_<name>``), the same Redis
broker, short timeouts (visibility 4 s, claim lease 3 s, backoff 1 s) and are always killed,
process group and all, when the test ends.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CELERY = str(Path(sys.executable).with_name("celery"))


def wait_for(predicate, *, timeout: float, interval: float = 0.2, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


class Proc:
    def __init__(self, args: list[str], env: dict[str, str], log: Path):
        self.log = log
        self.handle = open(log, "ab")  # noqa: SIM115 - closed in stop()
        # A new session: the worker's pool children share its process group, so one
        # killpg() takes them all, exactly like a machine losing the process.
        self.popen = subprocess.Popen(args, cwd=ROOT, env=env, stdout=self.handle, stderr=subprocess.STDOUT, start_new_session=True)

    def text(self) -> str:
        return self.log.read_text(errors="replace")

    def count(self, needle: str) -> int:
        return self.text().count(needle)

    def kill(self, sig: int = signal.SIGKILL) -> None:
        if self.popen.poll() is None:
            try:
                os.killpg(self.popen.pid, sig)
            except ProcessLookupError:
                pass
            try:
                self.popen.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.popen.pid, signal.SIGKILL)
                self.popen.wait(timeout=5)
        self.handle.close()


@pytest.fixture
def fake_receiver():
    from tests.workers.fakes import FakeReceiver

    receiver = FakeReceiver().start()
    yield receiver
    receiver.stop()


@pytest.fixture
def worker_env(db, fake_receiver, tmp_path):
    from django.db import connection

    db_settings = connection.settings_dict
    url = f"postgres://{db_settings['USER'] or 'postgres'}@{db_settings['HOST'] or '127.0.0.1'}:{db_settings['PORT'] or 5432}/{db_settings['NAME']}"
    redis_url = os.environ["REDIS_URL"]
    import redis

    # A clean broker: no stale nudges from earlier tests (this Redis DB is ours alone).
    redis.Redis.from_url(redis_url).flushdb()
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.workers.worker_settings",
        "DATABASE_URL": url,
        "REDIS_URL": redis_url,
        "CELERY_BROKER_URL": redis_url,
        "CELERY_VISIBILITY_TIMEOUT": "4",
        "CELERY_UNACKED_RESTORE_INTERVAL": "1",
        "CASESYS_NOTIFY_CLAIM_SECONDS": "3",
        "CASESYS_NOTIFY_BACKOFF_SECONDS": "1",
        "CASESYS_VAR_DIR": str(tmp_path / "var"),
        "FAKE_RECEIVER_URL": fake_receiver.url,
        "DB_CONN_MAX_AGE": "0",
        "PYTHONUNBUFFERED": "1",
    }


@pytest.fixture
def start_worker(worker_env, tmp_path):
    started: list[Proc] = []

    def start(*, concurrency: int = 1, env: dict[str, str] | None = None, name: str = "w") -> Proc:
        n = len(started)
        proc = Proc(
            [
                CELERY, "-A", "workers", "worker", "-l", "info", "-P", "prefork", "-c", str(concurrency),
                "--without-gossip", "--without-mingle", "--without-heartbeat", "-n", f"{name}{n}@%h",
            ],
            {**worker_env, **(env or {})},
            tmp_path / f"{name}{n}.log",
        )
        started.append(proc)
        wait_for(lambda: "ready." in proc.text() or proc.popen.poll() is not None, timeout=40, what="worker start")
        assert proc.popen.poll() is None, proc.text()[-3000:]
        return proc

    yield start
    for proc in started:
        proc.kill()


@pytest.fixture
def start_beat(worker_env, tmp_path):
    started: list[Proc] = []

    def start(*, env: dict[str, str] | None = None) -> Proc:
        proc = Proc(
            [CELERY, "-A", "workers", "beat", "-l", "info", "--max-interval", "1", "-s", str(tmp_path / "beat-schedule")],
            {**worker_env, **(env or {})},
            tmp_path / f"beat{len(started)}.log",
        )
        started.append(proc)
        return proc

    yield start
    for proc in started:
        proc.kill()
