"""axe-core on the pages and parts this branch added (browsing indexes, author pages, settings, choosing a paper by
title, restoring a version, the report form): no serious or critical violations in their content."""

import pytest
from axe_playwright_python.sync_playwright import Axe

from summaries import services
from tests.factories import PaperFactory, SummaryFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]

SERIOUS = {"serious", "critical"}


def serious_violations(page) -> list[str]:
    # The page's own content: the shared header, footer and summary card are checked where they are made.
    results = Axe().run(page, context={"include": [["main"]], "exclude": [[".card-footer"]]})
    return [
        f"{violation['id']}: {node['target']}"
        for violation in results.response["violations"]
        if violation["impact"] in SERIOUS
        for node in violation["nodes"]
    ]


@pytest.fixture
def world(db):
    ada = UserFactory(username="ada")
    paper = PaperFactory(title="Deep Residual Learning for Image Recognition", arxiv_id="1512.03385",
                         authors=["Kaiming He", "Xiangyu Zhang"], categories=["cs.CV"], venue="CVPR", year=2016)
    summary = SummaryFactory(paper=paper, author=ada, body="Residuals $F(x)$ \\cite{1207.0580}.")
    services.summary_update(summary=summary, body="Residuals, edited.", base_revision=1)
    return {"ada": ada, "paper": paper, "summary": summary, "reader": UserFactory(username="grace")}


@pytest.mark.parametrize("width", [1280, 390])
def test_the_pages_this_branch_added_have_no_serious_violations(live_server, page, log_in, world, width):
    page.set_viewport_size({"width": width, "height": 900})
    summary = world["summary"]
    logged_out = ["/categories/", "/venues/", "/author/Kaiming He/", "/user/ada/"]
    for path in logged_out:
        page.goto(f"{live_server.url}{path}")
        assert serious_violations(page) == [], path
    log_in(world["ada"])
    mine = [
        "/settings/profile/",
        "/summaries/new/?paper=residual learning",
        f"/summary/{summary.pk}/restore/?number=1",
        f"/summary/{summary.pk}/history/",
        "/author/Kaiming He/",
    ]
    for path in mine:
        page.goto(f"{live_server.url}{path}")
        assert serious_violations(page) == [], path
    log_in(world["reader"])
    page.goto(f"{live_server.url}/summary/{summary.pk}/report/")
    assert serious_violations(page) == []
    page.goto(f"{live_server.url}/summaries/new/?paper=1512.03385")
    page.fill("#id_body", r"See \cite{Attention Is All You Need}.")
    page.get_by_role("button", name="Preview").click()
    page.locator(".unresolved-citations").wait_for()
    assert serious_violations(page) == []
