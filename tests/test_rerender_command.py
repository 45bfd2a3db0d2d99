"""`manage.py rerender_summaries`: stale stored HTML of summaries and comments is rendered again, up-to-date HTML is left alone."""

from io import StringIO

import pytest
from django.core.management import call_command

from summaries import excerpts, rendering
from summaries.comments import comment_delete, comment_post
from summaries.models import Comment, Summary
from tests.factories import PaperFactory, SummaryFactory

pytestmark = pytest.mark.django_db


def rerender(*args) -> tuple[str, str]:
    stdout, stderr = StringIO(), StringIO()
    call_command("rerender_summaries", *args, stdout=stdout, stderr=stderr)
    return stdout.getvalue(), stderr.getvalue()


def tamper(summaries, **fields) -> None:
    Summary.objects.filter(pk__in=[summary.pk for summary in summaries]).update(**fields)


def test_summaries_from_an_older_renderer_are_rendered_again(make_summaries):
    stale, current = make_summaries(3), make_summaries(2)
    tamper(stale, body_html="<p>old</p>", excerpt_html="", rendered_version=0)
    tamper(current, body_html="<p>hand-edited</p>")

    stdout, stderr = rerender()

    assert stdout == "Re-rendered 3 summaries and 0 comments.\n"
    assert "3/3" in stderr
    for summary in Summary.objects.filter(pk__in=[s.pk for s in stale]):
        assert summary.body_html == rendering.render(summary.body).html
        assert summary.excerpt_html == excerpts.excerpt(summary.body_html).html
        assert summary.rendered_version == rendering.RENDERER_VERSION
    assert set(Summary.objects.filter(pk__in=[s.pk for s in current]).values_list("body_html", flat=True)) == {
        "<p>hand-edited</p>"
    }


def test_all_re_renders_every_summary(make_summaries):
    summaries = make_summaries(3)
    tamper(summaries, body_html="<p>hand-edited</p>")

    stdout, _ = rerender("--all")

    assert stdout == "Re-rendered 3 summaries and 0 comments.\n"
    for summary in Summary.objects.all():
        assert summary.body_html == rendering.render(summary.body).html


def test_re_rendering_picks_up_a_cited_paper_and_its_new_details(user):
    cited = PaperFactory(arxiv_id="1706.03762", authors=["Ashish Vaswani"], year=2017)
    summary = SummaryFactory(author=user, body=r"Builds on \cite{1706.03762}.")
    summary.cited_papers.clear()
    cited.authors = ["Ashish Vaswani", "Noam Shazeer", "Niki Parmar"]
    cited.save()

    stdout, _ = rerender("--all")

    assert stdout == "Re-rendered 1 summary and 0 comments.\n"
    summary.refresh_from_db()
    assert "Vaswani et al., 2017" in summary.body_html
    assert list(summary.cited_papers.all()) == [cited]


def test_nothing_to_do_is_reported():
    stdout, _ = rerender()
    assert stdout == "Re-rendered 0 summaries and 0 comments.\n"


def test_comments_from_an_older_renderer_are_rendered_again_and_deleted_ones_stay_empty(user, other_user):
    summary = SummaryFactory(author=user)
    stale = comment_post(summary=summary, author=other_user, body="Why $\\alpha_1$?")
    current = comment_post(summary=summary, author=other_user, body="Current.")
    deleted = comment_delete(comment=comment_post(summary=summary, author=other_user, body="Gone."), actor=other_user)
    assert stale.rendered_version == rendering.RENDERER_VERSION
    Comment.objects.filter(pk__in=[stale.pk, deleted.pk]).update(body_html="<p>old</p>", rendered_version=0)
    Comment.objects.filter(pk=current.pk).update(body_html="<p>hand-edited</p>")

    stdout, stderr = rerender()

    assert stdout == "Re-rendered 0 summaries and 1 comment.\n"
    assert "1/1" in stderr
    stale.refresh_from_db()
    assert (stale.body_html, stale.rendered_version) == (rendering.render(stale.body).html, rendering.RENDERER_VERSION)
    assert '<span class="arithmatex">' in stale.body_html
    assert Comment.objects.get(pk=current.pk).body_html == "<p>hand-edited</p>"
    assert Comment.objects.get(pk=deleted.pk).body_html == "<p>old</p>"  # untouched: never rendered back to readers

    stdout, _ = rerender("--all")
    assert stdout == "Re-rendered 1 summary and 2 comments.\n"
    assert Comment.objects.get(pk=current.pk).body_html == rendering.render("Current.").html


def test_math_stored_for_the_browser_is_typeset_by_the_command_with_no_browser(make_summaries):
    [summary] = make_summaries(1)
    Summary.objects.filter(pk=summary.pk).update(
        body="Loss $x^2$.", body_html='<p>Loss <span class="arithmatex">\\(x^2\\)</span>.</p>', rendered_version=3
    )
    rerender()
    summary.refresh_from_db()
    assert summary.rendered_version == rendering.RENDERER_VERSION >= 4
    assert '<span class="arithmatex"><span class="katex">' in summary.body_html
    assert '<annotation encoding="application/x-tex">x^2</annotation>' in summary.body_html
