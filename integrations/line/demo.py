"""LINE's demo data for `manage.py seed_demo` (CASESYS_CHANNELS["line"]["demo"]): a 里長 group
chat the bot has joined and the leads its members' messages became, in every triage state."""

from __future__ import annotations

import datetime as dt
import random

from casesys.cases.demo_texts import GROUP_MESSAGES
from casesys.inbound.keywords import match_keywords
from casesys.inbound.models import Lead
from casesys.inbound.services import chat_group_joined, lead_convert, lead_dismiss, lead_record
from casesys.org.models import Department

PROVIDER = "line"
GROUP_ID = "Cdemo0000000000000000000000000001"
GROUP_NAME = "示範市中山區里長聯繫群組"
SENDERS = (("Udemo0000000000000000000000000001", "長安里 林里長"), ("Udemo0000000000000000000000000002", "中庄里 陳幹事"))


def seed(*, users: dict, categories: dict, now: dt.datetime) -> str:
    from casesys.cases.demo import _place

    rng = random.Random(1999)
    group = chat_group_joined(provider=PROVIDER, group_id=GROUP_ID, kind="group", name=GROUP_NAME, at=now - dt.timedelta(days=60))
    if group.department is None:
        group.department = Department.objects.filter(code="DO-ZS-CIV").first()
        group.save(update_fields=["department"])
    leads: list[Lead] = []
    for j, template in enumerate(GROUP_MESSAGES):
        text = template.format(**_place(rng, "中山區"))
        rule = match_keywords(text)
        if rule is None:
            continue  # small talk in the group is not a lead
        sender_id, sender_name = SENDERS[j % len(SENDERS)]
        lead, _created = lead_record(
            source=PROVIDER, external_id=f"demo-group-{j}", text=text, reason="keyword", rule=rule,
            occurred_at=now - dt.timedelta(hours=6 + 17 * j), group=group, sender_id=sender_id, sender_name=sender_name,
            raw={"message_id": f"demo-{j:06d}"},
        )
        leads.append(lead)
    # One converted into a case, one dismissed, the rest waiting for triage.
    if leads and leads[0].status == Lead.Status.NEW and leads[0].suggested_category is not None:
        lead_convert(lead=leads[0], by=users["intake"], category=leads[0].suggested_category, notify_group=False)
    if len(leads) > 2 and leads[-1].status == Lead.Status.NEW:
        lead_dismiss(lead=leads[-1], by=users["intake"], reason="同一地點已有案件處理中，由里長轉知民眾，不另立案。")
    return f"{GROUP_NAME}: {len(leads)} leads"
