"""The citizen portal: 首長信箱 form, status lookup, signed links from notices, 補充陳情,
忘記密碼 and the satisfaction survey."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from casesys.cases.citizen_links import LinkProblem, Purpose, check_token
from casesys.cases.models import Case, Category
from casesys.cases.numbering import check_case_password
from casesys.cases.supplements import CLOSED_MESSAGE as CLOSED_SUPPLEMENT
from casesys.cases.supplements import CaseNotOpen, case_supplement_add
from casesys.common.limits import (
    client_ident,
    lookup_limiter,
    mailbox_limiter,
    minutes,
    password_resend_limits,
    supplement_limits,
)
from casesys.notifications.citizen import case_password_resend
from casesys.web import citizen_session
from casesys.web.forms import (
    MailboxForm,
    PasswordResendForm,
    StatusLookupForm,
    SupplementForm,
    SurveyForm,
)
from casesys.web.i18n import is_english, pick, tr
from casesys.web.services import case_survey_submit, mailbox_submit, survey_open
from casesys.web.views.common import apply_errors, not_found

# Spam protection without outside services: per-address limits (casesys/common/limits.py) plus a
# honeypot field.
MAILBOX_REFUSED = (
    "送出次數過多，請於 {minutes} 分鐘後再試 / "
    "Too many letters from your connection; please try again in {minutes} minutes."
)
LOOKUP_REFUSED = (
    "查詢錯誤次數過多，請於 {minutes} 分鐘後再試 / Too many wrong attempts; please try again in {minutes} minutes."
)
SUPPLEMENT_REFUSED = (
    "補充次數過多，請於 {minutes} 分鐘後再試 / Too many additions; please try again in {minutes} minutes."
)
RESEND_REFUSED = (
    "申請次數過多，請於 {minutes} 分鐘後再試 / Too many requests; please try again in {minutes} minutes."
)
# The same words whether or not the number and contact matched: no enumeration.
RESEND_DONE = (
    "若案號與聯絡資料相符，新的查詢密碼已寄至您陳情時留下的聯絡方式，原密碼即失效。"
    "若未收到，請撥打 1999 由專人協助。 / "
    "If the number and the contact details match, a new password has been sent to the contact you gave "
    "with the case, and the old one no longer works. If nothing arrives, call 1999 for help."
)
SESSION_KEY = "portal_cases"


def _dropped_files(request) -> list[str]:
    """Names of the files the browser sent: a page shown again cannot keep them chosen."""
    return [f.name for f in request.FILES.getlist("attachments") if f.name][:20]


def _refused(request, template: str, form, message: str, wait: int, extra: dict | None = None):
    form.is_valid()
    form.add_error(None, message.format(minutes=minutes(wait)))
    response = render(request, template, {"form": form, **(extra or {})}, status=429)
    response["Retry-After"] = str(wait)
    return response


def portal_home(request):
    return render(request, "web/portal/home.html")


@never_cache
def mailbox(request):
    form = MailboxForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        status = 400
        if request.POST.get("website"):
            # A bot filled the invisible field: pretend success, store nothing.
            return render(request, "web/portal/mailbox_done.html", {"number": "", "password": "", "bot": True})
        # Only accepted letters count; a form sent back with an error costs nothing.
        limiter, ident = mailbox_limiter(request)
        wait = limiter.retry_after(ident)
        if wait:
            return _refused(
                request, "web/portal/mailbox.html", form, MAILBOX_REFUSED, wait, {"dropped_files": _dropped_files(request)}
            )
        if form.is_valid():
            d = form.cleaned_data
            category = Category.objects.filter(pk=d["category"], public=True, active=True).first()
            if category is None:
                form.add_error("category", "請選擇類別 / Choose a category.")
            else:
                try:
                    result = mailbox_submit(
                        category=category,
                        subject=d["subject"],
                        description=d["description"],
                        petitioner={"name": d["name"], "phone": d.get("phone"), "email": d.get("email")},
                        location={
                            "address": d.get("address"), "district": d.get("district"),
                            "lat": d.get("lat"), "lng": d.get("lng"),
                        },
                        confidential=d.get("confidential", False),
                        files=d.get("attachments") or [],
                        language="en" if is_english() else "zh",
                    )
                except ValidationError as exc:
                    apply_errors(form, exc)
                else:
                    limiter.record(ident)
                    # FAQ deflection: this browser's mailbox visit sent its letter (casesys/faq/visits.py).
                    from casesys.faq.visits import record_submitted

                    record_submitted(request)
                    # Shown once, on the next page only (post/redirect/get keeps reloads harmless).
                    citizen_session.keep_once(request, {"number": result.case.number, "password": result.password})
                    _remember(request, result.case.number)
                    return redirect("web:mailbox_done")
    # A form shown again keeps what was typed, but no browser keeps a chosen file: say which.
    dropped = _dropped_files(request) if request.method == "POST" else []
    return render(request, "web/portal/mailbox.html", {"form": form, "dropped_files": dropped}, status=status)


@never_cache
def mailbox_done(request):
    data = citizen_session.take_once(request)
    if not data:
        return redirect("web:status_lookup")
    return render(request, "web/portal/mailbox_done.html", data)


def _remember(request, number: str) -> None:
    citizen_session.remember_case(request, number)


@never_cache
def status_lookup(request):
    number = (request.GET.get("number") or "").strip()[:32]
    form = StatusLookupForm(request.POST or None, initial={"number": number} if number else None)
    status = 200
    if request.method == "POST":
        status = 400
        # The same failure counter as /api/v1/track/: only wrong pairs count.
        limiter, ident = lookup_limiter(), client_ident(request)
        wait = limiter.retry_after(ident)
        if wait:
            return _refused(request, "web/portal/status_lookup.html", form, LOOKUP_REFUSED, wait)
        if form.is_valid():
            number = form.cleaned_data["number"].strip().upper()
            case = Case.objects.filter(number=number).first()
            # Same message for an unknown number and a wrong password: no case enumeration.
            if case is None or not check_case_password(form.cleaned_data["password"].strip(), case.password_hash):
                limiter.record_failure(ident)
                form.add_error(None, "案號或查詢密碼不正確 / The case number or password is wrong.")
            else:
                _remember(request, case.number)
                return redirect("web:status", number=case.number)
    return render(request, "web/portal/status_lookup.html", {"form": form}, status=status)


def _portal_case(request, number: str) -> Case | None:
    if not citizen_session.may_see(request, number):
        return None
    return Case.objects.select_related("category", "department", "merged_into").filter(number=number).first()


def _open_link(request, number: str, purpose: Purpose):
    """A link from a notice: check the token, remember the case for this browser (as a
    correct password would), then go to the plain URL so the token leaves the address bar,
    the history and any Referer at once."""
    result = check_token(request.GET.get("token", ""), number=number, purpose=purpose)
    if not result.ok:
        expired = result.problem is LinkProblem.EXPIRED
        form = StatusLookupForm(initial={"number": number[:32]})
        return render(
            request,
            "web/portal/link_invalid.html",
            {"form": form, "expired": expired, "survey": purpose is Purpose.SURVEY},
            status=410 if expired else 400,
        )
    _remember(request, result.case.number)
    target = reverse("web:status", args=[result.case.number])
    return redirect(target + ("#h-survey" if purpose is Purpose.SURVEY else ""))


@never_cache
def status_link(request, number: str):
    return _open_link(request, number, Purpose.STATUS)


@never_cache
def survey_link(request, number: str):
    return _open_link(request, number, Purpose.SURVEY)


@never_cache
def case_status(request, number: str):
    case = _portal_case(request, number)
    if case is None:
        return redirect("web:status_lookup")
    return render(request, "web/portal/status.html", _status_context(case, SurveyForm()))


@never_cache
@require_POST
def supplement(request, number: str):
    """補充陳情: the citizen's text and files for their open case, from the status page."""
    case = _portal_case(request, number)
    if case is None:
        return not_found(request)
    form = SupplementForm(request.POST, request.FILES)
    dropped = _dropped_files(request)
    if not case.is_open:
        messages.error(request, pick(CLOSED_SUPPLEMENT))
        return render(request, "web/portal/status.html", _status_context(case, SurveyForm()), status=409)
    limits = supplement_limits(request, case.number)
    wait = limits.retry_after()
    if wait:
        form.is_valid()
        form.add_error(None, SUPPLEMENT_REFUSED.format(minutes=minutes(wait)))
        ctx = _status_context(case, SurveyForm(), supplement_form=form, dropped_files=dropped)
        response = render(request, "web/portal/status.html", ctx, status=429)
        response["Retry-After"] = str(wait)
        return response
    if form.is_valid():
        try:
            case_supplement_add(case=case, text=form.cleaned_data["text"], files=form.cleaned_data["attachments"])
        except CaseNotOpen:
            messages.error(request, pick(CLOSED_SUPPLEMENT))
            case.refresh_from_db()
            return render(request, "web/portal/status.html", _status_context(case, SurveyForm()), status=409)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            limits.record()
            messages.success(request, tr("已收到您的補充資料，承辦人員會一併處理。", "Thank you: your addition is on the case and the officer has been told."))
            return redirect("web:status", number=case.number)
    ctx = _status_context(case, SurveyForm(), supplement_form=form, dropped_files=dropped)
    return render(request, "web/portal/status.html", ctx, status=400)


@never_cache
def password_forgot(request):
    """忘記密碼: a new password to the contact on record; the same answer whether it matched."""
    form = PasswordResendForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            number = form.cleaned_data["number"].strip().upper()
            limits = password_resend_limits(request, number)
            wait = limits.retry_after()
            if wait:
                return _refused(request, "web/portal/password_forgot.html", form, RESEND_REFUSED, wait)
            limits.record()
            case_password_resend(number=number, contact=form.cleaned_data["contact"])
            messages.info(request, pick(RESEND_DONE))
            return redirect(reverse("web:status_lookup") + "?" + urlencode({"number": number}))
    return render(request, "web/portal/password_forgot.html", {"form": form}, status=status)


def _status_context(case: Case, survey_form, *, supplement_form=None, dropped_files=None) -> dict:
    from casesys.cases.outcomes import case_carrier
    from casesys.cases.public_view import public_case_texts

    # A merged case is answered by the case that carried it.
    carrier = case_carrier(case)
    # Every free text through the public scrubber: whoever holds the password sees the page.
    texts = public_case_texts(case, carrier=carrier)
    return {
        "case": case,
        "texts": texts,
        "timeline": texts.timeline,
        "survey_open": survey_open(case),
        "survey_form": survey_form,
        "carrier": carrier,
        "reply": texts.reply,
        "second_replies": texts.second_replies,
        # The incident's title and public description are written for the public.
        "incident": _public_incident(case),
        # 補充陳情 only while the case is open.
        "supplement_form": (supplement_form or SupplementForm()) if case.is_open else None,
        "dropped_files": dropped_files or [],
    }


def _public_incident(case: Case):
    from casesys.incidents.models import IncidentLink

    link = IncidentLink.objects.select_related("incident").filter(case=case).first()
    return link.incident if link else None


@never_cache
@require_POST
def survey(request, number: str):
    case = _portal_case(request, number)
    if case is None:
        return not_found(request)
    form = SurveyForm(request.POST)
    if form.is_valid():
        try:
            case_survey_submit(case=case, score=form.cleaned_data["score"], comment=form.cleaned_data["comment"])
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, tr("感謝您填寫滿意度調查。", "Thank you for answering the survey."))
            return redirect("web:status", number=case.number)
    return render(request, "web/portal/status.html", _status_context(case, form), status=400)


@never_cache
@require_POST
def forget_case(request, number: str):
    """忘記此案件 / Forget this case: this browser no longer shows it without the password."""
    citizen_session.forget_case(request, number)
    messages.info(request, tr("已忘記此案件；再次查看需輸入案號與查詢密碼。", "Forgotten: enter the number and password to see it again."))
    return redirect("web:status_lookup")
