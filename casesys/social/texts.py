"""What the lead digest, the triage reminders, the alerts and the opinion report say about a
lead: a stored message is rendered later in its reader's language, so it keeps both halves of a
"中文 / English" label; and it leaves the system by e-mail, so the poster's numbers, addresses
and name stay behind."""

from __future__ import annotations

from casesys.cases.identity import mask_personal_data
from casesys.common.channels import label as channel_label
from casesys.inbound.models import Lead


def halves(label) -> tuple[str, str]:
    """("中文", "English") of a "中文 / English" label (the Chinese twice when it has no English)."""
    zh, _sep, en = str(label).partition(" / ")
    return zh.strip(), (en or zh).strip()


def source_halves(source: str) -> tuple[str, str]:
    return halves(channel_label(source))


def lead_excerpt(lead: Lead, *, limit: int = 80, whole: bool = False) -> str:
    """The lead's title (or, without one, its text) masked, on one line, cut at `limit`;
    `whole`: the title and the text."""
    raw = f"{lead.title}\n{lead.text}" if whole else (lead.title or lead.text or "")
    text = " ".join(mask_personal_data(raw.strip(), known=[lead.sender_name]).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
