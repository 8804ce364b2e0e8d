"""Test-suite wiring: real PostgreSQL and Redis, or a loud stop."""

from __future__ import annotations

import os

import pytest

from casesys import preflight


def pytest_configure(config):
    problems = [
        p
        for p in (
            preflight.check_postgres(os.environ.get("DATABASE_URL", "")),
            preflight.check_redis(os.environ.get("REDIS_URL", "")),
        )
        if p
    ]
    if problems:
        # Never skip: a missing service is a failed run, in CI and locally alike.
        pytest.exit("\n".join(problems), returncode=3)
    _mirror_replica()


def _mirror_replica() -> None:
    """A `replica` alias on the test database itself, whatever DATABASE_REPLICA_URL says.

    Built by the same code as a configured replica (casesys/dbconf.py), as a TEST MIRROR: its
    own connection to the test database, so it sees committed rows only, like a real standby
    (tests/reports/test_replica.py commits its data). Reports read the primary unless a test
    sets CASESYS_REPORTS_DB = "replica".
    """
    from django.conf import settings
    from django.db import connections

    from casesys.dbconf import REPLICA, replica_from_url

    settings.DATABASES[REPLICA] = replica_from_url(
        "DATABASE_URL", settings.DATABASE_URL, primary=settings.DATABASES["default"]
    )
    # django.setup() already read the aliases (model classes ask the default connection for
    # its name limits), so the new one gets Django's defaults (TEST, TIME_ZONE, …) here; the
    # handler holds settings.DATABASES itself, so it sees the new alias. Nothing is connected
    # yet: pytest-django creates the test database (and points the mirror at it) later.
    assert connections.settings is settings.DATABASES
    connections.configure_settings(settings.DATABASES)
    settings.CASESYS_REPORTS_DB = "default"


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    # Staff passwords in tests need no work factor; case passwords keep their own hasher.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture(autouse=True)
def _offline_map(settings):
    # Tests run offline: no map tiles (the map draws pins, clusters and grids on a blank
    # background); no geocoder unless a test configures one.
    settings.CASESYS_MAP = {**settings.CASESYS_MAP, "TILE_URL": "", "TILE_ORIGIN": ""}
    settings.CASESYS_GEOCODER = {**settings.CASESYS_GEOCODER, "CLASS": "", "URL": ""}


@pytest.fixture(autouse=True)
def _clear_cache():
    from django.core.cache import cache

    from casesys.common.publish import broker_breaker, gate_breaker
    from casesys.workcal.calendar import forget_recent

    cache.clear()
    # A rolled-back test's calendar overrides leave no signal behind.
    forget_recent()
    # A test that stopped Redis must not leave later tests publishing nothing.
    broker_breaker.reset()
    gate_breaker.reset()
    yield


@pytest.fixture
def org(db):
    from tests.factories import build_org

    return build_org()


@pytest.fixture
def client_for():
    """A Django test client logged in as `user` (the API tests have their own, for DRF)."""
    from django.test import Client

    def make(user):
        c = Client()
        c.force_login(user)
        return c

    return make
