"""Who the client is: REMOTE_ADDR, unless the request came through a trusted proxy, then the
right-most X-Forwarded-For entry that is not a trusted proxy. A client-chosen X-Forwarded-For
never changes the answer."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import RequestFactory

from casesys.common.clientip import client_ip, client_key
from casesys.env import env_networks

NGINX = "10.0.0.5"


def _req(remote: str, xff: str | None = None):
    extra = {"HTTP_X_FORWARDED_FOR": xff} if xff is not None else {}
    return RequestFactory().get("/", REMOTE_ADDR=remote, **extra)


@pytest.fixture
def behind_nginx(settings):
    settings.CASESYS_TRUSTED_PROXIES = ["10.0.0.0/24"]
    settings.CASESYS_TRUSTED_PROXY_COUNT = 0


def test_without_trusted_proxies_x_forwarded_for_is_ignored(settings):
    settings.CASESYS_TRUSTED_PROXIES = []
    assert client_ip(_req("198.51.100.7", "6.6.6.6")) == "198.51.100.7"
    assert client_ip(_req("198.51.100.7", "6.6.6.6, 7.7.7.7")) == "198.51.100.7"


def test_behind_the_proxy_the_right_most_entry_it_added_is_the_client(behind_nginx):
    # nginx: proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
    assert client_ip(_req(NGINX, "203.0.113.9")) == "203.0.113.9"


def test_a_forged_left_most_entry_is_ignored(behind_nginx):
    assert client_ip(_req(NGINX, "6.6.6.6, 203.0.113.9")) == "203.0.113.9"
    assert client_ip(_req(NGINX, "10.0.0.7, 203.0.113.9")) == "203.0.113.9"


def test_trusted_hops_are_skipped_from_the_right(behind_nginx):
    # A load balancer in 10.0.0.0/24 in front of nginx appended the client, nginx the balancer.
    assert client_ip(_req(NGINX, "6.6.6.6, 203.0.113.9, 10.0.0.2")) == "203.0.113.9"


def test_a_request_not_from_the_proxy_ignores_x_forwarded_for(behind_nginx):
    assert client_ip(_req("198.51.100.7", "203.0.113.9")) == "198.51.100.7"


def test_each_citizen_behind_the_proxy_has_their_own_address(behind_nginx):
    assert client_ip(_req(NGINX, "203.0.113.1")) != client_ip(_req(NGINX, "203.0.113.2"))


def test_the_proxys_own_requests_are_its_own(behind_nginx):
    assert client_ip(_req(NGINX)) == NGINX
    assert client_ip(_req(NGINX, "garbage, 10.0.0.9")) == "10.0.0.9"


def test_proxy_count_takes_that_many_entries_from_the_right(settings):
    settings.CASESYS_TRUSTED_PROXIES = []
    settings.CASESYS_TRUSTED_PROXY_COUNT = 1
    assert client_ip(_req(NGINX, "6.6.6.6, 203.0.113.9")) == "203.0.113.9"
    settings.CASESYS_TRUSTED_PROXY_COUNT = 2
    assert client_ip(_req(NGINX, "6.6.6.6, 203.0.113.9, 10.0.0.2")) == "203.0.113.9"
    # Fewer entries than proxies: the header is not the proxies' work.
    assert client_ip(_req(NGINX, "6.6.6.6")) == NGINX


def test_spellings_of_one_address_are_one_client(behind_nginx):
    assert client_ip(_req("::ffff:198.51.100.7")) == "198.51.100.7"
    assert client_ip(_req(NGINX, "203.0.113.9:51234")) == "203.0.113.9"
    assert client_ip(_req(NGINX, "[2001:db8::1]:443")) == "2001:db8::1"


def test_an_ipv6_client_is_bucketed_by_its_64(settings):
    settings.CASESYS_TRUSTED_PROXIES = []
    a = client_key(_req("2001:db8:1:2::1"))
    b = client_key(_req("2001:db8:1:2:ffff::9"))
    assert a == b == "2001:db8:1:2::/64"
    assert client_key(_req("198.51.100.7")) == "198.51.100.7"


def test_a_missing_address_is_unknown(settings):
    settings.CASESYS_TRUSTED_PROXIES = []
    assert client_ip(_req("")) == "unknown"


def test_a_malformed_trusted_proxy_stops_start_up(monkeypatch):
    monkeypatch.setenv("CASESYS_TRUSTED_PROXIES", "10.0.0.0/8, 10.0.0.300/32")
    with pytest.raises(ImproperlyConfigured, match="CASESYS_TRUSTED_PROXIES"):
        env_networks("CASESYS_TRUSTED_PROXIES")
    monkeypatch.setenv("CASESYS_TRUSTED_PROXIES", "10.0.0.5, fd00::/8")
    assert env_networks("CASESYS_TRUSTED_PROXIES") == ["10.0.0.5/32", "fd00::/8"]
