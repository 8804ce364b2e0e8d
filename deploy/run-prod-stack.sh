#!/usr/bin/env bash
# The production-like stack on one machine: gunicorn + Celery worker + beat with
# CASESYS_PRODUCTION=true, against the local PostgreSQL and Redis.
#
#   deploy/run-prod-stack.sh start    # migrate, seed, start all three in the background
#   deploy/run-prod-stack.sh status   # processes and /healthz
#   deploy/run-prod-stack.sh stop     # stop what `start` started (by the recorded pids)
#
# Everything lives under var/prod-stack/ (pids, logs, secret key, smoke-test credentials).
# It uses a database of its own (casesys_prodstack, created if missing), Redis DB 14 and
# 127.0.0.1:8765, so it never touches a development or test database. Mail goes to the SMTP
# relay in EMAIL_HOST (and EMAIL_PORT, …) when set, else to files under var/prod-stack/data/mail. Override with
# PRODSTACK_PORT, PRODSTACK_DB, PRODSTACK_PG (postgres://user@host:port), PRODSTACK_REDIS_URL.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
PY=${PRODSTACK_PYTHON:-$ROOT/.venv/bin/python}
BIN=$(dirname "$PY")
DIR=${PRODSTACK_DIR:-$ROOT/var/prod-stack}
PORT=${PRODSTACK_PORT:-8765}
DB=${PRODSTACK_DB:-casesys_prodstack}
# The server of DATABASE_URL / REDIS_URL when they are set (CI), with names of our own.
_pg_default=postgres://postgres@127.0.0.1:5432
[[ ${DATABASE_URL:-} == postgres*://*/* ]] && _pg_default=${DATABASE_URL%/*}
PG=${PRODSTACK_PG:-$_pg_default}
_redis_default=redis://127.0.0.1:6379/14
[[ ${REDIS_URL:-} == redis*://* ]] && _redis_default=$(echo "$REDIS_URL" | sed -E 's#^(redis[s]?://[^/]+).*#\1/14#')
PROCS=(web worker beat)

mkdir -p "$DIR"
[[ -s $DIR/secret-key ]] || (umask 077; "$PY" -c 'import secrets; print(secrets.token_urlsafe(50))' >"$DIR/secret-key")
[[ -s $DIR/metrics-token ]] || (umask 077; "$PY" -c 'import secrets; print(secrets.token_urlsafe(24))' >"$DIR/metrics-token")

export CASESYS_PRODUCTION=true
export DJANGO_SETTINGS_MODULE=${DJANGO_SETTINGS_MODULE:-casesys.settings}
export DJANGO_SECRET_KEY; DJANGO_SECRET_KEY=$(cat "$DIR/secret-key")
export METRICS_TOKEN; METRICS_TOKEN=$(cat "$DIR/metrics-token")
export DJANGO_ALLOWED_HOSTS=127.0.0.1,localhost
export DATABASE_URL=$PG/$DB
export REDIS_URL=${PRODSTACK_REDIS_URL:-$_redis_default}
export CELERY_BROKER_URL=$REDIS_URL
export CASESYS_VAR_DIR=$DIR/data
export GUNICORN_BIND=127.0.0.1:$PORT
export GUNICORN_WORKERS=${PRODSTACK_WEB_WORKERS:-2}
export CASESYS_PUBLIC_BASE_URL=http://127.0.0.1:$PORT
export PYTHONUNBUFFERED=1
unset DJANGO_DEBUG
# E-mail: SMTP to the caller's EMAIL_HOST (EMAIL_PORT, EMAIL_HOST_USER, … pass through;
# deploy/rehearse-image.sh points them at deploy/smtp-sink.py). Without one, files under
# $DIR/data/mail, since production refuses SMTP with no EMAIL_HOST.
if [[ -z ${EMAIL_HOST:-} ]]; then
  export EMAIL_BACKEND=${EMAIL_BACKEND:-django.core.mail.backends.filebased.EmailBackend}
fi

get() {  # GET a path on the stack and print the body; non-zero without a 2xx answer
  "$PY" - "http://127.0.0.1:$PORT$1" <<'PYEOF'
import sys, urllib.error, urllib.request
try:
    with urllib.request.urlopen(sys.argv[1], timeout=5) as r:
        print(r.read().decode())
except urllib.error.HTTPError as e:
    print(e.read().decode()); sys.exit(1)
except OSError:
    sys.exit(2)
PYEOF
}

pid_of() { cat "$DIR/$1.pid" 2>/dev/null || true; }
alive() { local pid; pid=$(pid_of "$1"); [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null; }

launch() {  # name, command…: own session (so stop takes its children), log to a file
  local name=$1; shift
  if alive "$name"; then echo "$name already running (pid $(pid_of "$name"))"; return; fi
  setsid "$@" >>"$DIR/$name.log" 2>&1 < /dev/null &
  echo $! >"$DIR/$name.pid"
  echo "started $name (pid $!, log $DIR/$name.log)"
}

create_database() {
  "$PY" - "$PG" "$DB" <<'PYEOF'
import sys
from urllib.parse import urlparse

import psycopg

url, name = urlparse(sys.argv[1]), sys.argv[2]
with psycopg.connect(host=url.hostname, port=url.port or 5432, user=url.username or "postgres",
                     password=url.password, dbname="postgres", autocommit=True) as conn:
    if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
        conn.execute(f'CREATE DATABASE "{name}" ENCODING \'UTF8\' TEMPLATE template0')
        print(f"created database {name}")
PYEOF
}

start() {
  "$PY" -m casesys.preflight
  create_database
  "$PY" manage.py migrate --noinput >"$DIR/migrate.log" 2>&1 || { cat "$DIR/migrate.log"; exit 1; }
  "$PY" manage.py collectstatic --noinput >/dev/null
  "$PY" manage.py seed_demo --cases 0 >/dev/null
  # A staff account for the smoke test, with a fresh random password each start.
  (umask 077; "$PY" -c 'import secrets; print(secrets.token_urlsafe(18))' >"$DIR/smoke-password")
  SMOKE_PASSWORD=$(cat "$DIR/smoke-password") "$PY" manage.py shell --verbosity 0 -c '
import os
from django.contrib.auth import get_user_model
from casesys.org.models import Department, Role, StaffProfile
user, _ = get_user_model().objects.get_or_create(username="smoke", defaults={"first_name": "冒煙測試"})
user.set_password(os.environ["SMOKE_PASSWORD"]); user.save()
StaffProfile.objects.update_or_create(user=user, defaults={"department": Department.objects.get(code="RDEC-SVC"), "roles": [Role.INTAKE]})
'
  # Only the web processes aggregate metrics across processes (gunicorn.conf.py clears it).
  PROMETHEUS_MULTIPROC_DIR=$DIR/prometheus launch web "$BIN/gunicorn" -c deploy/gunicorn.conf.py casesys.wsgi:application
  launch worker "$BIN/celery" --quiet -A workers worker -Q default,notifications,notifications_citizen -n "prodstack@%h" --concurrency 2 --loglevel INFO
  launch beat "$BIN/celery" --quiet -A workers beat --loglevel INFO --pidfile= -s "$DIR/celerybeat-schedule"
  for _ in $(seq 1 60); do
    if get /healthz/live >/dev/null 2>&1; then
      echo "casesys (production mode) on http://127.0.0.1:$PORT — send X-Forwarded-Proto: https"
      return 0
    fi
    for name in "${PROCS[@]}"; do
      alive "$name" || { echo "$name exited:"; tail -n 40 "$DIR/$name.log"; stop; exit 1; }
    done
    sleep 1
  done
  echo "web did not answer on port $PORT"; tail -n 40 "$DIR/web.log"; stop; exit 1
}

stop() {
  local name pid
  for name in "${PROCS[@]}"; do
    pid=$(pid_of "$name")
    [[ -z $pid ]] && continue
    if kill -0 "$pid" 2>/dev/null; then
      kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
      for _ in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
      kill -0 "$pid" 2>/dev/null && kill -KILL -- "-$pid" 2>/dev/null || true
      echo "stopped $name (pid $pid)"
    fi
    rm -f "$DIR/$name.pid"
  done
}

status() {
  local name rc=0
  for name in "${PROCS[@]}"; do
    if alive "$name"; then echo "$name: running (pid $(pid_of "$name"))"; else echo "$name: stopped"; rc=1; fi
  done
  get /healthz || true
  return $rc
}

case "${1:-start}" in
  start) start ;;
  stop) stop ;;
  restart) stop; start ;;
  status) status ;;
  env) env | grep -E '^(CASESYS_|DJANGO_SETTINGS|DATABASE_URL|REDIS_URL|GUNICORN_|EMAIL_)' | grep -v '^EMAIL_HOST_PASSWORD=' | sort ;;
  *) echo "usage: $0 start|stop|restart|status|env" >&2; exit 2 ;;
esac
