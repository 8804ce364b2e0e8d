"""A petitioner's addresses on connector channels (`ContactAddress`): recording, deriving,
opting out, and finding the people behind an address.

The channel itself is described in the registry (`casesys.common.channels`); this module
never names one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from casesys.cases.models import ContactAddress, Petitioner
from casesys.common import channels


def _clean(channel: str, address: Any) -> tuple[str, str]:
    channel, address = str(channel or "").strip(), str(address or "").strip()
    if channels.get(channel) is None:
        raise ValidationError({"contacts": [f"未知的管道 / Unknown channel: {channel[:20]}"]})
    if not address or len(address) > 320:
        raise ValidationError({"contacts": ["聯絡位址不正確 / Invalid contact address."]})
    return channel, address


def _opted_out_elsewhere(channel: str, address: str) -> bool:
    # An opt-out belongs to the address, not to one petitioner row: a number that answered
    # STOP stays silent when the same person calls again and a new petitioner is recorded.
    return ContactAddress.objects.filter(channel=channel, address=address, opted_out=True).exists()


def contact_address_add(
    *, petitioner: Petitioner, channel: str, address: str, verified: bool = False, now: dt.datetime | None = None
) -> ContactAddress:
    channel, address = _clean(channel, address)
    with transaction.atomic():
        row, created = ContactAddress.objects.get_or_create(
            petitioner=petitioner,
            channel=channel,
            address=address,
            defaults={"verified": verified, "created_at": now or timezone.now()},
        )
        if created and _opted_out_elsewhere(channel, address):
            row.opted_out, row.opted_out_at = True, now or timezone.now()
            row.save(update_fields=["opted_out", "opted_out_at"])
        elif verified and not row.verified:
            row.verified = True
            row.save(update_fields=["verified"])
    return row


def contact_addresses_record(
    *, petitioner: Petitioner, contacts: Iterable[dict[str, Any]] = (), now: dt.datetime | None = None
) -> list[ContactAddress]:
    """Record the given addresses and the ones channels derive from the petitioner's phone or
    e-mail (e.g. SMS from a mobile number)."""
    rows = [
        contact_address_add(
            petitioner=petitioner,
            channel=item.get("channel", ""),
            address=item.get("address", ""),
            verified=bool(item.get("verified")),
            now=now,
        )
        for item in contacts
    ]
    for spec in channels.registry().values():
        if spec.address_from:
            derived = channels.derived_address(spec, phone=petitioner.phone, email=petitioner.email)
            if derived:
                rows.append(contact_address_add(petitioner=petitioner, channel=spec.name, address=derived, now=now))
    return rows


def contact_opt_out(*, channel: str, address: str, now: dt.datetime | None = None) -> int:
    """Stop messaging `address` on `channel` for every petitioner holding it; returns rows changed."""
    channel, address = _clean(channel, address)
    return ContactAddress.objects.filter(channel=channel, address=address, opted_out=False).update(
        opted_out=True, opted_out_at=now or timezone.now()
    )


def contact_opt_in(*, channel: str, address: str) -> int:
    channel, address = _clean(channel, address)
    return ContactAddress.objects.filter(channel=channel, address=address, opted_out=True).update(
        opted_out=False, opted_out_at=None
    )


# --- reads -----------------------------------------------------------------------------------


def at_address_q(channel: str, address: str, *, prefix: str = "") -> Q:
    """Rows (petitioners, or cases with prefix="petitioner__") reachable at this address."""
    return Q(**{f"{prefix}contacts__channel": channel, f"{prefix}contacts__address": str(address)})


def petitioner_contacts(petitioner: Petitioner | None) -> list[ContactAddress]:
    if petitioner is None:
        return []
    cached = getattr(petitioner, "_prefetched_objects_cache", {}).get("contacts")
    rows = list(cached) if cached is not None else list(petitioner.contacts.order_by("channel", "id"))
    return rows


def usable_contacts(petitioner: Petitioner | None) -> QuerySet[ContactAddress]:
    return ContactAddress.objects.filter(petitioner=petitioner, opted_out=False).order_by("id")
