"""The project's URLs plus the benchmark's floor view (a minimal Django webhook)."""

from __future__ import annotations

from django.urls import include, path

from bench import floor_views

urlpatterns = [
    path("bench/floor/line/", floor_views.line_floor),
    path("", include("casesys.urls")),
]
