"""Celery task of the category suggestion. Thin: it calls the training service."""

from __future__ import annotations

from celery import shared_task

from casesys.suggest.services import suggest_model_train


@shared_task(name="casesys.suggest.tasks.retrain_suggest_model")
def retrain_suggest_model() -> dict:
    model = suggest_model_train()
    if model is None:
        return {"trained": False}
    return {"trained": True, "cases": model.cases, "categories": model.categories, "seconds": model.seconds}
