"""What a case looks like to the public through Open311: no personal data.

- `description` is the case subject with e-mail addresses, phone numbers, national ID
  numbers and the petitioner's name masked; the full text never leaves the system.
- `status_notes` is the approved reply (same masking) once the case is closed, otherwise
  the latest line of the citizen timeline (已分派承辦單位：路燈科 …).
- Confidential cases (身分保密) show no description, only the district part of the address
  and no coordinates: the place could identify the petitioner.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.utils import timezone

from casesys.cases.identity import MASK, mask_address, mask_name
from casesys.cases.models import OPEN_STATES, Case, Category, State

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# Taiwanese mobile/landline numbers, with or without +886, dashes, spaces or brackets.
_PHONE = re.compile(r"(?:\+?886[\s-]?|\(?0)\d{1,2}\)?(?:[\s-]?\d){6,8}")
_NATIONAL_ID = re.compile(r"\b[A-Z][1289]\d{8}\b")


def scrub(text: str, *, names: list[str] | None = None) -> str:
    text = text or ""
    text = _EMAIL.sub(MASK * 3, text)
    text = _NATIONAL_ID.sub(MASK * 3, text)
    text = _PHONE.sub(MASK * 3, text)
    for name in names or []:
        name = (name or "").strip()
        if len(name) >= 2:
            text = text.replace(name, mask_name(name))
    return text


def iso(value: dt.datetime | None) -> str | None:
    """ISO 8601 with the local offset (2025-11-22T10:30:00+08:00), as GeoReport v2 requires."""
    if value is None:
        return None
    return timezone.localtime(value).replace(microsecond=0).isoformat()


def open311_status(case: Case) -> str:
    return "open" if case.state in OPEN_STATES else "closed"


def service_dict(category: Category) -> dict[str, Any]:
    return {
        "service_code": category.code,
        "service_name": category.name,
        "description": category.name_en or category.name,
        "metadata": False,
        "type": "realtime",
        "keywords": "",
        "group": category.parent.name if category.parent_id else "",
    }


def request_dict(case: Case) -> dict[str, Any]:
    names = [case.petitioner.name] if case.petitioner_id and case.petitioner else []
    if case.state == State.CLOSED and case.reply:
        notes = scrub(case.reply, names=names)
    else:
        notes = getattr(case, "last_public_text", "") or ""
    confidential = case.confidential
    return {
        "service_request_id": case.number,
        "status": open311_status(case),
        "status_notes": notes,
        "service_name": case.category.name,
        "service_code": case.category.code,
        "description": "" if confidential else scrub(case.subject, names=names),
        "agency_responsible": case.department.name if case.department_id else "",
        "service_notice": "",
        "requested_datetime": iso(case.received_at),
        "updated_datetime": iso(case.updated_at),
        "expected_datetime": iso(case.due_at),
        "address": mask_address(case.address) if confidential else case.address,
        "address_id": "",
        "zipcode": "",
        "lat": None if confidential or case.lat is None else float(case.lat),
        "long": None if confidential or case.lng is None else float(case.lng),
        "media_url": "",
    }
