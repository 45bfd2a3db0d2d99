"""Opaque, signed cursors for the API's lists: where the last page ended, so the next one starts after it.

Orderings on columns page by keyset (the last row's values: new rows never shift a page); computed orderings
(popular, contributors) page by position.
"""

from datetime import datetime

from django.core import signing
from django.db.models import Q

SALT = "api.cursor"


class InvalidCursor(ValueError):
    pass


def encode(kind: str, values: list) -> str:
    values = [value.isoformat() if isinstance(value, datetime) else value for value in values]
    return signing.dumps([kind, values], salt=SALT, compress=True)


def decode(cursor: str, kind: str) -> list:
    try:
        cursor_kind, values = signing.loads(cursor, salt=SALT)
    except (signing.BadSignature, ValueError, TypeError):
        raise InvalidCursor("This cursor is not one we gave out: start again without it.") from None
    if cursor_kind != kind:
        raise InvalidCursor("This cursor belongs to another list or ordering: start again without it.")
    return values


def after(fields: tuple[str, ...], values: list) -> Q:
    """Rows after the row with `values` in an ordering descending on every one of `fields`."""
    condition = Q()
    for index, field in enumerate(fields):
        equal = Q(**{name: value for name, value in zip(fields[:index], values[:index])})
        condition |= equal & Q(**{f"{field}__lt": values[index]})
    return condition


def page(rows, *, kind: str, cursor: str, size: int, keyset: tuple[str, ...] | None = None):
    """(one page of `rows`, the cursor of the next page or None). `rows` is ordered descending on `keyset`,
    or, without a keyset, in an order that only position can resume."""
    values = decode(cursor, kind) if cursor else None
    offset = 0
    if values is not None and keyset:
        rows = rows.filter(after(keyset, values))
    elif values is not None:
        offset = int(values[0]) if values and str(values[0]).isdigit() else 0
    items = list(rows[offset : offset + size + 1])
    if len(items) <= size:
        return items, None
    items = items[:size]
    last = items[-1]
    next_values = [getattr(last, field if field != "id" else "pk") for field in keyset] if keyset else [offset + size]
    return items, encode(kind, next_values)
