"""Uploaded files served by the app itself, for a single machine without a reverse proxy in front of MEDIA_ROOT."""

from django.conf import settings
from django.core.exceptions import SuspiciousFileOperation
from django.http import Http404, HttpRequest
from django.views import static
from django.views.decorators.http import require_safe

# Stored names are random and never reused, so a file never changes under its address.
CACHE_CONTROL = "public, max-age=31536000, immutable"


@require_safe
def media_file(request: HttpRequest, path: str):
    """One file under MEDIA_ROOT (404 for anything outside it, or a folder), with If-Modified-Since answered."""
    try:
        response = static.serve(request, path, document_root=settings.MEDIA_ROOT)
    except SuspiciousFileOperation:  # a path climbing out of MEDIA_ROOT names nothing we have
        raise Http404(path) from None
    response["Cache-Control"] = CACHE_CONTROL
    # Browsers take the type we send (never sniff an image into HTML), and a file opened on its own runs nothing.
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
