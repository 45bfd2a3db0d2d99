"""/healthz for a load balancer: 200 with JSON while the database answers, 503 when it does not; says whether
Redis (the cache) and the Celery broker answer, against real servers and addresses where nothing answers."""

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.test import Client

ROOT = Path(__file__).resolve().parent.parent
REDIS = "redis://127.0.0.1:6379/6"  # this branch's Redis database
NOWHERE = "redis://127.0.0.1:1/0"  # nothing listens on port 1

pytestmark = pytest.mark.django_db


@pytest.fixture
def silent_server():
    """A port that accepts connections and never answers: a hung Redis, the case a timeout must cut short."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(16)
        yield f"redis://127.0.0.1:{server.getsockname()[1]}/0"


@pytest.fixture
def redis_cache(settings):
    def use(url: str) -> None:
        settings.REDIS_URL = url

    return use


def probe(client) -> tuple[int, dict, float]:
    started = time.monotonic()
    response = client.get("/healthz")
    return response.status_code, response.json(), time.monotonic() - started


def test_without_redis_or_broker_only_the_database_is_asked(client, django_assert_num_queries):
    with django_assert_num_queries(1):  # no session, no user: one SELECT 1
        status, states, _ = probe(client)
    assert status == 200
    assert states == {"database": "ok", "cache": "not configured", "broker": "not configured"}


def test_the_real_redis_as_cache_and_broker_answers(client, redis_cache, broker):
    redis_cache(REDIS)
    broker(REDIS)
    status, states, _ = probe(client)
    assert status == 200
    assert states == {"database": "ok", "cache": "ok", "broker": "ok"}


@pytest.mark.parametrize("dead", ["refused", "silent"])
def test_a_dead_redis_and_broker_are_down_within_a_second_and_the_site_still_healthy(
    client, redis_cache, broker, silent_server, dead
):
    address = NOWHERE if dead == "refused" else silent_server
    redis_cache(address)
    broker(address)
    status, states, seconds = probe(client)
    assert status == 200  # the site still serves and takes writes without Redis
    assert states == {"database": "ok", "cache": "down", "broker": "down"}
    assert seconds < 1.2


def test_the_probe_is_never_cached_nor_redirected_to_https(client, settings):
    response = client.get("/healthz")
    assert "no-store" in response["Cache-Control"] and "max-age=0" in response["Cache-Control"]
    assert response["Content-Type"] == "application/json"
    assert "Set-Cookie" not in response.headers and not response.cookies

    settings.SECURE_SSL_REDIRECT = True
    plain_http = Client()  # a new client builds its middleware with the setting on
    assert plain_http.get("/healthz").status_code == 200  # a load balancer probes over plain HTTP
    assert plain_http.get("/").status_code == 301  # everything else still goes to HTTPS


def test_robots_keep_crawlers_off_the_probe(client):
    assert "Disallow: /healthz" in client.get("/robots.txt").content.decode().splitlines()


def test_the_probe_takes_no_writes(client):
    assert client.post("/healthz").status_code == 405


def test_a_database_that_does_not_answer_is_503():
    """In its own process: this test's database connection must stay up."""
    clean = {key: value for key, value in os.environ.items() if not key.startswith("DJANGO_")}
    code = (
        "from django.test import Client; r = Client().get('/healthz', HTTP_HOST='localhost'); "
        "print(r.status_code, r.content.decode())"
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code], cwd=ROOT, capture_output=True, text=True,
        env={**clean, "DATABASE_URL": "postgres://postgres@127.0.0.1:1/shortscience"},
    )
    assert result.returncode == 0, result.stderr
    status, body = result.stdout.strip().splitlines()[-1].split(" ", 1)
    assert status == "503"
    assert json.loads(body) == {"database": "down", "cache": "not configured", "broker": "not configured"}
