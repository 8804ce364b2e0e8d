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


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    # Staff passwords in tests need no work factor; case passwords keep their own hasher.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture(autouse=True)
def _clear_cache():
    from django.core.cache import cache

    from casesys.workcal.calendar import forget_recent

    cache.clear()
    # A rolled-back test's calendar overrides leave no signal behind.
    forget_recent()
    yield


@pytest.fixture
def org(db):
    from tests.factories import build_org

    return build_org()
