"""The reader's library: save from a paper page or a card, tags, a private note, read / to read, /library/ filtered
and searched, and BibTeX / RIS exports of the library and of the site's lists, parsed back as Zotero would."""

import datetime

import bibtexparser
import pytest
import rispy
from django.test import Client

from library.models import SavedPaper
from papers import bibtex
from tests.factories import PaperFactory, SummaryFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def reader_client(client, user):
    client.force_login(user)
    return client


def save(client, paper, next_url="/"):
    return client.post("/library/save/", {"paper": paper.pk, "next": next_url})


def parse_bibtex(text: str):
    library = bibtexparser.parse_string(text)
    assert library.failed_blocks == [], [block.error for block in library.failed_blocks if hasattr(block, "error")]
    return library.entries


# --- Saving ------------------------------------------------------------------------------------


def test_saving_a_paper_from_its_page_is_one_plain_form_post(reader_client, user, paper):
    html = reader_client.get(paper.get_absolute_url()).content.decode()
    assert 'action="/library/save/"' in html and f'name="paper" value="{paper.pk}"' in html
    response = save(reader_client, paper, next_url=paper.get_absolute_url())
    assert response.status_code == 302 and response["Location"] == paper.get_absolute_url()
    saved = SavedPaper.objects.get(reader=user, paper=paper)
    assert saved.state == SavedPaper.TO_READ and saved.tags == [] and saved.note == ""
    html = reader_client.get(paper.get_absolute_url()).content.decode()
    assert "★ Saved" in html and 'action="/library/remove/"' in html and "to read" in html


def test_saving_twice_keeps_one_entry_and_its_tags(reader_client, user, paper):
    SavedPaper.objects.create(reader=user, paper=paper, tags=["thesis"], state=SavedPaper.READ)
    save(reader_client, paper)
    saved = SavedPaper.objects.get(reader=user, paper=paper)
    assert saved.tags == ["thesis"] and saved.state == SavedPaper.READ


def test_the_save_form_needs_its_csrf_token(user, paper):
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    assert save(client, paper).status_code == 403
    assert not SavedPaper.objects.exists()


def test_visitors_are_sent_to_log_in_and_nothing_is_saved(client, paper):
    html = client.get(paper.get_absolute_url()).content.decode()
    assert f'href="/accounts/login/?next={paper.get_absolute_url()}" rel="nofollow">☆ Save' in html
    response = save(client, paper)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert not SavedPaper.objects.exists()


def test_saving_is_a_post_and_a_missing_paper_is_a_404(reader_client, paper):
    assert reader_client.get("/library/save/").status_code == 405
    assert reader_client.post("/library/save/", {"paper": "12abc"}).status_code == 404
    assert reader_client.post("/library/save/", {"paper": paper.pk + 1000}).status_code == 404


def test_next_never_leads_off_the_site(reader_client, paper):
    response = save(reader_client, paper, next_url="https://evil.example/")
    assert response["Location"] == "/library/"


def test_cards_show_the_viewers_save_control_next_to_the_vote(reader_client, user):
    saved_paper, other_paper = PaperFactory(), PaperFactory()
    SummaryFactory(paper=saved_paper)
    SummaryFactory(paper=other_paper)
    SavedPaper.objects.create(reader=user, paper=saved_paper)
    html = reader_client.get("/").content.decode()
    footer_of = lambda paper: html[html.index(f'value="{paper.pk}"') - 400 : html.index(f'value="{paper.pk}"') + 400]  # noqa: E731
    assert "★ Saved" in footer_of(saved_paper) and 'action="/library/remove/"' in footer_of(saved_paper)
    assert "☆ Save" in footer_of(other_paper) and 'action="/library/save/"' in footer_of(other_paper)
    assert html.index('class="vote"') < html.index("library-save")


def test_the_feed_runs_the_same_queries_with_a_library_whatever_it_shows(
    reader_client, user, django_assert_max_num_queries
):
    for summary in [SummaryFactory() for _ in range(5)]:
        SavedPaper.objects.create(reader=user, paper=summary.paper)
    with django_assert_max_num_queries(9) as five:
        reader_client.get("/")
    for summary in [SummaryFactory() for _ in range(30)]:
        SavedPaper.objects.create(reader=user, paper=summary.paper)
    with django_assert_max_num_queries(len(five.captured_queries)):
        assert reader_client.get("/").content.decode().count("★ Saved") == 20


def test_the_permalink_knows_the_paper_is_saved(reader_client, user, paper):
    summary = SummaryFactory(paper=paper)
    SavedPaper.objects.create(reader=user, paper=paper)
    assert "★ Saved" in reader_client.get(summary.get_absolute_url()).content.decode()


# --- Filing: tags, note, state ------------------------------------------------------------------


def test_tags_note_and_state_are_filed_from_one_form(reader_client, user, paper):
    response = reader_client.post(
        f"/library/paper/{paper.pk}/",
        {"tags": " thesis,  generative   models, Thesis,, ", "note": "Read §3 <b>twice</b>.", "state": "read"},
    )
    assert response.status_code == 302 and response["Location"] == "/library/"
    saved = SavedPaper.objects.get(reader=user, paper=paper)
    assert saved.tags == ["thesis", "generative models"]
    assert saved.note == "Read §3 <b>twice</b>." and saved.state == SavedPaper.READ
    form = reader_client.get(f"/library/paper/{paper.pk}/").content.decode()
    assert 'value="thesis, generative models"' in form


def test_bad_tags_are_refused_with_a_message_and_the_note_is_kept(reader_client, user, paper):
    response = reader_client.post(
        f"/library/paper/{paper.pk}/", {"tags": ", ".join(f"t{n}" for n in range(25)), "note": "Keep me", "state": "read"}
    )
    html = response.content.decode()
    assert response.status_code == 200 and "At most 20 tags" in html and "Keep me" in html
    response = reader_client.post(f"/library/paper/{paper.pk}/", {"tags": "x" * 51, "note": "", "state": "nonsense"})
    html = response.content.decode()
    assert "A tag has at most 50 characters" in html and "Select a valid choice" in html
    assert not SavedPaper.objects.exists()


def test_the_note_is_private_and_escaped(reader_client, client, user, other_user, paper):
    SavedPaper.objects.create(reader=user, paper=paper, note="<script>alert(1)</script> secret plan", tags=["<i>x</i>"])
    html = reader_client.get("/library/").content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt; secret plan" in html and "<script>alert" not in html
    assert "&lt;i&gt;x&lt;/i&gt;" in html
    client.force_login(other_user)
    assert "secret plan" not in client.get("/library/").content.decode()
    assert "secret plan" not in client.get(paper.get_absolute_url()).content.decode()
    assert "secret plan" not in client.get(f"/library/paper/{paper.pk}/").content.decode()


def test_mark_read_and_back_and_remove(reader_client, user, paper):
    reader_client.post("/library/mark/", {"paper": paper.pk, "state": "read"})
    assert SavedPaper.objects.get(reader=user, paper=paper).state == SavedPaper.READ
    reader_client.post("/library/mark/", {"paper": paper.pk, "state": "to-read"})
    assert SavedPaper.objects.get(reader=user, paper=paper).state == SavedPaper.TO_READ
    response = reader_client.post("/library/mark/", {"paper": paper.pk, "state": "skimmed"})
    assert response.status_code == 400 and "read" in response.content.decode()
    reader_client.post("/library/remove/", {"paper": paper.pk})
    assert not SavedPaper.objects.exists()


# --- /library/ ----------------------------------------------------------------------------------


@pytest.fixture
def shelf(user):
    gan = PaperFactory(title="Generative Adversarial Nets", authors=["Ian Goodfellow"])
    vae = PaperFactory(title="Auto-Encoding Variational Bayes", authors=["Diederik Kingma", "Max Welling"])
    resnet = PaperFactory(title="Deep Residual Learning", authors=["Kaiming He"])
    SavedPaper.objects.create(reader=user, paper=gan, tags=["generative", "thesis"], state=SavedPaper.READ)
    SavedPaper.objects.create(reader=user, paper=vae, tags=["generative"], note="the reparameterization trick")
    SavedPaper.objects.create(reader=user, paper=resnet, tags=["vision"])
    SavedPaper.objects.create(reader=UserFactory(), paper=PaperFactory(title="Someone else's paper"), tags=["generative"])
    return {"gan": gan, "vae": vae, "resnet": resnet}


def titles(html: str) -> set[str]:
    return {title for title in ("Generative Adversarial", "Auto-Encoding", "Deep Residual", "Someone else") if title in html}


def test_library_lists_only_the_readers_papers_with_their_tags(reader_client, shelf):
    html = reader_client.get("/library/").content.decode()
    assert titles(html) == {"Generative Adversarial", "Auto-Encoding", "Deep Residual"}
    assert "generative (2)" in html and "thesis (1)" in html and "vision (1)" in html


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("?tag=generative", {"Generative Adversarial", "Auto-Encoding"}),
        ("?tag=thesis", {"Generative Adversarial"}),
        ("?state=read", {"Generative Adversarial"}),
        ("?state=to-read", {"Auto-Encoding", "Deep Residual"}),
        ("?tag=generative&state=to-read", {"Auto-Encoding"}),
        ("?q=reparameterization", {"Auto-Encoding"}),
        ("?q=kaiming", {"Deep Residual"}),
        ("?q=residual+deep", {"Deep Residual"}),
        ("?q=vision", {"Deep Residual"}),
        ("?state=bogus", {"Generative Adversarial", "Auto-Encoding", "Deep Residual"}),
    ],
)
def test_library_filters_by_tag_and_state_and_searches(reader_client, shelf, query, expected):
    response = reader_client.get(f"/library/{query}")
    assert response.status_code == 200
    assert titles(response.content.decode()) == expected


def test_a_control_character_in_the_search_is_refused_with_a_message(reader_client, shelf):
    response = reader_client.get("/library/?q=%00")
    assert response.status_code == 400 and "control character" in response.content.decode()


def test_library_needs_a_log_in(client):
    assert client.get("/library/")["Location"].startswith("/accounts/login/")


def test_library_runs_the_same_queries_for_3_and_23_papers(reader_client, user, shelf, django_assert_max_num_queries):
    with django_assert_max_num_queries(8) as three:
        reader_client.get("/library/")
    for n in range(20):
        SavedPaper.objects.create(reader=user, paper=PaperFactory(), tags=[f"tag{n}"])
    with django_assert_max_num_queries(len(three.captured_queries)):
        reader_client.get("/library/")


# --- Exports ------------------------------------------------------------------------------------


@pytest.fixture
def awkward_paper():
    return PaperFactory(
        title="Learning $\\alpha$-{GANs} & 100% of ImageNet: #1 in Zürich",
        authors=["Jürgen Schmidhuber", "Aäron van den Oord", "Smith and Sons Ltd."],
        abstract="Line one.\nER  - line two that looks like an RIS end.",
        venue="NeurIPS",
        year=2019,
        published=datetime.date(2019, 3, 4),
        doi="10.1000/XYZ.1",
        categories=["cs.LG", "stat.ML"],
    )


def test_library_exports_as_bibtex_that_parses_back(reader_client, user, shelf, awkward_paper):
    SavedPaper.objects.create(reader=user, paper=awkward_paper)
    response = reader_client.get("/library/export.bib")
    assert response["Content-Type"] == "application/x-bibtex; charset=utf-8"
    assert 'attachment; filename="library.bib"' == response["Content-Disposition"]
    assert response["Cache-Control"] == "private, no-store"
    entries = parse_bibtex(response.content.decode())
    assert len(entries) == 4 and len({entry.key for entry in entries}) == 4
    awkward = next(entry for entry in entries if entry.key == bibtex.citation_key(awkward_paper))
    assert awkward.entry_type == "inproceedings"
    assert awkward["booktitle"] == "NeurIPS" and awkward["year"] == "2019" and awkward["doi"] == "10.1000/XYZ.1"
    assert awkward["author"] == "Jürgen Schmidhuber and Aäron van den Oord and {Smith and Sons Ltd.}"
    assert "\\&" in awkward["title"] and "100\\%" in awkward["title"] and "$\\alpha$" in awkward["title"]


def test_library_exports_as_ris_that_parses_back(reader_client, user, shelf, awkward_paper):
    SavedPaper.objects.create(reader=user, paper=awkward_paper)
    response = reader_client.get("/library/export.ris")
    assert response["Content-Type"] == "application/x-research-info-systems; charset=utf-8"
    records = rispy.loads(response.content.decode())
    assert len(records) == 4
    awkward = next(record for record in records if record["title"].startswith("Learning"))
    assert awkward["type_of_reference"] == "CPAPER"
    assert awkward["authors"] == ["Schmidhuber, Jürgen", "van den Oord, Aäron", "Ltd., Smith and Sons"]
    assert awkward["secondary_title"] == "NeurIPS" and awkward["year"] == "2019" and awkward["date"] == "2019/03/04/"
    assert awkward["abstract"] == "Line one. ER - line two that looks like an RIS end."
    assert awkward["doi"] == "10.1000/XYZ.1" and awkward["keywords"] == ["cs.LG", "stat.ML"]
    arxiv_only = next(record for record in records if record["title"] == "Deep Residual Learning")
    assert arxiv_only["type_of_reference"] == "UNPB" and arxiv_only["accession_number"] == f"arXiv:{shelf['resnet'].arxiv_id}"
    assert arxiv_only["file_attachments1"] == f"https://arxiv.org/pdf/{shelf['resnet'].arxiv_id}v1"


def test_a_tag_exports_alone(reader_client, shelf):
    entries = parse_bibtex(reader_client.get("/library/export.bib?tag=generative").content.decode())
    assert {entry["title"] for entry in entries} == {"Generative Adversarial Nets", "{Auto-Encoding} Variational Bayes"}
    assert reader_client.get("/library/export.bib?tag=generative")["Content-Disposition"] == (
        'attachment; filename="librarygenerative.bib"'
    )
    assert len(rispy.loads(reader_client.get("/library/export.ris?state=read").content.decode())) == 1


def test_library_export_needs_a_log_in_and_an_unknown_format_is_a_404(reader_client):
    assert Client().get("/library/export.bib")["Location"].startswith("/accounts/login/")
    assert reader_client.get("/library/export.xml").status_code == 404


def test_keys_are_stable_and_shared_ones_get_the_identifier(reader_client, user):
    first = PaperFactory(title="Deep learning", authors=["Yann LeCun"], year=2015, arxiv_id="1501.00001")
    second = PaperFactory(title="Deep nets", authors=["Yann LeCun"], year=2015, arxiv_id="1501.00002")
    imported = PaperFactory(title="Deep imported", bibtex_key="DBLP:journals/corr/LeCun15", arxiv_id=None, doi=None)
    SavedPaper.objects.create(reader=user, paper=first, tags=["a"])
    SavedPaper.objects.create(reader=user, paper=second)
    SavedPaper.objects.create(reader=user, paper=imported, tags=["a"])
    keys = {entry["title"]: entry.key for entry in parse_bibtex(reader_client.get("/library/export.bib").content.decode())}
    assert keys == {
        "Deep learning": "lecun2015deep1501.00001",
        "Deep nets": "lecun2015deep1501.00002",
        "Deep imported": "DBLP:journals/corr/LeCun15",
    }
    alone = parse_bibtex(reader_client.get("/library/export.bib?tag=a").content.decode())
    assert {entry.key for entry in alone} == {"lecun2015deep", "DBLP:journals/corr/LeCun15"}
    again = parse_bibtex(reader_client.get("/library/export.bib?tag=a").content.decode())
    assert [entry.key for entry in again] == [entry.key for entry in alone]
    ris_ids = {record["id"] for record in rispy.loads(reader_client.get("/library/export.ris").content.decode())}
    assert ris_ids == set(keys.values())


def test_a_category_page_exports_the_papers_it_shows(client, settings):
    settings.SEARCH_PAGE_SIZE = 2
    for day in range(3):
        PaperFactory(title=f"Physics {day}", categories=["hep-th"], published=datetime.date(2020, 1, day + 1))
    PaperFactory(title="Elsewhere", categories=["cs.LG"])
    html = client.get("/papers/category/hep-th/").content.decode()
    assert 'href="/export/category/hep-th.bib"' in html and 'href="/export/category/hep-th.ris"' in html
    first = parse_bibtex(client.get("/export/category/hep-th.bib").content.decode())
    assert [entry["title"] for entry in first] == ["Physics 2", "Physics 1"]
    assert 'href="/export/category/hep-th.bib?page=2"' in client.get("/papers/category/hep-th/?page=2").content.decode()
    second = rispy.loads(client.get("/export/category/hep-th.ris?page=2").content.decode())
    assert [record["title"] for record in second] == ["Physics 0"]
    assert client.get("/export/category/not a category.bib").status_code == 404


def test_search_results_export(client):
    PaperFactory(title="Attention is all you need", authors=["Ashish Vaswani"])
    PaperFactory(title="Unrelated work")
    html = client.get("/search/?q=attention").content.decode()
    assert 'href="/export/search.bib?q=attention"' in html
    entries = parse_bibtex(client.get("/export/search.bib?q=attention").content.decode())
    assert [entry["title"] for entry in entries] == ["Attention is all you need"]
    assert client.get("/export/search.ris?q=").content == b""


def test_venue_export_keeps_the_year(client):
    PaperFactory(title="Old ICML", venue="ICML", year=2015)
    PaperFactory(title="New ICML", venue="ICML", year=2020)
    html = client.get("/venue/ICML/?year=2020").content.decode()
    assert 'href="/export/venue.bib?year=2020&amp;venue=ICML"' in html
    entries = parse_bibtex(client.get("/export/venue.bib?year=2020&venue=ICML").content.decode())
    assert [entry["title"] for entry in entries] == ["New {ICML}"]


def test_a_profile_exports_the_papers_summarized_under_the_members_name(client, user):
    signed = SummaryFactory(author=user, paper=PaperFactory(title="Signed"))
    SummaryFactory(author=user, paper=PaperFactory(title="Anonymous one"), is_anonymous=True)
    SummaryFactory(author=user, paper=PaperFactory(title="Private one"), is_private=True)
    SummaryFactory(author=user, paper=PaperFactory(title="Hidden one"), is_hidden=True)
    assert 'href="/export/user/ada.ris"' in client.get("/user/ada/").content.decode()
    records = rispy.loads(client.get("/export/user/ada.ris").content.decode())
    assert [record["title"] for record in records] == [signed.paper.title]
    assert client.get("/export/user/nobody.bib").status_code == 404
