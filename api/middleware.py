"""What every /api/v1/ answer gets: CORS open for reading, a per-address rate limit, the pages' shared cache
(shortscience.page_cache: fresh the moment content changes), an ETag with 304s, and Cache-Control so browsers
and proxies may keep it briefly."""

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.utils.cache import get_conditional_response, patch_cache_control, set_response_etag
from django_ratelimit.core import get_usage

from shortscience.page_cache import anonymous_page_cache

API_PREFIX = "/api/v1/"
CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "GET, HEAD, OPTIONS",
    "Access-Control-Allow-Headers": "If-None-Match, Accept",
    "Access-Control-Expose-Headers": "ETag, Retry-After",
    "Access-Control-Max-Age": "86400",
}
# The docs page is HTML for people, not data: it gets neither CORS nor the rate limit.
UNLIMITED = (API_PREFIX + "docs",)


def _rate_limited(request) -> HttpResponse | None:
    usage = get_usage(request, group="api.v1", key="ip", rate=settings.API_RATE_LIMIT, increment=True)
    if usage is None or not usage["should_limit"]:
        return None
    retry_after = max(usage["time_left"], 1)
    return JsonResponse(
        {"detail": f"Too many requests from your address: the limit is {usage['limit']} an hour. Retry in {retry_after} s."},
        status=429,
        headers={"Retry-After": str(retry_after)},
    )


def public_api(get_response):
    cached_response = anonymous_page_cache(get_response)

    def middleware(request):
        if not request.path.startswith(API_PREFIX) or request.path.startswith(UNLIMITED):
            return get_response(request)
        if request.method == "OPTIONS":
            response = HttpResponse(status=204)
        elif request.method not in ("GET", "HEAD"):
            response = JsonResponse({"detail": "The API is read-only: GET only."}, status=405, headers={"Allow": "GET, HEAD, OPTIONS"})
        else:
            response = _rate_limited(request) or cached_response(request)
        if response.status_code == 200:
            patch_cache_control(response, public=True, max_age=settings.API_CACHE_SECONDS)
            set_response_etag(response)
            response = get_conditional_response(request, etag=response["ETag"], response=response)
        for name, value in CORS_HEADERS.items():
            response[name] = value
        return response

    return middleware
