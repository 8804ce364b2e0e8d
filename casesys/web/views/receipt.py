"""收件回執 / 一次告知單: the printable receipt for a case registered by phone or at the counter.

The case password is stored only as a hash. Its clear text exists once, when intake registers
the case; `remember_password` keeps it in the registering officer's own server-side session for
`RECEIPT_PASSWORD_MINUTES`, for that case only, so the receipt printed right after intake can
show it. Later, or in another session, the receipt is printed without it and says that the
password was told at intake; a petitioner who lost it gets a new one from staff
(`case_password_reissue`: the old password stops working, an audited event records who did it).
The page is rendered in the petitioner's language (`Case.language`).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.views.decorators.http import require_POST

from casesys.cases import services
from casesys.cases.models import Channel, Language, SlaUnit
from casesys.cases.selectors import case_get_visible
from casesys.org.models import Role
from casesys.org.roles import roles_of
from casesys.web.i18n import tr
from casesys.web.views.common import not_found, staff_required

RECEIPT_CHANNELS = (Channel.PHONE, Channel.WALK_IN)
RECEIPT_PASSWORD_MINUTES = 30
# Who may issue a new password (analysts only read).
REISSUE_ROLES = (Role.INTAKE, Role.OFFICER, Role.SUPERVISOR, Role.ADMIN)
_SESSION_KEY = "receipt_passwords"
_KEEP = 5  # the last few registrations of this officer, no more
UI_LANGUAGE = {Language.ZH: "zh-hant", Language.EN: "en"}


def offers_receipt(case) -> bool:
    return case.channel in RECEIPT_CHANNELS


def remember_password(request, *, number: str, password: str, now: dt.datetime | None = None) -> None:
    """Right after intake: the clear password, for this officer's receipt of this case only."""
    now = now or timezone.now()
    kept = _fresh(request.session.get(_SESSION_KEY) or {}, now)
    kept[number] = {"password": password, "until": (now + dt.timedelta(minutes=RECEIPT_PASSWORD_MINUTES)).isoformat()}
    # Oldest first (insertion order): keep only the latest few.
    request.session[_SESSION_KEY] = dict(list(kept.items())[-_KEEP:])


def remembered_password(request, *, number: str, now: dt.datetime | None = None) -> str:
    kept = _fresh(request.session.get(_SESSION_KEY) or {}, now or timezone.now())
    if kept != request.session.get(_SESSION_KEY, {}):
        request.session[_SESSION_KEY] = kept  # drop expired passwords as soon as they are seen
    entry = kept.get(number)
    return entry["password"] if entry else ""


def _fresh(kept: dict, now: dt.datetime) -> dict:
    out = {}
    for number, entry in kept.items():
        try:
            until = dt.datetime.fromisoformat(entry["until"])
        except (KeyError, TypeError, ValueError):
            continue
        if until > now:
            out[number] = entry
    return out


def handling_period(case) -> tuple[str, str]:
    """The handling period of the case's own frozen rule, in Chinese and in English."""
    n = case.sla_value
    if case.sla_unit == SlaUnit.HOURS:
        return f"{n} 小時（自收件時起算）", f"{n} hour{'s' if n != 1 else ''} from receipt"
    if case.sla_unit == SlaUnit.CALENDAR_DAYS:
        return (
            f"{n} 日（日曆天，期間末日為休息日者順延）",
            f"{n} calendar day{'s' if n != 1 else ''} (a period ending on a day off ends on the next working day)",
        )
    return (
        f"{n} 個工作天（自收件次一工作天起算）",
        f"{n} working day{'s' if n != 1 else ''}, counted from the working day after receipt",
    )


@staff_required(*REISSUE_ROLES)
@require_POST
def case_password_reissue(request, number: str):
    """Staff issue a new password (the petitioner lost theirs); audited, shown on the receipt."""
    case = case_get_visible(user=request.user, number=number)
    if case is None or not offers_receipt(case):
        return not_found(request)
    password = services.case_password_reissue(case=case, by=request.user)
    remember_password(request, number=case.number, password=password)
    messages.success(
        request,
        tr(f"已重新發給 {case.number} 的查詢密碼，原密碼已失效", f"A new password was issued for {case.number}; the old one no longer works"),
    )
    return redirect("web:case_receipt", number=case.number)


@staff_required()
def case_receipt(request, number: str):
    case = case_get_visible(user=request.user, number=number)
    if case is None:
        return not_found(request)
    if not offers_receipt(case):
        return not_found(request)
    period_zh, period_en = handling_period(case)
    context = {
        "case": case,
        "password": remembered_password(request, number=case.number),
        "password_minutes": RECEIPT_PASSWORD_MINUTES,
        "period_zh": period_zh,
        "period_en": period_en,
        "status_url": request.build_absolute_uri(reverse("web:status_lookup")),
        "survey_days": settings.CASESYS["SURVEY_WINDOW_DAYS"],
        "max_case_days": settings.CASESYS["MAX_CASE_CALENDAR_DAYS"],
        "may_reissue": bool(roles_of(request.user) & set(REISSUE_ROLES)),
    }
    with translation.override(UI_LANGUAGE.get(case.language, "zh-hant")):
        response = render(request, "web/desk/receipt.html", context)
    response["Cache-Control"] = "no-store"  # may carry the password: never kept by the browser
    return response

