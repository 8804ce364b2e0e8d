"""Fixtures for API tests: authenticated clients per role and cases in each state."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from casesys.cases import services
from casesys.cases.models import Case
from tests.factories import new_case

ROLES = ["intake", "officer", "officer_light", "officer_clean", "supervisor", "supervisor_epb", "analyst", "admin"]


@pytest.fixture(autouse=True)
def _api_urls(settings):
    # The API mounted as in casesys/urls.py, without depending on other apps' URL modules.
    settings.ROOT_URLCONF = "tests.api.urls"


@pytest.fixture
def client_for(org):
    def make(user) -> APIClient:
        client = APIClient()
        if isinstance(user, str):
            user = getattr(org, user)
        if user is not None:
            client.force_authenticate(user)
        return client

    return make


def case_at(org, state: str, **kwargs) -> Case:
    """A mailbox case routed to the road section and driven to `state` through services."""
    case, _ = new_case(org, **kwargs)
    if state == "received":
        return case
    services.case_dispatch(case=case, department=org.road, by=org.intake)
    if state == "dispatched":
        return case
    services.case_accept(case=case, by=org.officer)
    if state == "in_progress":
        return case
    services.case_submit_reply(case=case, reply="已完成修復，謝謝您的來信。", by=org.officer)
    if state == "pending_approval":
        return case
    services.case_approve(case=case, by=org.supervisor)
    assert state == "closed"
    return case


def cases_url(number: str | None = None, *rest: str) -> str:
    if number is None:
        return "/api/v1/cases/"
    return "/api/v1/cases/" + "/".join([number, *rest]) + "/"
