"""One language at a time: every main page, for every role, in Chinese and in English.

The fixture's own data (names, subjects, addresses) is English, so in the English UI any
CJK character left on a page is the UI's (a label, a choice, a heading, a note) — except
the language button that offers 中文. In the Chinese UI no "中文 / English" pair may show.
"""

from __future__ import annotations

import csv
import io
import json
import re
from html.parser import HTMLParser

import pytest
from django.test import Client
from django.utils import translation
from openpyxl import load_workbook

from casesys.cases import services
from casesys.cases.models import Urgency
from casesys.inbound.services import lead_record
from casesys.incidents.services import incident_create
from casesys.web.services import case_survey_submit
from tests.factories import build_org, new_case

pytestmark = pytest.mark.django_db

CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")
PAIR = re.compile(r"[\u4e00-\u9fff][^\n]{0,80} / [A-Za-z]")

ENGLISH_NAMES = {
    "CITY": "Demo City Government",
    "RDEC": "Research, Development and Evaluation Commission",
    "PWD": "Public Works Department",
    "PWD-ROAD": "Road Maintenance Section",
    "PWD-LIGHT": "Street Lights Section",
    "EPB": "Environmental Protection Bureau",
    "EPB-CLEAN": "Cleaning Section",
    "GEN-MAILBOX": "Mayor's mailbox",
    "ROAD-POTHOLE": "Potholes",
    "LIGHT-OUT": "Street light out",
}


def english_case(org, **kwargs):
    params = {
        "category": org.pothole,
        "subject": "Pothole on Main Street",
        "description": "A deep pothole near number 10, dangerous at night.",
        "petitioner": {"name": "Alex Chen", "phone": "0912345678", "email": "alex@example.invalid"},
        "location": {"address": "10 Main Street", "district": "中山區"},
    }
    params.update(kwargs)
    return new_case(org, **params)


@pytest.fixture
def world(db):
    return english_world()


def english_world() -> dict:
    """An organisation whose names have English too, and cases written in English."""
    org = build_org()
    for dept in (org.city, org.intake_dept, org.pwd, org.road, org.light, org.epb, org.clean):
        dept.name_en = ENGLISH_NAMES[dept.code]
        dept.save()
    for cat in (org.mailbox, org.pothole, org.lights):
        cat.name_en = ENGLISH_NAMES[cat.code]
        cat.save()
    for user, name in (
        (org.intake, "Ivy"),
        (org.officer, "Oscar"),
        (org.officer_light, "Olive"),
        (org.officer_clean, "Owen"),
        (org.supervisor, "Sam"),
        (org.supervisor_epb, "Sue"),
        (org.analyst, "Ann"),
        (org.admin, "Ada"),
    ):
        user.first_name = name
        user.save()

    received, _ = english_case(org, category=org.mailbox, subject="Noise at night")
    working, _ = english_case(org, subject="Broken kerb", urgency=Urgency.objects.order_by("rank").first())
    services.case_accept(case=working, by=org.officer)
    services.case_request_extension(
        case=working, days=3, reason="Waiting for the contractor", status_text="Contractor booked", by=org.officer
    )
    pending, _ = english_case(org, subject="Pothole by the school")
    services.case_accept(case=pending, by=org.officer)
    services.case_submit_reply(case=pending, reply="Patched.", by=org.officer)
    closed, password = english_case(org, subject="Pothole on Second Street", language="en")
    services.case_accept(case=closed, by=org.officer)
    services.case_submit_reply(case=closed, reply="Repaired on Monday.", by=org.officer)
    services.case_approve(case=closed, by=org.supervisor)
    case_survey_submit(case=closed, score=1, comment="Too slow")
    filed, _ = english_case(org, subject="Same pothole again")
    services.case_accept(case=filed, by=org.officer)
    services.case_file(case=filed, reason_code="repeat", repeat_of=closed, by=org.supervisor)
    incident = incident_create(case=working, title="Main Street road works", by=org.supervisor)
    lead_record(source="feed", external_id="f1", text="Street light out on Main Street", title="Lights out")
    return {
        "org": org,
        "received": received,
        "working": working,
        "pending": pending,
        "closed": closed,
        "password": password,
        "incident": incident,
    }


def client(user=None, *, lang: str) -> Client:
    c = Client()
    if user is not None:
        c.force_login(user)
    c.cookies["django_language"] = lang
    return c


class _Text(HTMLParser):
    """What a reader sees or hears: text, labels and titles, and the charts' JSON data.

    Attribute values a form submits (value="中山區", the stored district) are not text.
    """

    SPOKEN = ("aria-label", "title", "placeholder", "alt", "aria-description")

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip = 0
        self.json = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "button" and a.get("lang") == "zh-Hant":
            self.skip += 1  # the language button offers 中文 in the English UI, on purpose
        self.json = tag == "script" and a.get("type") == "application/json"
        self.parts.extend(v for k, v in attrs if k in self.SPOKEN and v)

    def handle_endtag(self, tag):
        if tag == "button" and self.skip:
            self.skip -= 1
        self.json = False

    def handle_data(self, data):
        if self.skip:
            return
        if self.json:
            data = json.dumps(json.loads(data), ensure_ascii=False)
        self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return "\n".join(p.strip() for p in parser.parts if p.strip())


def leaks(html: str, *, lang: str) -> list[str]:
    """Lines of the page in the wrong language (full-width punctuation counts as CJK)."""
    bad = CJK if lang == "en" else PAIR
    return sorted({line[:160] for line in visible_text(html).splitlines() if bad.search(line)})


def report(problems: dict[str, list[str]]) -> str:
    return "\n".join(f"{where}:\n    " + "\n    ".join(found) for where, found in problems.items())


def _staff_urls(w):
    return [
        ("officer", "/desk/queue/"),
        ("officer", "/desk/queue/department/"),
        ("officer", "/desk/queue/department/?state=in_progress&district=中山區"),
        ("officer", f"/desk/cases/{w['working'].number}/"),
        ("officer", f"/desk/cases/{w['closed'].number}/"),
        ("officer", "/desk/notifications/"),
        ("intake", "/desk/intake/"),
        ("intake", "/desk/intake/new/"),
        ("intake", f"/desk/cases/{w['received'].number}/"),
        ("intake", "/desk/leads/"),
        ("officer", "/desk/incidents/"),
        ("officer", "/desk/map/"),
        ("supervisor", f"/desk/incidents/{w['incident'].pk}/"),
        ("supervisor", "/desk/approvals/"),
        ("supervisor", "/desk/follow-ups/"),
        ("supervisor", f"/desk/cases/{w['pending'].number}/"),
        ("supervisor", f"/desk/cases/{w['working'].number}/"),
        ("supervisor", f"/desk/cases/{w['closed'].number}/"),
        ("supervisor", "/desk/notifications/"),
        ("supervisor", "/reports/"),
        ("supervisor", "/reports/overdue/"),
        ("supervisor", "/reports/performance/"),
        ("supervisor", "/reports/performance/?start=2026-01-01&end=2026-12-31&by_category=on"),
        ("supervisor", "/reports/performance/?start=2026-12-31&end=2026-01-01"),
        ("supervisor", "/reports/surveys/"),
        ("supervisor", "/reports/operations/"),
        ("analyst", "/reports/"),
        ("admin", "/desk/intake/"),
    ]


@pytest.mark.parametrize("lang", ["zh-hant", "en"])
def test_staff_pages_show_one_language(world, lang):
    o = world["org"]
    problems = {}
    for role, url in _staff_urls(world):
        resp = client(getattr(o, role), lang=lang).get(url)
        assert resp.status_code in (200, 400), (role, url, resp.status_code)
        found = leaks(resp.content.decode(), lang=lang)
        if found:
            problems[f"{role} {url}"] = found
    assert not problems, report(problems)


@pytest.mark.parametrize("lang", ["zh-hant", "en"])
def test_forms_with_errors_show_one_language(world, lang):
    o = world["org"]
    posts = [
        (None, "/mailbox/", {"subject": "", "privacy": ""}),
        (None, "/status/", {"number": "X", "password": "nope"}),
        (o.intake, "/desk/intake/new/", {"subject": "", "channel": "phone"}),
        (o.officer, f"/desk/cases/{world['working'].number}/actions/submit_reply/", {"version": "1", "reply": ""}),
        (o.officer, f"/desk/cases/{world['working'].number}/actions/file/", {"version": "99", "reason_code": "x"}),
        (o.intake, f"/desk/cases/{world['received'].number}/actions/dispatch/", {"version": "1"}),
        (o.intake, "/desk/leads/1/dismiss/", {"reason": ""}),
    ]
    problems = {}
    for user, url, data in posts:
        resp = client(user, lang=lang).post(url, data, follow=True)
        found = leaks(resp.content.decode(), lang=lang)
        if found:
            problems[url] = found
    assert not problems, report(problems)


@pytest.mark.parametrize("lang", ["zh-hant", "en"])
def test_citizen_pages_show_one_language(world, lang):
    c = client(lang=lang)
    problems = {}
    for url in ("/", "/portal/", "/mailbox/", "/status/", "/status/forgot/"):
        found = leaks(c.get(url).content.decode(), lang=lang)
        if found:
            problems[url] = found
    closed = world["closed"]
    assert c.post("/status/", {"number": closed.number, "password": world["password"]}).status_code == 302
    for url in (f"/status/{closed.number}/", f"/status/{closed.number}/supplement/"):
        found = leaks(c.get(url).content.decode(), lang=lang)
        if found:
            problems[url] = found
    assert not problems, report(problems)


@pytest.mark.parametrize("lang", ["zh-hant", "en"])
def test_exports_use_the_readers_language(world, lang):
    c = client(world["org"].supervisor, lang=lang)
    problems = {}
    for url in (
        "/reports/overdue/?format=csv",
        "/reports/performance/?start=2026-01-01&end=2026-12-31&format=csv",
        "/reports/surveys/?start=2026-01-01&end=2026-12-31&format=csv",
    ):
        resp = c.get(url)
        assert resp.status_code == 200, url
        rows = list(csv.reader(io.StringIO(resp.content.decode("utf-8-sig"))))
        found = leaks("\n".join(" | ".join(r) for r in rows[:1]), lang=lang)
        if found:
            problems[url] = found
    for url in ("/reports/overdue/?format=xlsx", "/reports/performance/?start=2026-01-01&end=2026-12-31&format=xlsx"):
        resp = c.get(url)
        wb = load_workbook(io.BytesIO(resp.content))
        heads = []
        for ws in wb.worksheets:
            heads.append(ws.title)
            for row in ws.iter_rows(max_row=6, values_only=True):
                heads.extend(str(v) for v in row if isinstance(v, str))
        found = leaks("\n".join(heads), lang=lang)
        if found:
            problems[url] = found
    assert not problems, report(problems)


def test_districts_have_english_labels_but_keep_the_chinese_value(world):
    from casesys.cases.districts import district_label

    with translation.override("en"):
        assert district_label("中山區") == "Zhongshan District"
        assert district_label("大安區") == "Da'an District"
    with translation.override("zh-hant"):
        assert district_label("中山區") == "中山區"
    html = client(world["org"].officer, lang="en").get("/desk/queue/department/").content.decode()
    assert 'value="中山區"' in html and "Zhongshan District" in html
