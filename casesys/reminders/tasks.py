"""Celery tasks for reminders and digests. Thin: each calls one service."""

from __future__ import annotations

from dataclasses import asdict

from celery import shared_task

from casesys.reminders import digests, services


@shared_task(name="casesys.reminders.tasks.scan_deadlines")
def scan_deadlines() -> dict:
    return asdict(services.deadlines_scan())


@shared_task(name="casesys.reminders.tasks.send_overdue_digests")
def send_overdue_digests() -> dict:
    return asdict(digests.overdue_digests_send())


@shared_task(name="casesys.reminders.tasks.send_weekly_summaries")
def send_weekly_summaries() -> dict:
    return asdict(digests.weekly_summaries_send())
