"""`manage.py import_bibtex FILE.bib` creates or updates one paper per entry and reports the broken ones."""

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from papers.importers import bibtex_names, bibtex_records
from papers.models import Paper
from summaries.models import Summary
from tests.factories import PaperFactory, SummaryFactory

BIBTEX = Path(__file__).parent / "data" / "bibtex"
DBLP = BIBTEX / "dblp.bib"
SCHOLAR = BIBTEX / "scholar.bib"
BROKEN = BIBTEX / "broken.bib"


def import_bibtex(path) -> tuple[str, str]:
    stdout, stderr = StringIO(), StringIO()
    call_command("import_bibtex", str(path), stdout=stdout, stderr=stderr)
    return stdout.getvalue(), stderr.getvalue()


def only_record(bibtex: str):
    [result] = bibtex_records(bibtex)
    assert not result.error, result.error
    return result.record


# --- Reading entries ----------------------------------------------------------------------------


def test_a_dblp_entry_maps_to_paper_fields():
    results = {result.key: result for result in bibtex_records(DBLP.read_text())}
    record = results["journals/jmlr/LarochelleM11"].record

    assert record.title == "The Neural Autoregressive Distribution Estimator"
    assert record.authors == ["Hugo Larochelle", "Iain Murray"]
    assert record.year == 2011
    assert record.venue == (
        "Proceedings of the Fourteenth International Conference on Artificial Intelligence and Statistics, "
        "AISTATS 2011, Fort Lauderdale, USA, April 11-13, 2011"
    )
    assert record.url == "http://proceedings.mlr.press/v15/larochelle11a/larochelle11a.pdf"
    assert record.bibtex_key == "journals/jmlr/LarochelleM11"
    assert (record.arxiv_id, record.doi) == (None, None)


def test_entries_come_in_file_order_with_the_line_they_start_on():
    results = list(bibtex_records(DBLP.read_text()))
    assert [(result.line, result.key) for result in results] == [
        (3, "journals/jmlr/LarochelleM11"),
        (24, "conf/nips/VaswaniSPUJGKP17"),
        (54, "journals/corr/OordKK16"),
        (67, "journals/neco/HochreiterS97"),
        (83, "conf/nips/LiT16"),
    ]
    assert not any(result.error for result in results)


def test_authors_keep_their_order():
    record = {r.key: r.record for r in bibtex_records(DBLP.read_text())}["conf/nips/VaswaniSPUJGKP17"]
    assert record.authors == [
        "Ashish Vaswani",
        "Noam Shazeer",
        "Niki Parmar",
        "Jakob Uszkoreit",
        "Llion Jones",
        "Aidan N. Gomez",
        "Lukasz Kaiser",
        "Illia Polosukhin",
    ]


@pytest.mark.parametrize(
    "author_field, names",
    [
        ("Hugo Larochelle and Iain Murray", ["Hugo Larochelle", "Iain Murray"]),
        ("Larochelle, Hugo and Murray, Iain", ["Hugo Larochelle", "Iain Murray"]),
        ("van den Oord, A{\\\"{a}}ron and Nal Kalchbrenner", ["Aäron van den Oord", "Nal Kalchbrenner"]),
        ("Hern{\\'a}ndez-Lobato, Jos{\\'e} Miguel", ["José Miguel Hernández-Lobato"]),
        ("Jos{\\'{e}} Miguel Hern{\\'{a}}ndez{-}Lobato", ["José Miguel Hernández-Lobato"]),
        ("King, Jr, Martin Luther", ["Martin Luther King Jr"]),
        ("Hochreiter, Sepp and\n          Schmidhuber, J{\\\"u}rgen", ["Sepp Hochreiter", "Jürgen Schmidhuber"]),
        ("{Barnes and Noble} and {OpenAI}", ["Barnes and Noble", "OpenAI"]),
        ("Ada Lovelace AND Alan Turing", ["Ada Lovelace", "Alan Turing"]),
        ("Wei Wang 0001 and Lei Zhang", ["Wei Wang", "Lei Zhang"]),
        ("Ada Lovelace and others", ["Ada Lovelace"]),
        ("", []),
    ],
)
def test_author_names_read_first_name_first(author_field, names):
    assert bibtex_names(author_field) == names


def test_accents_become_unicode_in_authors_titles_and_venues():
    records = {r.key: r.record for r in bibtex_records(DBLP.read_text() + SCHOLAR.read_text())}

    assert records["journals/neco/HochreiterS97"].authors == ["Sepp Hochreiter", "Jürgen Schmidhuber"]
    assert records["journals/corr/OordKK16"].authors[0] == "Aäron van den Oord"
    assert records["conf/nips/LiT16"].title == "Rényi Divergence Variational Inference"
    assert records["bottou1991these"].title == (
        "Une approche théorique de l'apprentissage connexionniste : applications à la reconnaissance de la parole"
    )
    assert records["bottou1991these"].authors == ["Léon Bottou"]
    assert only_record("@article{k, title={T}, journal={Revista de Matem{\\'a}tica}, year=2001}").venue == (
        "Revista de Matemática"
    )


@pytest.mark.parametrize(
    "title, expected",
    [
        (r"Black-Box $\alpha$-Divergence Minimization", r"Black-Box $\alpha$-Divergence Minimization"),
        (r"The $O(n \log n)$ bound for {\"o}ne {BERT}", r"The $O(n \log n)$ bound for öne BERT"),
        (r"{$k$}-means--and more", r"$k$-means–and more"),
    ],
)
def test_math_in_titles_is_kept_while_the_rest_becomes_text(title, expected):
    assert only_record(f"@article{{key2016, title = {{{title}}}, year = 2016}}").title == expected


def test_case_protecting_braces_are_removed_from_titles_and_abstracts():
    record = {r.key: r.record for r in bibtex_records(SCHOLAR.read_text())}["devlin2018bert"]
    assert record.title == "BERT: Pre-training of Deep Bidirectional Transformers for Language Understanding"
    assert record.abstract.startswith("We introduce a new language representation model called BERT, which stands")


@pytest.mark.parametrize(
    "fields, arxiv_id, version",
    [
        ("eprint = {1706.03762}, archivePrefix = {arXiv}", "1706.03762", None),
        ("eprint = {1706.03762v5}, archiveprefix = {ARXIV}", "1706.03762", 5),
        ("eprint = {1602.02311}, eprinttype = {arxiv}", "1602.02311", None),
        ("eprint = {arXiv:1602.02311}", "1602.02311", None),
        ("eprint = {hep-th/9901001}, archivePrefix = {arXiv}", "hep-th/9901001", None),
        ("journal = {CoRR}, volume = {abs/1601.06759}", "1601.06759", None),
        ("url = {https://arxiv.org/abs/1601.06759}", "1601.06759", None),
        ("url = {http://arxiv.org/pdf/1601.06759v2.pdf}", "1601.06759", 2),
        ("doi = {10.48550/arXiv.1706.03762}", "1706.03762", None),
        ("journal = {arXiv preprint arXiv:1810.04805}", "1810.04805", None),
        # Another archive's eprint is not an arXiv id.
        ("eprint = {1706.03762}, eprinttype = {pubmed}", None, None),
        ("url = {https://example.org/1706.03762}", None, None),
    ],
)
def test_arxiv_ids_are_found_wherever_exporters_put_them(fields, arxiv_id, version):
    record = only_record(f"@misc{{key2017, title = {{T}}, {fields}}}")
    assert (record.arxiv_id, record.arxiv_version) == (arxiv_id, version)


def test_arxiv_itself_is_not_a_venue():
    assert only_record("@article{k, title={T}, journal={CoRR}, volume={abs/1601.06759}}").venue == ""
    assert only_record("@article{k, title={T}, journal={arXiv preprint arXiv:1810.04805}}").venue == ""
    assert only_record("@article{k, title={T}, journal={Neural Comput.}}").venue == "Neural Comput."


def test_dois_are_normalised_to_lower_case():
    record = only_record("@article{k, title={T}, doi={https://doi.org/10.1162/NECO.1997.9.8.1735}}")
    assert record.doi == "10.1162/neco.1997.9.8.1735"


def test_an_entry_with_an_unusable_key_is_still_imported_by_its_arxiv_id():
    record = only_record("@misc{my key, title={T}, eprint={1706.03762}, archivePrefix={arXiv}}")
    assert (record.arxiv_id, record.bibtex_key) == ("1706.03762", None)


def test_a_crossref_entry_inherits_the_venue_and_year_of_its_volume():
    results = list(
        bibtex_records(
            "@inproceedings{conf/aistats/LarochelleM11, title={NADE}, crossref={conf/aistats/2011}}\n"
            "@proceedings{conf/aistats/2011, title={Proceedings of {AISTATS} 2011}, year={2011}}\n"
        )
    )
    assert [result.key for result in results] == ["conf/aistats/LarochelleM11"]  # the volume is no paper
    assert (results[0].record.venue, results[0].record.year) == ("Proceedings of AISTATS 2011", 2011)


def test_an_entry_without_a_key_lends_nothing_to_the_others():
    results = list(
        bibtex_records(
            "@article{, title={Empty key}, doi={10.1000/x}, year={1999}}\n"
            "@article{journals/x/Y20, title={Real}, doi={10.1000/y}}\n"
        )
    )
    real = next(result.record for result in results if result.key == "journals/x/Y20")
    assert (real.venue, real.year) == ("", None)


def test_braces_nested_too_deeply_are_one_broken_entry_not_a_crash():
    results = list(
        bibtex_records(
            "@article{deep, title={" + "{" * 400 + "x" + "}" * 400 + "}, doi={10.1000/deep}}\n"
            "@article{fine, title={Fine}, doi={10.1000/fine}}\n"
        )
    )
    assert [(result.key, result.record is not None) for result in results] == [("deep", False), ("fine", True)]


@pytest.mark.parametrize(
    "entry, error",
    [
        ("@article{k, author={A B}, year=2020}", "no title"),
        ("@article{k, title={}, year=2020}", "no title"),
        ("@article{k, title={T}, doi={not a doi}}", "invalid DOI “not a doi”"),
        ("@article{k, title={T}, doi={10.12/too-short-a-prefix}}", "invalid DOI"),
        ("@article{my key, title={T}}", "no usable identifier"),
        ("@article{k,\n title={T}\n year={2020}\n}", "syntax error in field “title” (line 2): missing comma?"),
        ("@article{k, title={T}, title={U}}", "field given twice: title"),
    ],
)
def test_broken_entries_say_what_is_wrong(entry, error):
    [result] = bibtex_records(entry)
    assert result.record is None
    assert error in result.error


# --- The command ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_importing_a_dblp_file_creates_its_papers():
    stdout, stderr = import_bibtex(DBLP)

    assert "Imported 5 papers (5 created, 0 updated), 0 errors." in stdout
    assert Paper.objects.count() == 5
    vaswani = Paper.objects.get(bibtex_key="conf/nips/VaswaniSPUJGKP17")
    assert (vaswani.arxiv_id, vaswani.year, vaswani.title) == ("1706.03762", 2017, "Attention is All you Need")
    assert vaswani.authors[:2] == ["Ashish Vaswani", "Noam Shazeer"]
    assert Paper.objects.get(arxiv_id="1601.06759").bibtex_key == "journals/corr/OordKK16"
    assert Paper.objects.get(doi="10.1162/neco.1997.9.8.1735").authors == ["Sepp Hochreiter", "Jürgen Schmidhuber"]
    assert Paper.objects.get(bibtex_key="journals/jmlr/LarochelleM11").venue.startswith("Proceedings of the Fourteenth")


@pytest.mark.django_db
def test_a_progress_bar_runs_on_stderr():
    _, stderr = import_bibtex(DBLP)
    assert "5/5" in stderr


@pytest.mark.django_db
def test_running_again_updates_instead_of_duplicating():
    import_bibtex(DBLP)
    ids = set(Paper.objects.values_list("id", flat=True))

    stdout, _ = import_bibtex(DBLP)

    assert "Imported 5 papers (0 created, 5 updated), 0 errors." in stdout
    assert set(Paper.objects.values_list("id", flat=True)) == ids


@pytest.mark.django_db
def test_running_on_an_edited_file_updates_the_changed_fields(tmp_path):
    import_bibtex(DBLP)
    edited = tmp_path / "dblp.bib"
    edited.write_text(
        DBLP.read_text()
        .replace("{Attention is All you Need}", "{Attention Is All You Need}")
        .replace("Illia Polosukhin", "Illia Polosukhin and Ada Lovelace")
    )

    stdout, _ = import_bibtex(edited)

    assert "Imported 5 papers (0 created, 5 updated), 0 errors." in stdout
    vaswani = Paper.objects.get(arxiv_id="1706.03762")
    assert vaswani.title == "Attention Is All You Need"
    assert vaswani.authors[-2:] == ["Illia Polosukhin", "Ada Lovelace"]
    assert Paper.objects.count() == 5


@pytest.mark.django_db
def test_a_paper_already_known_by_its_arxiv_id_gets_the_bibtex_key_and_keeps_its_summaries(paper):
    summary = SummaryFactory(paper=paper)

    import_bibtex(DBLP)

    assert Paper.objects.filter(arxiv_id="1601.06759").count() == 1
    paper.refresh_from_db()
    assert paper.bibtex_key == "journals/corr/OordKK16"
    assert paper.authors[0] == "Aäron van den Oord"
    assert paper.arxiv_version == 3  # DBLP doesn't say which version; what arXiv said stays
    assert Summary.objects.get(pk=summary.pk).paper_id == paper.pk


@pytest.mark.django_db
def test_a_paper_already_known_by_its_doi_is_updated_in_place():
    known = PaperFactory(arxiv_id=None, doi="10.1162/neco.1997.9.8.1735", title="LSTM")

    import_bibtex(DBLP)

    known.refresh_from_db()
    assert (known.title, known.bibtex_key) == ("Long Short-Term Memory", "journals/neco/HochreiterS97")
    assert Paper.objects.filter(doi="10.1162/neco.1997.9.8.1735").count() == 1


@pytest.mark.django_db
def test_broken_entries_are_reported_with_key_and_line_and_the_rest_are_imported():
    stdout, stderr = import_bibtex(BROKEN)

    assert f"{BROKEN}:9: unbalanced2015: syntax error" in stderr
    assert f"{BROKEN}:24: untitled2020: no title" in stderr
    assert f"{BROKEN}:31: mistyped-doi2019: invalid DOI" in stderr
    assert f"{BROKEN}:38: careless2018: syntax error in field “title”" in stderr
    assert "Imported 3 papers (3 created, 0 updated), 4 errors." in stdout
    assert set(Paper.objects.values_list("bibtex_key", flat=True)) == {
        "journals/neco/HochreiterS97",
        "journals/corr/OordKK16",
        "conf/nips/VaswaniSPUJGKP17",
    }


@pytest.mark.django_db
def test_a_key_used_twice_in_a_file_is_reported_and_the_first_entry_wins(tmp_path):
    bib = tmp_path / "twice.bib"
    bib.write_text("@misc{same2020,\n title={First}\n}\n\n@misc{same2020,\n title={Second}\n}\n")

    stdout, stderr = import_bibtex(bib)

    assert f"{bib}:5: same2020: duplicate key: the entry on line 1 has the same key" in stderr
    assert "Imported 1 papers (1 created, 0 updated), 1 errors." in stdout
    assert Paper.objects.get(bibtex_key="same2020").title == "First"


@pytest.mark.django_db
def test_a_file_where_nothing_can_be_imported_fails(tmp_path):
    bib = tmp_path / "nothing.bib"
    bib.write_text("@article{k, author={A B}}\n")
    stderr = StringIO()

    with pytest.raises(CommandError, match="No paper was imported"):
        call_command("import_bibtex", str(bib), stdout=StringIO(), stderr=stderr)

    assert f"{bib}:1: k: no title" in stderr.getvalue()
    assert not Paper.objects.exists()


@pytest.mark.django_db
def test_an_empty_file_imports_nothing_without_failing(tmp_path):
    bib = tmp_path / "empty.bib"
    bib.write_text("% nothing here yet\n")
    stdout, _ = import_bibtex(bib)
    assert "Imported 0 papers (0 created, 0 updated), 0 errors." in stdout


@pytest.mark.parametrize("name", ["missing.bib", "."])
def test_a_file_that_cannot_be_read_is_a_command_error(tmp_path, name):
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("import_bibtex", str(tmp_path / name), stdout=StringIO(), stderr=StringIO())


def test_a_file_in_another_encoding_is_a_command_error_unless_named(tmp_path, db):
    bib = tmp_path / "latin1.bib"
    bib.write_bytes("@misc{k, title={Théorie}}\n".encode("latin-1"))

    with pytest.raises(CommandError, match="Cannot read"):
        call_command("import_bibtex", str(bib), stdout=StringIO(), stderr=StringIO())

    call_command("import_bibtex", str(bib), "--encoding=latin-1", stdout=StringIO(), stderr=StringIO())
    assert Paper.objects.get(bibtex_key="k").title == "Théorie"
