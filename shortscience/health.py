"""/healthz, for a load balancer's probe: 200 while the database answers, 503 when it does not, and whether
the cache (Redis) and the Celery broker answer, each asked with a short timeout so a dead one can't hang the probe."""

import redis
from django.conf import settings
from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from shortscience.celery import app as celery_app

# Seconds each of Redis and the broker get to answer: a probe with both down still returns within a second.
PROBE_TIMEOUT = 0.4
OK, DOWN, NOT_CONFIGURED = "ok", "down", "not configured"


def database_state() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        return DOWN
    return OK


def cache_state() -> str:
    """Whether the Redis behind the caches (REDIS_URL) answers a PING; per-process memory has nothing to ask."""
    if not settings.REDIS_URL:
        return NOT_CONFIGURED
    # retry=None: one attempt, where redis-py would otherwise retry three times with back-off.
    probe = redis.Redis.from_url(
        settings.REDIS_URL, socket_connect_timeout=PROBE_TIMEOUT, socket_timeout=PROBE_TIMEOUT, retry=None
    )
    try:
        with probe:
            probe.ping()
    except (redis.RedisError, OSError):
        return DOWN
    return OK


def broker_state() -> str:
    """Whether the Celery broker takes a connection; without one tasks run inline and there is nothing to ask."""
    if celery_app.conf.task_always_eager:
        return NOT_CONFIGURED
    broker = celery_app.connection_for_write(
        connect_timeout=PROBE_TIMEOUT,
        transport_options={"socket_connect_timeout": PROBE_TIMEOUT, "socket_timeout": PROBE_TIMEOUT, "max_retries": 0},
    )
    try:
        broker.ensure_connection(max_retries=0)
    except Exception:  # kombu raises its transport's own errors; any of them means the broker did not answer
        return DOWN
    finally:
        broker.release()
    return OK


@never_cache
@require_safe
def healthz(request):
    states = {"database": database_state(), "cache": cache_state(), "broker": broker_state()}
    return JsonResponse(states, status=200 if states["database"] == OK else 503)
