"""Production settings: `check --deploy` is clean, logs are JSON, security headers are sent.

Settings are read once at import, so each case runs Django in a subprocess with the
production environment.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def prod_env(tmp_path: Path, **overrides: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "CASESYS_", "EMAIL_"))}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "casesys.settings"),
            "CASESYS_PRODUCTION": "true",
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
            "DJANGO_ALLOWED_HOSTS": "casesys.example.gov.tw,casesys-internal.example.gov.tw",
            "CASESYS_VAR_DIR": str(tmp_path / "var"),
            # Production mail goes to a named SMTP relay (tests/ops/test_email_settings.py).
            "EMAIL_HOST": "smtp.example.gov.tw",
        }
    )
    env.update(overrides)
    return {k: v for k, v in env.items() if v is not None}


def run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=180)


def test_check_deploy_reports_no_issues(tmp_path):
    result = run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"], prod_env(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


@pytest.mark.parametrize(
    ("missing", "message"),
    [("DJANGO_SECRET_KEY", "DJANGO_SECRET_KEY"), ("DJANGO_ALLOWED_HOSTS", "DJANGO_ALLOWED_HOSTS")],
)
def test_production_refuses_to_start_without_required_variables(tmp_path, missing, message):
    env = prod_env(tmp_path)
    env.pop(missing)
    result = run([sys.executable, "manage.py", "check"], env)
    assert result.returncode != 0
    assert message in result.stderr


def test_production_refuses_debug(tmp_path):
    result = run([sys.executable, "manage.py", "check"], prod_env(tmp_path, DJANGO_DEBUG="true"))
    assert result.returncode != 0 and "DJANGO_DEBUG=true is not allowed" in result.stderr


PROBE = r"""
import json, logging, sys
import django
django.setup()
from django.conf import settings
from django.test import Client

logging.getLogger("casesys.probe").warning("案件逾期 / case overdue", extra={"case": "CS-1151122-00001"})
client = Client(HTTP_HOST="casesys.example.gov.tw", raise_request_exception=False)
plain = client.get("/admin/login/")
secure = client.get("/admin/login/", secure=True)
bad_host = Client(HTTP_HOST="evil.example", raise_request_exception=False).get("/admin/login/", secure=True)
print(json.dumps({
    "debug": settings.DEBUG,
    "plain_status": plain.status_code,
    "plain_location": plain.get("Location", ""),
    "secure_status": secure.status_code,
    "hsts": secure.get("Strict-Transport-Security", ""),
    "csp": secure.get("Content-Security-Policy", ""),
    "csp_report_only": secure.get("Content-Security-Policy-Report-Only", ""),
    "frame": secure.get("X-Frame-Options", ""),
    "cookies": {k: {"secure": bool(v["secure"]), "httponly": bool(v["httponly"])} for k, v in secure.cookies.items()},
    "bad_host_status": bad_host.status_code,
}))
"""


@pytest.mark.django_db
def test_production_sends_security_headers_and_json_logs(tmp_path):
    from django.db import connection

    # The probe renders the admin log-in page: point it at the (migrated) test database.
    db = connection.settings_dict
    url = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    result = run([sys.executable, "-c", PROBE], prod_env(tmp_path, DATABASE_URL=url, CASESYS_ACCESS_LOG="true"))
    assert result.returncode == 0, result.stderr
    facts = json.loads(result.stdout.strip().splitlines()[-1])
    assert facts["debug"] is False
    assert facts["plain_status"] == 301 and facts["plain_location"].startswith("https://casesys.example.gov.tw/")
    assert facts["secure_status"] == 200
    assert facts["hsts"] == "max-age=31536000; includeSubDomains; preload"
    assert "default-src 'self'" in facts["csp"] and "script-src 'self'" in facts["csp"]
    assert "frame-ancestors 'none'" in facts["csp"] and not facts["csp_report_only"]
    assert facts["frame"] == "DENY"
    assert facts["cookies"]["csrftoken"]["secure"] is True
    assert facts["bad_host_status"] == 400

    records = [json.loads(line) for line in result.stderr.splitlines() if line.startswith("{")]
    assert records, result.stderr
    assert all(line.startswith("{") for line in result.stderr.splitlines() if line.strip()), result.stderr
    probe = next(r for r in records if r["logger"] == "casesys.probe")
    assert probe["level"] == "WARNING" and probe["message"] == "案件逾期 / case overdue"
    assert probe["case"] == "CS-1151122-00001" and probe["service"] == "casesys" and "time" in probe
    access = [r for r in records if r["logger"] == "casesys.request"]
    assert {r["status"] for r in access} >= {200, 301, 400}
    assert all({"method", "path", "duration_ms", "view", "request_id"} <= set(r) for r in access)
