"""Training: the stored model, the nightly beat entry, the task and `manage.py suggest_eval`."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command

from casesys.cases.models import Case
from casesys.suggest.classifier import Classifier
from casesys.suggest.models import SuggestModel
from casesys.suggest.selectors import current_classifier, suggest_for
from casesys.suggest.services import KEEP_MODELS, suggest_model_train
from tests.suggest.conftest import RECEIVED, TRAINED_AT

pytestmark = pytest.mark.django_db


def test_a_model_learns_from_the_closed_cases_of_the_window(org, closed_cases, categories):
    model = suggest_model_train(now=TRAINED_AT)
    assert model.cases == 42 and model.categories == 6
    assert model.since < RECEIVED < model.until == TRAINED_AT
    assert current_classifier() is not None
    # Before the cases were received there is nothing to learn: no model, the old one stays.
    assert suggest_model_train(now=RECEIVED - dt.timedelta(days=1)) is None
    assert SuggestModel.objects.count() == 1


def test_cases_older_than_the_window_are_left_out(org, closed_cases, settings):
    settings.CASESYS_SUGGEST = {**settings.CASESYS_SUGGEST, "YEARS": 1}
    assert suggest_model_train(now=TRAINED_AT + dt.timedelta(days=400)) is None


def test_open_confidential_and_catch_all_cases_teach_or_show_nothing(org, closed_cases, categories):
    from tests.factories import new_case

    # An open case does not count; a confidential one counts but is never shown as similar.
    new_case(org, by=org.intake, channel="phone", category=categories["LIGHT-OUT"], subject="路燈不亮", description="路燈不亮")
    secret = closed_cases["LIGHT-OUT"][0]
    Case.objects.filter(pk=secret.pk).update(confidential=True)
    # Chat cases keep the catch-all category until intake routes them: not a category to learn.
    chat = closed_cases["ENV-NOISE"][0]
    Case.objects.filter(pk=chat.pk).update(category=org.mailbox)
    model = suggest_model_train(now=TRAINED_AT)
    assert model.cases == 41 and model.categories == 6
    clf = Classifier.loads(model.data)
    assert org.mailbox.pk not in clf.classes
    exemplar_ids = {row[0] for rows in clf.exemplars.values() for row in rows}
    assert secret.pk not in exemplar_ids
    light = suggest_for(subject=secret.subject, description=secret.description, user=org.admin)[0]
    assert light.category.code == "LIGHT-OUT" and secret.number not in {s.number for s in light.similar}


def test_training_keeps_the_last_models_only(org, closed_cases):
    for _ in range(KEEP_MODELS + 2):
        suggest_model_train(now=TRAINED_AT)
    assert SuggestModel.objects.count() == KEEP_MODELS


def test_too_few_cases_train_nothing(org, closed_cases, settings):
    settings.CASESYS_SUGGEST = {**settings.CASESYS_SUGGEST, "MIN_CASES": 100}
    assert suggest_model_train(now=TRAINED_AT) is None
    assert not SuggestModel.objects.exists()


def test_the_task_trains(org, closed_cases, monkeypatch):
    from casesys.suggest import tasks

    monkeypatch.setattr(tasks, "suggest_model_train", lambda: suggest_model_train(now=TRAINED_AT))
    out = tasks.retrain_suggest_model()
    assert out["trained"] and out["cases"] == 42


def test_nightly_retraining_is_in_the_default_schedule():
    from django_celery_beat.models import PeriodicTask

    from workers.celery import app
    from workers.schedule import DEFAULT_SCHEDULE, sync_schedule

    entry = next(e for e in DEFAULT_SCHEDULE if e["task"] == "casesys.suggest.tasks.retrain_suggest_model")
    minute, hour, *rest = entry["crontab"].split()
    assert 0 <= int(hour) <= 5 and rest == ["*", "*", "*"]  # every night, before office hours
    app.loader.import_default_modules()
    assert "casesys.suggest.tasks.retrain_suggest_model" in app.tasks
    sync_schedule()
    row = PeriodicTask.objects.get(task="casesys.suggest.tasks.retrain_suggest_model")
    assert row.crontab.hour == hour and row.crontab.minute == minute and row.enabled


# --- manage.py suggest_eval ------------------------------------------------------------------


def test_suggest_eval_reports_top1_and_top3(org, closed_cases):
    # The last complaint of each category was received after the cut-off: it is the test set.
    cut = RECEIVED + dt.timedelta(hours=36)
    late = Case.objects.filter(received_at__gte=cut).count()
    assert 0 < late < 42
    out = io.StringIO()
    call_command("suggest_eval", "--cutoff", cut.date().isoformat(), stdout=out)
    text = out.getvalue()
    assert "top-1 accuracy:" in text and "top-3 accuracy:" in text
    assert f"tested on {Case.objects.filter(received_at__gte=dt.datetime.combine(cut.date(), dt.time(), cut.tzinfo)).count()}" in text
    assert not SuggestModel.objects.exists()  # an evaluation stores nothing


@pytest.mark.parametrize("argv, message", [
    (["--cutoff", "2026-13-01"], "--cutoff must be YYYY-MM-DD"),
    (["--cutoff", "yesterday"], "--cutoff must be YYYY-MM-DD"),
    (["--cutoff", "2026-01-10", "--years", "0"], "--years must be between 1 and 30"),
    (["--cutoff", "2026-01-10", "--limit", "0"], "--limit must be at least 1"),
])
def test_suggest_eval_refuses_bad_input_clearly(db, argv, message):
    with pytest.raises(CommandError, match=message):
        call_command("suggest_eval", *argv)


def test_suggest_eval_says_when_there_is_nothing_to_learn_or_test(org, closed_cases):
    with pytest.raises(CommandError, match="No closed cases before 2025-01-01"):
        call_command("suggest_eval", "--cutoff", "2025-01-01")
    with pytest.raises(CommandError, match="No closed cases from 2026-06-01 on"):
        call_command("suggest_eval", "--cutoff", "2026-06-01")
