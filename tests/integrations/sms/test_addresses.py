from __future__ import annotations

import pytest

from integrations.sms.addresses import normalise


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("0912345678", "0912345678"),
        ("0912-345-678", "0912345678"),
        ("+886 912 345 678", "0912345678"),
        ("886912345678", "0912345678"),
        ("(0912) 345678", "0912345678"),
        ("02-2720-8889", ""),  # a landline gets no SMS
        ("0912345678#12", ""),
        ("091234567", ""),
        ("+81 90 1234 5678", ""),
        ("", ""),
    ],
)
def test_only_taiwanese_mobile_numbers_are_sms_addresses(raw, expected):
    assert normalise(raw) == expected
