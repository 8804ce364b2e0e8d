"""Mounted at /api/v1/leads/ by casesys/urls.py."""

from __future__ import annotations

from django.urls import path

from casesys.inbound import api

app_name = "leads"

urlpatterns = [
    path("", api.LeadListView.as_view(), name="list"),
    path("<int:pk>/convert/", api.LeadConvertView.as_view(), name="convert"),
    path("<int:pk>/dismiss/", api.LeadDismissView.as_view(), name="dismiss"),
]
