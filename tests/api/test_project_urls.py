"""The API as the project really mounts it (casesys/urls.py), not the test URLconf."""

from __future__ import annotations

import pytest
from django.urls import resolve

from casesys.api import views

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _project_urls(settings):
    settings.ROOT_URLCONF = "casesys.urls"


@pytest.mark.parametrize(
    "path, view",
    [
        ("/api/v1/cases/", views.CaseListCreateView),
        ("/api/v1/cases/CS-1151122-00001/", views.CaseDetailView),
        ("/api/v1/cases/CS-1151122-00001/reveal/", views.CaseRevealView),
        ("/api/v1/cases/CS-1151122-00001/transitions/accept/", views.TRANSITION_VIEWS["accept"]),
        ("/api/v1/cases/CS-1151122-00001/transitions/nope/", views.UnknownTransitionView),
        ("/api/v1/track/", views.TrackView),
        ("/api/v1/calendar/", views.CalendarView),
    ],
)
def test_project_mounts_the_api_under_api_v1(path, view):
    assert resolve(path).func.view_class is view


def test_schema_and_docs_are_served(client):
    assert client.get("/api/schema/").status_code == 200
    assert client.get("/api/docs/").status_code == 200


def test_unknown_api_path_is_json_404_in_the_project(client):
    r = client.get("/api/v1/no-such-thing/")
    assert r.status_code == 404
    assert r.json()["detail"]
