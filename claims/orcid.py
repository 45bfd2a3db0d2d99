"""ORCID's public API: the works on a researcher's record, as the identifiers they list. HTTP and JSON, nothing else."""

import re

import requests
from django.conf import settings

from papers.identifiers import Kind, parse_or_none

ORCID_ID = re.compile(r"^\d{4}-\d{4}-\d{4}-\d{3}[\dX]$")


class OrcidUnavailable(Exception):
    """ORCID did not answer usefully; the message says why, for the claimant."""


def record_identifiers(orcid_id: str) -> set[tuple[str, str]]:
    """Every arXiv id and DOI among the works on `orcid_id`'s public record, as ("arxiv" | "doi", value) in the
    form our papers store them."""
    if not ORCID_ID.match(orcid_id):
        raise OrcidUnavailable(f"{orcid_id} is not an ORCID iD.")
    try:
        response = requests.get(
            f"{settings.ORCID_API_URL.rstrip('/')}/{orcid_id}/works",
            headers={"Accept": "application/json"},
            timeout=settings.EXTERNAL_API_TIMEOUT,
        )
    except requests.RequestException:
        raise OrcidUnavailable("ORCID did not answer.") from None
    if response.status_code == 404:
        raise OrcidUnavailable("ORCID has no public record for this iD.")
    if response.status_code != 200:
        raise OrcidUnavailable(f"ORCID answered with an error ({response.status_code}).")
    try:
        groups = response.json().get("group") or []
    except (ValueError, AttributeError):
        raise OrcidUnavailable("ORCID's answer could not be read.") from None
    found = set()
    for group in groups:
        for external in ((group or {}).get("external-ids") or {}).get("external-id") or []:
            kind = str(external.get("external-id-type", "")).lower()
            if kind not in ("arxiv", "doi"):
                continue
            identifier = parse_or_none(str(external.get("external-id-value") or ""))
            if identifier is not None and identifier.kind in (Kind.ARXIV, Kind.DOI):
                found.add((identifier.kind.value, identifier.value))
    return found
