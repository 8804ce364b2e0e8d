from __future__ import annotations

from django.urls import path

from casesys.notifications import api

app_name = "notifications"

urlpatterns = [
    path("", api.NotificationListView.as_view(), name="list"),
    path("read-all/", api.NotificationReadAllView.as_view(), name="read-all"),
    path("<int:pk>/read/", api.NotificationReadView.as_view(), name="read"),
]
