"""The API mounted exactly as casesys/urls.py mounts it, plus the log-in views the login
throttle protects. Used so these tests do not depend on other apps' URL modules."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.views import LoginView
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/login/", LoginView.as_view(template_name="admin/login.html"), name="login"),
    path("api/v1/notifications/", include("casesys.notifications.urls")),
    path("api/v1/leads/", include("casesys.inbound.urls")),
    path("api/v1/incidents/", include("casesys.incidents.urls")),
    path("api/", include("casesys.api.urls")),
]

handler404 = "casesys.api.handlers.not_found"
handler500 = "casesys.api.handlers.server_error"
