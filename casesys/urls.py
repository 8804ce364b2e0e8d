from __future__ import annotations

from django.contrib import admin
from django.urls import include, path

from casesys.common.channels import channel_urlconfs

urlpatterns = [
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    # /healthz, /healthz/live, /metrics (docs/operations.md).
    path("", include("casesys.ops.urls")),
    # In-app notifications (docs/workers.md); before the api/ include so it wins.
    path("api/v1/notifications/", include("casesys.notifications.urls")),
    # Leads triage (docs/connectors.md); before the api/ include so it wins.
    path("api/v1/leads/", include("casesys.inbound.urls")),
    # Incidents: many reports of one event (docs/incidents.md); before the api/ include so it wins.
    path("api/v1/incidents/", include("casesys.incidents.urls")),
    # REST API: /api/v1/…, /api/schema/, /api/docs/ (see docs/api.md).
    path("api/", include("casesys.api.urls")),
    # Open311 GeoReport v2 and the open-data CSVs (docs/open311.md).
    path("open311/v2/", include("casesys.open311.urls")),
    path("open-data/", include("casesys.opendata.urls")),
    # Each connector's webhooks and callbacks under integrations/<channel>/, from its "urls"
    # in settings.CASESYS_CHANNELS (docs/channels.md): a new channel adds no line here.
    *(path(f"integrations/{name}/", include(urls)) for name, urls in channel_urlconfs().items()),
]
# MEDIA_ROOT is never served as static files, not even with DEBUG (`make run`): it holds the
# citizens' attachments, which only the permission-checked desk view hands out
# (casesys.web.views.desk.case_attachment).
# 常見問題集 / FAQ: /faq/, /desk/faq/, /reports/faq/ (docs/faq.md).
urlpatterns += [path("", include("casesys.faq.urls"))]
# The web UI owns the root; keep it last so more specific prefixes above win.
urlpatterns += [path("", include("casesys.web.urls"))]

# JSON 404/500 under /api/, Django's usual pages elsewhere.
handler404 = "casesys.api.handlers.not_found"
handler500 = "casesys.api.handlers.server_error"
