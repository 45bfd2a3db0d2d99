"""Papers: the metadata of what people summarize, reachable by any of its identifiers."""

import json
from datetime import date

from django.db import connection, models
from django.db.models import JSONField, Q, Value

from papers.identifiers import Identifier, Kind
from shortscience.url_templates import url_for


def is_web_link(url: str) -> bool:
    """Whether a link from metadata is a web address, the only kind the site links to (never javascript:)."""
    return url.strip().lower().startswith(("https://", "http://"))


def json_list_contains(field: str, value: str) -> Q:
    """`field`, a JSON list of strings such as Paper.categories or Paper.authors, has `value` as an element."""
    if connection.vendor == "postgresql":
        # jsonb containment (@>), which the GIN index on categories serves.
        return Q(**{f"{field}__contains": [value]})
    # SQLite has no JSON containment: match the element's JSON text, quotes included.
    return Q(**{f"{field}__icontains": json.dumps(value)})


class PaperQuerySet(models.QuerySet):
    def matching(self, identifier: Identifier) -> "PaperQuerySet":
        if identifier.kind is Kind.ARXIV:
            return self.filter(arxiv_id=identifier.value)
        if identifier.kind is Kind.DOI:
            return self.filter(doi=identifier.value)
        # A BibTeX key names the paper it was imported under; an arXiv id or DOI typed as a key
        # never gets here because parse() recognises those first.
        return self.filter(bibtex_key=identifier.value)

    def matching_any(self, identifiers) -> "PaperQuerySet":
        condition = Q(pk__in=[])
        for identifier in identifiers:
            field = {Kind.ARXIV: "arxiv_id", Kind.DOI: "doi", Kind.BIBTEX: "bibtex_key"}[identifier.kind]
            condition |= Q(**{field: identifier.value})
        return self.filter(condition)


class Paper(models.Model):
    title = models.TextField()
    # Ordered list of names as they appear on the paper ("Ashish Vaswani"); kept on the row
    # because every card shows them and bulk imports write millions of papers.
    authors = models.JSONField(default=list, blank=True)
    abstract = models.TextField(blank=True)
    year = models.PositiveSmallIntegerField(null=True, blank=True)
    venue = models.CharField(max_length=300, blank=True, help_text="Journal or conference, e.g. NeurIPS.")
    journal_ref = models.CharField(max_length=500, blank=True)
    published = models.DateField(null=True, blank=True, help_text="Date of the first version.")
    updated = models.DateField(null=True, blank=True, help_text="Date of the latest version.")

    arxiv_id = models.CharField("arXiv id", max_length=40, unique=True, null=True, blank=True)
    arxiv_version = models.PositiveSmallIntegerField("latest arXiv version", null=True, blank=True)
    # Submission date of each arXiv version, v1 first (ISO dates), when the source lists them all.
    arxiv_version_dates = models.JSONField("arXiv version dates", default=list, db_default=Value([], JSONField()), blank=True)
    doi = models.CharField("DOI", max_length=300, unique=True, null=True, blank=True)
    bibtex_key = models.CharField("BibTeX key", max_length=200, unique=True, null=True, blank=True)
    categories = models.JSONField(default=list, blank=True, help_text="arXiv categories, primary first.")
    pdf_url = models.URLField("PDF", max_length=500, blank=True)
    url = models.URLField("abstract page", max_length=500, blank=True)

    # Title and abstract with their math typeset (papers/typesetting.py), and what they were made from:
    # filled when a page first shows the paper, so imports stay fast and every write path is covered.
    title_typeset = models.TextField(blank=True, db_default="", default="", editable=False)
    abstract_typeset = models.TextField(blank=True, db_default="", default="", editable=False)
    typeset_key = models.CharField(max_length=32, blank=True, db_default="", default="", editable=False)

    created_at = models.DateTimeField(auto_now_add=True)
    modified_at = models.DateTimeField(auto_now=True)

    objects = PaperQuerySet.as_manager()

    class Meta:
        ordering = ["-published", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(arxiv_id__isnull=False) | Q(doi__isnull=False) | Q(bibtex_key__isnull=False),
                name="paper_has_an_identifier",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def identifier(self) -> str:
        """The identifier used in this paper's canonical URL: arXiv id, else DOI, else BibTeX key."""
        return self.arxiv_id or self.doi or self.bibtex_key

    def get_absolute_url(self) -> str:
        return url_for("papers:detail", identifier=self.identifier)

    @property
    def abstract_url(self) -> str:
        # Rows written before papers_upsert dropped links that aren't http(s) may still hold one.
        if self.url and is_web_link(self.url):
            return self.url
        if self.arxiv_id:
            return f"https://arxiv.org/abs/{self.arxiv_id}"
        if self.doi:
            return f"https://doi.org/{self.doi}"
        return ""

    @property
    def pdf_link(self) -> str:
        if self.pdf_url and is_web_link(self.pdf_url):
            return self.pdf_url
        if self.arxiv_id:
            version = f"v{self.arxiv_version}" if self.arxiv_version else ""
            return f"https://arxiv.org/pdf/{self.arxiv_id}{version}"
        return ""

    @property
    def arxiv_versions(self) -> list[tuple[int, date]]:
        """(number, submission date) of each arXiv version we know the date of, v1 first."""
        return [(number, date.fromisoformat(day)) for number, day in enumerate(self.arxiv_version_dates, start=1)]

    @property
    def arxiv_version_numbers(self) -> list[int]:
        return list(range(1, (self.arxiv_version or 0) + 1))

    @property
    def venue_display(self) -> str:
        if self.venue:
            return self.venue
        return "arXiv" if self.arxiv_id else ""

    @property
    def short_reference(self) -> str:
        """How a citation reads: "Vaswani et al., 2017", "Larochelle and Murray, 2011"."""
        surnames = [surname(name) for name in self.authors[:3]]
        if not surnames:
            who = self.title[:40]
        elif len(self.authors) == 1:
            who = surnames[0]
        elif len(self.authors) == 2:
            who = f"{surnames[0]} and {surnames[1]}"
        else:
            who = f"{surnames[0]} et al."
        return f"{who}, {self.year}" if self.year else who


def surname(name: str) -> str:
    """Family name of "Ashish Vaswani" or "Vaswani, Ashish"; "van den Oord" keeps its particle."""
    name = name.strip()
    if "," in name:
        return name.split(",", 1)[0].strip()
    parts = name.split()
    if not parts:
        return name
    particles = {"van", "von", "der", "den", "de", "da", "di", "la", "le", "du", "del"}
    start = len(parts) - 1
    while start > 0 and parts[start - 1].lower() in particles:
        start -= 1
    return " ".join(parts[start:])


class HarvestState(models.Model):
    """Where an incremental OAI-PMH harvest stopped, so the next daily run continues from there."""

    name = models.CharField(max_length=100, unique=True, help_text="Endpoint, metadata format and set.")
    harvested_until = models.DateField(null=True, blank=True, help_text="Last datestamp fully harvested.")
    resumption_token = models.TextField(blank=True, help_text="Token of an interrupted list, to resume it.")
    list_until = models.DateField(
        null=True, blank=True, help_text="Last datestamp of the list in progress; becomes harvested_until when it ends."
    )
    records_seen = models.PositiveBigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.name} (until {self.harvested_until or 'never'})"


class DeferredIndex(models.Model):
    """An index dropped for a bulk load and not yet built again; see papers.bulk_indexes."""

    table = models.CharField(max_length=63)
    name = models.CharField(max_length=63, unique=True)
    definition = models.TextField(help_text="As pg_get_indexdef() gave it.")
    deferred_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "deferred indexes"

    def __str__(self) -> str:
        return f"{self.name} on {self.table}"
