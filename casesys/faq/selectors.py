"""Reads of the FAQ: the public list and its search, the mailbox's suggestions, the reply
templates an officer may pick, and the deflection report.

Search runs in Python over the published entries (an FAQ has tens or hundreds of them): the
query as typed and converted Simplified → Traditional (`staff_search.text_variants`, as the
staff search does), matched as a substring of the question or answer, else by the share of
its 2-character pieces found in the question and answer.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, Min, Q, QuerySet
from django.utils import timezone

from casesys.cases.search import normalise_query, text_bigrams
from casesys.cases.staff_search import text_variants
from casesys.faq.models import PUBLISHED, FaqEntry, FaqProposal, MailboxFaqView, MailboxVisit

_WORD = re.compile(r"[a-z0-9]{2,}")
# Pieces of how a question is asked, not what it is about: never enough for a suggestion.
_ASKING = frozenset(
    "請問 問要 要怎 怎麼 麼辦 怎樣 如何 要如 什麼 為什 麼時 多久 哪裡 哪些 可以 可否 能否 是否 需要 我要 我家 "
    "我們 你們 您好 謝謝 一直 已經 還是 還沒 沒有 有人 請求 希望 處理 問題 反映 市府 政府 市長".split()
)


def faq_setting(name: str):
    return settings.CASESYS_FAQ[name]


def published_entries() -> QuerySet[FaqEntry]:
    return FaqEntry.objects.filter(status=PUBLISHED).select_related("category", "category__parent")


def entry_text(entry: FaqEntry, *, english: bool) -> tuple[str, str]:
    """(question, answer) in the reader's language: English only where the entry has it."""
    if english:
        return entry.question_en, entry.answer_en
    return entry.question, entry.answer


def _score(query_variants: list[str], query_bigrams: set[str], words: list[str], text: str, title: str) -> float:
    low, title_low = text.lower(), title.lower()
    if any(v.lower() in title_low for v in query_variants):
        return 3.0
    if any(v.lower() in low for v in query_variants):
        return 2.0
    if words and all(w in low for w in words):
        return 1.5
    if not query_bigrams:
        return 0.0
    have = text_bigrams(low)
    return len(query_bigrams & have) / len(query_bigrams)


def _variant_bigrams(variants: list[str]) -> set[str]:
    grams: set[str] = set()
    for v in variants:
        # Only pieces with a Chinese character: English is matched by whole words.
        grams |= {g for g in text_bigrams(v) if not g.isascii()}
    return grams


def search_entries(entries: list[FaqEntry], q: str, *, english: bool, min_share: float | None = None) -> list[FaqEntry]:
    """The entries that match `q`, best first (ties: the list's order)."""
    q = normalise_query(q)
    if not q:
        return list(entries)
    variants = text_variants(q)
    grams = _variant_bigrams(variants)
    words = _WORD.findall(q.lower())
    threshold = faq_setting("SEARCH_MIN_SHARE") if min_share is None else min_share
    scored = []
    for i, entry in enumerate(entries):
        question, answer = entry_text(entry, english=english)
        if not question:
            continue
        s = _score(variants, grams, words, f"{question}\n{answer}", question)
        if s >= threshold:
            scored.append((-s, i, entry))
    scored.sort(key=lambda t: (t[0], t[1]))
    return [e for _, _, e in scored]


@dataclass
class CategoryGroup:
    category: object
    entries: list[FaqEntry]


def public_faq(*, q: str = "", english: bool) -> dict:
    """The public page: entries in the reader's language, grouped by category (a
    subcategory's entries under their main category), matching `q` when given."""
    entries = list(published_entries().order_by("category__code", "question", "pk"))
    in_language = [e for e in entries if e.has_english] if english else entries
    hidden = len(entries) - len(in_language)
    found = search_entries(in_language, q, english=english) if normalise_query(q) else in_language
    groups: dict[int, CategoryGroup] = {}
    for entry in found:
        top = entry.category.parent or entry.category
        groups.setdefault(top.pk, CategoryGroup(category=top, entries=[])).entries.append(entry)
    ordered = sorted(groups.values(), key=lambda g: g.category.code) if not normalise_query(q) else list(groups.values())
    return {"groups": ordered, "count": len(found), "total": len(in_language), "only_chinese": hidden}


def public_entry(pk: int, *, english: bool) -> FaqEntry | None:
    entry = published_entries().filter(pk=pk).first()
    if entry is None or (english and not entry.has_english):
        return None
    return entry


def mailbox_matches(subject: str, *, english: bool, limit: int | None = None) -> list[FaqEntry]:
    """Published entries that match what a citizen is typing as the subject of a letter.

    A subject is a sentence, not keywords (我家巷口路燈一直閃), so only its informative pieces
    count: 2-character pieces that occur in some entry's question but in at most a third of
    them, and are not how a question is asked (怎麼, 請問, 多少). An entry matches when the typed
    text (or its Traditional form) is part of it, or its question holds `MAILBOX_MIN_SHARE` of
    those pieces;
    in English, when it holds every word of two or more letters."""
    subject = normalise_query(subject)
    if len(subject) < 2:
        return []
    limit = limit or faq_setting("MAILBOX_SUGGESTIONS")
    entries = [e for e in published_entries() if not english or e.has_english]
    texts = []
    for e in entries:
        question, answer = entry_text(e, english=english)
        texts.append((e, question.lower(), f"{question}\n{answer}".lower()))
    # Pieces of the questions only: an answer's incidental words (申請, 電纜) are not its topic.
    grams_of = {e.pk: text_bigrams(question) for e, question, _ in texts}
    df: dict[str, int] = {}
    for grams in grams_of.values():
        for g in grams:
            df[g] = df.get(g, 0) + 1
    variants = text_variants(subject)
    common = max(1, len(entries) // 3)
    informative = {g for g in _variant_bigrams(variants) if 0 < df.get(g, 0) <= common and g not in _ASKING}
    words = _WORD.findall(subject.lower())
    share = faq_setting("MAILBOX_MIN_SHARE")
    scored = []
    for i, (e, question, full) in enumerate(texts):
        if any(v.lower() in question for v in variants):
            s = 3.0
        elif any(v.lower() in full for v in variants):
            s = 2.0
        elif words and all(w in full for w in words):
            s = 1.5
        elif informative:
            s = len(informative & grams_of[e.pk]) / len(informative)
        else:
            s = 0.0
        if s > 0 and s >= share:
            scored.append((-s, i, e))
    scored.sort(key=lambda t: (t[0], t[1]))
    return [e for _, _, e in scored[:limit]]


def reply_template_entries(case) -> list[FaqEntry]:
    """Published entries an officer may start a reply from: the case's category, its main
    category and that category's subcategories."""
    cat = case.category
    top_id = cat.parent_id or cat.pk
    return list(
        FaqEntry.objects.filter(status=PUBLISHED)
        .filter(Q(category_id=top_id) | Q(category__parent_id=top_id))
        .order_by("question", "pk")
    )


TEMPLATE_PREFIX = "faq-"


def reply_template_choices(case) -> list[tuple[str, str]]:
    """The reply-template picker's FAQ options: ("faq-<id>", "常見問題：<question>")."""
    from casesys.web.i18n import is_english, tr

    english = is_english()
    label = tr("常見問題：", "FAQ: ")
    return [
        (f"{TEMPLATE_PREFIX}{e.pk}", label + (e.question_en if english and e.has_english else e.question))
        for e in reply_template_entries(case)
    ]


def reply_template_text(case, value: str) -> str:
    """The answer of the picked entry, in the petitioner's language when the entry has it."""
    raw = (value or "").removeprefix(TEMPLATE_PREFIX)
    if not value.startswith(TEMPLATE_PREFIX) or not raw.isdigit():
        return ""
    entry = next((e for e in reply_template_entries(case) if e.pk == int(raw)), None)
    if entry is None:
        return ""
    if getattr(case, "language", "zh") == "en" and entry.has_english:
        return entry.answer_en
    return entry.answer


# --- deflection ------------------------------------------------------------------------------


def _period(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    tz = timezone.get_current_timezone()
    lo = timezone.make_aware(dt.datetime.combine(start, dt.time.min), tz)
    hi = timezone.make_aware(dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min), tz)
    return lo, hi


def deflection_report(*, start: dt.date, end: dt.date, now: dt.datetime | None = None) -> dict:
    """Mailbox visits whose first FAQ view falls in the period: those that then sent a
    letter within the window (`DEFLECTION_HOURS`, 24), those that did not (deflected), and
    those still inside the window (pending). Per entry, every visit that opened it counts."""
    now = now or timezone.now()
    window = dt.timedelta(hours=faq_setting("DEFLECTION_HOURS"))
    lo, hi = _period(start, end)
    visits = (
        MailboxVisit.objects.annotate(first_view=Min("views__viewed_at"))
        .filter(first_view__gte=lo, first_view__lt=hi)
        .values("pk", "first_view", "submitted_at")
    )
    outcome: dict[int, str] = {}
    for v in visits:
        first, sent = v["first_view"], v["submitted_at"]
        if sent is not None and sent <= first + window:
            outcome[v["pk"]] = "submitted"
        elif first + window <= now:
            outcome[v["pk"]] = "deflected"
        else:
            outcome[v["pk"]] = "pending"
    per_entry: dict[int, dict] = {}
    rows = MailboxFaqView.objects.filter(visit_id__in=list(outcome)).values_list("entry_id", "visit_id")
    for entry_id, visit_id in rows:
        row = per_entry.setdefault(entry_id, {"views": 0, "submitted": 0, "deflected": 0, "pending": 0})
        row["views"] += 1
        row[outcome[visit_id]] += 1
    entries = {e.pk: e for e in FaqEntry.objects.filter(pk__in=list(per_entry)).select_related("category")}
    table = []
    for entry_id, row in per_entry.items():
        decided = row["submitted"] + row["deflected"]
        table.append({"entry": entries[entry_id], **row, "rate": round(100 * row["deflected"] / decided, 1) if decided else None})
    table.sort(key=lambda r: (-r["deflected"], -r["views"], r["entry"].pk))
    totals = {k: sum(1 for o in outcome.values() if o == k) for k in ("submitted", "deflected", "pending")}
    decided = totals["submitted"] + totals["deflected"]
    totals["visits"] = len(outcome)
    totals["rate"] = round(100 * totals["deflected"] / decided, 1) if decided else None
    return {"rows": table, "totals": totals, "hours": faq_setting("DEFLECTION_HOURS")}


def desk_entries(status: str) -> QuerySet[FaqEntry]:
    return FaqEntry.objects.filter(status=status).select_related("category", "edited_by").order_by("category__code", "question", "pk")


def desk_entry(pk: int) -> FaqEntry | None:
    return FaqEntry.objects.select_related("category", "edited_by", "reviewed_by").filter(pk=pk).first()


def open_proposals() -> QuerySet[FaqProposal]:
    return FaqProposal.objects.filter(status=FaqProposal.Status.OPEN).select_related("category", "category__parent")


def entry_counts_by_status() -> dict[str, int]:
    return dict(FaqEntry.objects.values_list("status").annotate(n=Count("pk")).values_list("status", "n"))
