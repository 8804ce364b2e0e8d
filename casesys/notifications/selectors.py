from __future__ import annotations

from django.db.models import QuerySet

from casesys.notifications.models import ContactTask, Notification, NotificationChannel


def inapp_for(user, *, unread_only: bool = False) -> QuerySet[Notification]:
    """Delivered in-app notifications of one user, newest first (partial index notif_inapp_user)."""
    qs = (
        Notification.objects.filter(recipient_user=user, channel=NotificationChannel.INAPP, status=Notification.Status.SENT)
        .select_related("case")
        .order_by("-created_at", "-id")
    )
    if unread_only:
        qs = qs.filter(read_at__isnull=True)
    return qs


def inapp_unread_count(user) -> int:
    return inapp_for(user, unread_only=True).count()


# --- citizen notices the staff must act on ------------------------------------------------

QUEUE_TASKS_LIMIT = 50


def case_open_contact_tasks(case) -> QuerySet[ContactTask]:
    return ContactTask.objects.filter(case=case, done_at__isnull=True).order_by("created_at", "pk")


def case_failed_citizen_notices(case) -> QuerySet[Notification]:
    """Citizen notices of the case that failed or could not be routed."""
    return Notification.objects.filter(
        case=case, recipient_user__isnull=True, status=Notification.Status.FAILED
    ).order_by("created_at", "pk")


def contact_tasks_for_queue(*, user, scope: str) -> list[ContactTask]:
    """Open call-or-write tasks for a queue: in "mine", those of the cases assigned to the
    user; in the department queue, those of visible cases nobody is assigned to. Open tasks
    are few (partial index contact_task_open_case), so the list is capped, not paged."""
    from casesys.cases.selectors import cases_visible_to

    visible = cases_visible_to(user)
    qs = ContactTask.objects.filter(done_at__isnull=True)
    if scope == "mine":
        qs = qs.filter(case__assignee=user, case__in=visible.filter(assignee=user))
    else:
        qs = qs.filter(case__in=visible.filter(assignee__isnull=True))
    return list(qs.select_related("case").order_by("created_at", "pk")[:QUEUE_TASKS_LIMIT])
