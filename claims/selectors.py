"""Reads of author claims."""

from django.db.models import Q

from claims.models import AuthorClaim


def paper_claims(*, paper, viewer=None) -> tuple[list[AuthorClaim], AuthorClaim | None]:
    """(the paper's accepted claims, the viewer's own claim whatever its state): one query."""
    mine = Q(claimant_id=viewer.pk) if viewer is not None and viewer.is_authenticated else Q(pk__in=[])
    claims = list(
        AuthorClaim.objects.filter(Q(status__in=AuthorClaim.ACCEPTED) | mine, paper=paper)
        .select_related("claimant", "claimant__profile")
        .order_by("created_at", "id")
    )
    own = next((claim for claim in claims if viewer is not None and claim.claimant_id == viewer.pk), None)
    return [claim for claim in claims if claim.is_accepted], own


def is_claimed_author(*, user, paper_id: int) -> bool:
    return AuthorClaim.objects.accepted().filter(claimant=user, paper_id=paper_id).exists()
