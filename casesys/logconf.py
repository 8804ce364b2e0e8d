"""The JSON log line format, shared by Django (`settings.LOGGING`) and gunicorn
(`deploy/gunicorn.conf.py`) so both write the same fields. Imports nothing from Django."""

from __future__ import annotations


def json_formatter(service: str) -> dict:
    return {
        "()": "pythonjsonlogger.json.JsonFormatter",
        "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s %(process)d",
        "datefmt": "%Y-%m-%dT%H:%M:%S%z",
        "json_ensure_ascii": False,
        "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger", "process": "pid"},
        "static_fields": {"service": service},
    }
