"""The citizen portal: 首長信箱 form, status lookup and the satisfaction survey."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from casesys.cases.models import Case, Category
from casesys.cases.numbering import check_case_password
from casesys.web.forms import MailboxForm, StatusLookupForm, SurveyForm
from casesys.web.i18n import is_english, tr
from casesys.web.services import case_survey_submit, mailbox_submit, survey_open
from casesys.web.views.common import apply_errors, client_ip, not_found, rate_limited

# Spam protection without outside services: per-address limits plus a honeypot field.
MAILBOX_LIMIT = (5, 3600)  # 5 letters an hour per address
LOOKUP_LIMIT = (10, 600)  # 10 wrong passwords per 10 minutes per address
SESSION_KEY = "portal_cases"


def portal_home(request):
    return render(request, "web/portal/home.html")


def mailbox(request):
    form = MailboxForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        status = 400
        if request.POST.get("website"):
            # A bot filled the invisible field: pretend success, store nothing.
            return render(request, "web/portal/mailbox_done.html", {"number": "", "password": "", "bot": True})
        if rate_limited(f"mailbox:{client_ip(request)}", limit=MAILBOX_LIMIT[0], window=MAILBOX_LIMIT[1]):
            form.is_valid()
            form.add_error(None, "送出次數過多，請稍後再試 / Too many letters from your connection; please try again later.")
            return render(request, "web/portal/mailbox.html", {"form": form}, status=429)
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
                        location={"address": d.get("address"), "district": d.get("district")},
                        confidential=d.get("confidential", False),
                        files=d.get("attachments") or [],
                        language="en" if is_english() else "zh",
                    )
                except ValidationError as exc:
                    apply_errors(form, exc)
                else:
                    # Shown once, on the next page only (post/redirect/get keeps reloads harmless).
                    request.session["mailbox_done"] = {"number": result.case.number, "password": result.password}
                    _remember(request, result.case.number)
                    return redirect("web:mailbox_done")
    return render(request, "web/portal/mailbox.html", {"form": form}, status=status)


def mailbox_done(request):
    data = request.session.pop("mailbox_done", None)
    if not data:
        return redirect("web:status_lookup")
    return render(request, "web/portal/mailbox_done.html", data)


def _remember(request, number: str) -> None:
    allowed = list(request.session.get(SESSION_KEY, []))[-9:]
    if number not in allowed:
        allowed.append(number)
    request.session[SESSION_KEY] = allowed


def status_lookup(request):
    form = StatusLookupForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        key = f"lookup:{client_ip(request)}"
        if rate_limited(key, limit=LOOKUP_LIMIT[0], window=LOOKUP_LIMIT[1]):
            form.is_valid()
            form.add_error(None, "查詢次數過多，請稍後再試 / Too many attempts; please try again later.")
            return render(request, "web/portal/status_lookup.html", {"form": form}, status=429)
        if form.is_valid():
            number = form.cleaned_data["number"].strip().upper()
            case = Case.objects.filter(number=number).first()
            # Same message for an unknown number and a wrong password: no case enumeration.
            if case is None or not check_case_password(form.cleaned_data["password"].strip(), case.password_hash):
                form.add_error(None, "案號或查詢密碼不正確 / The case number or password is wrong.")
            else:
                _remember(request, case.number)
                return redirect("web:status", number=case.number)
    return render(request, "web/portal/status_lookup.html", {"form": form}, status=status)


def _portal_case(request, number: str) -> Case | None:
    if number not in request.session.get(SESSION_KEY, []):
        return None
    return Case.objects.select_related("category", "department", "merged_into").filter(number=number).first()


def case_status(request, number: str):
    case = _portal_case(request, number)
    if case is None:
        return redirect("web:status_lookup")
    return render(request, "web/portal/status.html", _status_context(case, SurveyForm()))


def _status_context(case: Case, survey_form) -> dict:
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
    }


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
