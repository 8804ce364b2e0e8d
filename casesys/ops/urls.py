from __future__ import annotations

from django.urls import path

from casesys.ops import views

app_name = "ops"

# Also answered by `ProbeMiddleware` before host validation and the HTTPS redirect; the
# routes exist so that `reverse()` works and the views are reachable in every setup.
urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("healthz/live", views.livez, name="livez"),
    path("metrics", views.metrics, name="metrics"),
]
