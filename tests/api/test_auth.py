from __future__ import annotations

import io

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.test import Client
from rest_framework.test import APIClient

from casesys.org.auth import LoginThrottled
from tests.api.conftest import case_at, cases_url

pytestmark = pytest.mark.django_db

PASSWORD = "pw-for-tests-123"  # tests.factories.UserFactory


def test_drf_create_token_key_authenticates_api_calls(org):
    case = case_at(org, "dispatched")
    out = io.StringIO()
    call_command("drf_create_token", "officer", stdout=out)
    key = out.getvalue().split()[2]
    c = APIClient()
    c.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert [r["number"] for r in c.get(cases_url()).json()["results"]] == [case.number]
    r = c.post(cases_url(case.number, "transitions", "accept"), {}, format="json")
    assert r.status_code == 200 and r.json()["state"] == "in_progress"


def test_bad_token_is_refused_with_json(org):
    c = APIClient()
    c.credentials(HTTP_AUTHORIZATION="Token not-a-real-key")
    r = c.get(cases_url())
    assert r.status_code == 403
    assert r.json()["detail"]


def test_session_auth_needs_csrf_for_writes(org):
    case = case_at(org, "dispatched")
    c = APIClient(enforce_csrf_checks=True)
    c.force_login(org.officer)
    assert c.get(cases_url(case.number)).status_code == 200
    r = c.post(cases_url(case.number, "transitions", "accept"), {}, format="json")
    assert r.status_code == 403
    assert "CSRF" in r.json()["detail"]


def test_obtain_token_with_username_and_password(org):
    r = APIClient().post("/api/v1/auth/token/", {"username": "officer", "password": PASSWORD}, format="json")
    assert r.status_code == 200
    key = r.json()["token"]
    c = APIClient()
    c.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert c.get(cases_url()).status_code == 200
    again = APIClient().post("/api/v1/auth/token/", {"username": "officer", "password": PASSWORD}, format="json")
    assert again.json()["token"] == key


def test_obtain_token_wrong_password_is_400(org):
    r = APIClient().post("/api/v1/auth/token/", {"username": "officer", "password": "nope"}, format="json")
    assert r.status_code == 400
    assert r.json()["detail"]


# --- login throttling -----------------------------------------------------------------


@pytest.fixture
def low_limits(settings):
    settings.CASESYS = {
        **settings.CASESYS,
        "LOGIN_MAX_FAILURES_PER_USER": 3,
        "LOGIN_MAX_FAILURES_PER_IP": 5,
    }


def test_backend_locks_a_username_after_repeated_failures(org, low_limits):
    for _ in range(3):
        assert authenticate(None, username="officer", password="wrong") is None
    with pytest.raises(LoginThrottled):
        authenticate(None, username="officer", password=PASSWORD)
    # Other accounts are unaffected; username case does not evade the lock.
    assert authenticate(None, username="analyst", password=PASSWORD) == org.analyst
    with pytest.raises(LoginThrottled):
        authenticate(None, username="OFFICER", password=PASSWORD)


def test_success_resets_the_username_counter(org, low_limits):
    for _ in range(2):
        authenticate(None, username="officer", password="wrong")
    assert authenticate(None, username="officer", password=PASSWORD) == org.officer
    for _ in range(2):
        authenticate(None, username="officer", password="wrong")
    assert authenticate(None, username="officer", password=PASSWORD) == org.officer


def test_admin_login_is_throttled(org, low_limits):
    c = Client()
    for _ in range(3):
        r = c.post("/admin/login/", {"username": "admin", "password": "wrong"})
        assert r.status_code == 200 and not r.wsgi_request.user.is_authenticated
    r = c.post("/admin/login/", {"username": "admin", "password": PASSWORD})
    assert r.status_code == 200  # the form again, with the lock-out message, not a redirect
    assert "登入失敗次數過多" in r.content.decode()
    assert "_auth_user_id" not in c.session


def test_login_view_is_throttled_per_client_address(org, low_limits):
    # Spraying many usernames from one address trips the per-address limit.
    c = Client(REMOTE_ADDR="203.0.113.50")
    for i in range(5):
        c.post("/accounts/login/", {"username": f"guess{i}", "password": "wrong"})
    r = c.post("/accounts/login/", {"username": "officer", "password": PASSWORD})
    assert r.status_code == 200
    assert "登入失敗次數過多" in r.content.decode()
    # The same user from another address gets in.
    other = Client(REMOTE_ADDR="198.51.100.20")
    assert other.post("/accounts/login/", {"username": "officer", "password": PASSWORD}).status_code == 302


def test_token_endpoint_is_throttled_with_429(org, low_limits):
    c = APIClient()
    for _ in range(3):
        assert c.post("/api/v1/auth/token/", {"username": "officer", "password": "x"}, format="json").status_code == 400
    r = c.post("/api/v1/auth/token/", {"username": "officer", "password": PASSWORD}, format="json")
    assert r.status_code == 429
    assert int(r["Retry-After"]) > 0
    assert r.json()["detail"]
