"""Writes for Open311: issuing partner keys and creating service requests (cases)."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from casesys.cases.models import Case, Channel, Petitioner
from casesys.cases.services import case_intake
from casesys.common.limits import FailureLimiter
from casesys.open311.models import PartnerApp, RequestToken, hash_api_key
from casesys.open311.selectors import service_get


class Open311Error(Exception):
    """An error in the GeoReport v2 error format: HTTP status, `code` and `description`."""

    def __init__(self, status: int, description: str, *, retry_after: int | None = None):
        super().__init__(description)
        self.status = status
        self.description = description
        self.retry_after = retry_after


@dataclass(frozen=True)
class CreatedRequest:
    case: Case
    token: str


def partner_app_create(*, name: str, organisation: str = "", contact_email: str = "") -> tuple[PartnerApp, str]:
    """Register a partner application; returns (app, key). The key is shown only this once."""
    app = PartnerApp(name=name.strip(), organisation=organisation.strip(), contact_email=contact_email.strip())
    key = app.set_new_key()
    app.full_clean()
    app.save()
    return app, key


def partner_key_rotate(*, app: PartnerApp) -> str:
    key = app.set_new_key()
    app.save(update_fields=["key_hash", "key_hint"])
    return key


def _key_failures() -> FailureLimiter:
    return FailureLimiter(
        scope="open311-key", limit=settings.OPEN311_KEY_MAX_FAILURES, window=settings.OPEN311_KEY_FAILURE_WINDOW_SECONDS
    )


def _too_many(wait: int, zh: str, en: str) -> Open311Error:
    return Open311Error(429, f"{zh}，請於 {wait} 秒後再試 / {en}; try again in {wait} s", retry_after=wait)


def partner_authenticate(api_key: str | None, *, client: str) -> PartnerApp:
    """The active partner app holding `api_key`. Failures are counted per client address, so
    guessing keys is refused (429) long before it could succeed."""
    failures = _key_failures()
    wait = failures.retry_after(client)
    if wait:
        raise _too_many(wait, "api_key 錯誤次數過多", "Too many invalid api_key attempts")
    if not api_key:
        failures.record_failure(client)
        raise Open311Error(403, "缺少 api_key / api_key was not provided")
    app = PartnerApp.objects.filter(key_hash=hash_api_key(api_key.strip()), active=True).first()
    if app is None:
        failures.record_failure(client)
        raise Open311Error(403, "api_key 無效 / Invalid api_key")
    return app


def partner_rate_check(*, partner: PartnerApp) -> None:
    """At most OPEN311_POST_PER_MINUTE new requests per partner and minute: a runaway client
    cannot flood the intake queue (every request becomes a case with a legal deadline)."""
    limiter = FailureLimiter(scope="open311-post", limit=settings.OPEN311_POST_PER_MINUTE, window=60)
    wait = limiter.retry_after(str(partner.pk))
    if wait:
        raise _too_many(wait, "送件過於頻繁", "Too many requests with this api_key")
    limiter.record(str(partner.pk))


def district_from_address(address: str) -> str:
    """臺北市中山區中山北路… → 中山區: the district follows the city or county name."""
    address = (address or "").strip()
    after_city = re.split(r"[市縣]", address, maxsplit=1)
    tail = after_city[1] if len(after_city) == 2 else address
    m = re.match(r"([^\s0-9０-９]{1,3}?[區鄉鎮市])", tail)
    return m.group(1) if m else ""


def _decimal(value: str | None, field: str, low: int, high: int) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise Open311Error(400, f"{field} 不是數字 / {field} is not a number") from None
    if not number.is_finite() or not (low <= number <= high):
        raise Open311Error(400, f"{field} 超出範圍 / {field} is out of range")
    return number.quantize(Decimal("0.000001"))


def _petitioner(params: dict[str, str]) -> dict[str, Any] | None:
    first = (params.get("first_name") or "").strip()
    last = (params.get("last_name") or "").strip()
    # Chinese names put the family name first and have no space; Latin names the reverse.
    if re.search(r"[A-Za-z]", first + last):
        name = " ".join(p for p in (first, last) if p)
    else:
        name = f"{last}{first}"
    email = (params.get("email") or "").strip()
    if email:
        email_max = Petitioner._meta.get_field("email").max_length
        if len(email) > email_max:
            raise Open311Error(400, f"email 過長（上限 {email_max} 字元）/ email is too long ({email_max} characters max)")
        try:
            validate_email(email)
        except ValidationError:
            raise Open311Error(400, "email 格式錯誤 / email is not a valid address") from None
    phone = (params.get("phone") or "").strip()
    if not (name or email or phone):
        return None
    return {"name": name, "email": email, "phone": phone}


def open311_request_create(*, partner: PartnerApp, params: dict[str, str]) -> CreatedRequest:
    """POST requests: validate the GeoReport parameters, then intake a case (channel open311).

    The case then runs the normal workflow: automatic routing by category, and the
    acknowledgement (case number and 查詢密碼) goes to the petitioner's e-mail through the
    notification receivers of the `created` event, as for any other channel.
    """
    code = (params.get("service_code") or "").strip()
    if not code:
        raise Open311Error(400, "缺少 service_code / service_code was not provided")
    category = service_get(code)
    if category is None:
        raise Open311Error(400, f"找不到服務 / service_code not found: {code}")
    lat = _decimal(params.get("lat"), "lat", -90, 90)
    lng = _decimal(params.get("long"), "long", -180, 180)
    address = (params.get("address_string") or "").strip()
    address_id = (params.get("address_id") or "").strip()
    if (lat is None) != (lng is None):
        raise Open311Error(400, "lat 與 long 須同時提供 / lat and long must be given together")
    if lat is None and not address and not address_id:
        raise Open311Error(
            400, "須提供位置（lat/long 或 address_string）/ A location is required (lat & long, or address_string)"
        )
    description = (params.get("description") or "").strip()
    if not description:
        raise Open311Error(400, "缺少 description / description was not provided")
    if len(description) > 4000:
        raise Open311Error(400, "description 過長（上限 4000 字）/ description is too long (4000 characters max)")
    petitioner = _petitioner(params)
    first_line = description.splitlines()[0].strip()
    subject = first_line if len(first_line) <= 60 else first_line[:59] + "…"
    location = {
        "address": address or (f"address_id {address_id}" if address_id else ""),
        "district": district_from_address(address),
        "lat": lat,
        "lng": lng,
    }
    with transaction.atomic():
        try:
            result = case_intake(
                channel=Channel.OPEN311,
                category=category,
                subject=subject,
                description=description,
                petitioner=petitioner,
                location=location,
                external_ref=f"open311:{partner.pk}",
            )
        except ValidationError as exc:
            messages = [m for msgs in exc.message_dict.values() for m in msgs] if hasattr(exc, "error_dict") else exc.messages
            raise Open311Error(400, "; ".join(messages)) from None
        token = RequestToken.objects.create(token=secrets.token_urlsafe(16), case=result.case, partner=partner)
        PartnerApp.objects.filter(pk=partner.pk).update(
            last_used_at=timezone.now(), requests_created=F("requests_created") + 1
        )
    return CreatedRequest(case=result.case, token=token.token)
