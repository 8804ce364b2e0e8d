"""Training the category suggestion (nightly from beat, `manage.py suggest_eval` for a check)."""

from __future__ import annotations

import datetime as dt
import logging
import time
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from casesys.suggest import selectors
from casesys.suggest.classifier import Classifier, TrainingCase, train
from casesys.suggest.models import SuggestModel

logger = logging.getLogger("casesys.suggest")

# Stored models kept (the newest is used; older ones only for comparison in the admin).
KEEP_MODELS = 3


def training_window(*, now: dt.datetime | None = None, years: int | None = None) -> tuple[dt.datetime, dt.datetime]:
    until = now or timezone.now()
    years = years or selectors.config()["YEARS"]
    return until - dt.timedelta(days=round(365.25 * years)), until


def suggest_model_train(*, now: dt.datetime | None = None, years: int | None = None) -> SuggestModel | None:
    """Learn from the closed cases of the last `years` (CASESYS_SUGGEST_YEARS) and store the
    model; None (and the previous model stays in use) when there are fewer than
    CASESYS_SUGGEST_MIN_CASES of them or fewer than two categories."""
    since, until = training_window(now=now, years=years)
    t0 = time.perf_counter()
    data = train(selectors.training_cases(since=since, until=until))
    seconds = time.perf_counter() - t0
    cases, categories = data["meta"]["cases"], len(data["classes"])
    if cases < selectors.config()["MIN_CASES"] or categories < 2:
        logger.info("suggestion model not trained: %s closed cases in %s categories", cases, categories)
        return None
    with transaction.atomic():
        model = SuggestModel.objects.create(
            trained_at=timezone.now(), since=since, until=until, cases=cases, categories=categories,
            features=data["meta"]["features"], seconds=round(seconds, 2), data=Classifier.dumps(data),
        )
        old = SuggestModel.objects.order_by("-trained_at", "-pk").values_list("pk", flat=True)[KEEP_MODELS:]
        SuggestModel.objects.filter(pk__in=list(old)).delete()
    selectors.forget_classifier()
    logger.info("suggestion model trained: %s cases, %s categories, %.1fs", cases, categories, seconds)
    return model


@dataclass
class Evaluation:
    trained: int
    tested: int
    categories: int
    top1: float
    top3: float
    train_seconds: float


def suggest_evaluate(*, cutoff: dt.datetime, years: int | None = None, test_limit: int = 20000) -> Evaluation:
    """Train on the closed cases received before `cutoff` (the last `years` of them) and
    measure on the closed cases received from it: is the right category first, or in the
    three suggested? Nothing is stored."""
    since, until = training_window(now=cutoff, years=years)
    t0 = time.perf_counter()
    data = train(selectors.training_cases(since=since, until=until), exemplars=0)
    seconds = time.perf_counter() - t0
    classifier = Classifier(data)
    later = selectors.training_cases(since=cutoff)
    tested = top1 = top3 = 0
    for case in later:
        if tested >= test_limit:
            break
        tested += 1
        got = [p.category_id for p in classifier.predict(case.text, 3)]
        top1 += bool(got) and got[0] == case.category_id
        top3 += case.category_id in got
    return Evaluation(
        trained=data["meta"]["cases"], tested=tested, categories=len(data["classes"]),
        top1=top1 / tested if tested else 0.0, top3=top3 / tested if tested else 0.0, train_seconds=seconds,
    )


__all__ = ["Evaluation", "TrainingCase", "suggest_evaluate", "suggest_model_train", "training_window"]
