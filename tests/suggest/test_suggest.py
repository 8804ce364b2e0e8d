"""What staff and citizens see of the category suggestion."""

from __future__ import annotations

import logging
import re

import pytest

from casesys.cases.models import Case, Category
from casesys.suggest.classifier import Classifier
from casesys.suggest.selectors import forget_classifier, suggest_for
from tests.factories import new_case
from tests.suggest.complaints import UNSEEN

pytestmark = pytest.mark.django_db

INTAKE_URL = "/desk/suggest/intake/"
MAILBOX_URL = "/mailbox/category-suggestion/"
POTHOLE = ("機車道坑洞", "民眾來電：環河路機車道有好幾個坑洞，昨天下雨積水，騎車經過很危險，請修補路面。")


def _buttons(html: str) -> list[str]:
    return re.findall(r'<button type="button" class="btn btn-small" data-fill="[^"]+" data-fill-value="(\d+)">', html)


# --- intake ---------------------------------------------------------------------------------


def test_intake_form_asks_for_suggestions_while_typing(org, client_for):
    html = client_for(org.intake).get("/desk/intake/new/").content.decode()
    box = re.search(r'<div hx-post="/desk/suggest/intake/"[^>]*id="category-suggest-box"', html)
    assert box, "the intake form has the suggestion box"
    assert 'input changed delay:700ms from:#id_subject' in box.group(0) and 'hx-include="#id_subject, #id_description"' in box.group(0)


def test_intake_sees_three_categories_with_departments_and_similar_past_cases(org, client_for, trained, categories, closed_cases):
    resp = client_for(org.intake).post(INTAKE_URL, {"subject": POTHOLE[0], "description": POTHOLE[1]})
    html = resp.content.decode()
    assert resp.status_code == 200
    assert "建議類別" in html
    values = _buttons(html)
    assert len(values) == 3
    # The best first, and a click fills the category field with it.
    assert values[0] == str(categories["ROAD-POTHOLE"].pk)
    assert 'data-fill="id_category"' in html
    assert "道路／道路坑洞" in html and "承辦 道路養護科" in html
    assert re.search(r"\d+%", html)
    # Similar past cases: pothole cases intake registered (so may see), by number and subject.
    assert "類似的過去案件" in html
    shown = [c for c in closed_cases["ROAD-POTHOLE"] if c.number in html]
    assert shown and all(c.subject in html for c in shown)


def test_similar_past_cases_are_only_those_the_user_may_see(org, client_for, trained, closed_cases):
    # The street-light officer may see no pothole case: the reason is given as a count instead.
    for case in closed_cases["LIGHT-OUT"]:
        Case.objects.filter(pk=case.pk).update(department=org.light)
    for case in closed_cases["ROAD-POTHOLE"]:
        Case.objects.filter(pk=case.pk).update(department=org.road)
    suggestions = suggest_for(subject=POTHOLE[0], description=POTHOLE[1], user=org.officer_light)
    assert suggestions[0].category.code == "ROAD-POTHOLE"
    assert suggestions[0].similar == [] and suggestions[0].cases == 7
    light = suggest_for(subject="路燈不亮", description="巷口路燈晚上不亮很暗", user=org.officer_light)[0]
    assert light.category.code == "LIGHT-OUT" and light.similar
    numbers = {c.number for c in closed_cases["LIGHT-OUT"]}
    assert {s.number for s in light.similar} <= numbers


def test_english_ui_shows_english_names(org, client_for, trained):
    c = client_for(org.intake)
    c.cookies["django_language"] = "en"
    html = c.post(INTAKE_URL, {"subject": POTHOLE[0], "description": POTHOLE[1]}).content.decode()
    assert "Suggested categories" in html and "Similar past cases:" in html
    assert "Road › Pothole" in html and "建議類別" not in html


def test_nothing_is_shown_without_a_model(org, client_for, closed_cases):
    resp = client_for(org.intake).post(INTAKE_URL, {"subject": POTHOLE[0], "description": POTHOLE[1]})
    assert resp.status_code == 200 and resp.content.decode().strip() == ""


def test_nothing_is_shown_for_an_empty_form(org, client_for, trained):
    resp = client_for(org.intake).post(INTAKE_URL, {"subject": "", "description": ""})
    assert resp.status_code == 200 and resp.content.decode().strip() == ""


def test_only_intake_roles_and_only_post(org, client_for, trained):
    assert client_for(org.officer).post(INTAKE_URL, {"subject": "坑洞"}).status_code == 403
    assert client_for(org.intake).get(INTAKE_URL).status_code == 405


def test_intake_works_when_the_model_fails_and_the_log_has_no_text(org, client_for, trained, monkeypatch, caplog):
    def broken(self, text, k=3, *, explain=0):
        raise RuntimeError(f"boom {text}")

    monkeypatch.setattr(Classifier, "predict", broken)
    c = client_for(org.intake)
    with caplog.at_level(logging.WARNING, logger="casesys.suggest"):
        resp = c.post(INTAKE_URL, {"subject": POTHOLE[0], "description": POTHOLE[1]})
    assert resp.status_code == 200 and resp.content.decode().strip() == ""
    assert "category suggestion failed: RuntimeError" in caplog.text
    assert "環河路" not in caplog.text and "boom" not in caplog.text
    # Registering the case is not affected.
    resp = c.post("/desk/intake/new/", {
        "channel": "phone", "category": str(org.pothole.pk), "subject": POTHOLE[0], "description": POTHOLE[1],
        "name": "測試民眾", "phone": "0912000111", "language": "zh",
    })
    assert resp.status_code == 302
    assert Case.objects.filter(subject=POTHOLE[0]).exists()


def test_a_broken_stored_model_gives_nothing(org, client_for, trained):
    type(trained).objects.filter(pk=trained.pk).update(data=b"not a model")
    forget_classifier()
    resp = client_for(org.intake).post(INTAKE_URL, {"subject": POTHOLE[0], "description": POTHOLE[1]})
    assert resp.status_code == 200 and resp.content.decode().strip() == ""


def test_inactive_categories_are_not_suggested(org, client_for, trained, categories):
    Category.objects.filter(pk=categories["ROAD-POTHOLE"].pk).update(active=False)
    got = suggest_for(subject=POTHOLE[0], description=POTHOLE[1], user=org.intake)
    assert len(got) == 3 and all(s.category.code != "ROAD-POTHOLE" for s in got)


# --- mailbox --------------------------------------------------------------------------------


def test_mailbox_asks_while_the_citizen_types(db, client):
    html = client.get("/mailbox/").content.decode()
    assert re.search(r'<div hx-post="/mailbox/category-suggestion/"[^>]*id="category-suggestion"', html)


def test_mailbox_preselects_a_confident_suggestion_with_the_category_only(org, client, trained, categories, closed_cases, settings):
    settings.CASESYS_SUGGEST = {**settings.CASESYS_SUGGEST, "CONFIDENT_PERCENT": 50}
    code, subject, description = UNSEEN[0]
    html = client.post(MAILBOX_URL, {"subject": subject, "description": description, "category": ""}).content.decode()
    cat = categories[code]
    assert f'data-preselect="id_category" data-preselect-value="{cat.pk}"' in html
    assert "我們預選了類別" in html and "路燈不亮" in html
    # A citizen never sees other cases: no numbers, no subjects, no percentages.
    assert not any(c.number in html or c.subject in html for cases in closed_cases.values() for c in cases)
    assert "CS-" not in html and "%" not in html


def test_mailbox_shows_nothing_when_not_confident(org, client, trained, settings):
    settings.CASESYS_SUGGEST = {**settings.CASESYS_SUGGEST, "CONFIDENT_PERCENT": 100}
    code, subject, description = UNSEEN[0]
    html = client.post(MAILBOX_URL, {"subject": subject, "description": description}).content.decode()
    assert html.strip() == ""


def test_mailbox_never_replaces_the_citizens_own_choice(org, client, trained, categories, settings):
    settings.CASESYS_SUGGEST = {**settings.CASESYS_SUGGEST, "CONFIDENT_PERCENT": 50}
    code, subject, description = UNSEEN[0]
    other = categories["ENV-NOISE"].pk
    html = client.post(MAILBOX_URL, {"subject": subject, "description": description, "category": other}).content.decode()
    assert html.strip() == ""
    # Its own earlier pre-selection may be replaced as the text changes.
    auto = categories["ROAD-POTHOLE"].pk
    html = client.post(
        MAILBOX_URL, {"subject": subject, "description": description, "category": auto, "category_auto": auto}
    ).content.decode()
    assert f'data-preselect-value="{categories[code].pk}" data-preselect-replaces="{auto}"' in html


def test_mailbox_suggests_only_public_categories(org, client, trained, categories, settings):
    settings.CASESYS_SUGGEST = {**settings.CASESYS_SUGGEST, "CONFIDENT_PERCENT": 1}
    Category.objects.filter(pk=categories["LIGHT-OUT"].pk).update(public=False)
    code, subject, description = UNSEEN[0]
    html = client.post(MAILBOX_URL, {"subject": subject, "description": description}).content.decode()
    assert f'data-preselect-value="{categories[code].pk}"' not in html


def test_mailbox_suggestion_without_a_model_is_empty(db, client):
    assert client.post(MAILBOX_URL, {"subject": "路燈不亮"}).content.decode().strip() == ""


# --- chat-opened cases and leads ------------------------------------------------------------


def test_a_chat_opened_case_shows_suggested_departments_on_the_dispatch_form(org, client_for, trained, categories):
    case, _ = new_case(org, channel="line", category=org.mailbox, subject="路燈壞了",
                       description="您好，信義路三段那支路燈一個禮拜不亮了，晚上很暗，麻煩修理。")
    assert case.state == "received"
    c = client_for(org.intake)
    page = c.get(f"/desk/cases/{case.number}/").content.decode()
    assert f'hx-get="/desk/suggest/cases/{case.number}/"' in page and 'id="id_dispatch-department"' in page
    html = c.get(f"/desk/suggest/cases/{case.number}/").content.decode()
    assert 'data-fill="id_dispatch-department"' in html
    assert _buttons(html)[0] == str(org.light.pk)
    assert "承辦 路燈科" in html


def test_case_suggestions_follow_case_visibility(org, client_for, trained):
    case, _ = new_case(org, channel="line", category=org.mailbox, subject="路燈壞了", description="路燈不亮")
    assert client_for(org.officer).get(f"/desk/suggest/cases/{case.number}/").status_code == 403
    assert client_for(org.supervisor).get("/desk/suggest/cases/CS-0000000-00000/").status_code == 404


def test_a_lead_keeps_its_keyword_category_and_gets_the_model_as_extra(org, client_for, trained, categories):
    from casesys.inbound.models import Lead

    lead = Lead.objects.create(source="line", external_id="g-1", text="河堤旁邊好幾隻野狗追人吠叫，請捕捉",
                               suggested_category=org.mailbox)
    c = client_for(org.intake)
    page = c.get("/desk/leads/").content.decode()
    assert f'hx-get="/desk/suggest/leads/{lead.pk}/" hx-trigger="revealed"' in page
    assert re.search(rf'<option value="{org.mailbox.pk}" selected>', page)
    html = c.get(f"/desk/suggest/leads/{lead.pk}/").content.decode()
    assert f'data-fill="cat-{lead.pk}"' in html
    assert _buttons(html)[0] == str(categories["ENV-ANIMAL"].pk)
    lead.status = Lead.Status.DISMISSED
    lead.save()
    assert c.get(f"/desk/suggest/leads/{lead.pk}/").status_code == 404
