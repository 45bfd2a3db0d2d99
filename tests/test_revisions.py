"""Revisions: every saved text is kept, compared word by word, restorable; concurrent edits never overwrite each other."""

import html as html_lib
import re
import threading

import pytest
from django.db import connection
from django.test import Client

from summaries import services
from summaries.diffing import diff_html
from summaries.models import Summary, SummaryRevision
from tests.factories import SummaryFactory

pytestmark = pytest.mark.django_db


def base_revision(page: str) -> str:
    return re.search(r'<input type="hidden" name="base_revision" value="(\d+)"', page).group(1)


def textarea(page: str, name: str = "body") -> str:
    match = re.search(rf'<textarea[^>]*(?:name="{name}"|id="{name}")[^>]*>\n?(.*?)</textarea>', page, re.S)
    return html_lib.unescape(match.group(1))


def edit(client, summary, body, base, **extra):
    return client.post(f"/summary/{summary.pk}/edit/", {"body": body, "base_revision": base, "publish": "1", **extra})


def numbers(summary):
    return list(SummaryRevision.objects.filter(summary=summary).order_by("number").values_list("number", "body", "editor__username"))


# --- Every save is a revision ---------------------------------------------------------------------


def test_publishing_and_each_edit_store_a_numbered_revision_with_its_editor(client, user, staff_user, paper):
    client.force_login(user)
    client.post("/summaries/new/?paper=1601.06759", {"body": "First.", "base_revision": "0", "publish": "1"})
    summary = Summary.objects.get()
    edit(client, summary, "Second.", "1")
    client.force_login(staff_user)
    edit(client, summary, "Third, tidied by a moderator.", "2")
    summary.refresh_from_db()
    assert summary.revision == 3
    assert numbers(summary) == [(1, "First.", "ada"), (2, "Second.", "ada"), (3, "Third, tidied by a moderator.", "moderator")]


def test_saving_the_same_text_or_only_changing_privacy_is_not_a_new_revision(client, user, paper):
    summary = SummaryFactory(paper=paper, author=user, body="Same.")
    client.force_login(user)
    edit(client, summary, "Same.", "1", is_private="on")
    summary.refresh_from_db()
    assert summary.is_private and summary.revision == 1
    assert len(numbers(summary)) == 1


def test_an_admin_edit_is_a_revision_too(admin_client, user, paper):
    summary = SummaryFactory(paper=paper, author=user, body="Before.")
    admin_client.post(
        f"/admin/summaries/summary/{summary.pk}/change/",
        {"paper": paper.pk, "author": user.pk, "body": "After **admin**.", "is_anonymous": "", "is_private": "", "base_revision": 1},
    )
    summary.refresh_from_db()
    assert summary.body == "After **admin**." and summary.revision == 2
    assert [(number, body) for number, body, _ in numbers(summary)] == [(1, "Before."), (2, "After **admin**.")]
    assert numbers(summary)[1][2] == "admin"


def test_summaries_from_before_revisions_keep_their_text_when_edited(client, user, paper):
    summary = SummaryFactory(paper=paper, author=user, body="Written long ago.")
    SummaryRevision.objects.filter(summary=summary).delete()
    client.force_login(user)
    history = client.get(f"/summary/{summary.pk}/history/").content.decode()
    assert "Revision 1" in history and "Written long ago." in history
    edit(client, summary, "Written today.", "1")
    assert [(number, body) for number, body, _ in numbers(summary)] == [(1, "Written long ago."), (2, "Written today.")]


# --- History and diffs ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "old, new, expected",
    [
        ("The model is slow.", "The model is fast.", "The model is <del>slow.</del><ins>fast.</ins>"),
        ("Keep this.", "Keep this. And add that.", "Keep this.<ins> And add that.</ins>"),
        ("One two three.", "One three.", "One <del>two </del>three."),
        ("Para one.\n\nPara two.\n", "Para one.\n\nPara 2.\n", "Para one.\n\nPara <del>two.</del><ins>2.</ins>\n"),
        ("Line a\n", "Line a\nLine b\n", "Line a\n<ins>Line b\n</ins>"),
        ("x < y & z", "x > y & z", "x <del>&lt;</del><ins>&gt;</ins> y &amp; z"),
        ("Same.", "Same.", "Same."),
    ],
)
def test_diffs_mark_changed_words_and_escape_everything(old, new, expected):
    assert diff_html(old, new) == expected


def test_history_lists_versions_with_dates_and_editors_and_shows_the_last_change(client, user, other_user, paper):
    user.profile.display_name = "Ada Lovelace"
    user.profile.save()
    summary = SummaryFactory(paper=paper, author=user, body="The model is slow.")
    client.force_login(user)
    edit(client, summary, "The model is fast.", "1")
    client.force_login(other_user)
    response = client.get(f"/summary/{summary.pk}/history/")
    page = response.content.decode()
    assert response.status_code == 200
    assert "Revision 2</strong> (current)" in page and "Revision 1</strong>" in page
    assert page.count('<a href="/user/ada/">Ada Lovelace</a>') == 2
    assert page.count("<time datetime=") == 2
    assert "Changes from revision 1 to revision 2" in page
    assert "The model is <del>slow.</del><ins>fast.</ins>" in page
    assert '<meta name="robots" content="noindex">' in page


def test_any_two_revisions_can_be_compared(client, user, paper):
    summary = SummaryFactory(paper=paper, author=user, body="Alpha.")
    services.summary_update(summary=summary, body="Beta.", base_revision=1)
    services.summary_update(summary=summary, body="Gamma.", base_revision=2)
    page = client.get(f"/summary/{summary.pk}/history/", {"from": 1, "to": 3}).content.decode()
    assert "<del>Alpha.</del><ins>Gamma.</ins>" in page
    page = client.get(f"/summary/{summary.pk}/history/", {"from": 3, "to": 1}).content.decode()
    assert "<del>Gamma.</del><ins>Alpha.</ins>" in page
    assert client.get(f"/summary/{summary.pk}/history/", {"from": 9, "to": 1}).status_code == 404
    assert client.get(f"/summary/{summary.pk}/history/", {"from": "x; drop", "to": "3"}).status_code == 200


def test_markup_in_a_summary_is_escaped_in_the_diff(client, user, paper):
    summary = SummaryFactory(paper=paper, author=user, body="Harmless.")
    services.summary_update(summary=summary, body="Harmless. <script>alert('x')</script> <b>bold</b>", base_revision=1)
    page = client.get(f"/summary/{summary.pk}/history/").content.decode()
    assert "<script>alert" not in page and "<b>bold" not in page
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page


def test_the_permalink_links_to_the_history(client, user, paper):
    summary = SummaryFactory(paper=paper, author=user)
    services.summary_update(summary=summary, body="Changed.", base_revision=1)
    page = client.get(summary.get_absolute_url()).content.decode()
    assert f'<a href="/summary/{summary.pk}/history/">History</a> (2 versions)' in page


# --- Restoring ------------------------------------------------------------------------------------


def test_the_author_restores_an_old_version_as_a_new_revision(client, user, paper):
    summary = SummaryFactory(paper=paper, author=user, body="Good *first* text.")
    services.summary_update(summary=summary, body="Vandalised.", base_revision=1)
    client.force_login(user)
    history = client.get(f"/summary/{summary.pk}/history/").content.decode()
    assert "Restore this version" in history
    response = client.post(f"/summary/{summary.pk}/restore/", {"number": "1", "base_revision": "2"})
    assert response.status_code == 302 and response["Location"] == summary.get_absolute_url()
    summary.refresh_from_db()
    assert (summary.body, summary.revision) == ("Good *first* text.", 3)
    assert "<em>first</em>" in summary.body_html
    assert [body for _, body, _ in numbers(summary)] == ["Good *first* text.", "Vandalised.", "Good *first* text."]


def test_staff_can_restore_too(client, staff_user, user, paper):
    summary = SummaryFactory(paper=paper, author=user, body="Original.")
    services.summary_update(summary=summary, body="Spam.", base_revision=1)
    client.force_login(staff_user)
    client.post(f"/summary/{summary.pk}/restore/", {"number": "1", "base_revision": "2"})
    summary.refresh_from_db()
    assert summary.body == "Original." and numbers(summary)[-1][2] == "moderator"


def test_others_cannot_restore_nor_see_the_button(client, user, other_user, paper):
    summary = SummaryFactory(paper=paper, author=user, body="Original.")
    services.summary_update(summary=summary, body="Current.", base_revision=1)
    client.force_login(other_user)
    assert "Restore this version" not in client.get(f"/summary/{summary.pk}/history/").content.decode()
    assert client.post(f"/summary/{summary.pk}/restore/", {"number": "1"}).status_code == 403
    client.logout()
    assert "/accounts/login/" in client.post(f"/summary/{summary.pk}/restore/", {"number": "1"})["Location"]
    summary.refresh_from_db()
    assert summary.body == "Current."


def test_restoring_needs_post_and_a_csrf_token(user, paper):
    summary = SummaryFactory(paper=paper, author=user, body="Original.")
    services.summary_update(summary=summary, body="Current.", base_revision=1)
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(user)
    assert strict.get(f"/summary/{summary.pk}/restore/", {"number": "1"}).status_code == 405
    assert strict.post(f"/summary/{summary.pk}/restore/", {"number": "1"}).status_code == 403
    summary.refresh_from_db()
    assert summary.body == "Current."


def test_restoring_an_unknown_revision_is_404(client, user, paper):
    summary = SummaryFactory(paper=paper, author=user)
    client.force_login(user)
    assert client.post(f"/summary/{summary.pk}/restore/", {"number": "7"}).status_code == 404


def test_a_restore_from_a_stale_history_page_is_refused(client, user, paper):
    summary = SummaryFactory(paper=paper, author=user, body="One.")
    services.summary_update(summary=summary, body="Two.", base_revision=1)
    client.force_login(user)
    client.get(f"/summary/{summary.pk}/history/")
    services.summary_update(summary=summary, body="Three, written meanwhile.", base_revision=2)
    response = client.post(f"/summary/{summary.pk}/restore/", {"number": "1", "base_revision": "2"}, follow=True)
    assert "The summary changed while you were reading its history" in response.content.decode()
    summary.refresh_from_db()
    assert summary.body == "Three, written meanwhile."


# --- Edit conflicts -------------------------------------------------------------------------------


def test_two_stale_forms_first_save_wins_the_second_sees_both_texts_and_can_resubmit(client, user, paper):
    summary = SummaryFactory(paper=paper, author=user, body="The original text.")
    client.force_login(user)
    tab_a = client.get(f"/summary/{summary.pk}/edit/").content.decode()
    tab_b = client.get(f"/summary/{summary.pk}/edit/").content.decode()
    assert base_revision(tab_a) == base_revision(tab_b) == "1"

    assert edit(client, summary, "Tab A's careful rewrite.", base_revision(tab_a)).status_code == 302

    refused = edit(client, summary, "Tab B's <different> rewrite.", base_revision(tab_b))
    page = refused.content.decode()
    assert refused.status_code == 409
    assert "This summary was saved while you were editing it" in page
    assert textarea(page, "conflict-saved") == "Tab A's careful rewrite."
    assert textarea(page) == "Tab B's <different> rewrite."
    assert base_revision(page) == "2"
    summary.refresh_from_db()
    assert summary.body == "Tab A's careful rewrite."

    # Having seen tab A's text, a deliberate second submit goes through, and both stay in the history.
    assert edit(client, summary, textarea(page), base_revision(page)).status_code == 302
    summary.refresh_from_db()
    assert summary.body == "Tab B's <different> rewrite."
    assert [body for _, body, _ in numbers(summary)] == ["The original text.", "Tab A's careful rewrite.", "Tab B's <different> rewrite."]


def test_an_author_and_a_moderator_editing_at_once_do_not_overwrite_each_other(user, staff_user, paper):
    summary = SummaryFactory(paper=paper, author=user, body="Original.")
    author, moderator = Client(), Client()
    author.force_login(user)
    moderator.force_login(staff_user)
    author_form = author.get(f"/summary/{summary.pk}/edit/").content.decode()
    moderator.get(f"/summary/{summary.pk}/edit/")
    edit(moderator, summary, "Original, with a typo fixed.", "1")
    response = edit(author, summary, "My big update.", base_revision(author_form))
    assert response.status_code == 409
    assert "Original, with a typo fixed." in response.content.decode()
    summary.refresh_from_db()
    assert summary.body == "Original, with a typo fixed."


def test_writing_again_from_a_stale_new_summary_form_is_a_conflict_too(client, user, paper):
    client.force_login(user)
    tab_a = client.get("/summaries/new/?paper=1601.06759").content.decode()
    tab_b = client.get("/summaries/new/?paper=1601.06759").content.decode()
    assert base_revision(tab_a) == base_revision(tab_b) == "0"
    first = client.post("/summaries/new/?paper=1601.06759", {"body": "From tab A.", "base_revision": "0", "publish": "1"})
    assert first.status_code == 302
    second = client.post("/summaries/new/?paper=1601.06759", {"body": "From tab B.", "base_revision": "0", "publish": "1"})
    page = second.content.decode()
    assert second.status_code == 409
    assert textarea(page, "conflict-saved") == "From tab A." and textarea(page) == "From tab B."
    assert Summary.objects.get().body == "From tab A."
    again = client.post("/summaries/new/?paper=1601.06759", {"body": "From tab B.", "base_revision": base_revision(page), "publish": "1"})
    assert again.status_code == 302
    assert Summary.objects.get().body == "From tab B."


def test_a_form_that_does_not_say_where_it_started_cannot_overwrite(client, user, paper):
    summary = SummaryFactory(paper=paper, author=user, body="Original.")
    client.force_login(user)
    response = client.post(f"/summary/{summary.pk}/edit/", {"body": "Blind overwrite.", "publish": "1"})
    assert response.status_code == 409
    summary.refresh_from_db()
    assert summary.body == "Original."


def test_a_garbled_revision_field_saves_nothing_and_keeps_the_text(client, user, paper):
    summary = SummaryFactory(paper=paper, author=user, body="Original.")
    client.force_login(user)
    response = edit(client, summary, "Typed text.", "one")
    assert response.status_code == 200
    assert "This form is out of date" in response.content.decode() and "Typed text." in response.content.decode()
    assert client.post("/summaries/preview/", {"body": "*Still* previews.", "base_revision": "one"}).status_code == 200
    summary.refresh_from_db()
    assert summary.body == "Original."


def test_the_conflict_keeps_the_anonymity_and_privacy_choices_typed(client, user, paper):
    summary = SummaryFactory(paper=paper, author=user, body="Original.")
    services.summary_update(summary=summary, body="Meanwhile.", base_revision=1)
    client.force_login(user)
    page = edit(client, summary, "Mine.", "1", is_private="on", is_anonymous="on").content.decode()
    assert 'id="id_is_private" checked' in page
    assert 'id="id_is_anonymous" checked' in page
    summary.refresh_from_db()
    assert not summary.is_private and not summary.is_anonymous


def test_the_service_refuses_a_stale_base_revision(user, paper):
    summary = SummaryFactory(paper=paper, author=user, body="One.")
    services.summary_update(summary=summary, body="Two.", base_revision=1)
    with pytest.raises(services.EditConflict) as conflict:
        services.summary_update(summary=summary, body="Stale.", base_revision=1)
    assert conflict.value.current.body == "Two."
    assert Summary.objects.get(pk=summary.pk).body == "Two."


@pytest.mark.django_db(transaction=True)
def test_simultaneous_saves_from_the_same_revision_one_wins_one_conflicts(user, paper):
    summary = SummaryFactory(paper=paper, author=user, body="Start.")
    start = threading.Barrier(2)
    outcomes = []

    def save(body):
        try:
            start.wait()
            services.summary_update(summary=Summary.objects.get(pk=summary.pk), body=body, editor=user, base_revision=1)
            outcomes.append("saved")
        except services.EditConflict:
            outcomes.append("conflict")
        finally:
            connection.close()

    threads = [threading.Thread(target=save, args=(f"Writer {n}.",)) for n in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["conflict", "saved"]
    summary.refresh_from_db()
    assert summary.revision == 2 and SummaryRevision.objects.filter(summary=summary).count() == 2
