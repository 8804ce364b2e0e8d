"""Environment helpers that fail loudly.

Settings are read from the environment only; a malformed value stops start-up with a
message naming the variable instead of silently falling back to a default.
"""

from __future__ import annotations

import datetime as dt
import os

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str | None = None, *, required: bool = False) -> str:
    value = os.environ.get(name)
    if value is None or value == "":
        if required:
            raise ImproperlyConfigured(f"Environment variable {name} is required but not set.")
        return default if default is not None else ""
    return value


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ImproperlyConfigured(f"Environment variable {name}={value!r} is not a boolean (use true/false).")


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise ImproperlyConfigured(f"Environment variable {name}={value!r} is not an integer.") from exc


def env_int_between(name: str, default: int, low: int, high: int) -> int:
    """An integer within [low, high] (a port, a timeout); outside it stops start-up."""
    value = env_int(name, default)
    if not low <= value <= high:
        raise ImproperlyConfigured(f"Environment variable {name}={value} is out of range ({low}-{high}).")
    return value


def env_list(name: str, default: list[str] | None = None) -> list[str]:
    value = os.environ.get(name)
    if value is None:
        return list(default or [])
    return [item.strip() for item in value.split(",") if item.strip()]


def env_month_day(name: str, default: str) -> tuple[int, int]:
    """A day of the year as ``MM-DD`` (e.g. ``11-01``), returned as (month, day)."""
    value = env_str(name, default).strip()
    try:
        parsed = dt.datetime.strptime(f"2000-{value}", "%Y-%m-%d")  # a leap year: 02-29 is allowed
    except ValueError as exc:
        raise ImproperlyConfigured(
            f"Environment variable {name}={value!r} is not a day of the year (use MM-DD, e.g. 11-01)."
        ) from exc
    return parsed.month, parsed.day


def env_networks(name: str, default: list[str] | None = None) -> list[str]:
    """Comma-separated IP networks in CIDR notation (a bare address means /32 or /128),
    returned normalised (``10.0.0.0/8``); a malformed entry stops start-up."""
    import ipaddress

    networks = []
    for item in env_list(name, default):
        try:
            networks.append(str(ipaddress.ip_network(item, strict=False)))
        except ValueError as exc:
            raise ImproperlyConfigured(
                f"Environment variable {name}: {item!r} is not an IP network (use CIDR, e.g. 10.0.0.0/8)."
            ) from exc
    return networks
