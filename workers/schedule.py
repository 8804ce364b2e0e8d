"""THE one place that lists the default periodic tasks.

Each entry is a plain dict:

    {"name": "unique name shown in the admin",
     "task": "dotted.path.of.the.shared_task",
     "every": 300,                     # seconds  — or —
     "crontab": "40 8 * * *",          # minute hour day-of-month month day-of-week (Asia/Taipei)
     "kwargs": {...},                  # optional
     "queue": "notifications",         # optional, else the task's route
     "description": "…"}               # optional

`sync_schedule()` (run by `manage.py sync_schedule` and automatically when beat starts)
creates the django-celery-beat rows that are missing. It never changes an existing row,
so an interval an administrator changed in the admin (Periodic tasks) stays changed;
`manage.py sync_schedule --reset` puts every listed entry back to its default here.

Contributors: add your sweep or feed poller as one more dict below; keep names unique.
"""

from __future__ import annotations

from typing import Any

DEFAULT_SCHEDULE: list[dict[str, Any]] = [
    {
        "name": "reminders: deadline scan",
        "task": "casesys.reminders.tasks.scan_deadlines",
        "every": 300,
        "description": "找出即將到期、逾期、未分文、未簽收、待核定案件並提醒 / Deadline reminders and escalations",
    },
    {
        "name": "notifications: deliver due outbox rows",
        "task": "casesys.notifications.tasks.deliver_due_notifications",
        "every": 15,
        "description": "寄送到期的通知並回收中斷的傳送 / Send due notifications, recover interrupted sends",
    },
    {
        "name": "notifications: citizen overdue notices",
        "task": "casesys.notifications.tasks.send_citizen_overdue_notices",
        # Every half hour from 08:00 to 20:30 (Asia/Taipei): a deadline passed at night is
        # told in the morning, not by a LINE message at midnight.
        "crontab": "*/30 8-20 * * *",
        "queue": "default",  # a scan, not a send: keep it off the outbox queue
        "description": "逾限未展延案件主動告知陳情人（每一期限一次）/ Tell petitioners their case is overdue, once per deadline",
    },
    {
        "name": "digests: daily overdue digest per supervisor",
        "task": "casesys.reminders.tasks.send_overdue_digests",
        "crontab": "40 8 * * *",
        "description": "每個工作日上午寄給主管逾期案件彙整 / Daily overdue digest (working days only)",
    },
    {
        "name": "digests: weekly department performance",
        "task": "casesys.reminders.tasks.send_weekly_summaries",
        "crontab": "50 8 * * 1",
        "description": "每週一各單位績效摘要 / Weekly performance summary per department",
    },
    {
        "name": "calendar: daily notice while next year's office calendar is missing",
        "task": "casesys.workcal.tasks.warn_missing_calendar",
        "crontab": "10 9 * * *",
        "description": "自 CASESYS_CALENDAR_WARN_FROM 起，明年辦公日曆未匯入時每日通知管理者 / Daily notice to administrators while next year's DGPA calendar is missing",
    },
    {
        "name": "ops: beat heartbeat",
        "task": "casesys.ops.tasks.beat_heartbeat",
        "every": 30,
        "description": "排程器與工作程序心跳（/healthz）/ Beat and worker heartbeat for /healthz",
    },
    {
        "name": "feeds: poll due RSS/Atom feeds",
        "task": "integrations.feeds.tasks.poll_due_feeds",
        "every": 60,
        "description": "輪詢到期的新聞與 PTT 來源（各來源自有間隔）/ Poll due news and PTT feeds (each has its own interval)",
    },
    {
        "name": "digests: daily lead digest",
        "task": "casesys.social.tasks.send_lead_digest",
        "crontab": "30 8 * * *",
        "description": "每日寄送前一日新增線索摘要（依來源）/ Daily digest of yesterday's new leads per source",
    },
    {
        "name": "leads: triage clock reminders",
        "task": "casesys.social.tasks.scan_lead_clock",
        "every": 300,
        "description": "線索分類期限將屆或已逾期時提醒受理人員（各一次），並補做漏掉的輿情警示檢查 / Remind triagers of leads due soon or overdue (once each); catch up lost alert checks",
    },
    {
        "name": "digests: daily opinion report",
        "task": "casesys.social.tasks.send_opinion_report",
        "crontab": "0 8 * * *",
        "description": "每日輿情報告（HTML 郵件附 XLSX）寄機關首長 / Daily opinion report (HTML e-mail with XLSX) for the agency head",
    },
    {
        "name": "connectors: sweep unprocessed LINE/Telegram events",
        "task": "integrations.common.tasks.sweep_inbound_events",
        "every": 60,
        "description": "處理未排入佇列或處理失敗待重試的 LINE/Telegram/Facebook 事件 / Process LINE/Telegram/Facebook events whose task was lost or failed",
    },
    {
        "name": "faq: propose drafts from frequent closed cases",
        "task": "casesys.faq.tasks.propose_faq_entries",
        "crontab": "20 2 * * *",
        "description": "每夜由近期結案案件提出常見問題草稿建議 / Nightly FAQ draft proposals from frequent closed cases",
    },
    {
        "name": "suggest: nightly retraining of the category suggestion",
        "task": "casesys.suggest.tasks.retrain_suggest_model",
        # At night (Asia/Taipei), when nobody is at intake, after the FAQ proposals: a model of the last
        # CASESYS_SUGGEST_YEARS of closed cases (about a minute at a city's volume).
        "crontab": "40 2 * * *",
        "description": "每晚以近年已結案案件重新訓練類別建議 / Nightly retraining of the category suggestion from recent closed cases",
    },
]

# Tasks that no longer exist: `sync_schedule` deletes their rows, so beat stops sending a
# message no worker can run (Facebook's own sweep became the connectors' common sweep).
RETIRED_TASKS: set[str] = {"integrations.facebook.tasks.sweep_facebook_events"}


def _parse_crontab(spec: str) -> dict[str, str]:
    parts = spec.split()
    if len(parts) != 5:
        raise ValueError(f"crontab {spec!r} must have 5 fields: minute hour day month weekday")
    minute, hour, day_of_month, month_of_year, day_of_week = parts
    return {
        "minute": minute,
        "hour": hour,
        "day_of_month": day_of_month,
        "month_of_year": month_of_year,
        "day_of_week": day_of_week,
    }


def sync_schedule(*, reset: bool = False, entries: list[dict[str, Any]] | None = None) -> dict[str, int]:
    """Create missing periodic tasks (or, with ``reset``, restore their defaults)."""
    import json

    from django.conf import settings
    from django.db import transaction
    from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask

    created = updated = 0
    with transaction.atomic():
        PeriodicTask.objects.filter(task__in=RETIRED_TASKS).delete()
        for entry in entries if entries is not None else DEFAULT_SCHEDULE:
            fields: dict[str, Any] = {
                "task": entry["task"],
                "kwargs": json.dumps(entry.get("kwargs", {})),
                "queue": entry.get("queue") or None,
                "description": entry.get("description", ""),
                "interval": None,
                "crontab": None,
            }
            if "every" in entry:
                fields["interval"], _ = IntervalSchedule.objects.get_or_create(
                    every=int(entry["every"]), period=IntervalSchedule.SECONDS
                )
            elif "crontab" in entry:
                fields["crontab"], _ = CrontabSchedule.objects.get_or_create(
                    timezone=settings.TIME_ZONE, **_parse_crontab(entry["crontab"])
                )
            else:
                raise ValueError(f"schedule entry {entry['name']!r} needs 'every' or 'crontab'")
            existing = PeriodicTask.objects.filter(name=entry["name"]).first()
            if existing is None:
                PeriodicTask.objects.create(name=entry["name"], **fields)
                created += 1
            elif reset:
                for key, value in fields.items():
                    setattr(existing, key, value)
                existing.enabled = True
                existing.save()
                updated += 1
    return {"created": created, "updated": updated}
