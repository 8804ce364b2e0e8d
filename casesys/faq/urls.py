from __future__ import annotations

from django.urls import path

from casesys.faq import views

app_name = "faq"

urlpatterns = [
    path("faq/", views.faq_list, name="list"),
    path("faq/suggest/", views.faq_suggest, name="suggest"),
    path("faq/<int:pk>/", views.faq_entry, name="entry"),
    path("desk/faq/", views.desk_list, name="desk_list"),
    path("desk/faq/new/", views.desk_new, name="desk_new"),
    path("desk/faq/proposals/", views.desk_proposals, name="desk_proposals"),
    path("desk/faq/proposals/<int:pk>/<str:decision>/", views.proposal_decide, name="proposal_decide"),
    path("desk/faq/<int:pk>/", views.desk_edit, name="desk_edit"),
    path("desk/faq/<int:pk>/<str:name>/", views.desk_transition, name="desk_transition"),
    path("reports/faq/", views.deflection_report, name="report"),
]
