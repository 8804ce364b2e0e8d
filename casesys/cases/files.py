"""Names of stored attachment files.

Files are stored as ``attachments/YYYY/MM/<case id>/<name>`` in a 100-character column
(`Attachment.file`), on file systems that allow 255 bytes per name. A longer client-chosen
name would be cut by the storage, fail it (SuspiciousFileOperation when the extension alone
is too long; OSError for too many bytes), or both. The original name is kept in
`Attachment.original_name` and given back on download either way.
"""

from __future__ import annotations

import os
import re

# Leaves room for the directory part and the suffix the storage adds to a name already taken.
ATTACHMENT_NAME_MAX_CHARS = 60
ATTACHMENT_NAME_MAX_BYTES = 180
_SAFE_EXTENSION = re.compile(r"^\.[A-Za-z0-9]{1,10}$")


def attachment_name_too_long(name: str) -> bool:
    return len(name) > ATTACHMENT_NAME_MAX_CHARS or len(name.encode("utf-8", "surrogatepass")) > ATTACHMENT_NAME_MAX_BYTES


def attachment_storage_name(name: str) -> str:
    """`name` when it can be stored as it is, else ``attachment`` with its extension if sane."""
    if name and not attachment_name_too_long(name):
        return name
    ext = os.path.splitext(name or "")[1]
    return "attachment" + (ext.lower() if _SAFE_EXTENSION.match(ext) else "")
