from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.templatetags.static import static
from django.urls import path
from django.views.generic import RedirectView

from casesys.web.views import (
    cohandling,
    desk,
    followups,
    incidents,
    intake,
    maps,
    notices,
    portal,
    receipt,
    reports,
    search,
    site,
    suggest,
)

app_name = "web"

urlpatterns = [
    path("", desk.home, name="home"),
    path("favicon.ico", RedirectView.as_view(url=static("web/favicon.svg"), permanent=True)),
    path("accounts/login/", auth_views.LoginView.as_view(template_name="web/registration/login.html"), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(next_page="/"), name="logout"),
    # officer desk
    path("desk/queue/", desk.queue_mine, name="queue_mine"),
    path("desk/queue/department/", desk.queue_department, name="queue_department"),
    path("desk/queue/filters/", desk.saved_filter_save_view, name="saved_filter_save"),
    path("desk/queue/filters/<int:pk>/delete/", desk.saved_filter_delete_view, name="saved_filter_delete"),
    path("desk/cases/<str:number>/", desk.case_detail, name="case"),
    path("desk/cases/<str:number>/actions/<str:name>/", desk.case_action, name="case_action"),
    path("desk/cases/<str:number>/reveal/", desk.case_reveal, name="case_reveal"),
    path("desk/cases/<str:number>/notes/", desk.case_note, name="case_note"),
    path("desk/cases/<str:number>/attachments/<int:pk>/", desk.case_attachment, name="case_attachment"),
    path("desk/cases/<str:number>/reply-template/", desk.reply_template, name="reply_template"),
    path(
        "desk/cases/<str:number>/contact-tasks/<int:pk>/done/", notices.contact_task_done_view, name="contact_task_done"
    ),
    # co-handling (主辦 / 協辦)
    path("desk/cases/<str:number>/parts/add/", cohandling.add_co_handlers, name="case_parts_add"),
    path("desk/cases/<str:number>/parts/<int:pk>/actions/<str:name>/", cohandling.part_action, name="part_action"),
    path("desk/cases/<str:number>/receipt/", receipt.case_receipt, name="case_receipt"),
    path("desk/cases/<str:number>/receipt/new-password/", receipt.case_password_reissue, name="case_password_reissue"),
    path("desk/approvals/", desk.approvals, name="approvals"),
    path("desk/follow-ups/", followups.inbox, name="follow_ups"),
    path(
        "desk/cases/<str:number>/follow-ups/<int:pk>/<str:how>/", followups.close, name="follow_up_close"
    ),
    path("desk/notifications/", desk.notifications, name="notifications"),
    path("desk/notifications/count/", desk.notifications_count, name="notifications_count"),
    path("desk/notifications/read/", desk.notifications_read, name="notifications_read"),
    # intake
    path("desk/intake/", intake.intake_queue, name="intake_queue"),
    path("desk/intake/new/", intake.intake_new, name="intake_new"),
    path("desk/intake/caller-cases/", search.intake_caller_cases, name="intake_caller_cases"),
    # category suggestion (casesys.suggest)
    path("desk/suggest/intake/", suggest.intake_category_suggestions, name="suggest_intake"),
    path("desk/suggest/cases/<str:number>/", suggest.case_category_suggestions, name="suggest_case"),
    path("desk/suggest/leads/<int:pk>/", suggest.lead_category_suggestions, name="suggest_lead"),
    path("desk/search/", search.case_search_view, name="case_search"),
    path("desk/intake/dispatch/", intake.bulk_dispatch, name="bulk_dispatch"),
    path("desk/leads/", intake.leads, name="leads"),
    path("desk/leads/<int:pk>/<str:decision>/", intake.lead_decide, name="lead_decide"),
    # incidents (事件): many reports of one event
    path("desk/incidents/", incidents.incident_list, name="incidents"),
    path("desk/incidents/suggest/", incidents.intake_suggestions, name="incident_suggest"),
    path("desk/incidents/link-selected/", incidents.incident_link_selected, name="incident_link_selected"),
    path("desk/incidents/<int:pk>/", incidents.incident_detail, name="incident"),
    path("desk/incidents/<int:pk>/link/", incidents.incident_link_cases, name="incident_link"),
    path("desk/incidents/<int:pk>/unlink/<str:number>/", incidents.incident_unlink_case, name="incident_unlink"),
    path("desk/incidents/<int:pk>/reply/", incidents.incident_reply, name="incident_reply"),
    path("desk/incidents/<int:pk>/close/", incidents.incident_close, name="incident_close"),
    path("desk/cases/<str:number>/incident/new/", incidents.incident_new, name="incident_new"),
    # maps (docs/web.md, "Map")
    path("desk/map/", maps.desk_map, name="desk_map"),
    path("desk/map/data/", maps.desk_map_data, name="desk_map_data"),
    path("map/geocode/", maps.map_geocode, name="map_geocode"),
    # supervisor
    path("reports/", reports.dashboard, name="dashboard"),
    path("reports/overdue/", reports.overdue, name="report_overdue"),
    path("reports/performance/", reports.performance, name="report_performance"),
    path("reports/surveys/", reports.surveys, name="report_surveys"),
    path("reports/operations/", reports.operations, name="operations"),
    path("sitemap/", site.sitemap, name="sitemap"),
    # citizen portal
    path("portal/", portal.portal_home, name="portal"),
    path("mailbox/", portal.mailbox, name="mailbox"),
    path("mailbox/done/", portal.mailbox_done, name="mailbox_done"),
    path("mailbox/category-suggestion/", suggest.mailbox_category_suggestion, name="mailbox_suggest"),
    path("status/", portal.status_lookup, name="status_lookup"),
    path("status/forgot/", portal.password_forgot, name="password_forgot"),
    path("status/<str:number>/", portal.case_status, name="status"),
    # Links from notices (?token=…): open the case without the password, then redirect.
    path("status/<str:number>/open/", portal.status_link, name="status_link"),
    path("status/<str:number>/survey/open/", portal.survey_link, name="survey_link"),
    path("status/<str:number>/supplement/", portal.supplement, name="supplement"),
    path("status/<str:number>/survey/", portal.survey, name="survey"),
    path("status/<str:number>/forget/", portal.forget_case, name="status_forget"),
]
