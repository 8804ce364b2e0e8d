"""補充陳情: a citizen adds information or attachments to their open case from the portal.

The text is kept as an inbound `CaseMessage` (kind ``supplement``), the files as the case's
attachments (the mailbox's validation: `casesys.cases.attachments`), and a
``citizen_supplement`` event puts both on the timeline, which tells the handling officer (or,
unassigned, the department's officers: `casesys.notifications.staff_receivers`). A case that
is no longer open takes nothing: the citizen writes a new letter instead.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from casesys.cases.attachments import attachment_validate, attachments_discard, attachments_save
from casesys.cases.events import event_citizen_supplement
from casesys.cases.identity import mask_personal_data
from casesys.cases.models import OPEN_STATES, Attachment, Case, CaseMessage, Channel

SUPPLEMENT_MAX_CHARS = 5000
MESSAGE_KIND = "supplement"
CLOSED_MESSAGE = (
    "此案件已結案，無法再補充資料；如有新的情形，請另行陳情（首長信箱）。 / "
    "This case is closed and takes no more information; if something new happened, please write a new letter."
)
EMPTY_MESSAGE = "請填寫補充內容或選擇附件 / Write something or choose a file to add."


class CaseNotOpen(ValidationError):
    """The case is closed (or transferred, filed, merged): nothing can be added."""

    def __init__(self) -> None:
        super().__init__({NON_FIELD_ERRORS: [CLOSED_MESSAGE]})


def _timeline_note(case: Case, text: str, files: list[UploadedFile]) -> str:
    if case.confidential:
        # As the description of a confidential case: personal data masked on the desk.
        pet = case.petitioner
        known = (pet.name, pet.address) if pet is not None else ()
        text = mask_personal_data(text, known=known)
    names = "、".join((f.name or "file") for f in files)
    return text + (f"\n附件 / Attachments: {names}" if names else "")


def case_supplement_add(
    *, case: Case, text: str, files: list[UploadedFile], now: dt.datetime | None = None
) -> CaseMessage:
    """Add the citizen's text and files to an open case, with a timeline event."""
    text = (text or "").strip()
    if len(text) > SUPPLEMENT_MAX_CHARS:
        raise ValidationError(
            {"text": [f"補充內容請在 {SUPPLEMENT_MAX_CHARS} 字以內 / Keep it under {SUPPLEMENT_MAX_CHARS} characters."]}
        )
    if not text and not files:
        raise ValidationError({"text": [EMPTY_MESSAGE]})
    attachment_validate(files)
    now = now or timezone.now()
    saved: list[Attachment] = []
    try:
        with transaction.atomic():
            locked = Case.objects.select_for_update(of=("self",)).select_related("petitioner").get(pk=case.pk)
            if locked.state not in OPEN_STATES:
                raise CaseNotOpen()
            message = CaseMessage.objects.create(
                case=locked,
                direction=CaseMessage.Direction.INBOUND,
                channel=Channel.WEB,
                kind=MESSAGE_KIND,
                text=text,
                sent_at=now,
                data={"source": "portal"},
            )
            saved = attachments_save(case=locked, files=files)
            for att in saved:
                att.source_message = message
                att.save(update_fields=["source_message"])
            event_citizen_supplement(
                case=locked,
                message_id=message.pk,
                note=_timeline_note(locked, text, files),
                attachments=[a.pk for a in saved],
            )
    except BaseException:
        attachments_discard(saved)
        raise
    return message
