"""Our rows as the API and the data dump show them: absolute links on SITE_URL, anonymous authors left out."""

from django.conf import settings

from papers.models import Paper
from summaries.models import Summary


def site_url(path: str) -> str:
    return settings.SITE_URL + path


def author_of(summary: Summary) -> dict | None:
    if not summary.byline_url:
        return None
    return {"username": summary.author.get_username(), "name": summary.byline, "url": site_url(summary.byline_url)}


def paper_ref(paper: Paper) -> dict:
    return {
        "identifier": paper.identifier,
        "title": paper.title,
        "url": site_url(paper.get_absolute_url()),
        "arxiv_id": paper.arxiv_id,
        "doi": paper.doi,
    }


def summary_dict(summary: Summary) -> dict:
    return {
        "id": summary.pk,
        "url": site_url(summary.get_absolute_url()),
        "paper": paper_ref(summary.paper),
        "author": author_of(summary),
        "score": summary.score,
        "created_at": summary.created_at,
        "updated_at": summary.updated_at,
        "body_markdown": summary.body,
        "body_html": summary.body_html,
        "licence": settings.SUMMARY_LICENCE,
        "arxiv_version": summary.arxiv_version,
        "checked_arxiv_version": summary.checked_arxiv_version,
    }


def paper_dict(paper: Paper, summaries: list[Summary]) -> dict:
    return {
        **paper_ref(paper),
        "authors": paper.authors,
        "abstract": paper.abstract,
        "year": paper.year,
        "venue": paper.venue,
        "published": paper.published,
        "categories": paper.categories,
        "identifiers": {
            "arxiv_id": paper.arxiv_id,
            "arxiv_version": paper.arxiv_version,
            "doi": paper.doi,
            "bibtex_key": paper.bibtex_key,
        },
        "arxiv_versions": [{"version": number, "submitted": day} for number, day in paper.arxiv_versions],
        "abstract_url": paper.abstract_url,
        "pdf_url": paper.pdf_link,
        "summary_count": len(summaries),
        "summaries": [summary_dict(summary) for summary in summaries],
    }


def user_dict(user) -> dict:
    profile = user.profile
    return {
        "username": user.get_username(),
        "name": profile.name,
        "url": site_url(profile.get_absolute_url()),
        "bio": profile.bio,
        "summary_count": user.summary_count,
        "total_score": user.total_score,
    }
