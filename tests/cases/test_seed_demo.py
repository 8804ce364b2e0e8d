from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db.models import Count
from django.utils import timezone

from casesys.cases.models import OPEN_Q, Case


@pytest.mark.django_db
def test_seed_demo_is_idempotent_and_covers_states(capsys):
    call_command("seed_demo", "--cases", "120")
    out = capsys.readouterr().out
    assert "casesys-demo" in out and "supervisor" in out
    states = dict(Case.objects.values_list("state").annotate(n=Count("id")))
    assert {"received", "dispatched", "in_progress", "pending_approval", "closed"} <= set(states)
    assert Case.objects.filter(OPEN_Q, due_at__lt=timezone.now()).exists()
    # Some road cases are co-handled by the street-light section, their parts in every stage.
    from casesys.cohandling.models import CasePart

    assert CasePart.objects.filter(department__code="PWD-LIGHT", case__department__code="PWD-ROAD").exists()
    assert not Case.objects.filter(state="closed", parts__state__in=["requested", "in_progress"]).exists()
    call_command("seed_demo", "--cases", "120")
    assert Case.objects.count() == 120
