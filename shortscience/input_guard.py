"""Refuse control characters in a request's address, query and form fields before any view or query sees them."""

import re

from django.conf import settings
from django.http import Http404
from django.shortcuts import render

# Tab, newline and carriage return are text (a pasted query, a textarea); the other C0 controls and DEL
# are no part of any address, identifier, name or search, and PostgreSQL refuses NUL outright.
_CONTROL_IN_QUERY = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_CONTROL_IN_PATH = re.compile(r"[\x00-\x1f\x7f]")
# Form text may hold any control character a paste brings (a PDF's form feed) except NUL, which can't be stored.
_NUL = re.compile("\x00")


def _any_match(pattern: re.Pattern, query_dict) -> bool:
    return any(pattern.search(key) or any(pattern.search(value) for value in values) for key, values in query_dict.lists())


class ControlCharacterGuard:
    """An address with a control character names nothing (404); a query or form with one is a 400 that says
    so, instead of a 500 from deep inside a view or PostgreSQL."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if _CONTROL_IN_PATH.search(request.path):
            raise Http404("A control character in the address.")
        if _any_match(_CONTROL_IN_QUERY, request.GET) or self._nul_in_form(request):
            return render(
                request,
                "400.html",
                {"message": "The search or the form contained a control character (such as NUL) that no page accepts."},
                status=400,
            )
        return self.get_response(request)

    @staticmethod
    def _nul_in_form(request) -> bool:
        if request.method != "POST":
            return False
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return False
        # Larger bodies are uploads: the image view judges them by their length before anything parses them.
        if length > settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
            return False
        return _any_match(_NUL, request.POST)
