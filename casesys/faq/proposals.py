"""FAQ drafts proposed from the agency's frequent questions (docs/faq.md).

Closed (answered and approved) cases of the last `PROPOSAL_MONTHS` months, per category, are
grouped by their subjects. Only the 2-character pieces that recur in the category (in at least
`PROPOSAL_MIN_CASES` subjects) count, so a street name does not split 路燈不亮 reports; a case
joins the group whose first subject shares the most of those pieces (overlap coefficient |A∩B| / min(|A|, |B|) ≥ `PROPOSAL_SIMILARITY`, and at
least two pieces), else starts a group. A group of `PROPOSAL_MIN_CASES` or more cases becomes a
proposal: its most typical subject as the question, and its most common approved reply — each
case's own number and subject taken out before counting — as the answer, with personal data
masked (`identity.scrub_public`, the one scrubber for public text).

A group is recognised on later runs by its signature (the pieces most of its subjects share):
an open proposal is refreshed, one accepted or discarded is never proposed again, and a group
that an existing entry of the category already answers is skipped.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from casesys.cases.identity import scrub_public
from casesys.cases.models import Case, State
from casesys.cases.search import text_bigrams
from casesys.faq.models import ARCHIVED, FaqEntry, FaqProposal

_NOISE = re.compile(r"[\s\d０-９.,，、。:：;；!！?？()（）\[\]【】「」『』\"'/\\\-－_~～]+")
_NUMBER_REF = re.compile(r"[ \t]*[（(]\s*(?:案號|case(?: number)?|no\.?)\s*[:：]?\s*\{number\}\s*[）)]", re.IGNORECASE)
SAMPLES = 5
MEDOID_SAMPLE = 200


def subject_grams(subject: str) -> frozenset[str]:
    return frozenset(text_bigrams(_NOISE.sub(" ", subject or "")))


def overlap(a: frozenset[str] | set[str], b: frozenset[str] | set[str]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / min(len(a), len(b))


def _similar(a, b, threshold: float) -> bool:
    return len(a & b) >= 2 and overlap(a, b) >= threshold


@dataclass
class Group:
    category_id: int
    seed: frozenset[str]
    members: list[dict] = field(default_factory=list)

    def signature(self) -> list[str]:
        counts = Counter(g for m in self.members for g in m["grams"])
        half = len(self.members) / 2
        return sorted(g for g, n in counts.items() if n >= half) or sorted(self.seed)


def group_cases(rows: list[dict], *, threshold: float) -> list[Group]:
    """Greedy grouping of one category's cases (rows with `grams`), newest first."""
    groups: list[Group] = []
    index: dict[str, set[int]] = defaultdict(set)
    for row in rows:
        grams = row["grams"]
        if len(grams) < 2:
            continue
        candidates = set().union(*(index[g] for g in grams if g in index)) if grams else set()
        best, best_score = None, 0.0
        for gi in candidates:
            g = groups[gi]
            if _similar(grams, g.seed, threshold):
                score = overlap(grams, g.seed)
                if score > best_score:
                    best, best_score = gi, score
        if best is None:
            groups.append(Group(category_id=row["category_id"], seed=grams))
            best = len(groups) - 1
            for gram in grams:
                index[gram].add(best)
        groups[best].members.append(row)
    return groups


def _typical(members: list[dict]) -> dict:
    """The member whose subject shares the most with the others (ties: the newest)."""
    sample = members[:MEDOID_SAMPLE]
    best, best_score = sample[0], -1.0
    for m in sample:
        score = sum(overlap(m["grams"], o["grams"]) for o in sample if o is not m)
        if score > best_score:
            best, best_score = m, score
    return best


def _reply_key(row: dict) -> str:
    """The reply with what differs from case to case taken out: its number, its subject and
    the petitioner's name (replies address them: 王小明先生您好)."""
    text = row["reply"]
    if row["number"]:
        text = text.replace(row["number"], "{number}")
    if row["subject"].strip():
        text = text.replace(row["subject"].strip(), "{subject}")
    name = (row.get("petitioner__name") or "").strip()
    if len(name) >= 2:
        text = re.sub(re.escape(name) + r"\s*(?:先生|小姐|女士|君)?", "{name}", text)
    return re.sub(r"[ \t]+", " ", text).strip()


def _draft_answer(key: str, *, subject: str) -> str:
    text = _NUMBER_REF.sub("", key).replace("{number}", "").replace("{name}", "")
    return text.replace("{subject}", subject)


def _scrub_for(text: str, case_pk: int) -> str:
    case = Case.objects.select_related("petitioner").prefetch_related("co_petitioners").filter(pk=case_pk).first()
    return scrub_public(text, cases=[case])


@dataclass
class ProposalRunResult:
    created: int = 0
    refreshed: int = 0
    skipped: int = 0
    groups: int = 0


def _config(name: str, given):
    return settings.CASESYS_FAQ[name] if given is None else given


def _covered(signature: set[str], entries: list[tuple[int, frozenset[str]]], top_id: int, threshold: float) -> bool:
    return any(cat == top_id and overlap(signature, grams) >= threshold for cat, grams in entries)


def faq_proposals_refresh(
    *,
    now: dt.datetime | None = None,
    months: int | None = None,
    min_cases: int | None = None,
    threshold: float | None = None,
    per_category: int | None = None,
) -> ProposalRunResult:
    """Group the recent closed cases and create or refresh proposals (the beat task and
    `manage.py faq_propose` call this)."""
    now = now or timezone.now()
    months = _config("PROPOSAL_MONTHS", months)
    min_cases = _config("PROPOSAL_MIN_CASES", min_cases)
    threshold = _config("PROPOSAL_SIMILARITY", threshold)
    per_category = _config("PROPOSAL_MAX_CASES_PER_CATEGORY", per_category)
    since = now - dt.timedelta(days=round(months * 30.44))
    base = Case.objects.filter(state=State.CLOSED, closed_at__gte=since, closed_at__lte=now).exclude(reply="")
    category_ids = list(base.order_by().values_list("category_id", flat=True).distinct())
    result = ProposalRunResult()
    known = list(FaqProposal.objects.values("pk", "category_id", "bigrams", "status"))
    entries = [
        (e.category.parent_id or e.category_id, frozenset(e.bigrams))
        for e in FaqEntry.objects.exclude(status=ARCHIVED).select_related("category")
    ]
    for category_id in category_ids:
        rows = list(
            base.filter(category_id=category_id)
            .order_by("-closed_at", "-pk")
            .values("pk", "number", "subject", "reply", "category_id", "category__parent_id", "petitioner__name")[:per_category]
        )
        for row in rows:
            row["grams"] = subject_grams(row["subject"])
        # Only pieces that recur in the category count: what the cases are about (路燈, 不亮),
        # not the street each one names.
        df = Counter(g for row in rows for g in row["grams"])
        for row in rows:
            row["grams"] = frozenset(g for g in row["grams"] if df[g] >= min_cases)
        for group in group_cases(rows, threshold=threshold):
            if len(group.members) < min_cases:
                continue
            result.groups += 1
            signature = set(group.signature())
            top_id = group.members[0]["category__parent_id"] or category_id
            if _covered(signature, entries, top_id, threshold):
                result.skipped += 1
                continue
            match = next(
                (p for p in known if p["category_id"] == category_id and overlap(signature, set(p["bigrams"])) >= threshold),
                None,
            )
            if match is not None and match["status"] != FaqProposal.Status.OPEN:
                result.skipped += 1
                continue
            typical = _typical(group.members)
            replies = Counter(_reply_key(m) for m in group.members)
            key, reply_count = replies.most_common(1)[0]
            exemplar = next(m for m in group.members if _reply_key(m) == key)
            question = _scrub_for(typical["subject"].strip(), typical["pk"])[:200]
            answer = _scrub_for(_draft_answer(key, subject=question), exemplar["pk"])
            fields = {
                "question": question,
                "answer": answer,
                "case_count": len(group.members),
                "reply_count": reply_count,
                "sample_numbers": [m["number"] for m in group.members[:SAMPLES]],
                "bigrams": sorted(signature),
                "refreshed_at": now,
            }
            with transaction.atomic():
                if match is not None:
                    FaqProposal.objects.filter(pk=match["pk"], status=FaqProposal.Status.OPEN).update(**fields)
                    result.refreshed += 1
                else:
                    p = FaqProposal.objects.create(category_id=category_id, created_at=now, **fields)
                    known.append({"pk": p.pk, "category_id": category_id, "bigrams": fields["bigrams"], "status": p.status})
                    result.created += 1
    return result
