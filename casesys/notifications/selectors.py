from __future__ import annotations

from django.db.models import Q, QuerySet

from casesys.cases.models import State
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
    """Open call-or-write tasks of the case and of the cases merged into it: the officer who
    answers the carrying case tells their petitioners too."""
    return (
        ContactTask.objects.filter(Q(case=case) | Q(case__merged_into=case, case__state=State.MERGED), done_at__isnull=True)
        # The case page shows each merged caller's (masked) contact: one query, not one per task.
        .select_related("case", "case__petitioner")
        .order_by("created_at", "pk")
    )


def case_failed_citizen_notices(case) -> QuerySet[Notification]:
    """Citizen notices of the case that failed or could not be routed."""
    return Notification.objects.filter(
        case=case, recipient_user__isnull=True, status=Notification.Status.FAILED
    ).order_by("created_at", "pk")


def contact_tasks_for_queue(*, user, scope: str) -> list[ContactTask]:
    """Open call-or-write tasks for a queue, by the case that handles them (a merged case's
    tasks go with the case it was merged into): in "mine", those handled by the user; in the
    department queue, those of visible cases nobody is assigned to. Open tasks are few
    (partial index contact_task_open_case), so the list is capped, not paged."""
    from casesys.cases.selectors import cases_visible_to

    handles = cases_visible_to(user)
    handles = handles.filter(assignee=user) if scope == "mine" else handles.filter(assignee__isnull=True)
    merged = Q(case__state=State.MERGED, case__merged_into__isnull=False)
    qs = ContactTask.objects.filter(done_at__isnull=True).filter(
        (~merged & Q(case__in=handles)) | (merged & Q(case__merged_into__in=handles))
    )
    return list(qs.select_related("case", "case__merged_into").order_by("created_at", "pk")[:QUEUE_TASKS_LIMIT])
