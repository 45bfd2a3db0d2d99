"""Server-typeset math in a real browser: it reads with JavaScript off, looks as the old in-browser KaTeX
did (side-by-side images in tests/artifacts/math/), and stays inside its own box whatever kerns it uses."""

import io
from html import escape

import pytest
from PIL import Image, ImageChops

from summaries import katex
from tests.browser.conftest import ARTIFACTS_DIR
from tests.factories import PaperFactory, SummaryFactory

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("transactional_db")]

MATH_ARTIFACTS = ARTIFACTS_DIR / "math"

# (name, TeX, display)
FORMULAS = [
    ("fraction", r"\frac{a+b}{c} + \tfrac{1}{2}", False),
    ("nested-fraction", r"\frac{1}{1 + \frac{1}{x}}", True),
    ("matrix", r"A = \begin{pmatrix} a_{11} & a_{12} \\ a_{21} & a_{22} \end{pmatrix}", True),
    ("aligned", r"\begin{aligned} f(x) &= (x+1)^2 \\ &= x^2 + 2x + 1 \end{aligned}", True),
    ("operatorname", r"\operatorname{softmax}(z)_i = \frac{e^{z_i}}{\sum_j e^{z_j}}", False),
    ("accents", r"\hat{\theta} + \tilde{x} + \bar{y} + \vec{v} + \dot{a} + \widehat{xyz}", False),
    ("mathbb", r"x \in \mathbb{R}^n,\ \mathbb{E}[X] = \mu,\ \mathcal{L}", False),
    ("big-operators", r"\sum_{i=1}^{n} \prod_{j} \int_0^\infty e^{-x^2}\,dx = \bigcup_k A_k", True),
    ("inline", r"\mathrm{softmax}(QK^\top / \sqrt{d_k})V", False),
    ("delimiters", r"\left( \frac{a}{b} \right) \Big[ x \Big] \left\| v \right\|_2", True),
]

COMPARE_PAGE = """<!doctype html><html><head><meta charset="utf-8">
<link rel="stylesheet" href="/static/vendor/katex/katex.min.css"><link rel="stylesheet" href="/static/css/site.css">
{scripts}</head><body><main class="wrap"><div class="summary-body" style="padding:16px">{formulas}</div></main></body></html>"""
# How the pages typeset before: KaTeX's auto-render over arithmatex's \( \) and \[ \] in the browser,
# and no clipping of the formula's runs (so the comparison also shows the clip cuts no real glyph).
CLIENT_SIDE_SCRIPTS = """<style>.katex .base { overflow: visible; }</style>
<script src="/static/vendor/katex/katex.min.js"></script>
<script src="/static/vendor/katex/contrib/auto-render.min.js"></script>
<script>document.addEventListener("DOMContentLoaded", function () {
  renderMathInElement(document.body, {delimiters: [{left: "\\\\[", right: "\\\\]", display: true},
    {left: "\\\\(", right: "\\\\)", display: false}], throwOnError: false}); });</script>"""


def _formula_blocks(render) -> str:
    return "".join(
        f'<p id="{name}" style="margin:0 0 24px"><span class="arithmatex">{render(tex, display)}</span></p>'
        for name, tex, display in FORMULAS
    )


def _show(page, live_server, path: str, html: str) -> None:
    """Serve `html` from the live server's own origin (KaTeX's fonts load only same-origin) and open it."""
    url = live_server.url + path
    page.route(url, lambda route: route.fulfill(status=200, content_type="text/html", body=html))
    page.goto(url)
    page.evaluate("document.fonts.ready")


def test_server_typeset_formulas_look_as_the_browser_typeset_them(live_server, page):
    client_side = COMPARE_PAGE.format(
        scripts=CLIENT_SIDE_SCRIPTS,
        formulas=_formula_blocks(lambda tex, display: escape(f"\\[{tex}\\]" if display else f"\\({tex}\\)")),
    )
    server_side = COMPARE_PAGE.format(
        scripts="", formulas=_formula_blocks(lambda tex, display: katex.typeset(tex, display=display))
    )
    MATH_ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shots = {}
    for kind, html in (("client", client_side), ("server", server_side)):
        _show(page, live_server, f"/__math_{kind}__", html)
        page.locator(".katex").first.wait_for()
        assert page.locator(".katex").count() == len(FORMULAS)
        assert page.locator(".katex-error, .math-error").count() == 0
        shots[kind] = {
            name: (
                page.locator(f"#{name} .katex").bounding_box(),
                Image.open(io.BytesIO(page.locator(f"#{name} .arithmatex").screenshot())).convert("L"),
            )
            for name, _, _ in FORMULAS
        }
    for name, _, _ in FORMULAS:
        (client_box, client_image), (server_box, server_image) = shots["client"][name], shots["server"][name]
        _side_by_side(client_image, server_image).save(MATH_ARTIFACTS / f"{name}.png")
        for side in ("width", "height"):
            assert abs(client_box[side] - server_box[side]) <= 1, (name, side, client_box, server_box)
        assert client_image.size == server_image.size, name
        # Same pixels: the mean difference is under 1% of full black-on-white.
        difference = ImageChops.difference(client_image, server_image)
        mean = sum(value * count for value, count in enumerate(difference.histogram())) / (difference.width * difference.height)
        assert mean < 2.55, (name, mean)


def _side_by_side(left: Image.Image, right: Image.Image) -> Image.Image:
    combined = Image.new("L", (left.width + right.width + 20, max(left.height, right.height)), 255)
    combined.paste(left, (0, 0))
    combined.paste(right, (left.width + 20, 0))
    return combined


def test_reading_pages_show_typeset_math_with_javascript_off(live_server, browser):
    paper = PaperFactory(title=r"Learning in $\mathcal{O}(n)$ time", abstract=r"We bound $\|w\|_2$.")
    summary = SummaryFactory(paper=paper, body="The loss $x_i^2$ and\n\n$$\\sum_{i=1}^n x_i$$\n")
    context = browser.new_context(java_script_enabled=False, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    scripts = []
    page.on("request", lambda request: request.resource_type == "script" and scripts.append(request.url))
    for path in ("/", paper.get_absolute_url(), summary.get_absolute_url()):
        page.goto(live_server.url + path)
        assert page.locator(".summary-body .katex").count() == 2, path
        assert page.locator(".katex-html .base").first.is_visible()
    page.goto(live_server.url + paper.get_absolute_url())
    assert page.locator("h1.paper-title .katex").count() == 1 and page.locator(".abstract .katex").count() == 1
    loaded = page.evaluate("async () => { await document.fonts.ready; return [...document.fonts].filter(f => f.status === 'loaded').map(f => f.family); }")
    assert "KaTeX_Main" in loaded and "KaTeX_Math" in loaded
    assert not [url for url in scripts if "katex" in url]
    context.close()


# Each moves text far from where the formula is, if nothing stops it (issue 11, item 10).
SPOOFS = [
    r"\llap{\text{Official: this paper was retracted}}",
    r"\kern-480px\text{Moderator note: verified}",
    r"\mathllap{\text{spoof}\kern30em}",
    r"\hspace{-30em}\text{moved left}",
    r"\mkern-900mu\text{moved}",
    r"x\rlap{\kern20em\text{far right}}",
    r"\raisebox{-9em}{\text{below}}\raisebox{9em}{\text{above}}",
    r"\text{a}\!\!\!\!\!\!\!\!\!\!\!\!\!\!\!\!\!\!\!\!\!\!\!\!\!\!\!\!\!\!\!\!\!\!\!\!\!\!\text{b}",
]


@pytest.mark.parametrize("tex", SPOOFS)
def test_math_paints_only_inside_its_own_box(live_server, page, tex):
    summary = SummaryFactory(body=f"Before the formula ${tex}$ and after it.\n\nA second paragraph.")
    page.goto(live_server.url + summary.get_absolute_url())
    formula = page.locator(".summary-body .arithmatex").first
    page.evaluate("document.fonts.ready")
    assert formula.locator(".katex-html").text_content().strip(), "KaTeX typeset nothing"
    with_math = Image.open(io.BytesIO(page.screenshot(full_page=True))).convert("L")
    formula.locator(".katex-html").evaluate("element => { element.style.visibility = 'hidden'; }")
    without_math = Image.open(io.BytesIO(page.screenshot(full_page=True))).convert("L")
    painted = ImageChops.difference(with_math, without_math).point(lambda value: 255 if value > 40 else 0).getbbox()
    if painted is None:  # all of it clipped: it moved nothing but itself
        return
    box = formula.bounding_box()
    scroll = page.evaluate("[window.scrollX, window.scrollY]")
    left, top = box["x"] + scroll[0], box["y"] + scroll[1]
    # Its box, and the line it sits on: the text may rise or sink within the line's height, no further.
    line = page.locator(".summary-body p").first.bounding_box()
    slack = 6  # the clip's margin for a glyph's overhang (0.2em)
    assert painted[0] >= left - slack and painted[2] <= left + box["width"] + slack, (tex, painted, box)
    assert painted[1] >= min(top, line["y"] + scroll[1]) - slack, (tex, painted, box, line)
    assert painted[3] <= max(top + box["height"], line["y"] + scroll[1] + line["height"]) + slack, (tex, painted, box, line)
