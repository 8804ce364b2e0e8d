from __future__ import annotations

from django.urls import path

from integrations.sms import views

app_name = "sms"

urlpatterns = [
    path("<str:secret>/status/", views.status_callback, name="status"),
    path("<str:secret>/reply/", views.reply_callback, name="reply"),
]
