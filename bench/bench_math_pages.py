"""The 20-card feed in Chromium: page weight, scripts and DOMContentLoaded, for math typeset in the browser or on the server.

    # in the tree to measure, against its own database:
    DATABASE_URL=... python bench/bench_math_pages.py load          # 20 summaries full of math
    DATABASE_URL=... python manage.py runserver 127.0.0.1:8101 --noreload &
    python bench/bench_math_pages.py measure http://127.0.0.1:8101/ --runs 15

`load` works in any version of the site (it uses tests/factories.py, so each version renders the bodies
its own way): run it from the root of the tree being measured, e.g. the commit before server-side math
exported with `git archive`. `measure` opens the page in a fresh Chromium context each run (cold cache)
and reads the Navigation and Resource Timing entries: DOMContentLoaded, the load event, the bytes of
every response, and how many of them are scripts. bench/README.md has the figures.
"""

import argparse
import json
import os
import statistics
import sys

SUMMARY = r"""## Idea

The model factorizes $p(x) = \prod_{i=1}^{n} p(x_i \mid x_{<i})$ and trains with
$\mathcal{L}(\theta) = -\sum_i \log p_\theta(x_i \mid x_{<i})$, where attention is
$\mathrm{softmax}(QK^\top / \sqrt{d_k})V$ with $d_k = 64$.

$$\mathbb{E}_{z \sim q_\phi(z|x)}\left[\log p_\theta(x|z)\right] - D_{KL}\left(q_\phi(z|x) \,\|\, p(z)\right)$$

The update is $\hat\theta_{t+1} = \hat\theta_t - \eta \nabla_\theta \mathcal{L}$ and the cost $O(n^2 d)$:

$$\begin{aligned} h_t &= \tanh(W h_{t-1} + U x_t + b) \\ y_t &= \operatorname{softmax}(V h_t) \end{aligned}$$

with $W \in \mathbb{R}^{d \times d}$, $\alpha = 0.1$, and $\begin{pmatrix} a & b \\ c & d \end{pmatrix}$ per head.
"""


def load(count: int) -> None:
    sys.path.insert(0, os.getcwd())
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shortscience.settings")
    import django

    django.setup()
    from tests.factories import PaperFactory, SummaryFactory

    for number in range(count):
        paper = PaperFactory(title=rf"Learning in $\mathcal{{O}}(n \log n)$ time, part {number}")
        SummaryFactory(paper=paper, body=SUMMARY.replace("d_k = 64", f"d_k = {number}"))
    print(f"{count} summaries with {SUMMARY.count('$') // 2} formulas each")


MEASURE_JS = """() => {
  const navigation = performance.getEntriesByType("navigation")[0];
  const resources = performance.getEntriesByType("resource");
  const bytes = (entries) => entries.reduce((sum, entry) => sum + entry.encodedBodySize, 0);
  const scripts = resources.filter((entry) => entry.initiatorType === "script");
  return {
    dom_content_loaded_ms: navigation.domContentLoadedEventEnd - navigation.startTime,
    response_start_ms: navigation.responseStart - navigation.startTime,
    response_end_ms: navigation.responseEnd - navigation.startTime,
    dom_interactive_ms: navigation.domInteractive - navigation.startTime,
    load_ms: navigation.loadEventEnd - navigation.startTime,
    html_bytes: navigation.encodedBodySize,
    total_bytes: navigation.encodedBodySize + bytes(resources),
    script_bytes: bytes(scripts),
    scripts: scripts.map((entry) => entry.name.split("/").pop()),
    katex_elements: document.querySelectorAll(".katex").length,
  };
}"""


def measure(url: str, runs: int) -> None:
    from playwright.sync_api import sync_playwright

    results = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox", "--disable-gpu"])
        for _ in range(runs + 1):  # the first run warms the server, not the browser: it is dropped
            context = browser.new_context(viewport={"width": 1280, "height": 900})
            page = context.new_page()
            page.goto(url, wait_until="load")
            page.wait_for_function("performance.getEntriesByType('navigation')[0].loadEventEnd > 0")
            results.append(page.evaluate(MEASURE_JS))
            context.close()
        browser.close()
    results = results[1:]
    summary = {
        key: round(statistics.median(result[key] for result in results))
        for key in ("response_start_ms", "response_end_ms", "dom_interactive_ms", "dom_content_loaded_ms", "load_ms", "html_bytes", "total_bytes", "script_bytes", "katex_elements")
    }
    summary["dom_content_loaded_p90_ms"] = round(sorted(r["dom_content_loaded_ms"] for r in results)[int(0.9 * (len(results) - 1))])
    summary["scripts"] = results[0]["scripts"]
    summary["runs"] = runs
    print(json.dumps(summary))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("load").add_argument("--count", type=int, default=20)
    measuring = commands.add_parser("measure")
    measuring.add_argument("url")
    measuring.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    if args.command == "load":
        load(args.count)
    else:
        measure(args.url, args.runs)


if __name__ == "__main__":
    main()
