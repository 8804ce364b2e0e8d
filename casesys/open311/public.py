"""What a case looks like to the public through Open311: no personal data.

- `description` is the case subject through the shared public scrubber
  (`casesys.cases.identity.scrub_public`: ID numbers, phone numbers, e-mail addresses, house
  numbers and what the case records about its petitioners masked); the full text never
  leaves the system.
- `status_notes` is the approved reply (same scrubber) once the case is closed, otherwise
  the latest line of the citizen timeline (已分派承辦單位：路燈科 …), scrubbed too: its
  fill-ins (the agency a case was transferred to) are typed by staff.
- `address` is where the problem is: shown as given, with phone and ID numbers masked.
- Confidential cases (身分保密) show no description, only the district at the start of the
  address (`mask_address`) and no coordinates: the place could identify the petitioner.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from casesys.cases.identity import mask_address, scrub_public
from casesys.cases.models import OPEN_STATES, Case, Category, State

# The location of an ordinary case is published to the house number (that is the point of
# a GeoReport); anything else personal typed into it is still masked.
_ADDRESS_KINDS = ("email", "national_id", "mobile", "landline")


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
    if case.state == State.CLOSED and case.reply:
        notes = scrub_public(case.reply, cases=[case])
    else:
        notes = scrub_public(getattr(case, "last_public_text", "") or "", cases=[case])
    confidential = case.confidential
    return {
        "service_request_id": case.number,
        "status": open311_status(case),
        "status_notes": notes,
        "service_name": case.category.name,
        "service_code": case.category.code,
        "description": "" if confidential else scrub_public(case.subject, cases=[case]),
        "agency_responsible": case.department.name if case.department_id else "",
        "service_notice": "",
        "requested_datetime": iso(case.received_at),
        "updated_datetime": iso(case.updated_at),
        "expected_datetime": iso(case.due_at),
        "address": mask_address(case.address) if confidential else scrub_public(case.address, kinds=_ADDRESS_KINDS),
        "address_id": "",
        "zipcode": "",
        "lat": None if confidential or case.lat is None else float(case.lat),
        "long": None if confidential or case.lng is None else float(case.lng),
        "media_url": "",
    }
