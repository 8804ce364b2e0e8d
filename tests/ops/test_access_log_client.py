"""The access log names the same client the abuse limits count: a forged X-Forwarded-For
does not change it, the address nginx appended does."""

from __future__ import annotations

import logging

import pytest
from django.test import Client, override_settings

pytestmark = pytest.mark.django_db


def _logged_addr(caplog, **request_meta) -> str:
    # The middleware reads CASESYS_ACCESS_LOG when Django builds the chain, per test client.
    with override_settings(CASESYS_ACCESS_LOG=True), caplog.at_level(logging.INFO, logger="casesys.request"):
        Client(**request_meta).get("/")
    records = [r for r in caplog.records if r.name == "casesys.request"]
    return records[-1].remote_addr


def test_access_log_ignores_a_forged_x_forwarded_for(settings, caplog):
    settings.CASESYS_TRUSTED_PROXIES = []
    assert _logged_addr(caplog, REMOTE_ADDR="198.51.100.7", HTTP_X_FORWARDED_FOR="6.6.6.6") == "198.51.100.7"


def test_access_log_behind_the_proxy_names_the_right_most_untrusted_entry(settings, caplog):
    settings.CASESYS_TRUSTED_PROXIES = ["10.0.0.5/32"]
    addr = _logged_addr(caplog, REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.9")
    assert addr == "203.0.113.9"
