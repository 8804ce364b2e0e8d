"""Reads for the category suggestion: the training cases, the model in use, suggestions.

`suggest_for` never raises and never waits on training: no model yet gives no suggestion,
and any error is logged (its type only: no text of the complaint) and gives none either, so
intake works the same with or without it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.conf import settings

from casesys.cases.models import Case, Category, State
from casesys.suggest.classifier import Classifier, TrainingCase
from casesys.suggest.models import SuggestModel

logger = logging.getLogger("casesys.suggest")

# How often a process looks for a newer model (one indexed query).
RECHECK_SECONDS = 60
# Similar past cases shown per suggested category, of the exemplars the viewer may see.
SIMILAR_SHOWN = 2
SIMILAR_CONSIDERED = 10


def config() -> dict:
    return settings.CASESYS_SUGGEST


def excluded_category_codes() -> set[str]:
    """Categories that say nothing about the matter: the catch-all of chat-opened cases."""
    code = getattr(settings, "CONNECTOR_CASE_CATEGORY", "") or ""
    return {code} if code else set()


def training_cases(*, since, until=None) -> Iterator[TrainingCase]:
    """Answered (closed) cases received in [since, until), newest closure first, in active
    categories other than the catch-all. Read in chunks: a decade may be millions."""
    rows = Case.objects.filter(state=State.CLOSED, received_at__gte=since, category__active=True)
    if until is not None:
        rows = rows.filter(received_at__lt=until)
    rows = (
        rows.exclude(category__code__in=excluded_category_codes())
        .order_by("-closed_at", "-pk")
        .values_list("pk", "category_id", "subject", "description", "confidential")
    )
    for pk, category_id, subject, description, confidential in rows.iterator(chunk_size=5000):
        yield TrainingCase(pk, category_id, f"{subject}\n{description}", showable=not confidential)


_CACHE: dict = {"checked": 0.0, "id": None, "classifier": None}
_LOCK = threading.Lock()


def current_classifier() -> Classifier | None:
    """The newest stored model, loaded once per process and re-checked every minute."""
    now = time.monotonic()
    if now - _CACHE["checked"] < RECHECK_SECONDS:
        return _CACHE["classifier"]
    with _LOCK:
        if now - _CACHE["checked"] < RECHECK_SECONDS:
            return _CACHE["classifier"]
        newest = SuggestModel.objects.order_by("-trained_at", "-pk").values_list("pk", flat=True).first()
        if newest != _CACHE["id"]:
            blob = SuggestModel.objects.filter(pk=newest).values_list("data", flat=True).first() if newest else None
            _CACHE["classifier"] = Classifier.loads(blob) if blob is not None else None
            _CACHE["id"] = newest if blob is not None else None
        _CACHE["checked"] = now
    return _CACHE["classifier"]


def forget_classifier() -> None:
    """Drop the process's cached model (after training here, and in tests)."""
    _CACHE.update(checked=0.0, id=None, classifier=None)


@dataclass
class SimilarCase:
    number: str
    subject: str


@dataclass
class CategorySuggestion:
    category: Category
    percent: int
    # Closed cases of the category the model learned from.
    cases: int = 0
    similar: list[SimilarCase] = field(default_factory=list)

    @property
    def confident(self) -> bool:
        return self.percent >= config()["CONFIDENT_PERCENT"]


def suggest_for(*, subject: str, description: str = "", user=None, public_only: bool = False, k: int = 3) -> list[CategorySuggestion]:
    """The k likeliest active categories for a complaint, best first (empty: no model, no
    text, or an error). With `user` (staff), each comes with similar past cases that user may
    see; without (the mailbox), none: citizens see a category, never other cases."""
    text = f"{subject or ''}\n{description or ''}".strip()
    if not text:
        return []
    try:
        return _suggest(text, user=user, public_only=public_only, k=k)
    except Exception as exc:  # noqa: BLE001 - a suggestion must never break intake
        logger.warning("category suggestion failed: %s", type(exc).__name__)
        return []


def _suggest(text: str, *, user, public_only: bool, k: int) -> list[CategorySuggestion]:
    classifier = current_classifier()
    if classifier is None:
        return []
    # A few spare: categories made inactive (or not public, for the mailbox) since training.
    predictions = classifier.predict(text[:5000], k + 5, explain=SIMILAR_CONSIDERED if user is not None else 0)
    qs = Category.objects.filter(pk__in=[p.category_id for p in predictions], active=True)
    if public_only:
        qs = qs.filter(public=True)
    categories = {c.pk: c for c in qs.select_related("parent", "department")}
    out = [
        CategorySuggestion(category=categories[p.category_id], percent=int(p.probability * 100), cases=p.cases)
        for p in predictions
        if p.category_id in categories
    ][:k]
    if user is not None and out:
        _attach_similar(out, predictions, user)
    return out


def _attach_similar(out: list[CategorySuggestion], predictions, user) -> None:
    """Similar past cases by number and subject, only those the user may see (never a
    confidential one: it was not kept as an exemplar)."""
    from casesys.cases.selectors import cases_visible_to

    wanted = {p.category_id: p.similar for p in predictions}
    ids = [i for s in out for i in wanted.get(s.category.pk, ())]
    if not ids:
        return
    visible = dict(
        (pk, SimilarCase(number, subject))
        for pk, number, subject in cases_visible_to(user).filter(pk__in=ids, confidential=False).values_list("pk", "number", "subject")
    )
    for s in out:
        mine = wanted.get(s.category.pk, ())
        s.similar = [visible[i] for i in mine if i in visible][:SIMILAR_SHOWN]
