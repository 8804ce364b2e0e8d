"""Errors raised by case services; the API maps each to an HTTP status."""

from __future__ import annotations


class CaseError(Exception):
    status_code = 400
    default_message = "操作失敗 / Operation failed."

    def __init__(self, message: str | None = None):
        self.message = message or self.default_message
        super().__init__(self.message)


class TransitionPermissionDenied(CaseError):
    status_code = 403
    default_message = "您沒有執行此動作的權限 / You may not perform this action."


class TransitionNotPermittedNow(CaseError):
    status_code = 409
    default_message = "案件目前的狀態不允許此動作 / The case's current state does not allow this action."


class ConcurrentUpdate(CaseError):
    status_code = 409
    default_message = "案件已被他人更新，請重新整理後再試 / The case was changed by someone else; reload and retry."
