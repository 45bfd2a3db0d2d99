"""Every way people write a paper's identifier parses to one normalised form."""

import pytest

from papers.identifiers import Identifier, InvalidIdentifier, Kind, parse

ARXIV = [
    ("1601.06759", "1601.06759", None),
    ("1601.06759v2", "1601.06759", 2),
    ("arXiv:1601.06759", "1601.06759", None),
    ("arxiv:1601.06759v3", "1601.06759", 3),
    ("  1601.06759  ", "1601.06759", None),
    ("2301.12345", "2301.12345", None),
    ("0704.0001", "0704.0001", None),
    ("hep-th/9901001", "hep-th/9901001", None),
    ("hep-th/9901001v1", "hep-th/9901001", 1),
    ("arXiv:hep-th/9901001", "hep-th/9901001", None),
    ("math.GT/0309136", "math/0309136", None),  # the subject class is not part of the id
    ("math.GT/0309136v2", "math/0309136", 2),
    ("cond-mat.stat-mech/0102536", None, None),  # not a real subject-class form: must not be arXiv
    ("https://arxiv.org/abs/1601.06759", "1601.06759", None),
    ("https://arxiv.org/abs/1601.06759v2", "1601.06759", 2),
    ("http://arxiv.org/abs/hep-th/9901001", "hep-th/9901001", None),
    ("https://arxiv.org/pdf/1601.06759", "1601.06759", None),
    ("https://arxiv.org/pdf/1601.06759v1.pdf", "1601.06759", 1),
    ("https://www.arxiv.org/abs/1706.03762/", "1706.03762", None),
    ("https://export.arxiv.org/abs/1706.03762", "1706.03762", None),
    ("arxiv.org/abs/1706.03762", "1706.03762", None),
    # Some proxies fold the double slash of a URL kept inside a path.
    ("https:/arxiv.org/abs/1706.03762", "1706.03762", None),
    # arXiv's own DOIs name the arXiv paper.
    ("10.48550/arXiv.1706.03762", "1706.03762", None),
    ("https://doi.org/10.48550/arXiv.1706.03762", "1706.03762", None),
]


@pytest.mark.parametrize("text, arxiv_id, version", [row for row in ARXIV if row[1]])
def test_arxiv_ids_in_every_form(text, arxiv_id, version):
    assert parse(text) == Identifier(Kind.ARXIV, arxiv_id, version)


DOIS = [
    ("10.1038/nature14539", "10.1038/nature14539"),
    ("10.1038/NATURE14539", "10.1038/nature14539"),
    ("doi:10.1038/nature14539", "10.1038/nature14539"),
    ("DOI: 10.1038/nature14539", "10.1038/nature14539"),
    ("https://doi.org/10.1038/nature14539", "10.1038/nature14539"),
    ("http://dx.doi.org/10.1109/CVPR.2016.90", "10.1109/cvpr.2016.90"),
    ("10.1002/(SICI)1097-4571(199806)49:8<693::AID-ASI4>3.0.CO;2-O", "10.1002/(sici)1097-4571(199806)49:8<693::aid-asi4>3.0.co;2-o"),
]


@pytest.mark.parametrize("text, doi", DOIS)
def test_dois_are_case_insensitive_with_or_without_prefix(text, doi):
    assert parse(text) == Identifier(Kind.DOI, doi)


@pytest.mark.parametrize(
    "text", ["journals/jmlr/LarochelleM11", "conf/nips/VaswaniSPUJGKP17", "journals/corr/OordKK16", "vaswani2017attention"]
)
def test_bibtex_keys_are_kept_as_written(text):
    assert parse(text) == Identifier(Kind.BIBTEX, text)


@pytest.mark.parametrize(
    "text",
    [
        "", "   ", "doi:", "doi:not-a-doi", "https://example.org/paper", "two words", "<script>", "a" * 300,
        "'; DROP TABLE",
        "١٧٠٦.٠٣٧٦٢",  # Arabic-Indic digits
        '10.1000/x}}@preamble{"\\immediate\\write18{id}"}',  # would break out of a BibTeX field
    ],
)
def test_malformed_identifiers_are_rejected_with_a_message(text):
    with pytest.raises(InvalidIdentifier) as error:
        parse(text)
    assert str(error.value)


@pytest.mark.parametrize(
    "text",
    [
        "9999.99999", "1713.00001", "1700.00001",  # no 13th or 0th month
        "1706.0376",  # 4 digits after 2014
        "1412.00001",  # 5 digits before 2015
        "0612.0001",  # new-style ids start in April 2007
        "hep-th/9913001", "arXiv:1999.99999v2", "https://arxiv.org/abs/9999.99999",
    ],
)
def test_ids_shaped_like_arxiv_ids_that_arxiv_cannot_have_issued_are_rejected(text):
    with pytest.raises(InvalidIdentifier, match="is not an arXiv id: months run 01 to 12"):
        parse(text)


@pytest.mark.parametrize("text", ["0704.0001", "1412.9999", "1501.00001", "2412.12345", "hep-th/9901001"])
def test_every_shape_arxiv_issues_parses(text):
    assert parse(text).kind is Kind.ARXIV


def test_identifier_prints_as_its_canonical_value():
    assert str(parse("arXiv:1601.06759v2")) == "1601.06759"
