"""Who is reading: what counts a reader once (a view a day, a page the cache served) needs to tell readers apart."""

import hashlib

from django.conf import settings


def reader_key(request) -> str:
    """Their account, or for a visitor a hash of their address and browser (no address is kept)."""
    user = getattr(request, "user", None)  # none yet where the page cache answers, before authentication
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    address = request.META.get(settings.CLIENT_IP_META_KEY, "").split(",")[-1].strip()
    fingerprint = f"{address} {request.headers.get('User-Agent', '')}".encode()
    return "visitor:" + hashlib.sha256(fingerprint).hexdigest()[:24]
