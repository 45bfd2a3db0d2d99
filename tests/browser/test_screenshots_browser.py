"""The README's screenshots: the feed, a paper page and the write form at a desktop's and a phone's width.

Each run saves them, small (a 128-colour palette), to tests/artifacts/readme/; docs/screenshots/ holds the
copies the README shows (copy them over after a change to how these pages look).
"""

import io

import pytest
from django.core.management import call_command
from PIL import Image

from tests.browser.conftest import ARTIFACTS_DIR

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]

WIDTHS = {"desktop": (1280, 900), "phone": (390, 844)}


def save_small(page, name: str) -> Image.Image:
    image = Image.open(io.BytesIO(page.screenshot())).convert("RGB").quantize(colors=128)
    folder = ARTIFACTS_DIR / "readme"
    folder.mkdir(parents=True, exist_ok=True)
    image.save(folder / f"{name}.png", optimize=True)
    return image


@pytest.mark.parametrize("device", WIDTHS)
def test_readme_screenshots(live_server, page, log_in, device):
    from django.contrib.auth import get_user_model

    call_command("load_demo", stdout=io.StringIO())
    width, height = WIDTHS[device]
    page.set_viewport_size({"width": width, "height": height})

    page.goto(live_server.url + "/")
    page.locator(".card .katex").first.wait_for()
    assert save_small(page, f"feed-{device}").size == (width, height)

    page.goto(live_server.url + "/paper/1706.03762/")
    page.locator(".card .katex").first.wait_for()
    save_small(page, f"paper-{device}")

    log_in(get_user_model().objects.get(username="amelia"))
    page.goto(live_server.url + "/summaries/new/?paper=1412.6980")
    page.fill("textarea[name=body]", "# Adam in one line\n\nPer-parameter steps $\\alpha \\hat m_t / (\\sqrt{\\hat v_t} + \\epsilon)$, as in \\cite{1512.03385}.")
    page.click("button[name=preview]")
    page.locator("#preview-content .katex").first.wait_for()
    # The preview scrolls itself into view smoothly; the picture is of the form, so jump back once it has.
    page.wait_for_timeout(800)
    page.evaluate("window.scrollTo({top: 0, behavior: 'instant'})")
    save_small(page, f"write-{device}")
