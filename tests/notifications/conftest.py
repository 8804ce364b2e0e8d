from __future__ import annotations

import pytest

from casesys.notifications import transports
from tests.notifications.fakes import ScriptedTransport


@pytest.fixture
def fake_transport(settings):
    settings.CASESYS_TRANSPORTS = {**settings.CASESYS_TRANSPORTS, "fake": "tests.notifications.fakes.ScriptedTransport"}
    transports._transport_class.cache_clear()
    ScriptedTransport.script = []
    ScriptedTransport.delivered = []
    ScriptedTransport.calls = 0
    yield ScriptedTransport
    transports._transport_class.cache_clear()
