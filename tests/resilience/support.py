"""Throwaway services for the resilience tests: PostgreSQL, Redis, gunicorn, Celery workers.

Everything binds 127.0.0.1 on a free port, lives under its own temporary directory and is
stopped by the test that started it; the machine's shared PostgreSQL and Redis are never
restarted.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
PG_BIN = Path(os.environ.get("CASESYS_PG_BIN", "/usr/lib/postgresql/15/bin"))


def full_run() -> bool:
    """`make resilience` sets CASESYS_RESILIENCE_FULL=1: longer, heavier runs."""
    return os.environ.get("CASESYS_RESILIENCE_FULL", "").lower() in {"1", "true", "yes"}


def scaled(short: int, full: int) -> int:
    return full if full_run() else short


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(predicate: Callable[[], Any], *, timeout: float, interval: float = 0.1, what: str = "condition") -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)


def database_url_of(settings_dict: dict[str, Any]) -> str:
    user = settings_dict.get("USER") or "postgres"
    password = settings_dict.get("PASSWORD") or ""
    auth = f"{user}:{password}@" if password else f"{user}@"
    return f"postgres://{auth}{settings_dict.get('HOST') or '127.0.0.1'}:{settings_dict.get('PORT') or 5432}/{settings_dict['NAME']}"


def base_env(**overrides: str) -> dict[str, str]:
    """The environment for a server/worker subprocess: this test run's, production off."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "CASESYS_PRODUCTION"))}
    env.setdefault("DJANGO_SETTINGS_MODULE", "casesys.settings")
    env["DJANGO_DEBUG"] = "false"
    env["PYTHONUNBUFFERED"] = "1"
    env.update(overrides)
    return env


# --- HTTP ------------------------------------------------------------------------------------


class Reply:
    def __init__(self, status: int, body: bytes, headers: dict[str, str]) -> None:
        self.status = status
        self.body = body
        self.headers = headers

    def json(self) -> Any:
        return json.loads(self.body.decode("utf-8"))

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


def http(
    method: str,
    url: str,
    *,
    data: Any = None,
    raw: bytes | None = None,
    headers: dict[str, str] | None = None,
    timeout: float = 15,
) -> Reply:
    """One request; HTTP errors are replies, connection failures raise (the tests count them)."""
    body = raw if raw is not None else (json.dumps(data).encode() if data is not None else None)
    hdrs = {"Accept": "application/json", **(headers or {})}
    if data is not None:
        hdrs.setdefault("Content-Type", "application/json")
    request = urllib.request.Request(url, data=body, method=method, headers=hdrs)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return Reply(response.status, response.read(), dict(response.headers))
    except urllib.error.HTTPError as exc:
        return Reply(exc.code, exc.read(), dict(exc.headers))


# --- processes ---------------------------------------------------------------------------------


class Process:
    """A subprocess in its own session (so a kill takes its children too), logging to a file."""

    def __init__(self, name: str, args: list[str], *, env: dict[str, str], log_dir: Path) -> None:
        self.name = name
        self.args = args
        self.env = env
        self.log_path = log_dir / f"{name}.log"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> Process:
        log = open(self.log_path, "ab")  # noqa: SIM115 - closed with the process
        log.write(f"\n=== start {' '.join(self.args)}\n".encode())
        log.flush()
        self.proc = subprocess.Popen(self.args, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        log.close()
        return self

    @property
    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def kill(self, sig: int = signal.SIGKILL) -> None:
        """Signal the whole process group (gunicorn/celery children included)."""
        if self.proc is None:
            return
        try:
            os.killpg(self.proc.pid, sig)
        except ProcessLookupError:
            pass
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.alive:
            self.kill(signal.SIGTERM)
        elif self.proc is not None:
            # Reap anything left in the group (e.g. prefork children of a killed parent).
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass

    def log_tail(self, lines: int = 60) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except FileNotFoundError:
            return ""


class Gunicorn(Process):
    def __init__(self, *, env: dict[str, str], log_dir: Path, workers: int = 2, threads: int = 4) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        args = [
            str(BIN / "gunicorn"),
            "casesys.wsgi:application",
            "--bind", f"127.0.0.1:{self.port}",
            "--workers", str(workers),
            "--threads", str(threads),
            "--timeout", "60",
            "--graceful-timeout", "5",
        ]
        super().__init__("gunicorn", args, env=env, log_dir=log_dir)

    def start(self) -> Gunicorn:
        super().start()

        def up() -> bool:
            if not self.alive:
                raise AssertionError(f"gunicorn exited:\n{self.log_tail()}")
            try:
                return http("GET", f"{self.url}/healthz/live", timeout=2).status == 200
            except OSError:
                return False

        wait_until(up, timeout=60, interval=0.2, what="gunicorn to answer")
        return self


class CeleryWorker(Process):
    def __init__(self, *, env: dict[str, str], log_dir: Path, name: str = "worker", concurrency: int = 2) -> None:
        self.node = f"{name}-{os.getpid()}@127.0.0.1"
        args = [
            str(BIN / "celery"), "-A", "workers", "worker",
            "-Q", "default,notifications,notifications_citizen",
            "-n", self.node,
            "--concurrency", str(concurrency),
            "--without-gossip", "--without-mingle", "--without-heartbeat",
            "--loglevel", "INFO",
        ]
        super().__init__(name, args, env=env, log_dir=log_dir)

    def wait_ready(self, timeout: float = 90) -> None:
        def ready() -> bool:
            if not self.alive:
                raise AssertionError(f"worker exited:\n{self.log_tail()}")
            return " ready." in self.log_path.read_text(errors="replace").split("=== start")[-1]

        wait_until(ready, timeout=timeout, interval=0.2, what="the celery worker to be ready")


# --- Redis --------------------------------------------------------------------------------------


class RedisServer:
    """A private redis-server that can be stopped and started again on the same port."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.dir = Path(tempfile.mkdtemp(prefix="casesys-redis-"))
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> RedisServer:
        self.proc = subprocess.Popen(
            [
                shutil.which("redis-server") or "redis-server",
                "--bind", "127.0.0.1", "--port", str(self.port),
                "--save", "", "--appendonly", "yes", "--appendfsync", "always",
                "--dir", str(self.dir), "--logfile", str(self.dir / "redis.log"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_until(self.ping, timeout=15, what="redis-server to start")
        return self

    def ping(self) -> bool:
        import redis

        try:
            return bool(redis.Redis(port=self.port, socket_connect_timeout=0.5).ping())
        except redis.RedisError:
            return False

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=15)

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


# --- PostgreSQL ---------------------------------------------------------------------------------


class ThrowawayPostgres:
    """A private PostgreSQL cluster (initdb + pg_ctl) that the test may stop and start at will.

    initdb refuses to run as root, so as root the cluster belongs to the `postgres` user.
    """

    def __init__(self) -> None:
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="casesys-pg-"))
        self.data = self.dir / "data"
        self.log = self.dir / "postgres.log"
        self.as_root = os.geteuid() == 0
        if self.as_root:
            shutil.chown(self.dir, "postgres", "postgres")

    def _run(self, *args: str, check: bool = True, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        cmd = list(args)
        if self.as_root:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        return subprocess.run(cmd, capture_output=True, text=True, check=check, timeout=timeout, cwd=self.dir)

    def init(self) -> ThrowawayPostgres:
        self._run(str(PG_BIN / "initdb"), "-D", str(self.data), "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync", "--locale=C.UTF-8")
        return self

    def start(self) -> None:
        opts = f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.dir} -c fsync=off -c full_page_writes=off -c max_connections=60"
        self._run(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-o", opts, "-w", "-t", "60", "start")

    def stop(self, mode: str = "fast") -> None:
        self._run(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "-t", "60", "stop", check=False)

    def url(self, dbname: str = "casesys") -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{dbname}"

    def psql(self, sql: str, dbname: str = "postgres") -> str:
        out = subprocess.run(
            ["psql", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "-d", dbname, "-v", "ON_ERROR_STOP=1", "-Atc", sql],
            capture_output=True, text=True, check=True, timeout=60,
        )
        return out.stdout.strip()

    def load_from(self, source_url: str, dbname: str = "casesys") -> None:
        """Copy a (migrated) database into this cluster: faster than running migrations."""
        self.psql(f"CREATE DATABASE {dbname}")
        dump = subprocess.run(["pg_dump", "--no-owner", "--no-privileges", source_url], capture_output=True, check=True, timeout=180)
        subprocess.run(
            ["psql", "-q", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "-d", dbname, "-v", "ON_ERROR_STOP=1"],
            input=dump.stdout, capture_output=True, check=True, timeout=180,
        )

    def close(self) -> None:
        self.stop("immediate")
        shutil.rmtree(self.dir, ignore_errors=True)


# --- a stand-in for a provider's API (LINE, Telegram) -------------------------------------------


class FakeApi:
    """Answers every call with 200 `{}` and remembers what was called (thread-safe)."""

    def __init__(self) -> None:
        import http.server
        import threading

        calls: list[tuple[str, str, bytes]] = []
        lock = threading.Lock()

        class Handler(http.server.BaseHTTPRequestHandler):
            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                with lock:
                    calls.append((self.command, self.path, body))
                if "/message/" in self.path:  # LINE reply/push
                    payload = b'{"sentMessages": [{"id": "461230966842064897", "quoteToken": "IStG5h1Tz7b"}]}'
                else:  # Telegram getMe/sendMessage, anything else
                    payload = (
                        b'{"ok": true, "result": {"id": 1, "is_bot": true, "first_name": "bot", "username": "bot",'
                        b' "message_id": 1, "date": 0, "chat": {"id": 1, "type": "private"}}}'
                    )
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = do_PUT = do_DELETE = _answer

            def log_message(self, *args: Any) -> None:
                pass

        self.calls = calls
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> FakeApi:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def publish(broker_url: str, task: str, **kwargs: Any) -> None:
    """Publish a task to a given broker, as beat would (the test process's app, another broker)."""
    from workers.celery import app

    with app.connection_for_write(broker_url) as conn:
        app.send_task(task, kwargs=kwargs, connection=conn)


def print_logs(*procs: Process | None) -> None:
    """On failure, show what the servers said (pytest prints captured output of failed tests)."""
    for proc in procs:
        if proc is not None:
            print(f"----- {proc.name} ({proc.log_path}) -----\n{proc.log_tail(80)}")
