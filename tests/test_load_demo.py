"""`manage.py load_demo` loads the demo and says what it did: new rows the first time, nothing new after."""

from io import StringIO

import pytest
from django.core.management import call_command

from papers.models import Paper
from summaries.models import Summary


def load_demo() -> str:
    out = StringIO()
    call_command("load_demo", stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_the_first_run_creates_everything_and_says_so_and_the_second_creates_nothing():
    first = load_demo()
    assert "Papers: 6 new, 0 already here" in first
    assert "Users: 3 new, 0 already here" in first
    assert "Summaries: 4 new, 0 updated, 0 unchanged" in first
    assert "Votes: 8 new" in first

    second = load_demo()
    assert "Papers: 0 new, 6 already here" in second
    assert "Users: 0 new, 3 already here" in second
    assert "Summaries: 0 new, 0 updated, 4 unchanged" in second
    assert "Votes: 0 new" in second
    assert (Paper.objects.count(), Summary.objects.count()) == (6, 4)


@pytest.mark.django_db
def test_a_summary_edited_since_is_reported_as_updated():
    load_demo()
    Summary.objects.filter(author__username="hugo").update(body="Edited by hand.")
    assert "Summaries: 0 new, 1 updated, 3 unchanged" in load_demo()


@pytest.mark.django_db
def test_the_demo_resnet_is_cvpr_2016():
    load_demo()
    resnet = Paper.objects.get(arxiv_id="1512.03385")
    assert (resnet.venue, resnet.year) == ("CVPR", 2016)
