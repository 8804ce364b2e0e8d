from __future__ import annotations

import pytest

from tests.notifications.fakes import ScriptedTransport


@pytest.fixture
def fake_transport(settings):
    settings.CASESYS_CHANNELS = {
        **settings.CASESYS_CHANNELS,
        "fake": {"transport": "tests.notifications.fakes.ScriptedTransport"},
    }
    ScriptedTransport.script = []
    ScriptedTransport.delivered = []
    ScriptedTransport.calls = 0
    yield ScriptedTransport
