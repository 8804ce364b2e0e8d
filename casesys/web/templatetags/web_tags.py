from __future__ import annotations

from django import template
from django.utils import timezone

from casesys.web.i18n import pick, tr

register = template.Library()


@register.simple_tag
def t(zh: str, en: str) -> str:
    """{% t "中文" "English" %} – the text in the active language (auto-escaped)."""
    return tr(zh, en)


@register.filter
def bi(value) -> str:
    """'中文 / English' labels from the domain layer → the active language's half."""
    return pick(value)


@register.filter
def local(value, fmt: str = "%Y-%m-%d %H:%M") -> str:
    if not value:
        return ""
    return timezone.localtime(value).strftime(fmt)


@register.filter
def get_item(mapping, key):
    try:
        return mapping.get(key)
    except AttributeError:
        return None


@register.filter
def event_label(kind: str) -> str:
    from casesys.cases.events import CaseEventKind

    try:
        return pick(CaseEventKind(kind).label)
    except ValueError:
        return kind


@register.filter
def state_label(value: str) -> str:
    from casesys.cases.models import State

    if not value:
        return ""
    try:
        return pick(State(value).label)
    except ValueError:
        return value


@register.filter
def name_of(obj) -> str:
    """A category's or department's name in the active language (English when it has one)."""
    if obj is None:
        return ""
    from casesys.web.i18n import is_english

    if is_english() and getattr(obj, "name_en", ""):
        return obj.name_en
    return getattr(obj, "name", str(obj))


@register.simple_tag
def map_config_script():
    """The map's settings for map.js as a json_script block (id "map-config")."""
    from django.utils.html import json_script

    from casesys.web.maps import map_config

    return json_script(map_config(), "map-config")
