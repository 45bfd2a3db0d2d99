"""Every write to author claims: claiming (checked against ORCID at once when the claimant has linked it),
moderators' decisions, withdrawing, and the emails' opt-out."""

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from claims import orcid
from claims.models import AuthorClaim
from papers.models import Paper
from summaries import services as summary_services
from summaries.models import Vote


@dataclass
class ClaimOutcome:
    claim: AuthorClaim
    message: str


def orcid_of(user) -> str:
    """The ORCID iD the user logged in with (allauth's ORCID provider), or ""."""
    from allauth.socialaccount.models import SocialAccount

    return SocialAccount.objects.filter(user=user, provider="orcid").values_list("uid", flat=True).first() or ""


def _paper_identifiers(paper: Paper) -> set[tuple[str, str]]:
    return {(kind, value) for kind, value in (("arxiv", paper.arxiv_id), ("doi", paper.doi)) if value}


@transaction.atomic
def _accept(claim: AuthorClaim, *, status: str, moderator=None) -> None:
    """Mark the claim accepted; the claimant's earlier votes on the paper's summaries stop counting."""
    for vote in Vote.objects.filter(voter=claim.claimant, summary__paper=claim.paper).select_related("summary"):
        summary_services.vote_cast(summary=vote.summary, voter=claim.claimant, value=0)
    claim.status, claim.decided_at, claim.decided_by = status, timezone.now(), moderator
    claim.save(update_fields=["status", "decided_at", "decided_by", "orcid_id"])


def claim_create(*, claimant, paper: Paper) -> ClaimOutcome:
    """Claim authorship of `paper`. With a linked ORCID iD whose public record lists the paper (arXiv id or DOI)
    the claim is verified at once; otherwise it waits for a moderator. Claiming again re-checks ORCID."""
    claim, _ = AuthorClaim.objects.get_or_create(claimant=claimant, paper=paper)
    if claim.is_accepted:
        return ClaimOutcome(claim, "You are already listed as an author of this paper.")
    if claim.status == AuthorClaim.REJECTED:
        return ClaimOutcome(claim, "A moderator did not confirm this claim. Write to the moderators if it is a mistake.")
    orcid_id = orcid_of(claimant)
    if not orcid_id:
        return ClaimOutcome(claim, "Claim received: a moderator will check it. Log in with ORCID to have it checked at once.")
    try:
        on_record = orcid.record_identifiers(orcid_id)
    except orcid.OrcidUnavailable as error:
        return ClaimOutcome(claim, f"{error} Your claim waits for a moderator instead; claim again later to retry ORCID.")
    claim.orcid_id = orcid_id
    if _paper_identifiers(paper) & on_record:
        _accept(claim, status=AuthorClaim.VERIFIED)
        return ClaimOutcome(claim, "Verified with your ORCID record: you are listed as an author of this paper.")
    claim.save(update_fields=["orcid_id"])
    return ClaimOutcome(
        claim, "Your ORCID record does not list this paper (by arXiv id or DOI), so a moderator will check your claim."
    )


def claims_decide(*, claims, moderator, approve: bool) -> int:
    """A moderator approves or rejects waiting claims (and may revisit decided ones); returns how many changed."""
    changed = 0
    for claim in claims.select_related("claimant", "paper"):
        if approve and not claim.is_accepted:
            _accept(claim, status=AuthorClaim.APPROVED, moderator=moderator)
        elif not approve and claim.status != AuthorClaim.REJECTED:
            claim.status, claim.decided_at, claim.decided_by = AuthorClaim.REJECTED, timezone.now(), moderator
            claim.save(update_fields=["status", "decided_at", "decided_by"])
        else:
            continue
        changed += 1
    return changed


def claim_withdraw(*, claimant, paper: Paper) -> None:
    AuthorClaim.objects.filter(claimant=claimant, paper=paper).exclude(status=AuthorClaim.REJECTED).delete()


def claim_notifications_set(*, claimant, paper: Paper, enabled: bool) -> int:
    return AuthorClaim.objects.filter(claimant=claimant, paper=paper).update(notify=enabled)
