"""Render a notification's subject and body from its template name and context.

Templates live in ``templates/notifications/<name>.<lang>.txt``: the first line is the
subject, the rest the body. A message is in its reader's language: a citizen's notice in
the case's language (``context["language"]``, set from `Case.language`), a staff member's
in their profile's language (`staff_language`); the in-app list re-renders in the language
of the page. Only a message with no language at all carries both, Chinese first.
"""

from __future__ import annotations

from django.template import Context, Engine, TemplateDoesNotExist, TemplateSyntaxError
from django.template.loader import get_template

LANGUAGES = ("zh", "en")
SEPARATOR = "\n\n— — —\n\n"
# Context keys that must never be stored after delivery nor logged.
SECRET_KEYS = ("password",)


def _render_one(name: str, lang: str, context: dict) -> tuple[str, str]:
    template = get_template(f"notifications/{name}.{lang}.txt").template
    # Plain text: no HTML escaping (a subject with "&" must stay "&").
    text = template.render(Context(context, autoescape=False))
    subject, _, body = text.partition("\n")
    return subject.strip(), body.strip()


def render(name: str, context: dict, *, language: str | None = None) -> tuple[str, str]:
    """(subject, body) in `language`, else the context's language, else both (Chinese first)."""
    lang = language or context.get("language")
    if lang in LANGUAGES:
        return _render_one(name, lang, context)
    order = ("zh", "en")
    parts = [_render_one(name, lang, context) for lang in order]
    subject = " / ".join(s for s, _ in parts)[:200]
    body = SEPARATOR.join(b for _, b in parts)
    return subject, body


def render_html(name: str, context: dict, *, language: str | None = None) -> str | None:
    """The HTML body from ``notifications/<name>.<lang>.html`` (autoescaped) when the
    template has one, else None (plain text only). Without a language: Chinese."""
    lang = language or context.get("language")
    lang = lang if lang in LANGUAGES else "zh"
    try:
        template = get_template(f"notifications/{name}.{lang}.html")
    except TemplateDoesNotExist:
        return None
    return template.render(dict(context))


def staff_language(user) -> str | None:
    """The language a staff member reads their messages in (StaffProfile.language)."""
    profile = getattr(user, "staff", None) if user is not None else None
    return getattr(profile, "language", None) or None


def template_exists(name: str) -> bool:
    """Both language files exist (a syntax error still counts as existing: it must fail loudly)."""
    engine = Engine.get_default()
    try:
        for lang in LANGUAGES:
            engine.get_template(f"notifications/{name}.{lang}.txt")
    except TemplateDoesNotExist:
        return False
    except TemplateSyntaxError:
        return True
    return True


def redact(text: str, context: dict) -> str:
    for key in SECRET_KEYS:
        secret = context.get(key)
        if secret:
            text = text.replace(str(secret), "********")
    return text


def scrub(context: dict) -> dict:
    return {k: v for k, v in context.items() if k not in SECRET_KEYS}


def render_for_reader(notification, lang: str) -> tuple[str, str]:
    """A stored notification's subject and body in one language (`zh` or `en`), for the
    in-app list: rendered again from its template and (scrubbed) context when both are at
    hand, else the matching half of the stored bilingual text."""
    lang = "en" if lang == "en" else "zh"
    if notification.template and template_exists(notification.template):
        try:
            return _render_one(notification.template, lang, dict(notification.context or {}))
        except Exception:  # noqa: BLE001 - an old row whose context no longer fits: use the stored text
            pass
    return split_stored(notification.subject, notification.body, lang=lang, english_first=(notification.context or {}).get("language") == "en")


def split_stored(subject: str, body: str, *, lang: str, english_first: bool = False) -> tuple[str, str]:
    """The half of a stored "中文 / English" subject and of a body joined by SEPARATOR."""
    first_is_en = english_first
    want_first = (lang == "en") == first_is_en
    subjects = (subject or "").split(" / ", 1)
    bodies = (body or "").split(SEPARATOR.strip(), 1)
    pick_s = subjects[0] if want_first or len(subjects) == 1 else subjects[1]
    pick_b = bodies[0] if want_first or len(bodies) == 1 else bodies[1]
    return pick_s.strip(), pick_b.strip()
