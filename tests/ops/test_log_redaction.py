"""A partner's api_key (or any password/token in a query string) never reaches a log line,
and Open311 accepts the key in the X-Api-Key header so it need not be in the URL at all."""

from __future__ import annotations

import io
import logging
import logging.config
import runpy
from pathlib import Path

import pytest
from django.test import Client

from casesys.logconf import RedactSecretsFilter, json_formatter
from casesys.open311.services import partner_app_create
from tests.factories import CategoryFactory

SECRET = "o311_s3cret-partner-key"
LOGGERS = ("django.request", "django.server", "casesys.request", "gunicorn.access", "gunicorn.error")


def every_text(record: logging.LogRecord) -> str:
    return " ".join([record.getMessage(), *(repr(v) for v in record.__dict__.values())])


@pytest.fixture
def all_logs(caplog):
    caplog.set_level(logging.DEBUG)
    return caplog


@pytest.mark.django_db
def test_requests_with_an_api_key_in_the_query_log_no_key(all_logs, settings, org):
    settings.CASESYS_ACCESS_LOG = True
    c = Client()
    c.get(f"/open311/v2/requests.json?api_key={SECRET}&status=bogus")  # 400
    c.post(f"/open311/v2/requests.json?api_key={SECRET}", {"service_code": "NOPE"})  # 403: unknown key
    c.get(f"/no-such-page/?token={SECRET}")  # 404
    records = [r for r in all_logs.records if r.name in LOGGERS]
    assert {r.name for r in records} >= {"django.request", "casesys.request"}
    assert all(SECRET not in every_text(r) for r in records)
    # The production JSON line of a 4xx (Django attaches the request, with its query string).
    formatter = logging.Formatter()
    json_line = _json_lines([r for r in records if r.name == "django.request"])
    assert "api_key=***" in json_line and SECRET not in json_line
    assert all(SECRET not in formatter.format(r) for r in records)


def _json_lines(records: list[logging.LogRecord]) -> str:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(_build(json_formatter("test")))
    for record in records:
        handler.handle(record)
    return stream.getvalue()


def _build(spec: dict) -> logging.Formatter:
    # The production formatter exactly as settings.LOGGING builds it (a "()" factory).
    config = logging.config.BaseConfigurator({})
    factory = config.resolve(spec["()"])
    return factory(**{k: v for k, v in spec.items() if k != "()"})


def test_development_server_request_line_is_redacted(all_logs):
    # What runserver writes for every request (django.core.servers.basehttp).
    logging.getLogger("django.server").info('"%s" %s %s', f"GET /open311/v2/services.json?api_key={SECRET}&x=1 HTTP/1.1", "200", "512")
    assert '"GET /open311/v2/services.json?api_key=***&x=1 HTTP/1.1" 200 512' in all_logs.text
    assert SECRET not in all_logs.text


def test_gunicorn_access_log_is_redacted_when_switched_on(monkeypatch, tmp_path):
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    conf = runpy.run_path(str(Path(__file__).parents[2] / "deploy" / "gunicorn.conf.py"))["logconfig_dict"]
    for name in ("gunicorn.access", "gunicorn.error"):
        assert conf["loggers"][name]["filters"] == ["redact_secrets"]
    assert conf["handlers"]["console"]["filters"] == ["redact_secrets"]
    assert conf["filters"]["redact_secrets"]["()"] == "casesys.logconf.RedactSecretsFilter"
    # gunicorn logs access lines as `format % atoms` with a dict of atoms.
    record = logging.LogRecord("gunicorn.access", logging.INFO, __file__, 1, '%(h)s "%(r)s" %(s)s', None, None)
    record.args = {"h": "192.0.2.1", "r": f"POST /open311/v2/requests.json?api_key={SECRET} HTTP/1.1", "s": "201"}
    assert RedactSecretsFilter().filter(record)
    assert record.getMessage() == '192.0.2.1 "POST /open311/v2/requests.json?api_key=*** HTTP/1.1" 201'


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("/a?api_key=k1&b=2", "/a?api_key=***&b=2"),
        ("/a?b=2&API_KEY=k1", "/a?b=2&API_KEY=***"),
        ("/a?password=p%20w#top", "/a?password=***#top"),
        ("/a?token=t1 HTTP/1.1", "/a?token=*** HTTP/1.1"),
        ("/a?access_token=t1", "/a?access_token=***"),
        ("/a?my_token=kept&tokens=kept", "/a?my_token=kept&tokens=kept"),
        # An SMS gateway's delivery report names the phone number.
        ("/cb/?msgid=1&dstaddr=0912345678&statuscode=4", "/cb/?msgid=1&dstaddr=***&statuscode=4"),
    ],
)
def test_secret_query_parameters_are_masked(line, expected):
    from casesys.logconf import redact_secrets

    assert redact_secrets(line) == expected


@pytest.mark.django_db
def test_open311_post_accepts_the_key_in_the_x_api_key_header(org, all_logs):
    CategoryFactory(code="ROAD-POTHOLE-311", name="道路坑洞", public=True)
    _, key = partner_app_create(name="示範報修 App", organisation="示範科技")
    form = {
        "service_code": "ROAD-POTHOLE-311",
        "description": "總統府前路面有大坑洞",
        "lat": "25.040", "long": "121.512", "first_name": "小明", "last_name": "王",
    }
    c = Client()
    created = c.post("/open311/v2/requests.json", form, HTTP_X_API_KEY=key)
    assert created.status_code == 201, created.content
    assert created.json()[0]["service_request_id"]
    wrong = c.post("/open311/v2/requests.json", form, HTTP_X_API_KEY="o311_wrong")
    assert wrong.status_code == 403 and "Invalid api_key" in wrong.json()[0]["description"]
    assert key not in all_logs.text
