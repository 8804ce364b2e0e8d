"""Citizens' attachments (the mailbox, 補充陳情): validation, saving, discarding.

Both the declared type and the one guessed from the file name must be on
``CASESYS_ATTACHMENT_TYPES``; at most `MAX_ATTACHMENTS` files of
``CASESYS_ATTACHMENT_MAX_BYTES`` each; file names too long for storage refused.
"""

from __future__ import annotations

import logging
import mimetypes

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile

from casesys.cases.files import ATTACHMENT_NAME_MAX_CHARS, attachment_name_too_long
from casesys.cases.models import Attachment, Case

logger = logging.getLogger(__name__)

MAX_ATTACHMENTS = 5



def attachment_validate(files: list[UploadedFile]) -> None:
    limit = settings.CASESYS["ATTACHMENT_MAX_BYTES"]
    allowed = set(settings.CASESYS["ATTACHMENT_TYPES"])
    errors: list[str] = []
    if len(files) > MAX_ATTACHMENTS:
        errors.append(f"附件最多 {MAX_ATTACHMENTS} 個 / At most {MAX_ATTACHMENTS} attachments.")
    for f in files:
        if attachment_name_too_long(f.name or ""):
            short = (f.name or "")[:20] + "…"
            errors.append(
                f"檔名過長（上限 {ATTACHMENT_NAME_MAX_CHARS} 字）：{short} / File name too long "
                f"({ATTACHMENT_NAME_MAX_CHARS} characters max): {short}"
            )
            continue
        # Trust neither the browser's type nor the name alone: both must agree with the list.
        guessed = mimetypes.guess_type(f.name or "")[0] or ""
        declared = (f.content_type or "").split(";")[0].strip()
        if declared not in allowed or (guessed and guessed not in allowed):
            errors.append(f"不接受的檔案類型：{f.name} / File type not accepted: {f.name}")
        if f.size > limit:
            errors.append(
                f"檔案過大：{f.name}（上限 {limit // (1024 * 1024)} MB）/ File too large: {f.name} (limit {limit // (1024 * 1024)} MB)"
            )
    if errors:
        raise ValidationError({"attachments": errors})


def attachments_save(*, case: Case, files: list[UploadedFile], by=None) -> list[Attachment]:
    """Save the files and their rows. Call inside the caller's transaction, and on any failure
    of that transaction remove the files with `attachments_discard` (a rollback only undoes rows);
    the files of a failure in here are removed before it is raised."""
    attachment_validate(files)
    saved: list[Attachment] = []
    try:
        for f in files:
            att = Attachment(
                case=case,
                original_name=(f.name or "file")[:200],
                content_type=(f.content_type or "application/octet-stream")[:100],
                size=f.size,
                uploaded_by=by if getattr(by, "pk", None) else None,
            )
            saved.append(att)
            att.file.save(f.name or "file", f, save=False)
            att.save()
    except BaseException:
        attachments_discard(saved)
        raise
    return saved


def attachments_discard(attachments: list[Attachment]) -> None:
    """Delete the stored files of attachments whose rows were (or will be) rolled back."""
    for att in attachments:
        if att.file.name:
            try:
                att.file.storage.delete(att.file.name)
            except OSError:
                logger.warning("could not remove the file of a rolled-back attachment", exc_info=True)
