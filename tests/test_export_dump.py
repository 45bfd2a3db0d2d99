"""manage.py export_dump DIR: the public summaries as JSON Lines with their licence, nothing private."""

import json

import pytest
from django.core.management import CommandError, call_command

from tests.factories import SummaryFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_the_dump_holds_public_summaries_with_their_licence(tmp_path, settings, user, capsys):
    settings.SUMMARY_LICENCE = {"name": "CC BY-SA 4.0", "url": "https://creativecommons.org/licenses/by-sa/4.0/"}
    signed = SummaryFactory(author=user, body="Signed $x$.")
    anonymous = SummaryFactory(author=UserFactory(username="ghost"), body="Anonymous.", is_anonymous=True)
    SummaryFactory(body="Private.", is_private=True)
    SummaryFactory(body="Hidden.", is_hidden=True)
    call_command("export_dump", str(tmp_path / "dump"))
    text = (tmp_path / "dump" / "summaries.jsonl").read_text(encoding="utf-8")
    lines = [json.loads(line) for line in text.splitlines()]
    assert [line["id"] for line in lines] == [signed.pk, anonymous.pk]
    assert lines[0]["body_markdown"] == "Signed $x$." and lines[0]["body_html"] == signed.body_html
    assert lines[0]["author"]["username"] == "ada" and lines[0]["paper"]["arxiv_id"] == signed.paper.arxiv_id
    assert all(line["licence"] == settings.SUMMARY_LICENCE for line in lines)
    assert lines[1]["author"] is None and "ghost" not in text
    assert "Private." not in text and "Hidden." not in text and "@example.org" not in text
    assert "2 public summaries written" in capsys.readouterr().out
    assert not (tmp_path / "dump" / "summaries.jsonl.partial").exists()


def test_a_directory_that_cannot_be_made_is_a_clear_error(tmp_path):
    (tmp_path / "a-file").write_text("x")
    with pytest.raises(CommandError, match="Cannot use .*a-file/dump as the dump's directory"):
        call_command("export_dump", str(tmp_path / "a-file" / "dump"))


def test_the_licence_is_on_every_summary_and_in_the_footer(client, settings):
    settings.SUMMARY_LICENCE = {"name": "CC BY 4.0", "url": "https://creativecommons.org/licenses/by/4.0/"}
    summary = SummaryFactory()
    html = client.get(summary.get_absolute_url()).content.decode()
    assert 'This summary is published under <a rel="license" href="https://creativecommons.org/licenses/by/4.0/">CC BY 4.0</a>.' in html
    assert 'Summaries are published under <a rel="license" href="https://creativecommons.org/licenses/by/4.0/">CC BY 4.0</a>.' in (
        client.get("/").content.decode()
    )
