"""The JSON log line format, shared by Django (`settings.LOGGING`) and gunicorn
(`deploy/gunicorn.conf.py`) so both write the same fields. Imports nothing from Django."""

from __future__ import annotations

import logging
import re


def json_formatter(service: str) -> dict:
    return {
        "()": "pythonjsonlogger.json.JsonFormatter",
        "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s %(process)d",
        "datefmt": "%Y-%m-%dT%H:%M:%S%z",
        "json_ensure_ascii": False,
        "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger", "process": "pid"},
        "static_fields": {"service": service},
    }


# Query parameters whose values never reach a log line: a partner's Open311 key, passwords,
# tokens. Request lines (the development server's `django.server`, gunicorn's access log if
# enabled) and anything else that quotes a URL are rewritten to `api_key=***`.
# Secrets, and personal data that gateways put in query strings (an SMS gateway's callback
# carries the phone number as dstaddr / srcaddr).
# The staff search's personal-data terms (casesys.web.forms_search.IDENTITY_PARAMS) too.
SECRET_PARAMETERS = (
    "api_key", "apikey", "access_token", "password", "token", "dstaddr", "srcaddr",
    "petitioner_name", "petitioner_phone", "petitioner_email",
)
_SECRET_QUERY_RE = re.compile(
    r"(?i)(?<![A-Za-z0-9_])((?:" + "|".join(SECRET_PARAMETERS) + r")(?:%5B%5D|\[\])?=)[^&\s\"'#;]*"
)


def redact_secrets(text: str) -> str:
    """`/open311/v2/services.json?api_key=o311_x&b=1` → `/open311/v2/services.json?api_key=***&b=1`."""
    return _SECRET_QUERY_RE.sub(r"\1***", text) if "=" in text else text


class RedactSecretsFilter(logging.Filter):
    """Rewrites a record's message and string arguments in place (never drops a record).

    Attached to the request loggers themselves (so every handler, tests' caplog included,
    sees the redacted record) and to the console handler (for everything else).
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact_secrets(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(redact_secrets(a) if isinstance(a, str) else a for a in record.args)
        elif isinstance(record.args, dict):
            record.args = {k: redact_secrets(v) if isinstance(v, str) else v for k, v in record.args.items()}
        for name in ("path", "query", "request_line", "url"):
            value = record.__dict__.get(name)
            if isinstance(value, str):
                record.__dict__[name] = redact_secrets(value)
        request = record.__dict__.get("request")
        if request is not None and not isinstance(request, str):
            # Django's request loggers attach the request itself; the JSON formatter writes
            # it as its repr, which holds the full path with the query string.
            text = redact_secrets(repr(request))
            if text != repr(request):
                record.__dict__["request"] = text
        return True


def redact_filter() -> dict:
    return {"()": "casesys.logconf.RedactSecretsFilter"}


# Loggers that write request lines or URLs; the filter sits on each of them.
REQUEST_LOGGERS = ("django.server", "django.request", "django.security", "casesys.request", "gunicorn.access")
