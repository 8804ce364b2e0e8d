from __future__ import annotations


class ChineseFirstMiddleware:
    """Traditional Chinese unless the user chose English with the language switch.

    Django's LocaleMiddleware would otherwise follow the browser's Accept-Language, so a
    Taiwanese office PC with an English Windows would get an English UI nobody asked for.
    The switch sets the language cookie, which LocaleMiddleware still honours.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)
