from __future__ import annotations

import pytest

from tests.integrations.sms.fake_mitake import PASSWORD, USERNAME, FakeMitake

CALLBACK_SECRET = "test-sms-callback-secret-0123456789"


@pytest.fixture
def mitake(settings):
    """SMS switched on against the fake gateway."""
    gateway = FakeMitake().start()
    settings.SMS_PROVIDER = "mitake"
    settings.MITAKE_USERNAME = USERNAME
    settings.MITAKE_PASSWORD = PASSWORD
    settings.MITAKE_BASE_URL = gateway.url
    settings.MITAKE_TIMEOUT_SECONDS = 5
    settings.SMS_SENDER_NAME = "【臺北市政府】"
    settings.SMS_INCLUDE_PASSWORD = False
    settings.SMS_DAILY_CAP = 500
    settings.SMS_PER_NUMBER_PER_DAY = 5
    settings.SMS_MAX_SEGMENTS = 2
    settings.SMS_CALLBACK_SECRET = CALLBACK_SECRET
    yield gateway
    gateway.stop()
