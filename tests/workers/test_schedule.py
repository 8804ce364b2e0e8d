"""workers/schedule.py: the default periodic tasks, and rows of tasks that no longer exist."""

from __future__ import annotations

import pytest
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from workers.schedule import DEFAULT_SCHEDULE, RETIRED_TASKS, sync_schedule

pytestmark = pytest.mark.django_db


def test_sync_removes_the_retired_facebook_sweep_and_keeps_the_connectors_sweep():
    every_5_min, _ = IntervalSchedule.objects.get_or_create(every=300, period=IntervalSchedule.SECONDS)
    PeriodicTask.objects.create(
        name="facebook: sweep unprocessed page events",
        task="integrations.facebook.tasks.sweep_facebook_events",
        interval=every_5_min,
    )

    sync_schedule()

    tasks = set(PeriodicTask.objects.values_list("task", flat=True))
    assert "integrations.facebook.tasks.sweep_facebook_events" not in tasks
    assert "integrations.common.tasks.sweep_inbound_events" in tasks


def test_no_retired_task_is_scheduled_by_default():
    assert not RETIRED_TASKS & {entry["task"] for entry in DEFAULT_SCHEDULE}
