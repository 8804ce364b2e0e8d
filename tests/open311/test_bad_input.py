"""Open311 POST parameters too long for their columns are Open311 400s, not 500s."""

from __future__ import annotations

import json

import pytest

from casesys.cases.models import Case
from casesys.open311.services import partner_app_create

pytestmark = pytest.mark.django_db

LONG_EMAIL = "a" * 64 + "@" + ("b" * 60 + ".") * 4 + "tw"  # 312 characters, valid syntax


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_an_email_longer_than_its_column_is_a_400(client, org, fmt):
    org.pothole.public = True
    org.pothole.save()
    _app, key = partner_app_create(name="報修 App")
    form = {"api_key": key, "service_code": "ROAD-POTHOLE", "lat": "25.04", "long": "121.51",
            "description": "坑洞", "email": LONG_EMAIL}
    response = client.post(f"/open311/v2/requests.{fmt}", form)
    assert response.status_code == 400, response.content
    if fmt == "json":
        assert "email is too long" in json.loads(response.content)[0]["description"]
    assert not Case.objects.exists()
