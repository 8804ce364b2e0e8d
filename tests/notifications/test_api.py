from __future__ import annotations

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from casesys.notifications.models import Notification
from casesys.notifications.services import notification_deliver, notify_staff

pytestmark = pytest.mark.django_db

URL = "/api/v1/notifications/"


def _delivered_to(user, n=1):
    rows = []
    for i in range(n):
        row = notify_staff(user=user, template="reminder_due_today", context={"number": f"CS-{i}"}, dedupe_key=f"t{i}")
        Notification.objects.filter(pk=row.pk).update(office_hours_only=False, next_attempt_at=timezone.now())
        notification_deliver(notification_id=row.pk)
        rows.append(row)
    return rows


def _client(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_lists_my_delivered_inapp_notifications_newest_first(org):
    mine = _delivered_to(org.officer, 2)
    _delivered_to(org.officer_light, 1)
    notify_staff(user=org.officer, template="reminder_due_today", context={"number": "CS-later"}, dedupe_key="later")

    data = _client(org.officer).get(URL).json()

    assert data["count"] == 2 and data["unread"] == 2
    assert [r["id"] for r in data["results"]] == [mine[1].pk, mine[0].pk]
    assert "CS-1" in data["results"][0]["subject"] and data["results"][0]["unread"] is True


def test_mark_one_and_all_as_read(org):
    first, second = _delivered_to(org.officer, 2)
    client = _client(org.officer)

    response = client.post(f"{URL}{first.pk}/read/")
    assert response.status_code == 200 and response.json()["unread"] is False
    assert client.get(URL, {"unread": "true"}).json()["count"] == 1

    assert client.post(f"{URL}read-all/").json()["marked"] == 1
    assert client.get(URL).json()["unread"] == 0


def test_cannot_read_someone_elses_notification(org):
    (theirs,) = _delivered_to(org.officer_light, 1)
    response = _client(org.officer).post(f"{URL}{theirs.pk}/read/")
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_bad_filter_is_a_400_and_anonymous_is_refused(org):
    assert _client(org.officer).get(URL, {"unread": "maybe"}).status_code == 400
    assert APIClient().get(URL).status_code in (401, 403)
