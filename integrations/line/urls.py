from __future__ import annotations

from django.urls import path

from integrations.line import views

app_name = "line"

urlpatterns = [path("webhook/", views.webhook, name="webhook")]
