"""Rate limits: everyone per hour on writing, editing, voting and reporting; new accounts tighter on writing new things."""

from datetime import timedelta
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import RequestFactory
from django.utils import timezone
from PIL import Image

from summaries import limits
from summaries.models import Comment, Report, Summary, Vote
from tests.factories import PaperFactory, SummaryFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def tight(settings):
    settings.RATE_LIMITS = {
        "summary": "4/h", "edit": "5/h", "comment": "4/h", "vote": "3/h", "report": "2/h", "preview": "6/h",
        "image": "2/h",
    }  # fmt: skip
    settings.NEW_ACCOUNT_SUMMARIES_PER_HOUR = 2
    settings.NEW_ACCOUNT_COMMENTS_PER_HOUR = 2
    settings.NEW_ACCOUNT_AGE_HOURS = 24
    return settings


def veteran(**kwargs):
    """An account old enough to be past the new-account limits."""
    return UserFactory(date_joined=timezone.now() - timedelta(days=30), **kwargs)


def request_by(user):
    request = RequestFactory().post("/")
    request.user = user
    return request


def attempts(user, action, count):
    """How many of `count` attempts pass before the first refusal."""
    for done in range(count):
        try:
            limits.rate_limit_check(request_by(user), action=action)
        except limits.RateLimited:
            return done
    return count


def test_everyone_has_an_hourly_limit_per_action(tight):
    reader = veteran()
    assert attempts(reader, "report", 5) == 2
    assert attempts(reader, "vote", 5) == 3
    assert attempts(reader, "summary", 9) == 4
    assert attempts(reader, "edit", 9) == 5
    assert attempts(reader, "comment", 9) == 4


def test_limits_are_per_user(tight):
    first, second = veteran(), veteran()
    assert attempts(first, "report", 5) == 2
    assert attempts(second, "report", 5) == 2


def test_the_refusal_says_which_limit_and_how_long_to_wait(tight):
    reader = veteran()
    attempts(reader, "report", 2)
    with pytest.raises(limits.RateLimited) as refusal:
        limits.rate_limit_check(request_by(reader), action="report")
    assert "limit of 2 reports per hour" in str(refusal.value)
    assert "try again in" in str(refusal.value)
    assert 0 < refusal.value.retry_after <= 3600


def test_new_accounts_write_less(tight):
    newcomer = UserFactory()
    assert attempts(newcomer, "summary", 5) == 2
    assert attempts(newcomer, "comment", 5) == 2
    assert attempts(newcomer, "vote", 5) == 3  # voting, reporting and editing: the everyone limits only
    assert attempts(newcomer, "edit", 9) == 5
    with pytest.raises(limits.RateLimited, match="while your account is new"):
        limits.rate_limit_check(request_by(newcomer), action="summary")


def test_an_upvote_or_age_lifts_the_new_account_limits(tight, other_user):
    upvoted = UserFactory()
    summary = SummaryFactory(author=upvoted)
    assert limits.is_new_account(upvoted)
    Vote.objects.create(summary=summary, voter=other_user, value=Vote.DOWN)
    assert limits.is_new_account(upvoted)  # a downvote is no vote of confidence
    Vote.objects.filter(summary=summary).update(value=Vote.UP)
    assert not limits.is_new_account(upvoted)
    assert attempts(upvoted, "summary", 9) == 4

    aged = UserFactory(date_joined=timezone.now() - timedelta(hours=25))
    assert not limits.is_new_account(aged)


def test_moderators_are_not_limited(tight):
    assert attempts(UserFactory(is_staff=True), "report", 10) == 10


def test_limits_can_be_switched_off(tight):
    tight.RATELIMIT_ENABLE = False
    assert attempts(UserFactory(), "summary", 10) == 10


def test_each_test_starts_from_zero_a(tight, user):
    assert attempts(user, "report", 5) == 2


def test_each_test_starts_from_zero_b(tight, user):
    assert attempts(user, "report", 5) == 2


# ---- The views: a refused post is a 429 that keeps what was typed ---------------------------------


def test_reporting_is_limited_and_keeps_the_reason(client, tight):
    reader = veteran(username="reader")
    client.force_login(reader)
    summaries = SummaryFactory.create_batch(3)
    for summary in summaries[:2]:
        assert client.post(f"/summary/{summary.pk}/report/", {"reason": "Spam."}).status_code == 302
    response = client.post(f"/summary/{summaries[2].pk}/report/", {"reason": "Spam, typed with care."})
    html = response.content.decode()
    assert response.status_code == 429
    assert "limit of 2 reports per hour" in html
    assert "Spam, typed with care." in html
    assert Report.objects.count() == 2


def test_a_new_account_is_told_to_wait_and_keeps_its_summary(client, tight):
    newcomer = UserFactory(username="newcomer")
    client.force_login(newcomer)
    papers = PaperFactory.create_batch(3)
    for paper in papers[:2]:
        response = client.post(f"/summaries/new/?paper={paper.arxiv_id}", {"body": "Fine.", "base_revision": 0})
        assert response.status_code == 302
    typed = "A careful summary of $x^2$ that must not be lost."
    response = client.post(f"/summaries/new/?paper={papers[2].arxiv_id}", {"body": typed, "base_revision": 0})
    html = response.content.decode()
    assert response.status_code == 429
    assert "limit of 2 summaries per hour while your account is new" in html
    assert "A careful summary of $x^2$ that must not be lost." in html
    assert Summary.objects.filter(author=newcomer).count() == 2


def test_previews_and_invalid_posts_cost_nothing(client, tight):
    newcomer = UserFactory(username="newcomer")
    client.force_login(newcomer)
    paper = PaperFactory()
    for _ in range(5):
        client.post(f"/summaries/new/?paper={paper.arxiv_id}", {"body": "Draft.", "preview": "1", "base_revision": 0})
        client.post(f"/summaries/new/?paper={paper.arxiv_id}", {"body": "", "base_revision": 0})
    response = client.post(f"/summaries/new/?paper={paper.arxiv_id}", {"body": "Done.", "base_revision": 0})
    assert response.status_code == 302


def test_edits_have_their_own_hourly_limit_and_keep_the_text(client, tight):
    writer = veteran(username="writer")
    client.force_login(writer)
    summary = SummaryFactory(author=writer, body="v1")
    for number in range(2, 7):
        response = client.post(f"/summary/{summary.pk}/edit/", {"body": f"v{number}", "base_revision": number - 1})
        assert response.status_code == 302, number
    response = client.post(f"/summary/{summary.pk}/edit/", {"body": "v7, typed", "base_revision": 6})
    html = response.content.decode()
    assert response.status_code == 429
    assert "limit of 5 edits to summaries per hour" in html
    assert "v7, typed" in html
    assert Summary.objects.get(pk=summary.pk).body == "v6"


def test_edits_do_not_use_up_a_new_accounts_summaries(client, tight):
    """Publish, fix a typo, publish a second: the newcomer has written two summaries, not three."""
    newcomer = UserFactory(username="newcomer")
    client.force_login(newcomer)
    first, second, third = PaperFactory.create_batch(3)
    assert client.post(f"/summaries/new/?paper={first.arxiv_id}", {"body": "Frist.", "base_revision": 0}).status_code == 302
    summary = Summary.objects.get(author=newcomer)
    assert client.post(f"/summary/{summary.pk}/edit/", {"body": "First.", "base_revision": 1}).status_code == 302
    # Writing again about the same paper edits the one summary, so it is an edit too.
    again = client.post(f"/summaries/new/?paper={first.arxiv_id}", {"body": "First!", "base_revision": 2})
    assert again.status_code == 302
    assert client.post(f"/summaries/new/?paper={second.arxiv_id}", {"body": "Second.", "base_revision": 0}).status_code == 302

    refused = client.post(f"/summaries/new/?paper={third.arxiv_id}", {"body": "Third.", "base_revision": 0})
    assert refused.status_code == 429
    assert "limit of 2 summaries per hour while your account is new" in refused.content.decode()
    # Fixing a typo is still allowed once the new summaries are used up.
    assert client.post(f"/summary/{summary.pk}/edit/", {"body": "First.", "base_revision": 3}).status_code == 302
    assert Summary.objects.filter(author=newcomer).count() == 2


def test_comments_are_limited_and_keep_the_text(client, tight):
    newcomer = UserFactory(username="newcomer")
    client.force_login(newcomer)
    summary = SummaryFactory()
    for number in range(2):
        assert client.post(f"/summary/{summary.pk}/comments/", {"body": f"Comment {number}."}).status_code == 302
    response = client.post(f"/summary/{summary.pk}/comments/", {"body": "A third, thoughtful comment."})
    html = response.content.decode()
    assert response.status_code == 429
    assert "limit of 2 comments per hour while your account is new" in html
    assert "A third, thoughtful comment." in html
    assert Comment.objects.count() == 2


def test_votes_are_limited(client, tight):
    voter = veteran(username="voter")
    client.force_login(voter)
    summaries = SummaryFactory.create_batch(4)
    for summary in summaries[:3]:
        response = client.post(f"/summary/{summary.pk}/vote/", {"value": "up"}, headers={"Accept": "application/json"})
        assert response.status_code == 200
    response = client.post(f"/summary/{summaries[3].pk}/vote/", {"value": "up"}, headers={"Accept": "application/json"})
    assert response.status_code == 429
    assert "limit of 3 votes per hour" in response.json()["error"]
    assert int(response["Retry-After"]) > 0
    page = client.post(f"/summary/{summaries[3].pk}/vote/", {"value": "up"})
    assert page.status_code == 429
    assert "limit of 3 votes per hour" in page.content.decode()
    assert not Vote.objects.filter(summary=summaries[3]).exists()


def test_previews_are_limited_and_keep_the_text(client, tight):
    writer = veteran(username="writer")
    client.force_login(writer)
    paper = PaperFactory()
    for _ in range(3):
        assert client.post("/summaries/preview/", {"body": "Live $x$."}).status_code == 200
        client.post(f"/summaries/new/?paper={paper.arxiv_id}", {"body": "Draft.", "preview": "1", "base_revision": 0})
    live = client.post("/summaries/preview/", {"body": "Live $x$."})
    assert live.status_code == 429 and "previews per hour" in live.content.decode()
    page = client.post(f"/summaries/new/?paper={paper.arxiv_id}", {"body": "My draft.", "preview": "1", "base_revision": 0})
    assert page.status_code == 429
    assert "previews per hour" in page.content.decode() and "My draft." in page.content.decode()


def test_image_uploads_are_limited(client, tight, tmp_path):
    tight.MEDIA_ROOT = tmp_path

    def png() -> SimpleUploadedFile:
        buffer = BytesIO()
        Image.new("RGB", (4, 4), "red").save(buffer, "PNG")
        return SimpleUploadedFile("dot.png", buffer.getvalue(), content_type="image/png")

    client.force_login(veteran(username="uploader"))
    codes = [client.post("/summaries/images/", {"image": png()}, HTTP_ACCEPT="application/json").status_code for _ in range(3)]
    assert codes == [201, 201, 429]
