"""Reminders and escalations per co-handling part: against the part's own sub-deadline, to
the co-handling department, only in office hours, exactly once."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from casesys.cohandling import services as parts
from casesys.cohandling.models import PartReminder
from casesys.notifications.models import Notification
from casesys.notifications.services import notifications_deliver_due
from casesys.reminders.defaults import ensure_default_rules
from casesys.reminders.services import deadlines_scan
from tests.cohandling.helpers import MONDAY, TPE, co_handled

pytestmark = pytest.mark.django_db


@pytest.fixture
def accepted_part(org):
    ensure_default_rules()
    with time_machine.travel(MONDAY, tick=False):
        case, _ = co_handled(org)
        part = case.parts.get()
        parts.part_accept(part=part, by=org.officer_clean)
    return part


def _inapp(user, template="reminder_part"):
    return Notification.objects.filter(recipient_user=user, channel="inapp", template=template)


def test_a_part_due_tomorrow_reminds_its_officer_once(org, accepted_part):
    now = dt.datetime(2026, 3, 10, 10, 0, tzinfo=TPE)  # the part is due Wednesday 11 March
    with time_machine.travel(now, tick=False):
        deadlines_scan(now=now)
        deadlines_scan(now=now)
        assert list(PartReminder.objects.filter(part=accepted_part).values_list("kind", "level")) == [("due-soon", 0)]
        assert _inapp(org.officer_clean).count() == 1
        # Not the lead: the case itself is due on the 16th.
        assert not _inapp(org.officer).exists()
        notifications_deliver_due(now=now)
    seen = _inapp(org.officer_clean).get()
    assert seen.status == "sent"
    assert accepted_part.case.number in seen.body and "清潔科" in seen.body and "2026-03-11" in seen.body


def test_a_part_reminder_found_after_hours_waits_for_the_office(org, accepted_part):
    evening = dt.datetime(2026, 3, 10, 20, 0, tzinfo=TPE)
    with time_machine.travel(evening, tick=False):
        deadlines_scan(now=evening)
    note = _inapp(org.officer_clean).get()
    assert note.next_attempt_at == dt.datetime(2026, 3, 11, 8, 30, tzinfo=TPE)


def test_an_overdue_part_escalates_to_the_co_handlers_supervisor(org, accepted_part):
    now = dt.datetime(2026, 3, 12, 10, 0, tzinfo=TPE)
    with time_machine.travel(now, tick=False):
        deadlines_scan(now=now)
    kinds = set(PartReminder.objects.filter(part=accepted_part).values_list("kind", flat=True))
    assert "overdue" in kinds
    assert _inapp(org.supervisor_epb).exists() and _inapp(org.officer_clean).exists()
    assert not _inapp(org.supervisor).exists()  # the lead's supervisor is not the co-handler's
    accepted_part.refresh_from_db()
    assert accepted_part.missed_due_at is not None


def test_an_unaccepted_part_reminds_the_co_handling_supervisor(org):
    ensure_default_rules()
    with time_machine.travel(MONDAY, tick=False):
        case, _ = co_handled(org)
    now = dt.datetime(2026, 3, 4, 10, 0, tzinfo=TPE)
    with time_machine.travel(now, tick=False):
        deadlines_scan(now=now)
    part = case.parts.get()
    assert list(PartReminder.objects.filter(part=part).values_list("kind", flat=True)) == ["not-accepted"]
    assert _inapp(org.supervisor_epb).count() == 1


def test_a_done_part_is_not_reminded(org, accepted_part):
    with time_machine.travel(MONDAY, tick=False):
        parts.part_submit_reply(part=accepted_part, reply="已清運。", by=org.officer_clean)
        parts.part_approve(part=accepted_part, by=org.supervisor_epb)
    now = dt.datetime(2026, 3, 12, 10, 0, tzinfo=TPE)
    with time_machine.travel(now, tick=False):
        deadlines_scan(now=now)
    assert not PartReminder.objects.exists()
