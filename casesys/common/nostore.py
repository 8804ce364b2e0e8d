"""`Cache-Control: no-store, private` on every response that carries identity or a secret.

Two rules, so a new staff page cannot forget it:

- every response to a signed-in user (session or API token): staff pages and the staff API
  show petitioners' names, contacts and revealed identities, and the intake answers carry
  the case password;
- views marked with `never_cache` (Django's decorator) for anonymous citizens: the mailbox's
  success page (the password), the status lookup and status pages (`/status/`) and
  `/api/v1/track/`.

A shared proxy or the browser's back/forward cache must not keep any of these.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control
from django.utils.functional import SimpleLazyObject


def _known_user(request: HttpRequest):
    # Only a user the view already loaded: looking it up here would read the session of
    # every anonymous request (and add `Vary: Cookie` to public, cacheable answers).
    user = request.__dict__.get("user")
    if isinstance(user, SimpleLazyObject):
        return getattr(request, "_cached_user", None)
    return user


class NoStoreForSignedInMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = _known_user(request)
        if user is not None and getattr(user, "is_authenticated", False):
            patch_cache_control(response, no_store=True, private=True, no_cache=True, max_age=0)
        return response
