from __future__ import annotations

from django.http import Http404, HttpRequest, StreamingHttpResponse
from django.views.decorators.http import require_GET

from casesys.opendata.export import csv_chunks, filename, month_is_complete, parse_month


@require_GET
def monthly_cases_csv(request: HttpRequest, month: str) -> StreamingHttpResponse:
    """Public, no log-in: only months that have ended (a running month's file would change)."""
    try:
        year, mon = parse_month(month)
    except ValueError:
        raise Http404("月份格式錯誤 / Bad month") from None
    if not month_is_complete(year, mon):
        raise Http404("此月份尚未結束 / This month has not ended yet")
    response = StreamingHttpResponse(
        (chunk.encode("utf-8") for chunk in csv_chunks(year, mon)), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename(year, mon)}"'
    response["Cache-Control"] = "public, max-age=3600"
    response["Access-Control-Allow-Origin"] = "*"
    return response
