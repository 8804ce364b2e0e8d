"""The form renderer that shows one language: the mechanism behind every select and error list.

Choice labels come from the domain as "中文 / English" pairs (channels, states, filed
reasons, districts); model choices are departments, categories and urgencies, which have an
English name. Rather than every form remembering to translate its choices, the renderer
picks the active language's half of each option label (and of labels and error lists) when a
widget is rendered, so the choice is made in the reader's language at render time.
Set as FORM_RENDERER in settings.
"""

from __future__ import annotations

from typing import Any

from django.forms.renderers import DjangoTemplates

from casesys.web.i18n import name_of, pick


def option_label(option: dict[str, Any]) -> str:
    """One <option>'s text: a model's name in the active language, or the pair's half."""
    label = option.get("label")
    instance = getattr(option.get("value"), "instance", None)
    if instance is not None and hasattr(instance, "name_en") and label == str(instance):
        # The model's own __str__ ("工務局 (PWD)"): rebuild it with the name in this language.
        code = getattr(instance, "code", "")
        name = name_of(instance)
        return f"{name} ({code})" if code and label.endswith(f"({code})") else name
    return pick(label)


class OneLanguageRenderer(DjangoTemplates):
    def render(self, template_name, context, request=None):
        widget = context.get("widget")
        if isinstance(widget, dict) and widget.get("optgroups"):
            groups = []
            for group_name, options, index in widget["optgroups"]:
                options = [{**o, "label": option_label(o)} for o in options]
                groups.append((pick(group_name) if group_name else group_name, options, index))
            context = {**context, "widget": {**widget, "optgroups": groups}}
        if context.get("label") and isinstance(context["label"], str):
            context = {**context, "label": pick(context["label"])}
        errors = context.get("errors")
        if errors is not None and template_name.startswith("django/forms/errors/list/"):
            context = {**context, "errors": [pick(e) for e in errors]}
        return super().render(template_name, context, request=request)
