"""Background work on Celery: each task does its service's job and can run twice without harm; requests hand
emails to the worker after commit; an unreachable broker costs no request, and what it lost is sent later.

Without CELERY_BROKER_URL (as in these tests) tasks run inline. Two tests use real brokers: a Celery worker
started on Redis (database 6) that sends an email, and an address where nothing listens.
"""

import logging
import os
import signal
import subprocess
import sys
import time
from datetime import date, timedelta
from io import StringIO
from pathlib import Path
from smtplib import SMTPServerDisconnected

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.utils import timezone
from responses import matchers

from papers.models import HarvestState
from papers.services import PaperRecord, paper_upsert
from shortscience.celery import app as celery_app
from summaries import pending, rendering, tasks
from summaries.models import Comment, Follow, Summary, SummaryRequest, SummaryView
from tests.factories import PaperFactory, SummaryFactory, UserFactory

ROOT = Path(__file__).resolve().parent.parent
REDIS_BROKER = "redis://127.0.0.1:6379/6"  # this branch's Redis database; never another
NOWHERE = "redis://127.0.0.1:1/0"  # nothing listens on port 1


@pytest.fixture(autouse=True)
def locmem_email(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture
def retried_inline():
    """Inline tasks retry at once, as the worker would after a pause, instead of raising Retry to the caller."""
    celery_app.conf.task_eager_propagates = False
    yield
    celery_app.conf.task_eager_propagates = True


@pytest.fixture
def author(db):
    return UserFactory(username="hopper", email="hopper@example.org")


@pytest.fixture
def summary(paper, author):
    return SummaryFactory(paper=paper, author=author, body="Pixels, one at a time.")


def post_comment(who, summary, body: str):
    client = Client()
    client.force_login(who)
    return client.post(f"/summary/{summary.pk}/comments/", {"body": body})


def recipients() -> list[str]:
    return sorted(address for message in mail.outbox for address in message.to)


# --- Each task, run inline -----------------------------------------------------------------------


@pytest.mark.django_db
def test_a_comment_email_goes_out_once_however_often_its_task_runs(user, summary, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        assert post_comment(user, summary, "Why raster order?").status_code == 302
    comment = Comment.objects.get()
    assert recipients() == ["hopper@example.org"]
    assert comment.notified_at is not None

    assert tasks.comment_notify.delay(comment.pk).get() == 0  # a redelivered task
    assert recipients() == ["hopper@example.org"]


@pytest.mark.django_db
def test_a_comment_email_the_mail_server_refused_is_retried(user, summary, monkeypatch, retried_inline):
    comment = Comment.objects.create(summary=summary, author=user, body="Hello.", body_html="<p>Hello.</p>")
    send = mail.backends.locmem.EmailBackend.send_messages
    attempts = []

    def refuse_the_first_time(backend, messages):
        attempts.append(len(messages))
        if len(attempts) == 1:
            raise SMTPServerDisconnected("Connection unexpectedly closed")
        return send(backend, messages)

    monkeypatch.setattr(mail.backends.locmem.EmailBackend, "send_messages", refuse_the_first_time)

    assert tasks.comment_notify.delay(comment.pk).get() == 1

    assert attempts == [1, 1]
    assert recipients() == ["hopper@example.org"]


@pytest.mark.django_db
def test_a_comment_email_that_keeps_failing_is_retried_a_bounded_number_of_times_and_left_owed(
    user, summary, monkeypatch, retried_inline
):
    comment = Comment.objects.create(summary=summary, author=user, body="Hello.", body_html="<p>Hello.</p>")
    attempts = []

    def mail_server_down(backend, messages):
        attempts.append(messages)
        raise ConnectionRefusedError("SMTP is down")

    monkeypatch.setattr(mail.backends.locmem.EmailBackend, "send_messages", mail_server_down)
    result = tasks.comment_notify.delay(comment.pk)
    assert result.state == "FAILURE" and isinstance(result.result, ConnectionRefusedError)
    assert len(attempts) == 1 + tasks.comment_notify.max_retries
    comment.refresh_from_db()
    assert comment.notified_at is None  # so the pending sweep sends it when the server is back


@pytest.mark.django_db
def test_summary_request_emails_go_out_once(paper, django_capture_on_commit_callbacks):
    SummaryRequest.objects.create(paper=paper, requester=UserFactory(username="asker", email="asker@example.org"))
    with django_capture_on_commit_callbacks(execute=True):
        summary = SummaryFactory(paper=paper)  # its post_save enqueues the task, which runs inline
    assert recipients() == ["asker@example.org"]

    assert tasks.summary_requests_notify.delay(summary.pk).get() == 0
    assert tasks.summary_requests_notify.delay(summary.pk + 1000).get() == 0  # a summary since deleted
    assert recipients() == ["asker@example.org"]


@pytest.mark.django_db
def test_the_weekly_digest_task_sends_each_reader_the_week_once(paper, other_user):
    reader = UserFactory(username="reader", email="reader@example.org")
    reader.profile.weekly_digest = True
    reader.profile.save()
    Follow.objects.create(follower=reader, kind=Follow.PAPER, paper=paper)
    SummaryFactory(paper=paper, author=other_user)

    assert tasks.weekly_digest_send.delay().get() == 1
    assert tasks.weekly_digest_send.delay().get() == 0  # beat fired twice, or the task was redelivered
    assert recipients() == ["reader@example.org"]
    assert "1 new summary" in mail.outbox[0].subject


@pytest.mark.django_db
def test_the_rerender_task_renders_stale_html_again(make_summaries):
    stale = make_summaries(2)
    Summary.objects.filter(pk__in=[s.pk for s in stale]).update(body_html="<p>old</p>", rendered_version=0)

    assert tasks.stored_html_rerender.delay().get() == (2, 0)
    assert tasks.stored_html_rerender.delay().get() == (0, 0)
    assert not Summary.objects.filter(body_html="<p>old</p>").exists()
    assert set(Summary.objects.values_list("rendered_version", flat=True)) == {rendering.RENDERER_VERSION}


@pytest.mark.django_db
def test_rerender_summaries_background_queues_the_task(make_summaries):
    (summary,) = make_summaries(1)
    Summary.objects.filter(pk=summary.pk).update(body_html="<p>old</p>", rendered_version=0)
    stdout = StringIO()
    call_command("rerender_summaries", "--background", stdout=stdout)
    assert stdout.getvalue() == "Queued for the worker.\n"
    summary.refresh_from_db()
    assert summary.rendered_version == rendering.RENDERER_VERSION  # inline here: no broker in tests


@pytest.mark.django_db
def test_the_harvest_task_continues_the_daily_harvest(external_http, settings):
    settings.ARXIV_OAI_URL = "https://oaipmh.arxiv.org/oai"
    HarvestState.objects.create(name="https://oaipmh.arxiv.org/oai arXiv *", harvested_until=date(2024, 1, 1))
    no_records = (ROOT / "tests" / "data" / "oai" / "no_records_match.xml").read_bytes()
    external_http.get(
        settings.ARXIV_OAI_URL,
        body=no_records,
        content_type="text/xml",
        match=[matchers.query_param_matcher({"verb": "ListRecords", "metadataPrefix": "arXiv", "from": "2024-01-01"})],
    )
    from papers import tasks as paper_tasks

    paper_tasks.harvest_arxiv.delay()

    assert HarvestState.objects.get().harvested_until == date(2024, 1, 4)


@pytest.mark.django_db
def test_an_update_of_a_cited_paper_rerenders_the_summaries_citing_it(user, django_capture_on_commit_callbacks):
    PaperFactory(arxiv_id="1706.03762", authors=["Ashish Vaswani"], year=2017)
    summary = SummaryFactory(author=user, body=r"Builds on \cite{1706.03762}.")
    assert "Vaswani, 2017" in summary.body_html

    with django_capture_on_commit_callbacks(execute=True):
        paper_upsert(record=PaperRecord(arxiv_id="1706.03762", authors=["Ashish Vaswani", "Noam Shazeer"]))

    summary.refresh_from_db()
    assert "Vaswani and Shazeer, 2017" in summary.body_html
    assert tasks.citing_summaries_rerender.delay([summary.cited_papers.get().pk]).get() == 1  # harmless again


@pytest.mark.django_db
def test_with_the_broker_down_a_cited_paper_update_rerenders_right_away(user, broker, django_capture_on_commit_callbacks):
    PaperFactory(arxiv_id="1706.03762", authors=["Ashish Vaswani"], year=2017)
    summary = SummaryFactory(author=user, body=r"Builds on \cite{1706.03762}.")
    broker(NOWHERE)
    with django_capture_on_commit_callbacks(execute=True):
        paper_upsert(record=PaperRecord(arxiv_id="1706.03762", year=2018))
    summary.refresh_from_db()
    assert "Vaswani, 2018" in summary.body_html  # nothing records it for later: done here instead


@pytest.mark.django_db
def test_an_update_of_papers_nobody_cites_queues_nothing(paper, broker, caplog, django_capture_on_commit_callbacks):
    SummaryFactory(paper=paper, body="Cites nothing.")
    broker(NOWHERE)  # any task queued would be logged as lost
    with caplog.at_level(logging.ERROR), django_capture_on_commit_callbacks(execute=True):
        paper_upsert(record=PaperRecord(arxiv_id=paper.arxiv_id, authors=["Someone Else"]))
    assert caplog.records == []


def test_beat_runs_the_harvest_and_housekeeping_daily_and_the_digest_weekly():
    celery_app.loader.import_default_modules()  # what a starting worker does: finds each app's tasks.py
    schedule = celery_app.conf.beat_schedule
    assert {entry["task"] for entry in schedule.values()} == {
        "papers.tasks.harvest_arxiv",
        "summaries.tasks.weekly_digest_send",
        "summaries.tasks.pending_notifications_send",
        "summaries.tasks.housekeeping_daily",
        "shortscience.tasks.owed_bumps_settle",
    }
    assert {entry["task"] for entry in schedule.values()} <= set(celery_app.tasks)


@pytest.mark.django_db
def test_daily_housekeeping_purges_old_deletions_and_who_read_what(summary):
    read = SummaryFactory()
    SummaryView.objects.create(summary=read, reader="user:1", day=timezone.localdate() - timedelta(days=3))
    SummaryView.objects.create(summary=read, reader="user:1", day=timezone.localdate())
    Summary.all_objects.filter(pk=summary.pk).update(deleted_at=timezone.now() - timedelta(days=400))
    assert tasks.housekeeping_daily.delay().get() == (1, 1)
    assert not Summary.all_objects.filter(pk=summary.pk).exists()
    assert SummaryView.objects.get().day == timezone.localdate()


# --- What a lost task leaves owed ----------------------------------------------------------------


@pytest.mark.django_db
def test_the_pending_sweep_sends_what_is_owed_for_more_than_a_few_minutes(user, summary, paper):
    owed = Comment.objects.create(summary=summary, author=user, body="Lost.", body_html="<p>Lost.</p>")
    fresh = Comment.objects.create(summary=summary, author=user, body="New.", body_html="<p>New.</p>")
    asked = SummaryRequest.objects.create(paper=paper, requester=UserFactory(username="asker", email="asker@example.org"))
    late = SummaryRequest.objects.create(
        paper=SummaryFactory().paper, requester=UserFactory(username="late", email="late@example.org")
    )
    long_ago = timezone.now() - pending.GRACE - timedelta(minutes=1)
    Comment.objects.filter(pk=owed.pk).update(created_at=long_ago)
    SummaryRequest.objects.filter(pk=asked.pk).update(created_at=long_ago - timedelta(minutes=1))
    Summary.objects.filter(pk=summary.pk).update(created_at=long_ago)
    Summary.objects.exclude(pk=summary.pk).update(created_at=long_ago)  # written before `late` asked for it

    stdout = StringIO()
    call_command("send_pending_notifications", stdout=stdout)

    assert stdout.getvalue() == "Sent 2 pending notification emails.\n"
    assert recipients() == ["asker@example.org", "hopper@example.org"]
    assert "Lost." in mail.outbox[0].body + mail.outbox[1].body
    assert Comment.objects.get(pk=fresh.pk).notified_at is None  # its own task may still be on its way
    assert SummaryRequest.objects.get(pk=late.pk).notified_at is None  # the summary was there when they asked
    assert pending.pending_notifications_send() == 0


# --- Real brokers --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_an_unreachable_broker_costs_no_request_and_is_logged_once(
    user, summary, broker, caplog, django_capture_on_commit_callbacks
):
    broker(NOWHERE)
    with caplog.at_level(logging.ERROR, logger="shortscience.background"):
        for body in ("First.", "Second."):
            started = time.monotonic()
            with django_capture_on_commit_callbacks(execute=True):
                response = post_comment(user, summary, body)
            assert response.status_code == 302
            assert time.monotonic() - started < 2
    (logged,) = caplog.records  # once for the outage, not once per request
    assert logged.getMessage().startswith("Celery broker unreachable")
    assert Comment.objects.filter(notified_at__isnull=True).count() == 2
    assert mail.outbox == []

    Comment.objects.update(created_at=timezone.now() - pending.GRACE - timedelta(minutes=1))
    assert pending.pending_notifications_send() == 2  # the worker's sweep, once the broker is back


@pytest.fixture
def celery_worker(tmp_path):
    """A real `celery worker` on Redis database 6, reading this test's database and writing emails to files."""
    database = connection.settings_dict
    env = {
        **os.environ,
        "CELERY_BROKER_URL": REDIS_BROKER,
        "DATABASE_URL": f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}",
        "DJANGO_SETTINGS_MODULE": "tests.worker_settings",
        "TEST_EMAIL_DIR": str(tmp_path),
    }
    log = open(tmp_path / "worker.log", "w")
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "shortscience", "worker", "--pool=solo", "--loglevel=info"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    yield tmp_path
    os.killpg(worker.pid, signal.SIGTERM)
    worker.wait(timeout=30)
    log.close()


def _emails_written(directory: Path) -> list[str]:
    """What the worker's file email backend wrote in `directory` (one file per connection)."""
    return [path.read_text() for path in directory.glob("*.log") if path.name != "worker.log"]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the worker reads the test database over the network")
@pytest.mark.django_db(transaction=True)
def test_a_comment_email_is_sent_by_a_real_worker_through_redis(broker, celery_worker):
    broker(REDIS_BROKER)
    celery_app.control.purge()  # tasks an earlier, interrupted run left in this branch's queue
    summary = SummaryFactory(author=UserFactory(username="hopper", email="hopper@example.org"))
    commenter = UserFactory(username="ada")

    assert post_comment(commenter, summary, "Sent by the worker.").status_code == 302
    assert mail.outbox == []  # nothing was sent by the request itself

    # Django's file backend creates the file before it writes the message: wait for the message, not the file.
    deadline = time.monotonic() + 60
    while not any("Sent by the worker." in email for email in _emails_written(celery_worker)):
        assert time.monotonic() < deadline, (celery_worker / "worker.log").read_text()
        time.sleep(0.2)
    emails = _emails_written(celery_worker)
    (email,) = emails
    assert "To: hopper@example.org" in email
    assert Comment.objects.get().notified_at is not None
