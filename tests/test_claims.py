"""Author claims: verified against the claimant's ORCID record (recorded responses in tests/data/orcid/) or by a
moderator; a badge on the paper page; emails about new summaries and comments; their votes on the paper don't count."""

import json
from pathlib import Path

import pytest
from allauth.socialaccount.models import SocialAccount
from django.core import mail
from django.test import Client

from claims.models import AuthorClaim
from summaries import services as summary_services
from summaries.models import Comment, Vote
from tests.factories import PaperFactory, SummaryFactory, UserFactory

pytestmark = pytest.mark.django_db

ORCID = "0000-0002-1825-0097"
WORKS = Path(__file__).parent / "data" / "orcid" / f"{ORCID}-works.json"
WORKS_URL = f"https://pub.orcid.org/v3.0/{ORCID}/works"


@pytest.fixture
def orcid_user(user):
    SocialAccount.objects.create(user=user, provider="orcid", uid=ORCID)
    return user


@pytest.fixture
def orcid_answers(external_http):
    def answer(*, status=200, body=None):
        return external_http.get(WORKS_URL, body=WORKS.read_text() if body is None else body, status=status,
                                 content_type="application/json")  # fmt: skip

    return answer


def claim(client, paper):
    return client.post("/claims/claim/", {"paper": paper.pk}, follow=True)


def test_a_paper_on_the_orcid_record_is_verified_at_once(client, orcid_user, paper, orcid_answers, external_http):
    orcid_answers()
    client.force_login(orcid_user)
    response = claim(client, paper)
    assert "Verified with your ORCID record" in response.content.decode()
    found = AuthorClaim.objects.get(claimant=orcid_user, paper=paper)
    assert found.status == AuthorClaim.VERIFIED and found.orcid_id == ORCID
    assert external_http.calls[0].request.headers["Accept"] == "application/json"
    html = client.get(paper.get_absolute_url()).content.decode()
    assert "✓ Author: ada" in html and "Stop emails about new summaries and comments" in html


def test_a_doi_matches_whatever_its_case(client, orcid_user, orcid_answers):
    orcid_answers()
    nature = PaperFactory(title="Deep learning", arxiv_id=None, doi="10.1038/nature14539")
    client.force_login(orcid_user)
    claim(client, nature)
    assert AuthorClaim.objects.get(paper=nature).status == AuthorClaim.VERIFIED


def test_a_paper_missing_from_the_record_waits_for_a_moderator(client, orcid_user, orcid_answers):
    orcid_answers()
    other = PaperFactory(title="Not mine")
    client.force_login(orcid_user)
    html = claim(client, other).content.decode()
    assert "does not list this paper" in html and "waits for a moderator" in html
    assert AuthorClaim.objects.get(paper=other).status == AuthorClaim.PENDING
    assert "✓ Author" not in html


@pytest.mark.parametrize(("status", "body", "reason"), [(503, "busy", "ORCID answered with an error (503)."),
                                                        (404, "{}", "ORCID has no public record"),
                                                        (200, "not json", "could not be read")])  # fmt: skip
def test_orcid_trouble_leaves_the_claim_waiting_with_the_reason(client, orcid_user, paper, orcid_answers, status, body, reason):
    orcid_answers(status=status, body=body)
    client.force_login(orcid_user)
    html = claim(client, paper).content.decode()
    assert reason in html and "waits for a moderator" in html
    assert AuthorClaim.objects.get(paper=paper).status == AuthorClaim.PENDING


def test_orcid_down_is_no_500(client, orcid_user, paper):
    client.force_login(orcid_user)  # nothing registered: the autouse external_http answers with a connection error
    assert "ORCID did not answer" in claim(client, paper).content.decode()


def test_without_orcid_a_moderator_decides(client, user, paper, staff_user, external_http):
    client.force_login(user)
    assert "Log in with ORCID" in claim(client, paper).content.decode()
    assert len(external_http.calls) == 0
    pending = AuthorClaim.objects.get(paper=paper)
    staff = Client()
    staff.force_login(UserFactory(username="boss", is_staff=True, is_superuser=True))
    assert "✓ Author" not in Client().get(paper.get_absolute_url()).content.decode()  # the visitors' page, cached
    response = staff.post("/admin/claims/authorclaim/", {"action": "approve", "_selected_action": [pending.pk]}, follow=True)
    assert "1 claim(s) approved." in response.content.decode()
    pending.refresh_from_db()
    assert pending.status == AuthorClaim.APPROVED and pending.decided_by.username == "boss"
    assert "✓ Author: ada" in Client().get(paper.get_absolute_url()).content.decode()  # at once, not when it expires


def test_a_rejected_claim_gives_no_badge_and_cannot_be_repeated(client, user, paper):
    AuthorClaim.objects.create(claimant=user, paper=paper, status=AuthorClaim.REJECTED)
    client.force_login(user)
    html = claim(client, paper).content.decode()
    assert "did not confirm this claim" in html and "✓ Author" not in html


def test_claiming_needs_log_in_post_and_csrf(client, user, paper):
    assert client.post("/claims/claim/", {"paper": paper.pk})["Location"].startswith("/accounts/login/")
    client.force_login(user)
    assert client.get("/claims/claim/").status_code == 405
    assert client.post("/claims/claim/", {"paper": "x"}).status_code == 404
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(user)
    assert strict.post("/claims/claim/", {"paper": paper.pk}).status_code == 403
    assert not AuthorClaim.objects.exists()


def test_claims_are_rate_limited(client, user, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "claim": "2/h"}
    client.force_login(user)
    papers = [PaperFactory() for _ in range(3)]
    assert [client.post("/claims/claim/", {"paper": p.pk}).status_code for p in papers] == [302, 302, 429]


def test_withdrawing_a_waiting_claim(client, user, paper):
    AuthorClaim.objects.create(claimant=user, paper=paper)
    client.force_login(user)
    client.post("/claims/withdraw/", {"paper": paper.pk})
    assert not AuthorClaim.objects.exists()


# --- What a claimed author gets ------------------------------------------------------------------


@pytest.fixture
def claimed(user, paper):
    return AuthorClaim.objects.create(claimant=user, paper=paper, status=AuthorClaim.VERIFIED)


def test_claimed_authors_hear_of_new_public_summaries(claimed, paper, other_user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        SummaryFactory(paper=paper, author=UserFactory(username="ghost"), is_anonymous=True, body="Great paper.")
        SummaryFactory(paper=paper, author=UserFactory(), is_private=True)
    [email] = mail.outbox
    assert email.to == ["ada@example.org"] and "has a new summary" in email.subject
    assert "a summary by Anonymous" in email.body and "ghost" not in email.body
    assert "#author-claims" in email.body


def test_opting_out_stops_the_emails(client, claimed, paper, user, django_capture_on_commit_callbacks):
    client.force_login(user)
    client.post("/claims/notifications/", {"paper": paper.pk, "notify": "off"})
    with django_capture_on_commit_callbacks(execute=True):
        SummaryFactory(paper=paper)
    assert mail.outbox == []
    assert "Email me about new summaries and comments" in client.get(paper.get_absolute_url()).content.decode()


def test_claimed_authors_hear_of_comments_once(claimed, paper, user, other_user, django_capture_on_commit_callbacks):
    summary = SummaryFactory(paper=paper, author=other_user)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        Comment.objects.create(summary=summary, author=UserFactory(username="critic"), body="Hmm.", body_html="<p>Hmm.</p>")
    recipients = sorted(address for email in mail.outbox for address in email.to)
    assert recipients == ["ada@example.org"]  # the summary's author hears through the comment emails, not these
    assert "critic commented on a summary of your paper" in mail.outbox[0].body


def test_a_claimed_authors_votes_on_their_paper_do_not_count(client, user, paper, orcid_user, orcid_answers):
    summary = SummaryFactory(paper=paper, author=UserFactory())
    summary_services.vote_cast(summary=summary, voter=user, value=Vote.UP)
    summary.refresh_from_db()
    assert summary.score == 1
    orcid_answers()
    client.force_login(user)
    claim(client, paper)
    summary.refresh_from_db()
    assert summary.score == 0 and not Vote.objects.exists()  # the earlier vote is taken back
    response = client.post(f"/summary/{summary.pk}/vote/", {"value": "up"}, HTTP_ACCEPT="application/json")
    assert response.status_code == 403 and "do not count" in json.loads(response.content)["error"]
    summary.refresh_from_db()
    assert summary.score == 0
    elsewhere = SummaryFactory(author=UserFactory())
    assert client.post(f"/summary/{elsewhere.pk}/vote/", {"value": "up"}, HTTP_ACCEPT="application/json").status_code == 200


def test_the_paper_page_runs_one_query_for_its_claims(client, paper, user, django_assert_max_num_queries):
    AuthorClaim.objects.create(claimant=user, paper=paper, status=AuthorClaim.VERIFIED)
    client.force_login(user)
    with django_assert_max_num_queries(40) as one:
        client.get(paper.get_absolute_url())
    for _ in range(5):
        AuthorClaim.objects.create(claimant=UserFactory(), paper=paper, status=AuthorClaim.APPROVED)
    with django_assert_max_num_queries(len(one.captured_queries)):
        assert client.get(paper.get_absolute_url()).content.decode().count("✓ Author:") == 6
