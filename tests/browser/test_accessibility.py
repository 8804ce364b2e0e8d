"""axe-core on every main page, in Chinese and in English, with zero violations
(無障礙網頁開發規範 AA: WCAG 2.1 A and AA plus axe's best practices).

Pages showing form errors are checked too (the mailbox, the status lookup, the log-in and
the intake form), and the ::: accesskeys and the site map are in place on every page.
Every page's violations are gathered first so one run lists them all.
"""

from __future__ import annotations

import pytest

from casesys.cases import services
from casesys.cases.models import Channel
from tests.browser.axe import axe_violations
from tests.browser.conftest import login
from tests.factories import new_case

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _check(page, url: str, found: dict[str, list[dict]]) -> None:
    # The ::: accesskeys of the guideline and the site-map link are on every page.
    for key in ("U", "C", "Z"):
        assert page.locator(f"a[accesskey='{key}']").count() == 1, f"accesskey {key} missing on {url}"
    assert page.locator("a[href='/sitemap/']").count() >= 1, f"no site-map link on {url}"
    violations = axe_violations(page)
    if violations:
        found[url] = violations


def _report(found: dict[str, list[dict]]) -> str:
    lines = []
    for url, violations in found.items():
        lines.append(f"{url}:")
        for v in violations:
            lines.append(f"  - {v['id']} ({v['impact']}): {v['help']}")
            lines.extend(f"      {n}" for n in v["nodes"])
    return "\n".join(lines)


@pytest.mark.parametrize("lang", ["zh-hant", "en"])
def test_every_main_page_has_no_axe_violations(live_server, org, new_page, problems, lang):
    base = live_server.url
    case, password = new_case(org, category=org.lights)  # routed to 路燈科 by its category
    phone_case, _ = new_case(org, channel=Channel.PHONE, by=org.intake, category=org.mailbox)
    services.case_dispatch(case=phone_case, department=org.road, by=org.intake)
    # A reply awaiting approval (the supervisor's inbox) and a closed case with its reply.
    pending, _ = new_case(org, category=org.lights, subject="民權路路燈閃爍")
    services.case_accept(case=pending, by=org.officer_light)
    services.case_submit_reply(case=pending, reply="已派員檢修，預計三日內完成。", by=org.officer_light)
    services.case_accept(case=case, by=org.officer_light)
    services.case_submit_reply(case=case, reply="路燈已於今日修復，謝謝您的反映。", by=org.officer_light)
    services.case_approve(case=case, by=org.supervisor)
    found: dict[str, list[dict]] = {}

    page = new_page()
    page.context.set_default_timeout(60_000)  # a busy machine: the first requests may be slow
    page.context.add_cookies([{"name": "django_language", "value": lang, "url": base}])

    def visit(path: str) -> None:
        page.goto(f"{base}{path}")
        _check(page, path, found)

    # --- the citizen's side -------------------------------------------------------------
    for path in ("/portal/", "/mailbox/", "/status/", "/sitemap/"):
        visit(path)
    page.goto(f"{base}/mailbox/")
    page.click("main button[type=submit]")  # nothing filled in: every required field errs
    assert page.locator(".has-error").count() > 0
    _check(page, "/mailbox/ (errors)", found)
    page.goto(f"{base}/status/")
    page.fill("#id_number", case.number)
    page.fill("#id_password", "wrong-password")
    page.click("main button[type=submit]")
    assert page.locator(".form-errors").count() == 1
    _check(page, "/status/ (error)", found)
    page.fill("#id_number", case.number)
    page.fill("#id_password", password)
    page.click("main button[type=submit]")
    assert f"/status/{case.number}/" in page.url
    _check(page, "/status/<number>/", found)

    # --- log-in ---------------------------------------------------------------------------
    page.context.clear_cookies()
    page.context.add_cookies([{"name": "django_language", "value": lang, "url": base}])
    visit("/accounts/login/")
    page.fill("#id_username", "officer")
    page.fill("#id_password", "not-the-password")
    page.click("main button[type=submit]")
    _check(page, "/accounts/login/ (error)", found)

    # --- the officer's and intake's desk ---------------------------------------------------
    def as_user(username: str) -> None:
        login(page, base, username)
        page.context.add_cookies([{"name": "django_language", "value": lang, "url": base}])

    as_user("officer")
    for path in ("/desk/queue/", "/desk/queue/department/", f"/desk/cases/{phone_case.number}/", "/desk/leads/",
                 "/desk/incidents/", "/desk/map/", "/desk/notifications/", "/sitemap/"):
        visit(path)

    # The case page with every action panel open: each action's form is checked too.
    page.goto(f"{base}/desk/cases/{phone_case.number}/")
    page.evaluate("document.querySelectorAll('details').forEach(d => { d.open = true; })")
    _check(page, "/desk/cases/<number>/ (all panels open)", found)

    as_user("intake")
    visit("/desk/intake/")
    visit("/desk/intake/new/")
    page.click("#intake-form button[type=submit]")  # empty: errors
    assert page.locator(".has-error").count() > 0
    _check(page, "/desk/intake/new/ (errors)", found)
    page.goto(f"{base}/desk/intake/new/")
    page.fill("#id_subject", "中正路人行道破損")
    page.fill("#id_description", "中正路一段人行道地磚破損，行人容易絆倒。")
    page.select_option("#id_category", str(org.pothole.pk))
    page.select_option("#id_channel", Channel.WALK_IN)
    page.click("#intake-form button[type=submit]")
    page.click("#receipt-link")
    assert "/receipt/" in page.url
    _check(page, "/desk/cases/<number>/receipt/", found)

    # --- the supervisor's pages and reports ----------------------------------------------------
    as_user("supervisor")
    for path in ("/desk/approvals/", "/desk/follow-ups/", f"/desk/cases/{phone_case.number}/",
                 f"/desk/cases/{phone_case.number}/receipt/",  # no password now: the re-issue form
                 "/reports/overdue/", "/reports/performance/", "/reports/surveys/", "/reports/operations/"):
        visit(path)
    # The performance report's date inputs show their default period (ISO values).
    page.goto(f"{base}/reports/performance/")
    assert page.input_value("#id_start") and page.input_value("#id_end")
    page.goto(f"{base}/reports/")
    page.wait_for_selector("body[data-charts-ready]")
    _check(page, "/reports/", found)

    assert not found, "axe violations:\n" + _report(found)
    # The pages showing form errors answer 400 on purpose; nothing else may fail.
    assert [e for e in problems.errors if "status of 400" not in e] == []
