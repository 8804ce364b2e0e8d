"""The API's JSON parser: every body it cannot use is a 400, never a 500.

DRF's parser turns a ValueError into a 400 but lets Python's RecursionError through (a body
of 100,000 nested brackets), and accepts nesting deep enough that later code (serializers,
JSON columns, logging) runs out of stack. API bodies are a few levels deep; anything nested
beyond `casesys.common.jsonsafe.MAX_DEPTH` is refused here.
"""

from __future__ import annotations

from typing import Any

from rest_framework import parsers
from rest_framework.exceptions import ParseError

from casesys.common import jsonsafe

TOO_DEEP = "JSON 巢狀層數過多 / JSON nested too deeply."


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None) -> Any:
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(TOO_DEEP) from None
        if jsonsafe.depth_exceeds(data):
            raise ParseError(TOO_DEEP)
        return data
