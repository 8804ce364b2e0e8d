from __future__ import annotations

import pytest
from django.test import Client


@pytest.fixture
def client_for():
    def make(user):
        c = Client()
        c.force_login(user)
        return c

    return make
