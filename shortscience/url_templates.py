"""The URLs every card repeats, built from a pattern reversed once per process.

reverse() walks the resolver on every call (~40 µs); a page of 20 cards needs ~100 of them. `url_for` reverses
the view once with a placeholder argument and then only substitutes and quotes the value, as reverse() quotes
it. Only for views with one argument whose values the database already holds (ids, usernames, identifiers).
"""

import functools
from urllib.parse import quote

from django.urls import reverse

_PLACEHOLDER = "9182736450"  # fits <int:>, <str:> and <path:> converters alike
# What reverse() leaves unquoted in a path (RFC 3986 sub-delimiters and "/~:@").
_SAFE = "!$&'()*+,;=/~:@"


@functools.cache
def _pattern(viewname: str, kwarg: str) -> tuple[str, str]:
    before, found, after = reverse(viewname, kwargs={kwarg: _PLACEHOLDER}).partition(_PLACEHOLDER)
    if not found:
        raise ValueError(f"{viewname} does not put its {kwarg} in the path.")
    return before, after


def url_for(viewname: str, **kwargs) -> str:
    """reverse(viewname, kwargs={name: value}) for a view with that one argument."""
    ((kwarg, value),) = kwargs.items()
    before, after = _pattern(viewname, kwarg)
    return f"{before}{quote(str(value), safe=_SAFE)}{after}"
