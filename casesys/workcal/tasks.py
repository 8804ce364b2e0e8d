"""Celery tasks for the office calendar. Thin: each calls one service."""

from __future__ import annotations

from dataclasses import asdict

from celery import shared_task

from casesys.workcal import upkeep


@shared_task(name="casesys.workcal.tasks.warn_missing_calendar")
def warn_missing_calendar() -> dict:
    return asdict(upkeep.calendar_warning_notify())
