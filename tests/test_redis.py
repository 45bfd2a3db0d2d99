"""Redis as the shared cache: the site works with it, keeps serving and accepting writes when it is down or
unreachable, says so once in the log, and uses it again when it comes back. A real redis-server, stopped for real."""

import logging
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.core import mail
from django.conf import settings as site_settings
from django.core.cache import cache, caches
from django.db import connection, transaction

from shortscience import cache as resilient
from shortscience import generations, page_cache
from shortscience.models import OwedBump
from shortscience.tasks import owed_bumps_settle
from summaries.models import Comment, Profile, Vote
from tests.factories import SummaryFactory, UserFactory
from tests.servers import ROOT, Partition, RedisServer

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(shutil.which("redis-server") is None, reason="needs redis-server"),
]

ARXIV = Path(__file__).parent / "data" / "arxiv"
PASSWORD = "correct horse battery staple"


def _use_redis(settings, url: str) -> None:
    backend = {
        "BACKEND": "shortscience.cache.ResilientRedisCache",
        "LOCATION": url,
        "OPTIONS": {"socket_connect_timeout": 0.25, "socket_timeout": 0.5},
    }
    settings.CACHES = {"default": backend, "ratelimit": {**backend, "KEY_PREFIX": "ratelimit"}}


@pytest.fixture
def redis_server(tmp_path, settings, monkeypatch):
    server = RedisServer(tmp_path)
    server.start()
    _use_redis(settings, server.url)
    # Ask a stopped Redis again after a moment, not after five seconds, so the test need not wait.
    monkeypatch.setattr(resilient, "RETRY_SECONDS", 0.2)
    resilient._outages.clear()
    yield server
    if server.process.poll() is None:
        server.stop()
    resilient._outages.clear()
    generations._owed.clear()  # owed to this test's Redis, gone with it


@pytest.fixture
def summary(paper, other_user):
    return SummaryFactory(paper=paper, author=other_user, body="Pixels, one at a time.")


def _everything_a_reader_and_writer_does(client, summary) -> None:
    """Log in (throttled through the cache), read, preview, vote, comment, ask for a paper, reset a password."""
    reader = UserFactory()
    assert client.get(summary.get_absolute_url(), HTTP_USER_AGENT="Mozilla/5.0").status_code == 200  # a visitor's
    response = client.post("/accounts/login/", {"login": reader.username, "password": PASSWORD})
    assert response.status_code == 302, response.content.decode()[:500]
    for url in ["/", summary.paper.get_absolute_url(), summary.get_absolute_url()]:
        assert client.get(url, HTTP_USER_AGENT="Mozilla/5.0").status_code == 200
    assert client.post("/summaries/preview/", {"body": "Preview $x$"}).status_code == 200
    assert client.post(f"/summary/{summary.pk}/vote/", {"value": "up"}).status_code == 302
    assert Vote.objects.filter(summary=summary, voter=reader).exists()
    response = client.post(f"/summary/{summary.pk}/comments/", {"body": f"Comment by {reader.username}"})
    assert response.status_code == 302
    assert Comment.objects.filter(author=reader).exists()
    assert client.get("/lookup/?q=1706.03762").status_code == 302  # fetched from (recorded) arXiv
    client.post("/accounts/logout/")
    assert client.post("/accounts/password/reset/", {"email": reader.email}).status_code == 302
    assert "/accounts/password/reset/key/" in mail.outbox[-1].body


@pytest.fixture
def arxiv_answers(external_http, settings):
    external_http.get(settings.ARXIV_API_URL, body=(ARXIV / "1706.03762.xml").read_bytes(), content_type="application/atom+xml")


def test_with_redis_the_site_works_and_shares_its_state_there(client, summary, redis_server, arxiv_answers):
    _everything_a_reader_and_writer_does(client, summary)
    assert cache.get("pages:content-version") is not None
    keys = subprocess.run(
        ["redis-cli", "-p", str(redis_server.port), "--scan"], capture_output=True, text=True, check=True
    ).stdout
    for shared in ("ratelimit:", ":page:", ":allauth:rl:", ":papers:arxiv-api:last-request"):
        assert shared in keys


def test_with_redis_down_the_site_keeps_serving_and_accepting_writes(client, summary, redis_server, arxiv_answers, caplog):
    redis_server.stop()
    with caplog.at_level(logging.WARNING, logger="shortscience.cache"):
        started = time.monotonic()
        _everything_a_reader_and_writer_does(client, summary)
        elapsed = time.monotonic() - started
    outages = [record for record in caplog.records if "unavailable" in record.getMessage()]
    assert len(outages) == 1, "the outage is logged once, not once per call"
    assert elapsed < 10, "a down Redis must not cost a connect timeout on every call"


def test_with_redis_down_a_logged_in_reader_sees_their_new_name_at_once(client, summary, redis_server):
    """The page logged-in readers share keys their parts on the content version, which has no value while Redis
    is down: their pages are then rendered for them, so nothing of theirs is stuck at an old version."""
    redis_server.stop()
    reader = UserFactory(username="renamed")
    client.force_login(reader)
    assert client.get("/").status_code == 200
    Profile.objects.update_or_create(user=reader, defaults={"display_name": "A New Name"})
    assert "A New Name" in client.get("/").content.decode()


def test_a_page_held_when_redis_goes_down_is_rendered_afresh(client, summary, redis_server):
    """A process's copy of a page is checked against the content version, which has no value while Redis is
    down: a write made then, which can't bump it, still shows."""
    client.get("/")  # stored in Redis and held by this process
    redis_server.stop()
    summary.paper.title = "Renamed while Redis was down"
    summary.paper.save()
    assert "Renamed while Redis was down" in client.get("/").content.decode()


def test_an_unreachable_redis_address_is_an_outage_too(client, summary, settings, arxiv_answers):
    _use_redis(settings, "redis://127.0.0.1:1/0")  # nothing listens on port 1
    resilient._outages.clear()
    _everything_a_reader_and_writer_does(client, summary)
    assert caches["default"].available is False


def test_when_redis_returns_the_site_uses_it_again(summary, redis_server, caplog):
    redis_server.stop()
    assert cache.get("anything", "missed") == "missed"
    cache.set("kept", "value")
    assert cache.get("kept") is None
    redis_server.start()
    time.sleep(0.3)  # past RETRY_SECONDS
    with caplog.at_level(logging.WARNING, logger="shortscience.cache"):
        cache.set("kept", "value")
        assert cache.get("kept") == "value"
    assert any("answers again" in record.getMessage() for record in caplog.records)
    assert caches["default"].available is True


@pytest.fixture
def partitioned_redis(redis_server, settings):
    """This process reaches Redis through a link the test can cut, while another server would still reach it,
    and Redis keeps what it holds throughout. Yields the cache as that other server sees it."""
    partition = Partition(redis_server.port)
    partition.heal()
    _use_redis(settings, f"redis://127.0.0.1:{partition.port}/0")
    another_server = resilient.ResilientRedisCache(redis_server.url, {})
    yield partition, another_server
    another_server.close()
    partition.cut()


def _cut_off_then_back(partition, write) -> None:
    partition.cut()
    write()  # committed here while this process cannot reach Redis
    partition.heal()
    time.sleep(0.3)  # past RETRY_SECONDS: the next call asks Redis again


def test_a_write_made_while_redis_was_unreachable_shows_on_every_server_once_it_answers(
    transactional_db, client, summary, partitioned_redis
):
    # Transactional: the bump the write owes is recorded once it commits (generations._owe_durably).
    partition, another_server = partitioned_redis
    assert summary.paper.title in client.get("/").content.decode()  # stored in Redis for every server
    version = another_server.get(page_cache.VERSION_KEY)

    def rename():
        summary.paper.title = "Renamed while cut off from Redis"
        summary.paper.save()

    _cut_off_then_back(partition, rename)
    assert another_server.get(page_cache.VERSION_KEY) == version  # not bumped: the others still serve the old page
    assert OwedBump.objects.filter(key=page_cache.VERSION_KEY).exists()  # in case this process stops first
    assert "Renamed while cut off from Redis" in client.get("/").content.decode()  # the first request back
    assert another_server.get(page_cache.VERSION_KEY) not in (None, version)  # and the others' pages are stale
    assert not OwedBump.objects.exists()


def test_a_reader_suspended_while_redis_was_unreachable_stays_locked_out_when_it_answers(client, partitioned_redis):
    partition, _ = partitioned_redis
    reader = UserFactory(username="suspended")
    client.force_login(reader)
    assert "Log out" in client.get("/").content.decode()  # their row is now cached in Redis

    def suspend():
        reader.is_active = False
        reader.save()

    _cut_off_then_back(partition, suspend)
    assert "Log out" not in client.get("/").content.decode()  # not their old row, read from Redis as it was


@pytest.mark.skipif(connection.vendor != "postgresql", reason="two processes share a PostgreSQL database")
def test_a_write_whose_process_stopped_while_cut_off_from_redis_shows_once_the_worker_settles(
    transactional_db, client, summary, partitioned_redis
):
    """The owing process is gone before Redis answers it again, and no other found Redis away: the bump it owed
    is in PostgreSQL, and the worker's beat (shortscience.tasks.owed_bumps_settle) makes it."""
    partition, another_server = partitioned_redis
    assert summary.paper.title in client.get("/").content.decode()  # stored in Redis for every server
    version = another_server.get(page_cache.VERSION_KEY)
    database = connection.settings_dict
    partition.cut()
    rename = f"from papers.models import Paper; p = Paper.objects.get(pk={summary.paper.pk}); p.title = 'Renamed by a command'; p.save()"
    subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", rename], cwd=ROOT, check=True, capture_output=True,
        env={"PATH": "/usr/bin:/bin", "DATABASE_URL": f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}",
             "REDIS_URL": f"redis://127.0.0.1:{partition.port}/0"},
    )  # fmt: skip
    partition.heal()
    assert another_server.get(page_cache.VERSION_KEY) == version
    assert "Renamed by a command" not in client.get("/").content.decode()  # this process saw no outage to settle
    assert list(OwedBump.objects.values_list("key", flat=True)) == [page_cache.VERSION_KEY]

    schedule = site_settings.CELERY_BEAT_SCHEDULE["owed-bumps-settle"]
    assert schedule["task"] == owed_bumps_settle.name and schedule["schedule"] <= 60
    assert owed_bumps_settle.delay().get() == 1
    assert another_server.get(page_cache.VERSION_KEY) not in (None, version)
    assert "Renamed by a command" in client.get("/").content.decode()
    assert not OwedBump.objects.exists()


def test_owed_bumps_settled_when_a_write_finds_redis_back_are_made_after_it_commits(
    summary, redis_server, django_capture_on_commit_callbacks
):
    """The cache call that finds Redis back may be a write's, inside its transaction: the recorded bumps are made
    once it commits, so their rows are not held locked by it and nothing there can break it."""
    OwedBump.objects.create(key=page_cache.VERSION_KEY, times_owed=1)  # as a process that stopped recorded it
    redis_server.stop()
    assert cache.get("anything") is None  # Redis found away
    redis_server.start()
    time.sleep(0.3)  # past RETRY_SECONDS
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        summary.paper.title = "Renamed as Redis came back"
        summary.paper.save()  # its bump finds Redis back, and settling begins inside this transaction
        assert OwedBump.objects.exists()
    assert callbacks, "settling the recorded bumps waits for the commit"
    summary.paper.refresh_from_db()
    assert summary.paper.title == "Renamed as Redis came back"
    assert not OwedBump.objects.exists()


def test_a_bump_a_write_owes_is_recorded_once_the_write_commits(transactional_db, summary, redis_server):
    """Not beside the write: every write of an outage would hold the one row locked until its commit."""
    redis_server.stop()
    with transaction.atomic():
        summary.paper.title = "Renamed while Redis was down"
        summary.paper.save()
        assert not OwedBump.objects.exists()
    assert OwedBump.objects.filter(key=page_cache.VERSION_KEY).exists()  # by the bump its commit makes
