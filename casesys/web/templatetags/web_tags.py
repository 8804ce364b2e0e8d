from __future__ import annotations

from django import template
from django.utils import timezone

from casesys.web.i18n import pick, tr

register = template.Library()


@register.simple_tag
def t(zh: str, en: str) -> str:
    """{% t "中文" "English" %} – the text in the active language (auto-escaped)."""
    return tr(zh, en)


@register.filter
def bi(value) -> str:
    """'中文 / English' labels from the domain layer → the active language's half."""
    return pick(value)


@register.filter
def local(value, fmt: str = "%Y-%m-%d %H:%M") -> str:
    if not value:
        return ""
    return timezone.localtime(value).strftime(fmt)


@register.filter
def get_item(mapping, key):
    try:
        return mapping.get(key)
    except AttributeError:
        return None


EVENT_LABELS = {
    "created": ("收件", "Received"),
    "dispatched": ("分文", "Dispatched"),
    "accepted": ("簽收", "Accepted"),
    "assigned": ("指派", "Assigned"),
    "returned_to_intake": ("退回分文", "Returned to intake"),
    "reply_submitted": ("答復陳核", "Reply submitted"),
    "reply_returned": ("答復退回修正", "Reply returned"),
    "closed": ("核定結案", "Approved and closed"),
    "transferred": ("移文", "Transferred"),
    "filed": ("存查", "Filed"),
    "merged": ("併案", "Merged"),
    "merged_in": ("他案併入", "Case merged in"),
    "reopened": ("重新處理", "Reopened"),
    "extension_requested": ("申請展延", "Extension requested"),
    "extension_approved": ("展延核准", "Extension approved"),
    "extension_rejected": ("展延駁回", "Extension rejected"),
    "extension_withdrawn": ("展延申請撤回", "Extension request withdrawn"),
    "due_recomputed": ("期限重算", "Deadline recomputed"),
    "identity_revealed": ("查閱陳情人身分", "Identity revealed"),
    "note_added": ("新增內部註記", "Internal note added"),
    "surveyed": ("滿意度調查", "Survey answered"),
    "contact_done": ("已電話/書面通知陳情人", "Petitioner told by phone or letter"),
    "follow_up_opened": ("不滿意回訪待辦", "Follow-up opened"),
    "follow_up_callback": ("回訪：已電話聯繫", "Follow-up: called back"),
    "second_reply": ("回訪：再次答復", "Follow-up: second reply"),
    "incident_linked": ("併入事件", "Linked to an incident"),
    "incident_unlinked": ("自事件移除", "Removed from an incident"),
    # co-handling (casesys.cohandling)
    "co_handlers_added": ("加入協辦單位", "Co-handlers added"),
    "multi_department_deadline": ("多單位協辦期限", "Multi-department deadline"),
    "part_accepted": ("協辦簽收", "Part accepted"),
    "part_assigned": ("指派協辦人", "Part assigned"),
    "part_reply_submitted": ("協辦答復陳核", "Part reply submitted"),
    "part_reply_returned": ("協辦答復退回修正", "Part reply returned"),
    "part_done": ("協辦完成", "Part done"),
    "part_returned": ("協辦退回主辦", "Part returned to the lead"),
    "part_released": ("同意免協辦", "Part released"),
    "part_reimposed": ("仍請協辦", "Part re-imposed"),
    "part_withdrawn": ("撤銷協辦", "Part withdrawn"),
}


@register.filter
def event_label(kind: str) -> str:
    zh, en = EVENT_LABELS.get(kind, (kind, kind))
    return tr(zh, en)


@register.filter
def state_label(value: str) -> str:
    from casesys.cases.models import State

    if not value:
        return ""
    try:
        return pick(State(value).label)
    except ValueError:
        return value


@register.filter
def name_of(obj) -> str:
    """A category's or department's name in the active language (English when it has one)."""
    if obj is None:
        return ""
    from casesys.web.i18n import is_english

    if is_english() and getattr(obj, "name_en", ""):
        return obj.name_en
    return getattr(obj, "name", str(obj))
