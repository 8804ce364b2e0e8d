"""Supervisor pages: dashboard, overdue, performance and survey reports (HTML, CSV, XLSX)."""

from __future__ import annotations

import datetime as dt

from django.shortcuts import render
from django.utils import timezone

from casesys.org.models import Role
from casesys.reports import exports, selectors
from casesys.web.forms import PeriodForm, SurveyPeriodForm
from casesys.web.i18n import pick, tr
from casesys.web.views.common import staff_required

REPORT_ROLES = (Role.SUPERVISOR, Role.ANALYST, Role.ADMIN)


def _localise_labels(data: dict) -> dict:
    """Chart labels like '首長信箱 / Web mailbox' → the active language's half."""
    out = {}
    for k, v in data.items():
        if isinstance(v, dict) and "labels" in v:
            v = {**v, "labels": [pick(x) for x in v["labels"]]}
        out[k] = v
    return out


@staff_required(*REPORT_ROLES)
def dashboard(request):
    from casesys.incidents.selectors import incident_counts_by_day
    from casesys.reports.density import density_cells

    data = _localise_labels(selectors.dashboard(request.user))
    return render(
        request,
        "web/reports/dashboard.html",
        {
            "data": data,
            "tables": _tables(data),
            "incident_days": incident_counts_by_day(days=14),
            # The map's density grid: cases received in the last 30 days per cell.
            "density": density_cells(request.user),
        },
    )


def _tables(data: dict) -> list[dict]:
    """The charts' figures as tables: screen readers and keyboard users get the same facts."""
    rec, clo, opn, ovd = tr("收件", "Received"), tr("結案", "Closed"), tr("未結案", "Open"), tr("逾期", "Overdue")
    out = tr("移文、存查、併案", "Transferred, filed, merged")
    w, m = data["weekly"], data["on_time"]
    tables = [
        {"title": tr("每週收件與結案", "Received vs closed per week"), "head": [tr("週（週一）", "Week (Monday)"), rec, clo, out],
         "rows": list(zip(w["labels"], w["received"], w["closed"], w["routed_out"], strict=True))},
        {"title": tr("每月依限結案率", "On-time rate by month"), "head": [tr("月", "Month"), tr("依限結案率 %", "On-time %"), clo],
         "rows": list(zip(m["labels"], m["rate"], m["closed"], strict=True))},
    ]
    for key, zh, en in [
        ("by_department", "單位", "Department"), ("by_category", "類別", "Category"),
        ("by_channel", "管道", "Channel"), ("by_district", "行政區", "District"),
    ]:
        d = data[key]
        tables.append({"title": tr(f"各{zh}未結與逾期", f"Open and overdue by {en.lower()}"), "head": [tr(zh, en), opn, ovd],
                       "rows": list(zip(d["labels"], d["open"], d["overdue"], strict=True))})
    return tables


@staff_required(*REPORT_ROLES)
def overdue(request):
    fmt = request.GET.get("format", "")
    if fmt in ("csv", "xlsx"):
        report = selectors.overdue_report(request.user, detail_limit=None)
        groups, detail = exports.overdue_rows(report)
        stamp = f"overdue-{timezone.localdate():%Y%m%d}"
        if fmt == "csv":
            return exports.csv_response(stamp, exports.OVERDUE_DETAIL_HEADER, detail)
        return exports.xlsx_response(
            stamp,
            [
                ("依單位承辦人 By officer", exports.OVERDUE_GROUP_HEADER, groups),
                ("逾期案件 Cases", exports.OVERDUE_DETAIL_HEADER, detail),
            ],
            filters=exports.report_filters(
                request.user, report="逾期報表 Overdue report",
                extra=[("條件 Filter", "未結案且已逾處理期限 Open cases past their deadline")],
            ),
        )
    report = selectors.overdue_report(request.user)
    return render(request, "web/reports/overdue.html", {"report": report})


@staff_required(*REPORT_ROLES)
def performance(request):
    today = timezone.localdate()
    initial = {"start": today.replace(day=1) if today.day > 1 else today - dt.timedelta(days=30), "end": today}
    form = PeriodForm(request.GET if "start" in request.GET else None, initial=initial)
    if form.is_bound:
        if not form.is_valid():
            return render(request, "web/reports/performance.html", {"form": form, "report": None}, status=400)
        start, end = form.cleaned_data["start"], form.cleaned_data["end"]
        by_category = form.cleaned_data["by_category"]
    else:
        start, end, by_category = initial["start"], initial["end"], False
    report = selectors.performance_report(request.user, start=start, end=end, by_category=by_category)
    fmt = request.GET.get("format", "")
    if fmt in ("csv", "xlsx"):
        name = f"performance-{start:%Y%m%d}-{end:%Y%m%d}"
        rows = exports.performance_rows(report)
        if fmt == "csv":
            return exports.csv_response(name, exports.PERFORMANCE_HEADER, rows)
        return exports.xlsx_response(
            name,
            [("績效 Performance", exports.PERFORMANCE_HEADER, rows)],
            filters=exports.report_filters(
                request.user, report="績效報表 Performance report", start=start, end=end,
                extra=[("依單位×類別 By department × category", "是 Yes" if by_category else "否 No")],
            ),
        )
    query = f"start={start:%Y-%m-%d}&end={end:%Y-%m-%d}" + ("&by_category=on" if by_category else "")
    return render(request, "web/reports/performance.html", {"form": form, "report": report, "query": query})


@staff_required(*REPORT_ROLES)
def surveys(request):
    today = timezone.localdate()
    # Twelve months by default, from the first of the month eleven months back.
    y, m = (today.year, today.month - 11) if today.month > 11 else (today.year - 1, today.month + 1)
    initial = {"start": dt.date(y, m, 1), "end": today}
    form = SurveyPeriodForm(request.GET if "start" in request.GET else None, initial=initial)
    if form.is_bound:
        if not form.is_valid():
            return render(request, "web/reports/surveys.html", {"form": form, "report": None}, status=400)
        start, end = form.cleaned_data["start"], form.cleaned_data["end"]
    else:
        start, end = initial["start"], initial["end"]
    report = selectors.survey_report(request.user, start=start, end=end)
    fmt = request.GET.get("format", "")
    if fmt in ("csv", "xlsx"):
        name = f"surveys-{start:%Y%m%d}-{end:%Y%m%d}"
        if fmt == "csv":
            detail, trend = exports.survey_rows(report)
            return exports.csv_response(name, exports.SURVEY_HEADER, detail + trend)
        detail, trend = exports.survey_rows(report, months_as_dates=True)
        return exports.xlsx_response(
            name,
            [
                ("每月趨勢 Trend", exports.SURVEY_HEADER, trend),
                ("依單位 By department", exports.SURVEY_HEADER, detail),
            ],
            filters=exports.report_filters(request.user, report="滿意度分析 Survey analysis", start=start, end=end),
        )
    query = f"start={start:%Y-%m-%d}&end={end:%Y-%m-%d}"
    return render(
        request,
        "web/reports/surveys.html",
        {"form": form, "report": report, "query": query, "chart": {"surveys": report["chart"]}},
    )


@staff_required(Role.ADMIN, Role.SUPERVISOR)
def operations(request):
    """Delivery and intake pipelines per channel: what was sent this month (an SMS costs
    money), what failed, what waits (docs/operations.md)."""
    from casesys.ops.selectors import inbound_by_provider, month_start, outbox_by_channel

    now = timezone.now()
    return render(
        request,
        "web/reports/operations.html",
        {"outbox": outbox_by_channel(now=now), "inbound": inbound_by_provider(), "since": month_start(now)},
    )
