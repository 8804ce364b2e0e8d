from __future__ import annotations

from rest_framework.pagination import CursorPagination


class CaseCursorPagination(CursorPagination):
    """Cursor pagination: stable pages over a list that changes while it is read, and no
    COUNT(*) or OFFSET over millions of rows."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    ordering = "-received_at"
    invalid_cursor_message = "分頁游標無效 / Invalid cursor."
