"""The text of an SMS: short, Traditional Chinese first, within the length limits.

The core renders a notice's e-mail text (`casesys.notifications.render`); an SMS needs its
own, much shorter text: ``templates/sms/<template>.<zh|en>.txt`` rendered with the notice's
context. The reply and the survey are never copied into an SMS: the message says the reply
is ready and links to the status page. A text longer than `SMS_MAX_SEGMENTS` segments, or a
notice without an SMS template, becomes a short notice with the link.
"""

from __future__ import annotations

from django.conf import settings
from django.template import Context, Engine, TemplateDoesNotExist

# GSM 03.38 basic set: a text made only of these travels 160 characters per segment,
# anything else (Chinese) as UCS-2, 70 per segment, 67 when a long text is concatenated.
GSM7 = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    "ÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)

FALLBACK = {
    "zh": "您的陳情案{number}有新的通知，請至{track_url}查看。",
    "en": "There is news on your case {number}: {track_url}",
}


def segments(text: str) -> int:
    """How many SMS segments `text` takes (what the gateway charges for)."""
    if all(ch in GSM7 for ch in text):
        single, multi, length = 160, 153, len(text)
    else:
        single, multi, length = 70, 67, len(text.encode("utf-16-le")) // 2
    if length <= single:
        return 1
    return -(-length // multi)


def _language(context: dict) -> str:
    return "en" if context.get("language") == "en" else "zh"


def _render(template: str, lang: str, context: dict) -> str:
    engine = Engine.get_default()
    text = engine.get_template(f"sms/{template}.{lang}.txt").render(Context(context, autoescape=False))
    # One line: the template's line breaks are for its readers, not for the phone.
    return " ".join(text.split())


def fallback_text(context: dict) -> str:
    lang = _language(context)
    # A survey invitation's short form still leads to the survey, not to the status page.
    url = context.get("survey_url") or context.get("track_url", "")
    return FALLBACK[lang].format(number=context.get("number", ""), track_url=url)


def compose(template: str, context: dict) -> str:
    """The SMS for a notice made from `template` with `context` (sender's name included)."""
    context = dict(context or {})
    if not settings.SMS_INCLUDE_PASSWORD:
        context.pop("password", None)
    lang = _language(context)
    sender = settings.SMS_SENDER_NAME
    try:
        text = sender + _render(template, lang, context)
    except TemplateDoesNotExist:
        text = sender + fallback_text(context)
    if segments(text) > settings.SMS_MAX_SEGMENTS:
        text = sender + fallback_text(context)
    return text
