"""The daily public-opinion report (每日輿情報告) for the agency head.

For every active lead digest subscription with `daily_report`, one staff message a day
(dedupe key `opinion-report:{day}` per user) whose e-mail has an HTML body and an XLSX
attachment (`opinion-report-{day}.xlsx`), both made from the same figures, stored as the
message's context when the report is queued:

- new leads of the day by source and by keyword (the keyword rule that matched);
- the top items: leads that named or matched a case first, then converted ones, then the
  rest, newest first (texts masked like the digest);
- leads turned into cases that day (with the case numbers);
- response times of the leads first triaged that day: median time to first triage and the
  share triaged within their deadline, and the leads still waiting past it.

The subscription's sources narrow the report like the digest (empty = every source).
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import Counter

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone, translation

from casesys.inbound.models import Lead
from casesys.notifications.attachments import Attachment
from casesys.notifications.models import Notification
from casesys.notifications.services import notify_staff
from casesys.reports.exports import XLSX_TYPE, reader_text, xlsx_bytes
from casesys.social.models import LeadAlert, LeadDigestSubscription
from casesys.social.texts import halves, lead_excerpt, source_halves

XLSX_BUILDER = "opinion_report_xlsx"


CONVERTED_LISTED = 200


def _day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(day, dt.time.min, tzinfo=tz)
    return start, start + dt.timedelta(days=1)


def _link(url: str) -> str:
    return url if url.startswith(("https://", "http://")) else ""


def _at(moment: dt.datetime | None) -> str:
    return f"{timezone.localtime(moment):%Y-%m-%d %H:%M}" if moment else ""


def _duration(minutes: float | None) -> str:
    if minutes is None:
        return ""
    minutes = round(minutes)
    return f"{minutes // 60}:{minutes % 60:02d}"


def opinion_report_data(*, day: dt.date, sources: list[str] | None = None, now: dt.datetime | None = None) -> dict:
    """The report's figures for `day` (Asia/Taipei), as plain JSON values."""
    now = now or timezone.now()
    start, end = _day_bounds(day)
    scope = Lead.objects.all()
    if sources:
        scope = scope.filter(source__in=sources)
    alerted = Exists(LeadAlert.objects.filter(lead=OuterRef("pk")))
    new = list(
        scope.filter(created_at__gte=start, created_at__lt=end)
        .select_related("matched_rule", "case")
        .annotate(alerted=alerted)
        .order_by("-occurred_at", "-pk")
    )
    by_source = Counter(lead.source for lead in new)
    by_keyword = Counter(lead.matched_rule.phrase if lead.matched_rule else "" for lead in new)

    def rank(lead: Lead) -> int:
        return 0 if lead.alerted else 1 if lead.status == Lead.Status.CONVERTED else 2

    top = sorted(new, key=rank)[: settings.CASESYS_OPINION["REPORT_TOP_ITEMS"]]
    converted_q = scope.filter(status=Lead.Status.CONVERTED, decided_at__gte=start, decided_at__lt=end)
    converted = list(converted_q.select_related("case").order_by("decided_at", "pk")[:CONVERTED_LISTED])
    # The list is capped; the count is not.
    converted_count = converted_q.count() if len(converted) == CONVERTED_LISTED else len(converted)
    triaged = list(
        scope.filter(decided_at__gte=start, decided_at__lt=end, triage_due_at__isnull=False).only(
            "created_at", "decided_at", "triaged_on_time"
        )
    )
    minutes = [(lead.decided_at - lead.created_at).total_seconds() / 60 for lead in triaged]
    on_time = sum(1 for lead in triaged if lead.triaged_on_time)
    waiting_late = scope.filter(status=Lead.Status.NEW, triage_due_at__lt=min(end, now)).count()
    median = statistics.median(minutes) if minutes else None
    base_url = settings.CASESYS_NOTIFICATIONS["PUBLIC_BASE_URL"].rstrip("/")
    return {
        "day": day.isoformat(),
        "total": len(new),
        "sources": [
            {"code": code, "name_zh": source_halves(code)[0], "name_en": source_halves(code)[1], "count": count}
            for code, count in sorted(by_source.items(), key=lambda kv: (-kv[1], kv[0]))
        ],
        "keywords": [
            {"keyword": phrase, "count": count}
            for phrase, count in sorted(by_keyword.items(), key=lambda kv: (-kv[1], kv[0]))
        ],
        "top": [
            {
                "at": _at(lead.occurred_at),
                "source_zh": source_halves(lead.source)[0],
                "source_en": source_halves(lead.source)[1],
                "text": lead_excerpt(lead),
                "url": _link(lead.url or ""),
                "status": lead.status,
                "status_zh": halves(Lead.Status(lead.status).label)[0],
                "status_en": halves(Lead.Status(lead.status).label)[1],
                "alerted": bool(lead.alerted),
                "case": lead.case.number if lead.case_id and lead.case else "",
            }
            for lead in top
        ],
        "converted": [
            {
                "number": lead.case.number if lead.case else "",
                "source_zh": source_halves(lead.source)[0],
                "source_en": source_halves(lead.source)[1],
                "text": lead_excerpt(lead),
                "at": _at(lead.decided_at),
            }
            for lead in converted
        ],
        "converted_count": converted_count,
        "triaged": len(triaged),
        "triaged_on_time": on_time,
        "on_time_percent": round(100.0 * on_time / len(triaged), 1) if triaged else None,
        "median_minutes": round(median, 1) if median is not None else None,
        "median_text": _duration(median),
        "waiting_late": waiting_late,
        "leads_url": f"{base_url}{reverse('web:leads')}",
        "attachments": [{"builder": XLSX_BUILDER, "filename": f"opinion-report-{day.isoformat()}.xlsx"}],
    }


def _sheets(data: dict, en: bool) -> tuple[list, list]:
    def src(row: dict) -> str:
        return row["source_en"] if en else row["source_zh"]

    none = "(none)" if en else "（無）"
    summary = [
        (reader_text(label), value)
        for label, value in (
            ("日期 / Day", data["day"]),
            ("新增線索 / New leads", data["total"]),
            ("轉立案件 / Turned into cases", data["converted_count"]),
            ("首次分類件數 / First triaged", data["triaged"]),
            ("依限分類 / Within deadline", data["triaged_on_time"]),
            ("依限分類率 / % within deadline", data["on_time_percent"] if data["on_time_percent"] is not None else ""),
            (
                "首次分類時間中位數（分鐘） / Median minutes to first triage",
                data["median_minutes"] if data["median_minutes"] is not None else "",
            ),
            ("逾期未分類 / Waiting past deadline", data["waiting_late"]),
        )
    ]
    sheets = [
        ("摘要 Summary", ["項目 Item", "值 Value"], summary),
        ("來源 By source", ["來源 Source", "件數 Leads"], [(s["name_en"] if en else s["name_zh"], s["count"]) for s in data["sources"]]),
        ("關鍵字 By keyword", ["關鍵字 Keyword", "件數 Leads"], [(k["keyword"] or none, k["count"]) for k in data["keywords"]]),
        (
            "重點線索 Top items",
            ["時間 Time", "來源 Source", "內容 Text", "連結 Link", "狀態 Status", "案號 Case", "涉及既有案件 About a case"],
            [
                (t["at"], src(t), t["text"], t["url"], t["status_en"] if en else t["status_zh"], t["case"], ("yes" if en else "是") if t["alerted"] else "")
                for t in data["top"]
            ],
        ),
        (
            "轉立案件 Turned into cases",
            ["案號 Case", "來源 Source", "內容 Text", "立案時間 Opened"],
            [(c["number"], src(c), c["text"], c["at"]) for c in data["converted"]],
        ),
    ]
    return sheets, summary


def opinion_report_xlsx(*, context: dict, spec: dict, language: str | None) -> Attachment:
    """The XLSX of a queued report, built at delivery from the stored figures."""
    en = language == "en"
    with translation.override("en" if en else "zh-hant"):
        sheets, _summary = _sheets(context, en)
        content = xlsx_bytes(sheets)
    return Attachment(spec.get("filename") or f"opinion-report-{context.get('day', '')}.xlsx", content, XLSX_TYPE)


def opinion_report_send(*, day: dt.date | None = None, now: dt.datetime | None = None) -> list[Notification]:
    """Queue the report of `day` (default: yesterday, Asia/Taipei) for every subscriber who
    wants it; a staff message (in-app, e-mailed with its HTML and XLSX on delivery in office
    hours). Sent on quiet days too: no leads is news as well."""
    day = day or (timezone.localdate(now) - dt.timedelta(days=1))
    created: list[Notification] = []
    subs = LeadDigestSubscription.objects.filter(active=True, daily_report=True, user__is_active=True).select_related(
        "user"
    )
    cache: dict[tuple[str, ...], dict] = {}
    for sub in subs:
        key = tuple(sorted(sub.sources or []))
        if key not in cache:
            cache[key] = opinion_report_data(day=day, sources=list(key) or None, now=now)
        with transaction.atomic():
            notification = notify_staff(
                user=sub.user,
                template="opinion_report",
                context=cache[key],
                dedupe_key=f"opinion-report:{day.isoformat()}",
                now=now,
            )
        if notification is not None:
            created.append(notification)
    return created
