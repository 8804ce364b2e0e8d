from __future__ import annotations

from django.urls import path

from integrations.facebook import views

app_name = "facebook"

urlpatterns = [path("webhook/", views.webhook, name="webhook")]
