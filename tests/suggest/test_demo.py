"""The demo (`manage.py seed_demo`) trains the suggestion from its closed cases at once."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core.management import call_command

from casesys.suggest.models import SuggestModel
from casesys.suggest.selectors import suggest_for

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 11, 18, 10, 0, tzinfo=zoneinfo.ZoneInfo("Asia/Taipei"))


def test_the_demo_has_a_model_and_intake_gets_suggestions():
    with time_machine.travel(NOW, tick=True):
        call_command("seed_demo", "--cases", "120")
    model = SuggestModel.objects.get()
    assert model.cases >= 30
    intake = get_user_model().objects.get(username="intake")
    got = suggest_for(subject="巷口路燈不亮", description="民眾反映巷口那支路燈已經三天晚上不亮，很暗，請派員檢修。", user=intake)
    assert got and "LIGHT-OUT" in [s.category.code for s in got]
