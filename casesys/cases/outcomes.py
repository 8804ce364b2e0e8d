"""What a petitioner may be told about how their case ended: filing texts, merges.

Two rules keep one petitioner's matter out of another's hands:

- a repeat (重複陳情) cites the earlier reply's date and number, and carries its text, only
  when the earlier case is the same petitioner's (`is_same_petitioner`);
- a merged case shows, and is sent, the reply of the case that carried it (`case_carrier`):
  the merge made that reply the answer to both.
"""

from __future__ import annotations

from django.db.models import Q
from django.utils import timezone

from casesys.cases.models import Case, Petitioner, State
from casesys.cases.selectors import petitioner_match_q

# Merges may chain (A into B, B into C); no real chain is this deep, and the bound keeps a
# corrupt cycle from looping.
MAX_MERGE_DEPTH = 10

FILED_REASON_WORDS = {
    "no_content": (
        "陳情內容未具體指明事項，依規定存查。",
        "The petition names no concrete matter, so it is filed for reference.",
    ),
    "no_identity": (
        "陳情未具真實姓名或聯絡方式，依規定存查。",
        "The petition gives no real name or contact, so it is filed for reference.",
    ),
    "repeat": (
        "本案為已答復事項之重複陳情，依規定存查。",
        "This is a repeat of a matter already answered, so it is filed for reference.",
    ),
}


def filed_reason_words(code: str) -> tuple[str, str]:
    return FILED_REASON_WORDS.get(code, ("依規定存查。", "Filed for reference."))


def is_same_petitioner(case: Case, earlier: Case) -> bool:
    """The earlier case is this petitioner's own: the same row, or a matching normalised
    phone, e-mail or connector address (a chat id) of its petitioner or of a co-petitioner merged into it
    (who received its reply too). An anonymous case matches nobody."""
    pet = case.petitioner
    if pet is None:
        return False
    earlier_people = Petitioner.objects.filter(Q(cases=earlier) | Q(co_cases=earlier))
    return earlier_people.filter(petitioner_match_q([pet])).exists()


def filed_reply_text(*, case: Case, reason_code: str, repeat_of: Case | None) -> str:
    """The text a filed case shows its petitioner (status page, API, notice)."""
    zh, en = filed_reason_words(reason_code)
    if reason_code != "repeat" or repeat_of is None:
        return f"{zh}\n{en}"
    if is_same_petitioner(case, repeat_of):
        closed = timezone.localtime(repeat_of.closed_at)
        return (
            f"本案與 {closed:%Y-%m-%d} 案號 {repeat_of.number} 陳情內容相同，已於該案答復。\n"
            f"This matter was answered on {closed:%Y-%m-%d} in case {repeat_of.number}.\n\n{repeat_of.reply}"
        )
    # Another person's case: its reply is their personal correspondence, so none of it is
    # copied. The number and date of their case are not personal data as such, but they let
    # whoever holds this case's password connect it to someone else's; left out too, to be safe.
    return (
        "本案與本機關已答復之陳情事項相同，依規定存查，不另行答復。\n"
        "This matter is the same as one we have already answered; it is filed for reference "
        "without a separate reply."
    )


def case_carrier(case: Case) -> Case | None:
    """For a merged case, the case that carries it now (the end of the merge chain)."""
    if case.state != State.MERGED or not case.merged_into_id:
        return None
    carrier = case
    for _ in range(MAX_MERGE_DEPTH):
        if carrier.state != State.MERGED or not carrier.merged_into_id:
            break
        carrier = Case.objects.select_related("category", "department").get(pk=carrier.merged_into_id)
    return carrier if carrier.pk != case.pk else None


def merged_into_chain(case: Case) -> list[Case]:
    """Every case merged into `case`, directly or through another merged case."""
    found: list[Case] = []
    level = [case.pk]
    seen = {case.pk}
    for _ in range(MAX_MERGE_DEPTH):
        children = [
            c
            for c in Case.objects.filter(merged_into_id__in=level, state=State.MERGED)
            .select_related("petitioner", "category")
            .order_by("pk")
            if c.pk not in seen
        ]
        if not children:
            break
        found.extend(children)
        seen.update(c.pk for c in children)
        level = [c.pk for c in children]
    return found


def public_reply(case: Case) -> str | None:
    """The reply the citizen may read for this case: its own once closed or filed, or, for a
    merged case, the reply of the case that carried it once that one is closed."""
    if case.state in (State.CLOSED, State.FILED):
        return case.reply or None
    carrier = case_carrier(case)
    if carrier is not None and carrier.state == State.CLOSED:
        return carrier.reply or None
    return None
