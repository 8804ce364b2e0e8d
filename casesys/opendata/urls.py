from __future__ import annotations

from django.urls import re_path

from casesys.opendata import views

app_name = "opendata"

urlpatterns = [
    re_path(r"^cases-(?P<month>\d{4}-\d{2})\.csv$", views.monthly_cases_csv, name="monthly_cases"),
]
