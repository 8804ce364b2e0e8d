"""The Mitake client against the fake gateway: what goes over the wire, what comes back."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from integrations.sms.providers import ProviderError, get_provider
from tests.integrations.sms.fake_mitake import PASSWORD


def test_smsend_posts_the_fields_as_utf8_form_with_the_credentials_out_of_the_url(mitake):
    result = get_provider().send(
        to="0912345678", text="【臺北市政府】您好", client_id="9b1f0c1e-key", callback_url="https://x.invalid/cb/"
    )
    request = mitake.requests[-1]
    assert request.method == "POST" and request.path == "/api/mtk/SmSend"
    assert request.query == {"CharsetURL": "UTF8"}
    assert request.form["dstaddr"] == "0912345678" and request.form["smbody"] == "【臺北市政府】您好"
    assert request.form["clientid"] == "9b1f0c1e-key" and request.form["response"] == "https://x.invalid/cb/"
    assert request.form["password"] == PASSWORD and PASSWORD not in str(request.query)
    assert result.message_id == mitake.sent[-1].msgid and result.balance == mitake.points


def test_a_repeated_clientid_is_not_sent_twice(mitake):
    first = get_provider().send(to="0912345678", text="x", client_id="same-key")
    again = get_provider().send(to="0912345678", text="x", client_id="same-key")
    assert again.message_id == first.message_id and again.duplicate
    assert len(mitake.sent) == 1


@pytest.mark.parametrize(
    ("code", "permanent"),
    [("v", True), ("e", True), ("u", True), ("k", True), ("a", False), ("b", False), ("r", False), ("*", False), ("s", False), ("z", True)],
)
def test_error_codes_say_whether_a_retry_can_help(mitake, code, permanent):
    mitake.script.append(code)
    with pytest.raises(ProviderError) as err:
        get_provider().send(to="0912345678", text="x", client_id="k1")
    assert err.value.permanent is permanent and f"statuscode={code}" in str(err.value)


def test_wrong_password_is_permanent(mitake, settings):
    settings.MITAKE_PASSWORD = "wrong"
    with pytest.raises(ProviderError) as err:
        get_provider().send(to="0912345678", text="x", client_id="k1")
    assert err.value.permanent and "帳號、密碼錯誤" in str(err.value)


def test_http_error_and_unreachable_gateway_are_temporary_and_leak_no_secret(mitake, settings):
    mitake.http_script.append(503)
    with pytest.raises(ProviderError) as err:
        get_provider().send(to="0912345678", text="x", client_id="k1")
    assert not err.value.permanent and "503" in str(err.value)

    settings.MITAKE_BASE_URL = "http://127.0.0.1:9"  # nothing listens there
    with pytest.raises(ProviderError) as err:
        get_provider().send(to="0912345678", text="x", client_id="k1")
    assert not err.value.permanent and PASSWORD not in str(err.value)


def test_sms_balance_command_shows_the_points_left(mitake, capsys, db):
    mitake.points = 321
    call_command("sms_balance")
    assert "321 points left" in capsys.readouterr().out
    assert mitake.requests[-1].path == "/api/mtk/SmQuery"
    with pytest.raises(SystemExit) as exit_:
        call_command("sms_balance", "--warn-below", "500")
    assert exit_.value.code == 2


def test_sms_balance_command_says_when_sms_is_not_configured(settings, db):
    settings.MITAKE_USERNAME = ""
    with pytest.raises(CommandError, match="not configured"):
        call_command("sms_balance")
