"""三竹資訊 (Mitake) HTTP API: `SmSend`, `SmQuery` and the delivery-status callback.

Why a client of our own rather than the `mitake` package (0.9.2) on PyPI, reviewed for this
channel: its `send_sms` cannot pass `clientid` (idempotent resends) nor `response` (delivery
callbacks) and posts a `msgid` field SmSend does not take; it sets no timeout (a hung gateway
would hold a worker); it puts the account password in the query string, where it reaches
proxy logs and its own exception texts; it reads credentials from the environment itself;
it parses only one result line; and its wheel installs a top-level `tests` package that
shadows ours. Development status "Alpha". The API is three form posts, written here.

Request: ``POST {base}/api/mtk/SmSend?CharsetURL=UTF8`` (form: username, password, dstaddr,
smbody, clientid, response). Answer, one section per message::

    [1]
    msgid=1234567890
    statuscode=1
    AccountPoint=98

(``Duplicate=Y`` when the clientid was used within the last 12 hours: the earlier message
stands and nothing was sent twice.) The credentials travel in the body, never in the URL.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

import httpx
from django.conf import settings

from integrations.sms.providers import DeliveryReport, Provider, ProviderError, Reply, SendResult

logger = logging.getLogger(__name__)

# statuscode of SmSend: accepted (reserved, at the carrier, delivered).
ACCEPTED = {"0", "1", "2", "3", "4"}
# Errors that may pass (service paused, billing hiccup): the outbox retries with back-off.
TEMPORARY = {"*", "a", "b", "r", "s"}
# Everything else is permanent for this message: account problems stay until an operator
# acts (and the citizen is called meanwhile), a bad number or empty text never improves.
ERRORS = {
    "*": ("系統發生錯誤", "gateway system error"),
    "a": ("簡訊發送功能暫時停止服務", "sending temporarily unavailable"),
    "b": ("簡訊發送功能暫時停止服務", "sending temporarily unavailable"),
    "c": ("未提供帳號", "username missing"),
    "d": ("未提供密碼", "password missing"),
    "e": ("帳號、密碼錯誤", "wrong username or password"),
    "f": ("帳號已過期", "account expired"),
    "h": ("帳號已被停用", "account disabled"),
    "k": ("無效的連線位址", "connection address not allowed"),
    "m": ("必須變更密碼", "password must be changed"),
    "n": ("密碼已逾期", "password expired"),
    "p": ("沒有權限使用外部 HTTP 程式", "no permission for the HTTP API"),
    "r": ("系統暫停服務", "gateway paused"),
    "s": ("帳務處理失敗", "billing failed (points?)"),
    "t": ("簡訊已過期", "message expired"),
    "u": ("簡訊內容不得為空白", "empty message"),
    "v": ("無效的手機號碼", "invalid mobile number"),
}
# statuscode of a delivery report (StatusFlag carries the same digit).
DELIVERED = {"4"}
UNDELIVERABLE = {
    "5": ("內容有錯誤", "content error"),
    "6": ("門號有錯誤", "number error"),
    "7": ("簡訊已停用", "SMS disabled for the number"),
    "8": ("逾時無送達", "not delivered in time"),
    "9": ("預約已取消", "cancelled"),
}


def parse_sections(text: str) -> tuple[list[dict[str, str]], dict[str, str]]:
    """The INI-like answer: ([per-message fields], fields outside any section)."""
    sections: list[dict[str, str]] = []
    loose: dict[str, str] = {}
    current: dict[str, str] | None = None
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        if line.startswith("[") and line.endswith("]"):
            current = {}
            sections.append(current)
            continue
        key, sep, value = line.partition("=")
        if not sep:
            continue
        if key == "AccountPoint" or current is None:
            loose[key] = value
        else:
            current[key] = value
    return sections, loose


class MitakeProvider(Provider):
    name = "mitake"

    def __init__(self) -> None:
        self.base_url = settings.MITAKE_BASE_URL.rstrip("/")
        self.username = settings.MITAKE_USERNAME
        self.password = settings.MITAKE_PASSWORD
        self.timeout = settings.MITAKE_TIMEOUT_SECONDS

    def is_configured(self) -> bool:
        return bool(self.username and self.password)

    def _post(self, endpoint: str, data: dict[str, str]) -> str:
        try:
            response = httpx.post(
                f"{self.base_url}/api/mtk/{endpoint}",
                params={"CharsetURL": "UTF8"},
                data={"username": self.username, "password": self.password, **data},
                timeout=self.timeout,
            )
        except httpx.HTTPError as exc:
            # Only the exception's type: its text may hold the URL; the body holds the secret.
            raise ProviderError(f"三竹無法連線 / Mitake unreachable ({type(exc).__name__})") from exc
        if response.status_code != 200:
            raise ProviderError(f"三竹回應 HTTP {response.status_code} / Mitake answered HTTP {response.status_code}")
        return response.content.decode("utf-8", errors="replace")

    def send(self, *, to: str, text: str, client_id: str, callback_url: str = "") -> SendResult:
        data = {"dstaddr": to, "smbody": text, "clientid": client_id[:36]}
        if callback_url:
            data["response"] = callback_url
        sections, loose = parse_sections(self._post("SmSend", data))
        result = sections[0] if sections else loose
        code = result.get("statuscode", "")
        balance = _int(loose.get("AccountPoint"))
        if code in ACCEPTED and result.get("msgid"):
            return SendResult(result["msgid"], duplicate=result.get("Duplicate") == "Y", balance=balance)
        if not code:
            raise ProviderError("三竹回應無法解讀 / unreadable Mitake answer")
        raise refused(code)

    def balance(self) -> int:
        sections, loose = parse_sections(self._post("SmQuery", {}))
        points = _int(loose.get("AccountPoint"))
        if points is None:
            raise refused((sections[0] if sections else loose).get("statuscode", ""))
        return points

    def parse_report(self, params: Mapping[str, str]) -> DeliveryReport | None:
        message_id = (params.get("msgid") or "").strip()
        if not message_id:
            return None
        code = (params.get("statuscode") or params.get("StatusFlag") or "").strip()
        if code in DELIVERED:
            return DeliveryReport(message_id, code, True, "已送達手機 / delivered")
        if code in UNDELIVERABLE:
            zh, en = UNDELIVERABLE[code]
            detail = f"簡訊無法送達：{zh}（三竹 statuscode={code}） / SMS undeliverable: {en} (Mitake statuscode={code})"
            return DeliveryReport(message_id, code, False, detail)
        return DeliveryReport(message_id, code, None)

    def parse_reply(self, params: Mapping[str, str]) -> Reply | None:
        # Two-way SMS (雙向簡訊): the citizen's number is the source address.
        sender = (params.get("srcaddr") or params.get("SrcAddr") or "").strip()
        text = params.get("smbody") or params.get("SmBody") or ""
        message_id = (params.get("msgid") or params.get("MsgID") or "").strip()
        if not sender or not message_id:
            return None
        return Reply(message_id, sender, text)

    def callback_answer(self, report: DeliveryReport | None) -> str:
        # Mitake resends a report until it gets this acknowledgement back.
        return f"magicid=sms_gateway_rpack\nmsgid={report.message_id if report else ''}\n"


def refused(code: str) -> ProviderError:
    """The error for a statuscode, in both languages (the case page shows one of them)."""
    zh, en = ERRORS.get(code, ("未知的狀態碼", "unknown status code"))
    return ProviderError(
        f"三竹拒收：{zh}（statuscode={code}） / Mitake refused: {en} (statuscode={code})",
        permanent=code not in TEMPORARY,
        code=code,
    )


def _int(value: str | None) -> int | None:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return None
