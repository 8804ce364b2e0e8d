"""Demo FAQ entries (fictional answers, written like a city's FAQ) and the first proposals
from the demo cases. Called by `manage.py seed_demo`; idempotent (an entry is recognised by
its category and question)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from casesys.faq.models import FaqEntry
from casesys.faq.services import faq_entry_create, faq_entry_transition

# category code, question, answer, question in English, answer in English, published
ENTRIES: tuple[tuple[str, str, str, str, str, bool], ...] = (
    (
        "LIGHT-OUT",
        "路燈不亮或閃爍，要怎麼報修？",
        "請記下路燈桿上的編號（桿號）及附近門牌或路口，撥打 1999、使用首長信箱或 LINE 官方帳號通報。"
        "公園路燈科接獲通報後，一般故障於 3 個工作天內修復；需更換電纜或申請台電供電者修復時間較長，會另行告知進度。",
        "A street light is out or flickering: how do I report it?",
        "Note the number on the lamp post and the nearest house number or junction, then call 1999, write to the "
        "Mayor's mailbox or message the city's LINE account. Ordinary faults are repaired within 3 working days; "
        "if a cable must be replaced or the power company must connect supply, it takes longer and you are told how it goes.",
        True,
    ),
    (
        "ROAD-POTHOLE",
        "道路出現坑洞，多久會修補？",
        "市區道路坑洞由工務局道路養護科處理，接獲通報後 24 小時內派員修補或設置警示。"
        "若為管線單位施工造成，將通知該單位依規定修復路面。通報時請說明路名、門牌或路口，並可附上照片。",
        "How soon is a pothole repaired?",
        "Potholes on city roads are handled by the Road Maintenance Section: within 24 hours of a report a crew "
        "patches the hole or puts up warnings. If utility works caused it, the utility is told to restore the road. "
        "Give the street, house number or junction when you report it; a photo helps.",
        True,
    ),
    (
        "ENV-GARBAGE",
        "大型廢棄家具要怎麼丟？",
        "大型廢棄家具請先撥打 1999 或上網預約清潔隊收運，於約定日期放置在指定地點。"
        "可回收的家電請交資源回收車或依廢四機回收管道處理。任意棄置路旁者，依廢棄物清理法處罰。",
        "How do I get rid of large furniture?",
        "Book a collection by the sanitation team (call 1999 or book online) and put the furniture out at the agreed "
        "place on the agreed day. Household appliances go to the recycling truck or the appliance take-back scheme. "
        "Leaving furniture on the street is fined under the Waste Disposal Act.",
        True,
    ),
    (
        "ENV-NOISE",
        "鄰居或店家噪音太大，可以怎麼處理？",
        "營業場所、工廠或工地的噪音可向環保局陳情，本局將於陳情時段派員稽查並量測，超過管制標準者依噪音管制法處分。"
        "住家生活噪音（如喧嘩、深夜裝修）屬警察機關權責，請撥打 110 由轄區派出所處理。",
        "A shop or a neighbour is too noisy: what can I do?",
        "Noise from shops, factories and building sites: write to the Environmental Protection Bureau, which "
        "inspects and measures at the times you name and fines anyone above the limits under the Noise Control Act. "
        "Noise from homes (shouting, late-night renovation) is for the police: call 110.",
        True,
    ),
    (
        "TRAF-PARKING",
        "檢舉違規停車需要提供什麼資料？",
        "請提供違規地點、時間、車牌號碼，以及可辨識車牌及違規事實的照片或影片。"
        "交通局將通知轄區員警及拖吊單位處理，經常發生違停的路段會列為加強取締路段。",
        "What do I need to report illegal parking?",
        "The place, the time, the plate number and a photo or video showing the plate and the offence. "
        "The Department of Transportation passes it to the local police and the towing service; streets with "
        "frequent illegal parking get more enforcement.",
        True,
    ),
    (
        "GEN-MAILBOX",
        "寫信到首長信箱，多久會收到答復？",
        "一般陳情於收件次日起 6 個工作天內答復；涉及多個機關者為 10 個工作天。"
        "若需延長，機關會告知延長理由、目前處理情形及預定完成日期。您可以案號及查詢密碼在「案件查詢」查看進度。",
        "",
        "",
        True,
    ),
    (
        "LIGHT-TREE",
        "行道樹枝葉遮住路燈或號誌，可以請市府修剪嗎？",
        "可以。請說明路名及附近門牌，公園路燈科將派員評估並排入修剪；颱風季前會優先處理主要道路。",
        "",
        "",
        False,
    ),
)


def seed_faq(*, users: dict, categories: dict, now: dt.datetime | None = None) -> int:
    """Published entries written by `intake` and reviewed by `supervisor`, one draft awaiting
    review; returns how many entries were created."""
    now = now or timezone.now()
    editor, reviewer = users["intake"], users["supervisor"]
    created = 0
    for i, (code, question, answer, q_en, a_en, published) in enumerate(ENTRIES):
        category = categories.get(code)
        if category is None or FaqEntry.objects.filter(category=category, question=question).exists():
            continue
        written = now - dt.timedelta(days=40 - i * 3)
        entry = faq_entry_create(
            category=category, question=question, answer=answer, question_en=q_en, answer_en=a_en, by=editor, now=written
        )
        if published:
            faq_entry_transition(entry=entry, name="publish", by=reviewer, now=written + dt.timedelta(days=1, hours=2))
        created += 1
    return created


def seed_faq_proposals(*, now: dt.datetime | None = None) -> int:
    from casesys.faq.proposals import faq_proposals_refresh

    r = faq_proposals_refresh(now=now, min_cases=4)
    return r.created + r.refreshed
