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
