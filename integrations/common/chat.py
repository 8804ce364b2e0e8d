"""What the bot says in a one-to-one chat, shared by LINE and Telegram.

A text about a case is in the case's language (`Case.language`: Chinese, or English when the
petitioner wrote in English); before a case is known (welcome, prompts), Traditional
Chinese first, English second. Commands:
查詢 <案號> / `/status <no>` (status of one of the user's cases), 我的案件 / `/mycases`
(open cases), 新案件 / `/new` (the next message opens a new case instead of adding to
the open one), 說明 / `/help`.
"""

from __future__ import annotations

import re

from django.core.cache import cache
from django.utils import timezone

from casesys.cases.identity import scrub_public
from casesys.cases.models import Case, State
from casesys.inbound.chat import ChatResult, chat_case_lookup, chat_open_cases

NEW_CASE_FLAG_SECONDS = 30 * 60
CASE_NUMBER_RE = re.compile(r"[A-Za-z0-9]{1,16}-\d{7}-\d{5}")


def _local(value) -> str:
    return f"{timezone.localtime(value):%Y-%m-%d %H:%M}" if value else "-"


def _in(case: Case, zh: str, en: str) -> str:
    """The text in the case's language."""
    return en if case.language == "en" else zh


def welcome_text() -> str:
    return (
        "歡迎使用市政陳情服務。直接傳送文字、照片或位置即可陳情，我們會回覆案號與查詢密碼。\n"
        "指令：查詢 <案號>、我的案件、新案件、說明\n"
        "Welcome. Send text, photos or a location to file a petition; we reply with a case number "
        "and password. Commands: 查詢 <case no.>, 我的案件 (my cases), 新案件 (new case), 說明 (help)."
    )


def telegram_welcome_text() -> str:
    return (
        "歡迎使用市政陳情服務。直接傳送文字、照片或位置即可陳情，我們會回覆案號與查詢密碼。\n"
        "指令：/status <案號>、/mycases、/new、/help\n"
        "Welcome. Send text, photos or a location to file a petition; we reply with a case number "
        "and password. Commands: /status <case no.>, /mycases, /new, /help."
    )


def opened_text(result: ChatResult) -> str:
    case = result.case
    return _in(
        case,
        f"已受理您的陳情。\n案號：{case.number}\n查詢密碼：{result.password}\n"
        f"請妥善保存密碼；之後傳送的文字、照片與位置會補充到這個案件。",
        f"Your petition has been received. Case number: {case.number}, password: {result.password}. "
        f"Keep the password safe; further messages, photos and locations are added to this case.",
    )


def appended_text(result: ChatResult) -> str:
    number = result.case.number
    text = _in(result.case, f"已補充到案件 {number}。", f"Added to case {number}.")
    if result.attachment_note:
        text += f"\n附件未能保存：{result.attachment_note}"
    return text


def location_text(result: ChatResult) -> str:
    number = result.case.number
    return _in(result.case, f"已記錄案件 {number} 的位置。", f"Location saved for case {number}.")


def new_case_prompt() -> str:
    return "請描述您要陳情的新事項，下一則訊息將開立新案件。\nPlease describe the new matter; your next message opens a new case."


def lead_received_text() -> str:
    return "已收到，將由專人確認後處理。\nReceived; our staff will review it."


def _state_label(case: Case) -> str:
    zh, _, en = str(State(case.state).label).partition(" / ")
    return _in(case, zh, en or zh)


def case_status_text(case: Case) -> str:
    # Like the status page: a chat (and a group chat even more) is no private place, so the
    # free texts go through the public scrubber.
    def label(zh: str, en: str) -> str:
        return _in(case, f"{zh}：", f"{en}: ")

    lines = [
        f"{label('案號', 'Case')}{case.number}",
        f"{label('主旨', 'Subject')}{scrub_public(case.subject, cases=[case])}",
        f"{label('狀態', 'Status')}{_state_label(case)}",
        f"{label('收件', 'Received')}{_local(case.received_at)}",
    ]
    if case.is_open:
        lines.append(f"{label('處理期限', 'Due')}{_local(case.due_at)}")
        if case.department_id:
            name = _in(case, case.department.name, case.department.name_en or case.department.name)
            lines.append(f"{label('承辦單位', 'Department')}{name}")
    elif case.closed_at:
        lines.append(f"{label('結案', 'Closed')}{_local(case.closed_at)}")
    if case.state == State.CLOSED and case.reply:
        lines.append(f"{label('答復', 'Reply')}{scrub_public(case.reply, cases=[case])[:1500]}")
    return "\n".join(lines)


def status_reply(*, channel: str, user_key: str, argument: str) -> str:
    """`查詢 CS-1151122-00001 [密碼]`: the user's own case, or another case with its password."""
    parts = argument.split()
    if not parts:
        return "請輸入案號，例如：查詢 CS-1151122-00001\nPlease give a case number."
    number = parts[0].strip().upper() if CASE_NUMBER_RE.fullmatch(parts[0].strip()) else parts[0].strip()
    found = chat_case_lookup(channel=channel, user_key=user_key, number=number, password=parts[1] if len(parts) > 1 else "")
    if found.wait:
        minutes = max(1, (found.wait + 59) // 60)
        return (
            f"查詢失敗次數過多，查詢已暫停，請於 {minutes} 分鐘後再試。\n"
            f"Too many failed lookups: lookups are paused for {minutes} minutes."
        )
    if found.case is None:
        return f"找不到案件 {number}（只能查詢您透過此帳號陳情的案件，或附上查詢密碼）。\nCase not found."
    return case_status_text(found.case)


def redact_status_command(text: str, argument: str) -> str:
    """The command as typed, with everything after the case number (the password) as ***.

    The stored inbound event keeps what was asked, never the password once it was checked.
    """
    parts = argument.split()
    if len(parts) < 2:
        return text
    at = text.find(parts[0])
    if at < 0:
        return text
    return text[: at + len(parts[0])] + " ***"


def my_cases_reply(*, channel: str, user_key: str) -> str:
    cases = list(chat_open_cases(channel=channel, user_key=user_key)[:10])
    if not cases:
        return "您目前沒有處理中的案件。\nYou have no open cases."
    lines = ["您處理中的案件 / Your open cases:"]
    for case in cases:
        lines.append(f"• {case.number} {_state_label(case)} — {scrub_public(case.subject, cases=[case])[:40]}（期限 due {_local(case.due_at)}）")
    return "\n".join(lines)


def _flag_key(channel: str, user_key: str) -> str:
    return f"casesys:chat:new-case:{channel}:{user_key}"


def request_new_case(*, channel: str, user_key: str) -> None:
    cache.set(_flag_key(channel, user_key), 1, NEW_CASE_FLAG_SECONDS)


def take_new_case_request(*, channel: str, user_key: str) -> bool:
    key = _flag_key(channel, user_key)
    if cache.get(key):
        cache.delete(key)
        return True
    return False
