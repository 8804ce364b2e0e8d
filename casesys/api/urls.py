"""Mounted at /api/ by casesys/urls.py: /api/v1/…, /api/schema/, /api/docs/.

Other apps mount their own /api/v1/… views directly in casesys/urls.py, so nothing here
may catch all paths (unknown /api/ paths get the JSON 404 from casesys.api.handlers).
"""

from __future__ import annotations

from django.urls import path
from django.views.decorators.cache import never_cache
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from casesys.api import followups, parts, views

app_name = "api"

urlpatterns = [
    path("v1/cases/", views.CaseListCreateView.as_view(), name="case-list"),
    path("v1/cases/<str:number>/", views.CaseDetailView.as_view(), name="case-detail"),
    path("v1/cases/<str:number>/reveal/", views.CaseRevealView.as_view(), name="case-reveal"),
    *[
        path(f"v1/cases/<str:number>/transitions/{name}/", view.as_view(), name=f"case-transition-{name}")
        for name, view in views.TRANSITION_VIEWS.items()
    ],
    path("v1/cases/<str:number>/transitions/<str:name>/", views.UnknownTransitionView.as_view(), name="case-transition"),
    # co-handling parts (主辦 / 協辦)
    path("v1/cases/<str:number>/parts/", parts.CaseAddCoHandlersView.as_view(), name="case-parts"),
    *[
        path(f"v1/cases/<str:number>/parts/<int:part>/transitions/{name}/", view.as_view(), name=f"case-part-transition-{name}")
        for name, view in parts.PART_TRANSITION_VIEWS.items()
    ],
    path(
        "v1/cases/<str:number>/parts/<int:part>/transitions/<str:name>/",
        parts.UnknownPartTransitionView.as_view(),
        name="case-part-transition",
    ),
    path("v1/follow-ups/", followups.FollowUpListView.as_view(), name="follow-up-list"),
    path(
        "v1/cases/<str:number>/follow-ups/<int:follow_up>/callback/",
        followups.FollowUpCallbackView.as_view(),
        name="follow-up-callback",
    ),
    path(
        "v1/cases/<str:number>/follow-ups/<int:follow_up>/second-reply/",
        followups.FollowUpSecondReplyView.as_view(),
        name="follow-up-second-reply",
    ),
    path("v1/categories/", views.CategoryListView.as_view(), name="category-list"),
    path("v1/departments/", views.DepartmentListView.as_view(), name="department-list"),
    path("v1/calendar/", views.CalendarView.as_view(), name="calendar"),
    path("v1/track/", never_cache(views.TrackView.as_view()), name="track"),
    path("v1/auth/token/", views.ObtainTokenView.as_view(), name="token"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # Split view: the init script is a separate request, not inline (strict CSP).
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
]
