"""Case numbers `{PREFIX}-{ROC yyyMMdd}-{00001}` and case passwords."""

from __future__ import annotations

import datetime as dt
import secrets

from django.conf import settings
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.db import connection

from casesys.cases.models import CaseSequence

# No 0/O, 1/l/I: the password is read out over the phone and typed from paper.
PASSWORD_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ"
PASSWORD_LENGTH = 10


def roc_date(day: dt.date) -> str:
    return f"{day.year - 1911:03d}{day:%m%d}"


def next_case_number(day: dt.date, *, prefix: str | None = None) -> str:
    prefix = prefix or settings.CASESYS["CASE_NUMBER_PREFIX"]
    table = CaseSequence._meta.db_table
    # One statement: concurrent intakes serialise on the row lock and each gets its own value.
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (prefix, day, last) VALUES (%s, %s, 1) "
            f"ON CONFLICT (prefix, day) DO UPDATE SET last = {table}.last + 1 RETURNING last",
            [prefix, day],
        )
        seq = cursor.fetchone()[0]
    return f"{prefix}-{roc_date(day)}-{seq:05d}"


class CasePasswordHasher(PBKDF2PasswordHasher):
    # The password is a random 10-character token (~57 bits) and lookups are throttled, so a
    # modest work factor suffices and keeps intake fast.
    algorithm = "case_pbkdf2_sha256"
    iterations = 20_000


_hasher = CasePasswordHasher()


def generate_case_password() -> str:
    return "".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(PASSWORD_LENGTH))


def hash_case_password(raw: str) -> str:
    return _hasher.encode(raw, _hasher.salt())


def check_case_password(raw: str, encoded: str) -> bool:
    if not raw or not encoded:
        return False
    try:
        return _hasher.verify(raw, encoded)
    except (ValueError, AssertionError):
        return False
