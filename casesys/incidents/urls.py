"""Mounted at /api/v1/incidents/ by casesys/urls.py."""

from __future__ import annotations

from django.urls import path

from casesys.incidents import api

app_name = "incidents"

urlpatterns = [
    path("", api.IncidentListView.as_view(), name="list"),
    path("suggest/", api.IncidentSuggestView.as_view(), name="suggest"),
    path("<int:pk>/", api.IncidentDetailView.as_view(), name="detail"),
    path("<int:pk>/link/", api.IncidentLinkView.as_view(), name="link"),
    path("<int:pk>/unlink/", api.IncidentUnlinkView.as_view(), name="unlink"),
    path("<int:pk>/reply/", api.IncidentReplyView.as_view(), name="reply"),
    path("<int:pk>/close-all/", api.IncidentCloseAllView.as_view(), name="close-all"),
]
