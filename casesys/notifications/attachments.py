"""Files attached to e-mail notifications, built at delivery from the row's context.

An outbox row stores only plain JSON (its context), so an attachment is named, not stored:
the context's ``attachments`` is a list of ``{"builder": name, ...}`` and the e-mail
transport asks the builder registered under that name for ``(filename, content, mimetype)``
with the row's context and reader's language. Apps register their builders when they load
(`register_attachment` in their `AppConfig.ready`). An unknown builder is a permanent failure
of that message: better no mail than a report without its file.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from casesys.notifications.transports import TransportError


@dataclass(frozen=True)
class Attachment:
    filename: str
    content: bytes
    mimetype: str


Builder = Callable[..., Attachment]
_BUILDERS: dict[str, Builder] = {}


def register_attachment(name: str, builder: Builder) -> None:
    """`builder(*, context, spec, language) -> Attachment`."""
    _BUILDERS[name] = builder


def attachments_for(context: dict, *, language: str | None) -> list[Attachment]:
    files = []
    for spec in (context or {}).get("attachments") or []:
        name = spec.get("builder") if isinstance(spec, dict) else None
        builder = _BUILDERS.get(name or "")
        if builder is None:
            raise TransportError(f"unknown attachment builder {name!r}", permanent=True)
        files.append(builder(context=context, spec=spec, language=language))
    return files
