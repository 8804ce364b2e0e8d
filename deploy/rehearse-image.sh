#!/usr/bin/env bash
# Rehearses deploy/Dockerfile on a machine without Docker, step for step, and runs the
# production-like stack and the smoke test from the result:
#
#   build stage    the COPY lines into a build directory, then a fresh venv and a
#                  non-editable `pip install .` (what the image ships: no source tree);
#   runtime stage  an /app-like directory holding only manage.py and deploy/, started with
#                  that venv's Python, so every template, static file, migration and
#                  fixture must come from the installed package, as in the image;
#   then           an SMTP server on a free loopback port (deploy/smtp-sink.py, aiosmtpd from
#                  the checkout's .venv, with a log-in), deploy/run-prod-stack.sh start
#                  (gunicorn, Celery worker and beat with CASESYS_PRODUCTION=true, EMAIL_HOST /
#                  EMAIL_PORT / EMAIL_HOST_USER / EMAIL_HOST_PASSWORD pointing at it) and
#                  deploy/smoke-test.py against it, which checks the acknowledgement e-mail
#                  arrived; all stopped at the end, pass or fail.
#
#   deploy/rehearse-image.sh            # everything under var/image-rehearsal/
#
# What it cannot check without Docker: the base image's OS packages (curl, postgresql-client)
# and the container's user and health check. It uses its own database (casesys_image), Redis
# DB 13 and port 8766, so it can run beside deploy/run-prod-stack.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
PY=${PY:-python3.11}
OUT=${REHEARSAL_DIR:-$ROOT/var/image-rehearsal}
export PRODSTACK_PORT=${PRODSTACK_PORT:-8766}
export PRODSTACK_DB=${PRODSTACK_DB:-casesys_image}
if [[ -z ${PRODSTACK_REDIS_URL:-} ]]; then
  _redis=redis://127.0.0.1:6379
  [[ ${REDIS_URL:-} == redis*://* ]] && _redis=$(echo "$REDIS_URL" | sed -E 's#^(redis[s]?://[^/]+).*#\1#')
  export PRODSTACK_REDIS_URL=$_redis/13
fi

rm -rf "$OUT"
mkdir -p "$OUT/build" "$OUT/app/deploy"

echo "== build stage: non-editable install into a fresh venv"
# The Dockerfile's COPY lines, and nothing else from the checkout.
cp -r pyproject.toml README.md casesys workers integrations "$OUT/build/"
find "$OUT/build" -name __pycache__ -prune -exec rm -rf {} +
"$PY" -m venv "$OUT/venv"
"$OUT/venv/bin/pip" install --quiet --upgrade pip
"$OUT/venv/bin/pip" install --quiet "$OUT/build"
rm -rf "$OUT/build"  # the runtime stage copies only the venv

echo "== runtime stage: /app with manage.py and deploy/ only"
cp manage.py "$OUT/app/"
cp deploy/gunicorn.conf.py deploy/run-prod-stack.sh deploy/smoke-test.py "$OUT/app/deploy/"
cd "$OUT/app"
CASESYS_PRODUCTION=true CASESYS_VAR_DIR="$OUT/app/var" DJANGO_SECRET_KEY=build-only-collectstatic \
  DJANGO_ALLOWED_HOSTS=localhost EMAIL_HOST=build-only.invalid "$OUT/venv/bin/python" manage.py collectstatic --noinput
# The package, not a checkout, must be what Python imports.
"$OUT/venv/bin/python" - <<'PYEOF'
import casesys, sys
assert "site-packages" in casesys.__file__, f"casesys imported from {casesys.__file__}, not the installed package"
print(f"casesys imported from {casesys.__file__}")
PYEOF

echo "== SMTP relay on loopback (deploy/smtp-sink.py; aiosmtpd from the checkout's dev venv)"
# The stack sends real mail through it, logging in as the relay asks; the smoke test then
# checks the acknowledgement arrived. The image itself does not ship aiosmtpd.
SINK_PY=${SMTP_SINK_PYTHON:-$ROOT/.venv/bin/python}
"$SINK_PY" -c 'import aiosmtpd' 2>/dev/null \
  || { echo "aiosmtpd is missing in $SINK_PY: run make install (dev extras) or set SMTP_SINK_PYTHON"; exit 1; }
MAIL_DIR=$OUT/smtp
(umask 077; "$SINK_PY" -c 'import secrets; print(secrets.token_urlsafe(18))' >"$OUT/smtp-password")
setsid "$SINK_PY" "$ROOT/deploy/smtp-sink.py" --dir "$MAIL_DIR" --user casesys-smoke \
  --password-file "$OUT/smtp-password" >"$OUT/smtp-sink.log" 2>&1 </dev/null &
SINK_PID=$!
cleanup() {
  bash deploy/run-prod-stack.sh stop || true
  kill -TERM "$SINK_PID" 2>/dev/null || true
}
trap cleanup EXIT
for _ in $(seq 1 100); do
  [[ -s $MAIL_DIR/port ]] && break
  kill -0 "$SINK_PID" 2>/dev/null || break
  sleep 0.2
done
[[ -s $MAIL_DIR/port ]] || { echo "smtp-sink did not start:"; cat "$OUT/smtp-sink.log"; exit 1; }
export EMAIL_HOST=127.0.0.1 EMAIL_USE_TLS=false EMAIL_USE_SSL=false EMAIL_HOST_USER=casesys-smoke
export EMAIL_PORT; EMAIL_PORT=$(cat "$MAIL_DIR/port")
export EMAIL_HOST_PASSWORD; EMAIL_HOST_PASSWORD=$(cat "$OUT/smtp-password")
cat "$OUT/smtp-sink.log"

echo "== production stack and smoke test from the rehearsed image"
export PRODSTACK_PYTHON=$OUT/venv/bin/python
bash deploy/run-prod-stack.sh start
"$OUT/venv/bin/python" deploy/smoke-test.py --url "http://127.0.0.1:$PRODSTACK_PORT" --mail-dir "$MAIL_DIR"
