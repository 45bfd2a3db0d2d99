"""arXiv versions: each summary records the version it was written for; a newer version shows on it ("written for
v1; v3 is out") and emails its author once, who can say it still holds ("checked against v3"); paper pages list
the versions with their dates, from the snapshot and OAI-PMH arXivRaw records."""

import datetime
import json
from pathlib import Path

import pytest
from django.core import mail
from django.test import Client

from papers import oai
from papers.importers import snapshot_entry_record
from papers.models import Paper
from papers.services import PaperRecord, paper_upsert, papers_upsert, version_dates
from papers.signals import papers_written
from summaries.models import Summary
from tests.factories import PaperFactory, SummaryFactory, UserFactory

pytestmark = pytest.mark.django_db
DATA = Path(__file__).parent / "data"
D = datetime.date


@pytest.mark.parametrize(
    ("versions", "expected"),
    [
        ([(1, D(2017, 6, 12))], ["2017-06-12"]),
        ([(2, D(2017, 6, 19)), (1, D(2017, 6, 12))], ["2017-06-12", "2017-06-19"]),
        ([(1, D(2017, 6, 12)), (3, D(2017, 6, 20))], []),  # v2 missing: no list rather than a wrong one
        ([(1, None), (2, D(2017, 6, 19))], []),
        ([(None, D(2017, 6, 19))], []),
        ([], []),
    ],
)
def test_version_dates_are_all_or_nothing(versions, expected):
    assert version_dates(versions) == expected


def test_the_snapshot_and_arxiv_raw_records_carry_every_versions_date():
    entry = next(json.loads(line) for line in (DATA / "snapshot" / "snapshot.jsonl").open() if '"1706.03762"' in line)
    record = snapshot_entry_record(entry)
    assert record.arxiv_version == 7 and len(record.arxiv_version_dates) == 7
    assert record.arxiv_version_dates[0] == "2017-06-12" and record.arxiv_version_dates[-1] == "2023-08-02"
    page = oai.parse_list_records((DATA / "oai" / "list_records_arxiv_raw.xml").read_bytes())
    maldacena = next(record for record in page.records if record.arxiv_id == "hep-th/9711200")
    assert maldacena.arxiv_version_dates == ["1997-11-27", "1997-11-28", "1998-01-22"]


def test_a_record_without_dates_keeps_the_stored_history():
    paper_upsert(record=PaperRecord(title="T", arxiv_id="2101.00001", arxiv_version=2, arxiv_version_dates=["2021-01-01", "2021-02-01"]))
    paper_upsert(record=PaperRecord(title="T", arxiv_id="2101.00001", arxiv_version=2))
    assert Paper.objects.get(arxiv_id="2101.00001").arxiv_version_dates == ["2021-01-01", "2021-02-01"]


def test_the_paper_page_lists_its_versions(client):
    paper = PaperFactory(arxiv_version=2, arxiv_version_dates=["2017-06-12", "2017-06-19"])
    html = client.get(paper.get_absolute_url()).content.decode()
    assert "<dt>Versions</dt>" in html and "v1, Jun 12, 2017</span>; <span>v2, Jun 19, 2017" in html
    answer = client.get(f"/api/v1/papers/{paper.arxiv_id}").json()
    assert answer["arxiv_versions"] == [{"version": 1, "submitted": "2017-06-12"}, {"version": 2, "submitted": "2017-06-19"}]


# --- Summaries and versions ---------------------------------------------------------------------


@pytest.fixture
def written_for_v1(user):
    paper = PaperFactory(title="Evolving paper", arxiv_id="2101.00002", arxiv_version=1)
    return SummaryFactory(paper=paper, author=user, body="Holds for v1.")


def new_version(paper, number: int, *, commit_callbacks):
    with commit_callbacks(execute=True):
        papers_upsert([PaperRecord(title=paper.title, arxiv_id=paper.arxiv_id, arxiv_version=number)])


def test_a_summary_records_the_latest_version_when_written(written_for_v1):
    assert written_for_v1.arxiv_version == 1 and written_for_v1.checked_arxiv_version is None
    assert written_for_v1.version_note == ""


def test_a_newer_version_shows_and_tells_the_author_once(client, written_for_v1, django_capture_on_commit_callbacks):
    new_version(written_for_v1.paper, 3, commit_callbacks=django_capture_on_commit_callbacks)
    [email] = mail.outbox
    assert email.to == ["ada@example.org"] and "v3 of “Evolving paper” is out" in email.subject
    assert f"/summary/{written_for_v1.pk}/" in email.body
    for url in ["/", written_for_v1.get_absolute_url(), written_for_v1.paper.get_absolute_url()]:
        assert "Written for v1; v3 is out." in client.get(url).content.decode(), url
    new_version(written_for_v1.paper, 3, commit_callbacks=django_capture_on_commit_callbacks)
    assert len(mail.outbox) == 1  # the same version again: nobody is told twice
    new_version(written_for_v1.paper, 4, commit_callbacks=django_capture_on_commit_callbacks)
    assert len(mail.outbox) == 2 and "v4" in mail.outbox[1].subject


def test_the_author_confirms_it_still_holds(client, user, written_for_v1, django_capture_on_commit_callbacks):
    new_version(written_for_v1.paper, 3, commit_callbacks=django_capture_on_commit_callbacks)
    client.force_login(user)
    page = client.get(written_for_v1.get_absolute_url()).content.decode()
    assert "Still holds for v3" in page
    response = client.post(f"/summary/{written_for_v1.pk}/version/", {"action": "confirm"}, follow=True)
    assert "still holds for v3" in response.content.decode()
    summary = Summary.objects.get(pk=written_for_v1.pk)
    assert summary.checked_arxiv_version == 3 and summary.arxiv_version == 1
    assert "Written for v1, checked against v3." in Client().get("/").content.decode()
    assert client.get(f"/api/v1/summaries/{summary.pk}").json()["checked_arxiv_version"] == 3
    mail.outbox.clear()
    new_version(written_for_v1.paper, 4, commit_callbacks=django_capture_on_commit_callbacks)
    assert "Written for v1, checked against v3; v4 is out." in Client().get("/").content.decode()
    assert len(mail.outbox) == 1


def test_the_author_sets_the_version_it_was_written_for(client, user, written_for_v1, django_capture_on_commit_callbacks):
    new_version(written_for_v1.paper, 3, commit_callbacks=django_capture_on_commit_callbacks)
    client.force_login(user)
    client.post(f"/summary/{written_for_v1.pk}/version/", {"action": "set", "version": "3"})
    assert Summary.objects.get(pk=written_for_v1.pk).arxiv_version == 3
    assert "is out" not in Client().get("/").content.decode()
    response = client.post(f"/summary/{written_for_v1.pk}/version/", {"action": "set", "version": "9"}, follow=True)
    assert "The paper has versions 1 to 3." in response.content.decode()
    assert client.post(f"/summary/{written_for_v1.pk}/version/", {"action": "set", "version": "-1"}, follow=True).status_code == 200
    assert Summary.objects.get(pk=written_for_v1.pk).arxiv_version == 3


def test_only_the_author_or_a_moderator_changes_the_version(client, other_user, written_for_v1):
    client.force_login(other_user)
    assert client.post(f"/summary/{written_for_v1.pk}/version/", {"action": "confirm"}).status_code == 403
    assert "Still holds" not in client.get(written_for_v1.get_absolute_url()).content.decode()
    assert Client().post(f"/summary/{written_for_v1.pk}/version/", {"action": "confirm"})["Location"].startswith("/accounts/login/")
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(written_for_v1.author)
    assert strict.post(f"/summary/{written_for_v1.pk}/version/", {"action": "confirm"}).status_code == 403


def test_papers_without_arxiv_versions_say_nothing(client, user):
    summary = SummaryFactory(paper=PaperFactory(arxiv_id=None, doi="10.1/x", arxiv_version=None), author=user)
    assert summary.arxiv_version is None and summary.version_note == ""
    client.force_login(user)
    response = client.post(f"/summary/{summary.pk}/version/", {"action": "confirm"}, follow=True)
    assert "This paper has no arXiv versions." in response.content.decode()


@pytest.mark.parametrize(("newer_version", "tasks"), [(3, 1), (1, 0)])
def test_only_writes_that_overtake_a_summary_queue_the_emails(written_for_v1, newer_version, tasks, django_capture_on_commit_callbacks):
    Paper.objects.filter(pk=written_for_v1.paper_id).update(arxiv_version=newer_version)
    identifiers = {"arxiv_id": [written_for_v1.paper.arxiv_id], "doi": [], "bibtex_key": []}
    with django_capture_on_commit_callbacks() as callbacks:
        papers_written.send(sender=Paper, identifiers=identifiers)
    assert len(callbacks) == tasks


def test_hidden_summaries_and_authors_without_email_are_not_emailed(written_for_v1, django_capture_on_commit_callbacks):
    Summary.objects.filter(pk=written_for_v1.pk).update(is_hidden=True)
    quiet = SummaryFactory(paper=written_for_v1.paper, author=UserFactory(username="quiet", email=""))
    assert quiet.arxiv_version == 1
    new_version(written_for_v1.paper, 2, commit_callbacks=django_capture_on_commit_callbacks)
    assert mail.outbox == []
