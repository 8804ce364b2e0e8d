"""A returning petitioner is recognised by normalised phone, e-mail, LINE or Telegram id; the
"same petitioner" list shows cases, never identities."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import timezone

from casesys.cases import services
from casesys.cases.outcomes import is_same_petitioner
from casesys.cases.selectors import same_petitioner_cases
from tests.factories import new_case

pytestmark = pytest.mark.django_db


def _client(user):
    c = Client()
    c.force_login(user)
    return c


def filed_by(org, petitioner, **kwargs):
    kwargs.setdefault("category", org.lights)
    case, _ = new_case(org, petitioner=petitioner, **kwargs)
    return case


@pytest.mark.parametrize(
    "first, second",
    [
        (
            {"name": "王小明", "phone": "0912-345-678"},
            {"name": "王先生", "phone": "+886 912 345 678"},
        ),
        ({"name": "王小明", "phone": "(02)2345-6789"}, {"name": "王", "phone": "02-2345-6789#123"}),
        (
            {"name": "王小明", "email": "Wang@Example.com"},
            {"name": "小明", "email": "wang@example.com "},
        ),
        (
            {"name": "", "contacts": [{"channel": "line", "address": "U" + "a" * 32}]},
            {"name": "", "contacts": [{"channel": "line", "address": "U" + "a" * 32}]},
        ),
        (
            {"contacts": [{"channel": "telegram", "address": "123456"}]},
            {"contacts": [{"channel": "telegram", "address": 123456}]},
        ),
    ],
)
def test_returning_petitioner_is_recognised_by_normalised_contact(org, first, second):
    earlier = filed_by(org, first, subject="第一次陳情")
    later = filed_by(org, second, subject="第二次陳情")
    assert list(same_petitioner_cases(later)) == [earlier]
    assert list(same_petitioner_cases(earlier)) == [later]
    assert is_same_petitioner(later, earlier)


def test_different_petitioners_and_anonymous_cases_do_not_match(org):
    earlier = filed_by(org, {"name": "王小明", "phone": "0912345678", "email": "a@example.com"})
    other = filed_by(org, {"name": "王小明", "phone": "0922333444", "email": "b@example.com"})
    anonymous = filed_by(org, None)
    assert list(same_petitioner_cases(other)) == []
    assert not is_same_petitioner(other, earlier)
    assert list(same_petitioner_cases(anonymous)) == []


def test_merged_in_petitioner_counts_as_the_same_petitioner(org):
    host = filed_by(org, {"name": "甲", "phone": "0911111111"})
    guest = filed_by(org, {"name": "乙", "phone": "0922222222"})
    services.case_merge(case=guest, into=host, by=org.admin)
    later = filed_by(org, {"name": "乙", "phone": "0922-222-222"})
    assert set(same_petitioner_cases(later)) == {host, guest}


def test_case_page_lists_the_same_petitioners_cases_without_their_identity(org):
    earlier = filed_by(
        org,
        {"name": "林大華", "phone": "0933-111-222", "email": "lin@example.invalid"},
        subject="路燈閃爍",
    )
    later = filed_by(org, {"name": "林先生", "phone": "+886 933 111 222"}, subject="路燈又壞了")
    stranger = filed_by(org, {"name": "陳小姐", "phone": "0955000111"}, subject="別人的路燈")

    html = _client(org.supervisor).get(f"/desk/cases/{later.number}/").content.decode()
    related = html[html.index("同一陳情人") : html.index("同地點或鄰近")]
    assert earlier.number in related and "路燈閃爍" in related and "已分文" in related
    assert f"{timezone.localtime(earlier.received_at):%Y-%m-%d}" in related
    assert stranger.number not in related
    for secret in ("林大華", "0933", "lin@example.invalid", "lin○○○"):
        assert secret not in related


def test_confidential_case_still_lists_the_petitioners_cases_and_shows_no_identity(org):
    earlier = filed_by(org, {"name": "林大華", "phone": "0933111222"}, subject="路燈閃爍")
    secret = filed_by(
        org, {"name": "林大華", "phone": "0933111222", "confidential": True}, subject="檢舉噪音"
    )
    html = _client(org.supervisor).get(f"/desk/cases/{secret.number}/").content.decode()
    related = html[html.index("同一陳情人") : html.index("同地點或鄰近")]
    assert earlier.number in related
    assert "林大華" not in html and "0933111222" not in html


def test_the_list_only_holds_cases_the_viewer_may_see(org):
    road = filed_by(org, {"phone": "0933111222"}, category=org.pothole, subject="坑洞")
    light = filed_by(org, {"phone": "0933111222"}, subject="路燈")
    assert list(same_petitioner_cases(light, user=org.officer_light)) == []
    assert list(same_petitioner_cases(light, user=org.supervisor)) == [road]
    html = _client(org.officer_light).get(f"/desk/cases/{light.number}/").content.decode()
    assert road.number not in html


def test_repeat_filing_offers_the_same_petitioners_answered_cases(org):
    answered = filed_by(org, {"phone": "0933111222"}, subject="路燈不亮（已答復）")
    services.case_accept(case=answered, by=org.officer_light)
    services.case_submit_reply(case=answered, reply="已修復。", by=org.officer_light)
    services.case_approve(case=answered, by=org.supervisor)
    still_open = filed_by(org, {"phone": "0933111222"}, subject="另一件尚未答復")
    repeat = filed_by(org, {"phone": "0933-111-222"}, subject="路燈不亮（重複）")

    html = _client(org.supervisor).get(f"/desk/cases/{repeat.number}/").content.decode()
    candidates = html[html.index("同一陳情人已答復的案件") :]
    candidates = candidates[: candidates.index("</ul>")]
    assert answered.number in candidates and still_open.number not in candidates
