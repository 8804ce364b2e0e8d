from __future__ import annotations

from django.urls import path

from integrations.sms import views

app_name = "sms"

# The secret is a path segment written as `token=…`: Mitake appends its own query string to
# the URL it is given, and the log redaction (casesys.logconf) masks `token=` values, so the
# secret never reaches an access log line.
urlpatterns = [
    path("token=<str:secret>/status/", views.status_callback, name="status"),
    path("token=<str:secret>/reply/", views.reply_callback, name="reply"),
]
