"""網站導覽 / Site map: the site's areas and the ::: accesskeys (無障礙網頁開發規範)."""

from __future__ import annotations

from django.shortcuts import render


def sitemap(request):
    # Which staff areas are listed follows the navigation flags (casesys.web.context_processors).
    return render(request, "web/sitemap.html")
