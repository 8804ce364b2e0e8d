from __future__ import annotations

import io

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.test import Client, RequestFactory
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
    settings.CASESYS = {**settings.CASESYS, "LOGIN_MAX_FAILURES_PER_USER": 3}
    settings.CASESYS_TRUSTED_PROXIES = []


def _from(ip: str):
    return RequestFactory().post("/accounts/login/", REMOTE_ADDR=ip)


def test_backend_locks_a_username_after_repeated_failures(org, low_limits):
    for _ in range(3):
        assert authenticate(_from("203.0.113.50"), username="officer", password="wrong") is None
    with pytest.raises(LoginThrottled) as refused:
        authenticate(_from("203.0.113.50"), username="officer", password=PASSWORD)
    assert "請於 15 分鐘後再試" in refused.value.messages[0]
    # Other accounts are unaffected; username case does not evade the lock.
    assert authenticate(_from("203.0.113.50"), username="analyst", password=PASSWORD) == org.analyst
    with pytest.raises(LoginThrottled):
        authenticate(_from("203.0.113.50"), username="OFFICER", password=PASSWORD)


def test_a_guesser_elsewhere_does_not_lock_a_staff_member_out_of_their_desk(org, low_limits):
    for _ in range(3):
        assert authenticate(_from("203.0.113.50"), username="officer", password="wrong") is None
    with pytest.raises(LoginThrottled):
        authenticate(_from("203.0.113.50"), username="officer", password=PASSWORD)
    assert authenticate(_from("198.51.100.20"), username="officer", password=PASSWORD) == org.officer


def test_success_resets_the_username_counter(org, low_limits):
    for _ in range(2):
        authenticate(_from("203.0.113.50"), username="officer", password="wrong")
    assert authenticate(_from("203.0.113.50"), username="officer", password=PASSWORD) == org.officer
    for _ in range(2):
        authenticate(_from("203.0.113.50"), username="officer", password="wrong")
    assert authenticate(_from("203.0.113.50"), username="officer", password=PASSWORD) == org.officer


def test_admin_login_is_throttled(org, low_limits):
    c = Client()
    for _ in range(3):
        r = c.post("/admin/login/", {"username": "admin", "password": "wrong"})
        assert r.status_code == 200 and not r.wsgi_request.user.is_authenticated
    r = c.post("/admin/login/", {"username": "admin", "password": PASSWORD})
    assert r.status_code == 200  # the form again, with the lock-out message, not a redirect
    assert "登入失敗次數過多，請於 15 分鐘後再試" in r.content.decode()
    assert "_auth_user_id" not in c.session


def test_failures_from_one_address_do_not_lock_every_staff_member_out(org, low_limits):
    # An office shares one address: somebody there mistyping (or guessing) many usernames
    # locks those usernames from there, not the colleague who types their own password.
    c = Client(REMOTE_ADDR="203.0.113.50")
    for i in range(25):  # more than any per-address limit would allow
        c.post("/accounts/login/", {"username": f"guess{i}", "password": "wrong"})
    for _ in range(3):
        r = c.post("/accounts/login/", {"username": "admin", "password": "wrong"})
        assert "登入失敗次數過多" not in r.content.decode()
    r = c.post("/accounts/login/", {"username": "admin", "password": PASSWORD})
    assert r.status_code == 200 and "登入失敗次數過多，請於 15 分鐘後再試" in r.content.decode()
    colleague = Client(REMOTE_ADDR="203.0.113.50")
    assert colleague.post("/accounts/login/", {"username": "officer", "password": PASSWORD}).status_code == 302


def test_behind_the_proxy_a_forged_x_forwarded_for_does_not_reset_the_lock(org, low_limits, settings):
    settings.CASESYS_TRUSTED_PROXIES = ["10.0.0.5/32"]

    def via_proxy(xff, password):
        c = Client(REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR=xff)
        return c.post("/accounts/login/", {"username": "officer", "password": password})

    for i in range(3):
        via_proxy(f"6.6.6.{i}, 203.0.113.50", "wrong")
    assert "登入失敗次數過多" in via_proxy("6.6.6.99, 203.0.113.50", PASSWORD).content.decode()
    # The officer at their own desk, behind the same proxy, gets in.
    assert via_proxy("198.51.100.20", PASSWORD).status_code == 302


def test_lockouts_are_listed_and_lifted_in_the_admin(org, low_limits):
    from axes.models import AccessAttempt
    from django.contrib.auth import get_user_model

    c = Client(REMOTE_ADDR="203.0.113.50")
    for _ in range(3):
        c.post("/accounts/login/", {"username": "officer", "password": "wrong"})
    root = get_user_model().objects.create_superuser("root", "root@example.invalid", "x" * 12)
    admin = Client()
    admin.force_login(root)
    listing = admin.get("/admin/axes/accessattempt/").content.decode()
    assert "officer" in listing and "203.0.113.50" in listing
    attempt = AccessAttempt.objects.get(username="officer")
    r = admin.post(f"/admin/axes/accessattempt/{attempt.pk}/delete/", {"post": "yes"})
    assert r.status_code == 302
    assert c.post("/accounts/login/", {"username": "officer", "password": PASSWORD}).status_code == 302


def test_token_endpoint_is_throttled_with_429(org, low_limits):
    c = APIClient()
    for _ in range(3):
        assert c.post("/api/v1/auth/token/", {"username": "officer", "password": "x"}, format="json").status_code == 400
    r = c.post("/api/v1/auth/token/", {"username": "officer", "password": PASSWORD}, format="json")
    assert r.status_code == 429
    assert int(r["Retry-After"]) > 0
    assert r.json()["detail"]
