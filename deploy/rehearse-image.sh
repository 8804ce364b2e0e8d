#!/usr/bin/env bash
# Rehearses deploy/Dockerfile on a machine without Docker, step for step, and runs the
# production-like stack and the smoke test from the result:
#
#   build stage    the COPY lines into a build directory, then a fresh venv and a
#                  non-editable `pip install .` (what the image ships: no source tree);
#   runtime stage  an /app-like directory holding only manage.py and deploy/, started with
#                  that venv's Python, so every template, static file, migration and
#                  fixture must come from the installed package, as in the image;
#   then           deploy/run-prod-stack.sh start (gunicorn, Celery worker and beat with
#                  CASESYS_PRODUCTION=true) and deploy/smoke-test.py against it; stopped at
#                  the end, pass or fail.
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
  DJANGO_ALLOWED_HOSTS=localhost "$OUT/venv/bin/python" manage.py collectstatic --noinput
# The package, not a checkout, must be what Python imports.
"$OUT/venv/bin/python" - <<'PYEOF'
import casesys, sys
assert "site-packages" in casesys.__file__, f"casesys imported from {casesys.__file__}, not the installed package"
print(f"casesys imported from {casesys.__file__}")
PYEOF

echo "== production stack and smoke test from the rehearsed image"
export PRODSTACK_PYTHON=$OUT/venv/bin/python
trap 'bash deploy/run-prod-stack.sh stop || true' EXIT
bash deploy/run-prod-stack.sh start
"$OUT/venv/bin/python" deploy/smoke-test.py --url "http://127.0.0.1:$PRODSTACK_PORT"
