from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SocialConfig(AppConfig):
    name = "casesys.social"
    label = "social"
    verbose_name = _("輿情摘要 / Social listening digest")
