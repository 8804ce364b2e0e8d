"""Petitioner identity: masking, permission to see it, and audited reveals.

行政程序法 §170 / 處理人民陳情案件要點 pt 18: identity is kept confidential when asked, and
every access to it is logged.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db import transaction

from casesys.cases.events import event_identity_revealed
from casesys.cases.models import Case, Petitioner
from casesys.org.models import Role
from casesys.org.roles import roles_of

MASK = "○"
IDENTITY_FIELDS = ("name", "phone", "email", "address", "contacts")


def mask_name(name: str) -> str:
    """王小明 → 王○明; 王明 → 王○; John Smith → J○○○ S○○○○."""
    name = (name or "").strip()
    if not name:
        return ""
    if re.search(r"[A-Za-z]", name):
        return " ".join(part[0] + MASK * (len(part) - 1) for part in name.split())
    if len(name) == 1:
        return MASK
    if len(name) == 2:
        return name[0] + MASK
    return name[0] + MASK * (len(name) - 2) + name[-1]


def mask_phone(phone: str) -> str:
    """0912345678 → 09xx-xxx-678; keeps the first two and last three digits."""
    digits = re.sub(r"\D", "", phone or "")
    if not digits:
        return ""
    if len(digits) <= 5:
        return "x" * len(digits)
    if digits.startswith("09") and len(digits) == 10:
        return f"09xx-xxx-{digits[-3:]}"
    return digits[:2] + "x" * (len(digits) - 5) + digits[-3:]


def mask_email(email: str) -> str:
    email = (email or "").strip()
    if "@" not in email:
        return MASK * 3 if email else ""
    local, _, domain = email.partition("@")
    return f"{local[:1]}{MASK * 3}@{domain}"


# A district marker counts only at the start of an address: an optional county or city
# (…縣 / …市, up to three characters), then a district, township or county-level city
# (…區 / …鄉 / …鎮 / …市, up to three characters). A leading postal code is dropped, not kept:
# five- and six-digit codes narrow the place down to a few streets.
_CJK = r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]"
_DISTRICT_AT_START = re.compile(
    rf"^\s*(?:[0-9０-９]{{3}}(?:[0-9０-９]{{2,3}})?\s*)?((?:{_CJK}{{1,3}}?[縣市])?{_CJK}{{1,3}}?[區鄉鎮市])"
)


def district_of(address: str) -> str:
    """The county/city and district at the start of an address, or "" when it has none there.

    臺北市中正區重慶南路一段122號 → 臺北市中正區; 花蓮縣花蓮市… → 花蓮縣花蓮市;
    重慶南路一段122號 → ""; 中山路10號新竹市 → "" (a district at the end is not trusted)."""
    m = _DISTRICT_AT_START.match(address or "")
    return m.group(1) if m else ""


def mask_address(address: str) -> str:
    """At most the district: 臺北市中正區重慶南路一段122號 → 臺北市中正區○○○; an address
    without a district at its start is masked whole (○○○)."""
    address = (address or "").strip()
    if not address:
        return ""
    return district_of(address) + MASK * 3


def mask_id(value: str) -> str:
    value = value or ""
    return (value[:3] + MASK * 3) if value else ""


# --- personal data in free text ---------------------------------------------------------------
#
# The description of a confidential case is shown with identifying numbers masked. The
# scrubber is a catalogue of compiled patterns, tried in order (the most specific first), so
# a new kind of identifier is one more entry. Python's `\d` also matches full-width digits
# (０-９); letters and separators list their full-width forms explicitly.
#
# Boundaries are lookarounds on ASCII/full-width letters and digits, never `\b`: CJK
# characters are word characters too, so "身分證A123456789" has no `\b` before the "A".

_ALNUM = "A-Za-z0-9Ａ-Ｚａ-ｚ０-９"
_LETTER = "A-Za-zＡ-Ｚａ-ｚ"
_SEP = r"[-‐‑‒–—－\s.．]"  # hyphens and dashes, full-width hyphen, spaces, dots
_NOT_BEFORE = rf"(?<![{_ALNUM}])"
_NOT_AFTER_DIGIT = r"(?![0-9０-９])"
# Phone numbers may follow a letter ("TEL0912345678"), never another digit.
_NOT_BEFORE_DIGIT = r"(?<![0-9０-９])"
_EXT = r"(?:\s*(?:[#＃]|分機|轉|ext\.?|x)\s*\d{1,6})?"
_PLUS_886 = r"(?:[+＋]\s*|00)?886"


def _mask_national_id(raw: str) -> str:
    return raw[:1] + MASK * (len(raw) - 1)


def _mask_phone_match(raw: str) -> str:
    text = unicodedata.normalize("NFKC", raw)
    main = re.split(r"(?:#|分機|轉|ext\.?|x(?=\s*\d))", text, maxsplit=1, flags=re.IGNORECASE)[0]
    digits = re.sub(r"\D", "", main)
    if digits.startswith("886"):
        digits = "0" + digits[3:].lstrip("0")
    elif digits.startswith("00886"):
        digits = "0" + digits[5:].lstrip("0")
    masked = mask_phone(digits)
    return masked + ("#xxx" if main != text else "")


def _mask_email_match(raw: str) -> str:
    local, _, domain = unicodedata.normalize("NFKC", raw).partition("@")
    return f"{local[:1]}{MASK * 3}@{domain}"


# House numbers: what follows a road, street, section, lane or alley (…路…段…巷…弄…號…樓).
# The numbers of lanes, alleys and the house become ○ and the floor and room are dropped:
# 中正路100號3樓 → 中正路○號, 中正路100巷5弄3號 → 中正路○巷○弄○號. Sections (一段) stay: they
# span whole blocks. A number only counts after one of those markers (or 鄰 after 里/村), so
# dates (三月十號) and other numbered things (路燈編號 12345) are left alone.
_NUM = r"(?:[0-9０-９]+|[一二三四五六七八九十百千零〇兩]+)"
_NUM_X = rf"{_NUM}(?:\s*(?:之|[-－‐])\s*{_NUM})?"
_HOUSE_NUMBER = re.compile(
    rf"(?:(?<=[路街道段巷弄衖鄰村里])|(?<=大道))\s*"
    rf"(?:(?:{_NUM_X}\s*[巷弄衖]\s*)*{_NUM_X}\s*[號号]"
    rf"(?:\s*(?:{_NUM_X}\s*(?:樓|層|[FfＦｆ](?![A-Za-z]))|[BbＢｂ]\s*{_NUM}\s*(?:樓|層)?|{_NUM}\s*室|之\s*{_NUM}))*"
    rf"|(?:{_NUM_X}\s*[巷弄衖]\s*)+)"
    rf"|(?<=[里村]){_NUM}\s*鄰"
)


def _mask_house_number(raw: str) -> str:
    units = re.findall(r"[巷弄衖號号鄰]", raw)
    return "".join(MASK + unit for unit in units)


@dataclass(frozen=True)
class PersonalDataPattern:
    name: str
    pattern: re.Pattern[str]
    mask: Callable[[str], str]


PERSONAL_DATA_PATTERNS: tuple[PersonalDataPattern, ...] = (
    PersonalDataPattern(
        "email",
        re.compile(rf"(?<![{_ALNUM}._%+\-])[{_ALNUM}._%+\-]+[@＠][{_ALNUM}.\-]+[.．][{_LETTER}]{{2,}}"),
        _mask_email_match,
    ),
    # 身分證字號 (letter + 1/2 + 8 digits) and 居留證號: the old format (two letters + 8
    # digits) and the 2021 format (letter + 8/9 + 8 digits).
    PersonalDataPattern(
        "national_id",
        re.compile(rf"{_NOT_BEFORE}[{_LETTER}](?:[12１２89８９]|[A-Da-dＡ-Ｄａ-ｄ])\d{{8}}{_NOT_AFTER_DIGIT}"),
        _mask_national_id,
    ),
    # Mobile: 0912-345-678, 0912 345 678, 0912345678, (0912)345-678, +886 912 345 678.
    PersonalDataPattern(
        "mobile",
        re.compile(
            rf"{_NOT_BEFORE_DIGIT}(?:{_PLUS_886}{_SEP}?(?:\(0\)|0)?|[(（]?[0０])[9９]\d{{2}}[)）]?"
            rf"{_SEP}?\d{{3}}{_SEP}?\d{{3}}{_NOT_AFTER_DIGIT}"
        ),
        _mask_phone_match,
    ),
    # Landline with area code: (02)2345-6789, （02）2345 6789, 02-2345-6789#123, +886-2-2345-6789,
    # 049-2345678, 0223456789 (also with full-width digits).
    PersonalDataPattern(
        "landline",
        re.compile(
            rf"{_NOT_BEFORE_DIGIT}(?:"
            rf"[(（]\s*[0０]\d{{1,3}}\s*[)）]\s*\d{{3,4}}{_SEP}?\d{{4}}"
            rf"|{_PLUS_886}{_SEP}?(?:\(0\))?[2-8２-８]\d{{0,2}}{_SEP}?\d{{3,4}}{_SEP}?\d{{4}}"
            rf"|[0０][2-8２-８]\d{{0,2}}{_SEP}\d{{3,4}}{_SEP}?\d{{4}}"
            rf"|[0０][2-8２-８]\d{{1,2}}{_SEP}\d{{6}}"  # 3-digit area codes with 6-digit numbers (037-123456)
            rf"|[0０][2-8２-８]\d{{7,8}}"
            rf"){_EXT}{_NOT_AFTER_DIGIT}",
            re.IGNORECASE,
        ),
        _mask_phone_match,
    ),
    PersonalDataPattern("house_number", _HOUSE_NUMBER, _mask_house_number),
)


def mask_personal_data(text: str, *, known: Iterable[str] = (), kinds: Iterable[str] | None = None) -> str:
    """The text with ID numbers, phone numbers, e-mail addresses and house numbers masked.

    `known`: further strings to hide wherever they appear (e.g. the petitioner's own name
    and address as recorded), replaced by ○ before the patterns run, so a known address is
    hidden whole. `kinds`: only these catalogue entries (by name); all of them by default."""
    if not text:
        return text or ""
    for value in sorted({v.strip() for v in known if v and len(v.strip()) >= 2}, key=len, reverse=True):
        text = text.replace(value, MASK * len(value))
    wanted = None if kinds is None else set(kinds)
    for entry in PERSONAL_DATA_PATTERNS:
        if wanted is None or entry.name in wanted:
            text = entry.pattern.sub(lambda m, mask=entry.mask: mask(m.group(0)), text)
    return text


def known_personal_data(*cases: Case | None) -> list[str]:
    """What the cases record about their petitioners and co-petitioners (names, addresses,
    phones, e-mail addresses): hidden wherever it appears in text shown to the public."""
    values: list[str] = []
    for case in cases:
        if case is None:
            continue
        people = [case.petitioner] if case.petitioner_id and case.petitioner is not None else []
        if case.pk is not None:
            people.extend(case.co_petitioners.all())
        for pet in people:
            values.extend(v for v in (pet.name, pet.address, pet.phone, pet.email) if v)
    return values


def scrub_public(text: str | None, *, cases: Iterable[Case | None] = (), kinds: Iterable[str] | None = None) -> str:
    """Free text on its way to a public output (Open311, the status page and track API, the
    chat status reply, open data): every catalogue entry masked, and whatever the given cases
    record about their petitioners. The one scrubber for everything that leaves the desk."""
    text = mask_personal_data(text or "", known=known_personal_data(*cases), kinds=kinds)
    # A subject cut short ("…") may end in half a phone or ID number that no pattern sees whole.
    return _TRUNCATED_NUMBER.sub(MASK * 3 + "…", text)


_TRUNCATED_NUMBER = re.compile(rf"[{_ALNUM}+＋()（）#＃@＠._%\-－\s]*[0-9０-９]{{3}}[{_ALNUM}()（）\-－.．\s]*…$")


def description_for(user, case: Case, *, revealed: bool = False) -> str:
    """The case description as this user sees it: for a confidential case, personal data
    masked (like the petitioner fields) unless the caller has just revealed it."""
    if not case.confidential or revealed:
        return case.description
    pet = case.petitioner
    known = (pet.name, pet.address) if pet is not None else ()
    return mask_personal_data(case.description, known=known)


def may_view_identity(user, case: Case) -> bool:
    """Whether the caller sees identity unmasked without an explicit reveal."""
    if case.confidential:
        return False
    roles = roles_of(user)
    if Role.ADMIN in roles:
        return True
    if user.has_perm("cases.view_identity"):
        return True
    # The officer handling the case and intake staff need contact details to do their job.
    if Role.INTAKE in roles:
        return True
    if case.assignee_id is not None and case.assignee_id == user.pk:
        return True
    return False


def may_reveal_identity(user, case: Case) -> bool:
    """Whether the caller may press "reveal" (audited) to see the identity."""
    if case.confidential:
        return user.has_perm("cases.reveal_confidential") or Role.ADMIN in roles_of(user)
    return may_view_identity(user, case) or Role.SUPERVISOR in roles_of(user)


@dataclass(frozen=True)
class PetitionerView:
    name: str
    phone: str
    email: str
    address: str
    # Addresses on connector channels (chat ids, SMS numbers), each masked by its channel's
    # rule (`casesys.common.channels.masker`) in the masked view.
    contacts: tuple[dict, ...]
    masked: bool
    confidential: bool
    can_reveal: bool

    def as_dict(self) -> dict:
        return {
            "name": self.name,
            "phone": self.phone,
            "email": self.email,
            "address": self.address,
            "contacts": [dict(c) for c in self.contacts],
            "masked": self.masked,
            "confidential": self.confidential,
            "can_reveal": self.can_reveal,
        }


def _contacts(pet: Petitioner, *, masked: bool) -> tuple[dict, ...]:
    from casesys.cases.addresses import petitioner_contacts
    from casesys.common.channels import label, masker

    return tuple(
        {
            "channel": row.channel,
            "label": str(label(row.channel)),
            "address": masker(row.channel)(row.address) if masked else row.address,
            "verified": row.verified,
            "opted_out": row.opted_out,
        }
        for row in petitioner_contacts(pet)
    )


def masked_view(
    pet: Petitioner | None, *, confidential: bool, can_reveal: bool, contacts: bool = True
) -> PetitionerView | None:
    if pet is None:
        return None
    return PetitionerView(
        name=mask_name(pet.name),
        phone=mask_phone(pet.phone),
        email=mask_email(pet.email),
        address=mask_address(pet.address),
        contacts=_contacts(pet, masked=True) if contacts else (),
        masked=True,
        confidential=confidential,
        can_reveal=can_reveal,
    )


def clear_view(pet: Petitioner, *, confidential: bool, contacts: bool = True) -> PetitionerView:
    return PetitionerView(
        name=pet.name,
        phone=pet.phone,
        email=pet.email,
        address=pet.address,
        contacts=_contacts(pet, masked=False) if contacts else (),
        masked=False,
        confidential=confidential,
        can_reveal=False,
    )


def petitioner_for(user, case: Case, *, contacts: bool = True) -> PetitionerView | None:
    """The petitioner as this user may see it without revealing (no audit needed).

    `contacts=False` leaves out the connector addresses (one query per petitioner): lists,
    exports and pages that show only name, phone, e-mail and address."""
    pet = case.petitioner
    if pet is None:
        return None
    if may_view_identity(user, case):
        return clear_view(pet, confidential=case.confidential, contacts=contacts)
    return masked_view(
        pet, confidential=case.confidential, can_reveal=may_reveal_identity(user, case), contacts=contacts
    )


class RevealNotAllowed(Exception):
    pass


def identity_reveal(*, case: Case, by) -> PetitionerView | None:
    """Show the identity in clear and write who saw it, when and for which case."""
    if not may_reveal_identity(by, case):
        raise RevealNotAllowed("您沒有檢視陳情人身分的權限 / You may not see the petitioner's identity.")
    pet = case.petitioner
    # A confidential case's description is masked too, so revealing shows (and logs) it,
    # even when the petitioner left no identity fields.
    fields = list(IDENTITY_FIELDS) if pet is not None else []
    if case.confidential:
        fields.append("description")
    if not fields:
        return None
    with transaction.atomic():
        event_identity_revealed(case=case, actor=by, fields=fields)
    return clear_view(pet, confidential=case.confidential) if pet is not None else None


def petitioner_row(user, case: Case) -> dict[str, str]:
    """Identity columns for a list or export row: clear only for callers who may see it
    without a reveal, masked otherwise (never audited, never unmasked by a flag).

    Exports and lists must use this (or `petitioner_for`), never read `case.petitioner`."""
    view = petitioner_for(user, case, contacts=False)
    if view is None:
        return {"name": "", "phone": "", "email": "", "address": ""}
    return {"name": view.name, "phone": view.phone, "email": view.email, "address": view.address}
