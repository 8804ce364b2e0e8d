"""GeoReport v2 output in JSON and XML (element names as in the specification)."""

from __future__ import annotations

import json
from typing import Any
from xml.etree import ElementTree as ET

from django.http import HttpResponse

CONTENT_TYPES = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _append(parent: ET.Element, key: str, value: Any, item_names: dict[str, str]) -> None:
    node = ET.SubElement(parent, key)
    if isinstance(value, dict):
        for k, v in value.items():
            _append(node, k, v, item_names)
    elif isinstance(value, list):
        child_name = item_names.get(key, "item")
        for item in value:
            _append(node, child_name, item, item_names)
    else:
        node.text = _text(value)


def to_xml(root: str, item: str | None, data: Any, item_names: dict[str, str] | None = None) -> bytes:
    """`to_xml("services", "service", [...])` → <services><service>…</service></services>."""
    item_names = item_names or {}
    top = ET.Element(root)
    if item is None:
        for k, v in data.items():
            _append(top, k, v, item_names)
    else:
        for row in data:
            _append(top, item, row, item_names)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(top, encoding="utf-8", xml_declaration=False)


def respond(
    fmt: str,
    data: Any,
    *,
    root: str,
    item: str | None,
    status: int = 200,
    item_names: dict[str, str] | None = None,
) -> HttpResponse:
    if fmt == "xml":
        body = to_xml(root, item, data, item_names)
    else:
        body = json.dumps(data, ensure_ascii=False).encode("utf-8")
    response = HttpResponse(body, status=status, content_type=CONTENT_TYPES[fmt])
    response["Access-Control-Allow-Origin"] = "*"
    return response


def error(fmt: str, status: int, description: str) -> HttpResponse:
    return respond(fmt, [{"code": status, "description": description}], root="errors", item="error", status=status)
