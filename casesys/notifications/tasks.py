"""Celery tasks for the outbox. Thin: take ids, call one service.

`send_notification` is a nudge published when a row commits; the row in the database is the
truth. When the row is not claimable yet (a retry time ahead, or another worker's lease that
may belong to a dead worker) the task looks again at that moment; anything further away or
waiting for office hours is left to the periodic sweep `deliver_due_notifications`.
"""

from __future__ import annotations

from celery import shared_task

from casesys.notifications import services

MAX_NUDGES = 12


def _deliver(task, notification_id: int) -> str:
    outcome = services.notification_deliver(notification_id=notification_id)
    if outcome in ("retry", "skipped") and task.request.retries < MAX_NUDGES:
        wait = services.notification_wait_seconds(notification_id=notification_id)
        if wait is not None:
            raise task.retry(countdown=wait)
    return outcome


@shared_task(bind=True, name="casesys.notifications.tasks.send_notification", max_retries=MAX_NUDGES)
def send_notification(self, notification_id: int) -> str:
    return _deliver(self, notification_id)


# The same work for a citizen's row, on its own queue (`notifications_citizen`, see
# CELERY_TASK_ROUTES): a backlog of staff sends cannot hold up an acknowledgement.
@shared_task(bind=True, name="casesys.notifications.tasks.send_citizen_notification", max_retries=MAX_NUDGES)
def send_citizen_notification(self, notification_id: int) -> str:
    return _deliver(self, notification_id)


@shared_task(name="casesys.notifications.tasks.deliver_due_notifications")
def deliver_due_notifications() -> dict[str, int]:
    return services.notifications_deliver_due()


@shared_task(name="casesys.notifications.tasks.send_citizen_overdue_notices")
def send_citizen_overdue_notices() -> dict[str, int]:
    from dataclasses import asdict

    from casesys.notifications.citizen import citizen_overdue_notices_send

    return asdict(citizen_overdue_notices_send())
