"""The claimed authors of a paper, with the viewer's claim button: one query."""

from django import template

from claims import selectors

register = template.Library()


@register.inclusion_tag("claims/_paper_claims.html", takes_context=True)
def paper_claims_panel(context, paper):
    user = context.get("user")
    accepted, own = selectors.paper_claims(paper=paper, viewer=user)
    return {"user": user, "request": context.get("request"), "paper": paper, "accepted": accepted, "own": own}
