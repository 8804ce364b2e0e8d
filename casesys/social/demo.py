"""Demo data of the opinion clock (`manage.py seed_demo`): a duty roster, a report reader, and
leads that show the clock and the alerts on the leads page."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from casesys.cases.models import OPEN_Q, Case
from casesys.common.channels import registry
from casesys.inbound.keywords import match_keywords
from casesys.inbound.models import Lead
from casesys.inbound.services import lead_record
from casesys.inbound.triage import triage_due
from casesys.org.models import Department
from casesys.social.alerts import lead_alerts_check
from casesys.social.models import DutyShift, LeadAlert, LeadDigestSubscription
from casesys.workcal.calendar import WorkCalendar

DEMO_NOTE = "示範值班 / demo duty week"

# Leads nobody triaged in time: (external id, title, text, days before now, time of day, link).
# Their sources are the registry's lead-source channels in turn (the core names none).
LATE_LEADS: tuple[tuple[str, str, str, int, dt.time, str], ...] = (
    (
        "demo-opinion-late-1", "[問卦] 示範市的路樹倒在人行道上一整天沒人清？",
        "昨晚風雨很大，學校旁人行道上有一棵路樹倒下來，枝葉擋住整條人行道，學生上學都要走到車道上，"
        "到現在還沒有人來清，有人知道該找哪個單位嗎？",
        3, dt.time(7, 52), "https://ptt.example.com/bbs/DemoCity/M.1700090000.A.html",
    ),
    (
        "demo-opinion-late-2", "",
        "市場後面的巷子垃圾已經堆了快一個禮拜，天氣熱整條巷子都是臭味，還有老鼠跑來跑去，清潔隊可以來看一下嗎？",
        4, dt.time(21, 16), "https://facebook.example.com/democity/posts/1000000000000001",
    ),
)
MENTION_ID = "demo-opinion-mention"


def seed_opinion(*, users: dict, now: dt.datetime) -> None:
    """`supervisor` is on duty around the clock this week (alerts about leads on cases go to
    them); `analyst` receives the lead digest and the daily opinion report. Idempotent."""
    monday = timezone.localdate(now) - dt.timedelta(days=timezone.localdate(now).weekday())
    start = dt.datetime.combine(monday, dt.time.min, tzinfo=timezone.get_current_timezone())
    DutyShift.objects.get_or_create(
        user=users["supervisor"], note=DEMO_NOTE, starts_at=start, defaults={"ends_at": start + dt.timedelta(days=7)}
    )
    LeadDigestSubscription.objects.update_or_create(user=users["analyst"], defaults={"daily_report": True, "active": True})


def _late_start(source: str, days: int, at: dt.time, *, now: dt.datetime, calendar: WorkCalendar) -> dt.datetime:
    """`days` before now at `at`, or a day earlier until its triage deadline has passed (a
    long holiday may push the deadline past now)."""
    day = timezone.localdate(now) - dt.timedelta(days=days)
    tz = timezone.get_current_timezone()
    for _ in range(30):
        start = dt.datetime.combine(day, at, tzinfo=tz)
        if triage_due(source=source, start=start, calendar=calendar) < now:
            return start
        day -= dt.timedelta(days=1)
    return start


def _overdue_case(now: dt.datetime) -> Case | None:
    """An open overdue demo case of 工務局 (the duty supervisor may open it), else any."""
    overdue = Case.objects.filter(OPEN_Q, external_ref__startswith="demo-", language="zh", due_at__lt=now)
    pwd = Department.objects.filter(code="PWD").first()
    mine = overdue.filter(department__path__startswith=pwd.path) if pwd is not None else overdue.none()
    return (mine.order_by("due_at", "pk").first() or overdue.order_by("due_at", "pk").first())


def seed_opinion_leads(*, now: dt.datetime) -> str:
    """Two leads past their triage deadline, and one naming an overdue demo case's number,
    checked at once, so its alert (to the supervisor on duty) shows on the leads page.
    Idempotent: each lead is recorded once, and checked once."""
    sources = [spec.name for spec in registry().values() if spec.lead_source]
    if not sources:
        return "no lead-source channel configured"
    calendar = WorkCalendar.load()
    late = 0
    for i, (external_id, title, text, days, at, url) in enumerate(LATE_LEADS):
        source = sources[i % len(sources)]
        start = _late_start(source, days, at, now=now, calendar=calendar)
        rule = match_keywords(f"{title}\n{text}")
        lead, created = lead_record(
            source=source, external_id=external_id, title=title, text=text, occurred_at=start, url=url,
            reason="keyword" if rule else "", rule=rule, triage_due_at=triage_due(source=source, start=start, calendar=calendar),
        )
        late += created
        lead_alerts_check(lead_id=lead.pk, now=now)
    alerts = 0
    case = _overdue_case(now)
    source = sources[-1]
    if case is not None and not Lead.objects.filter(source=source, external_id=MENTION_ID).exists():
        received = timezone.localtime(case.received_at)
        text = (
            f"{received.month}月{received.day}日向市府陳情「{case.subject}」，案號 {case.number}，"
            "說會在期限內處理回覆，結果期限都過了還是老樣子，也沒有人跟我聯絡。請問市府到底有沒有在處理？"
        )
        rule = match_keywords(text)
        lead, _created = lead_record(
            source=source, external_id=MENTION_ID, text=text, occurred_at=now - dt.timedelta(minutes=40),
            reason="keyword" if rule else "", rule=rule, sender_name="陳小姐",
        )
        lead_alerts_check(lead_id=lead.pk, now=now)
        alerts = LeadAlert.objects.filter(lead=lead).count()
    return f"{late} leads past their triage deadline, {alerts} alert(s)"
