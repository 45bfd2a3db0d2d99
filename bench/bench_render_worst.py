"""Worst-case rendering benchmark: time the summary renderer on hostile bodies of the maximum length.

    .venv/bin/python bench/bench_render_worst.py                 # every pattern, through rendering.render
    .venv/bin/python bench/bench_render_worst.py --no-budget     # the renderer without its time budget
    .venv/bin/python bench/bench_render_worst.py --only '[' --repeat 3

Each body is one short pattern repeated up to SUMMARY_MAX_LENGTH (60,000) characters: the shape that
makes a parser scan from every opener to the end. A run prints, per pattern, the slowest of --repeat
renders and whether the budget refused it, slowest first. Needs DATABASE_URL (a \\cite query may run).
"""

import argparse
import os
import signal
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shortscience.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402

from summaries import rendering  # noqa: E402
from summaries.render_budget import RenderingTooSlow  # noqa: E402

# The report, the patterns defused before, and every other opener Markdown, arithmatex,
# bleach or \cite scans from.
PATTERNS = [
    "``a`", "`", "``", "`a", "a\n===\n", "a\n---\n", "a\n=\n", "# h\n", "###### h\n", "[", "]", "[]", "[a]",
    "![", "[a](", "[a](x) [b](", "![a](", "[a][", "[a]: x\n", "[^", "(", ")", "<div>", "<div>\n", "</div>",
    "<div markdown>", "<span>", "<b>", "<a ", "<a href='", "<", "</", "<!--", "<?", "<![CDATA[", "<!x",
    "<http://", "<a@b.c>", "&", "&#", "&amp;", "&#x", "\\(", "\\)", "\\[x ", "\\]", "$", "$$", "$a", "$a$",
    "$$a$$\n", "$$\n", "\\[\n", "\\begin{a}", "\\cite{", "\\cite{a}", "\\cite{1234.5678}", "\\", "\\\\",
    "*", "**", "*a", "**a", "_", "__", "_a", "a_", "~", "~~", "~~~\n", "```\n", "```", "    a\n", "\t",
    "> ", ">", "> > ", "- ", "* ", "+ ", "1. ", "1) ", "- a\n", "1. a\n", "  - a\n", "- a\n  - ",
    "* * *\n", "---\n", "|", "| a |\n", "a|b\n", "|-|\n", "a | b\n--|--\n", " ", "\n", "a  \n", "a\n\n",
    "http://a.b/ ", "https://", "www.a.b ", "a@b.c ", ":", "\"", "'", "=", "-", "#", "!",
]  # fmt: skip


class _Abandoned(Exception):
    pass


def _abandon(signum, frame):
    raise _Abandoned


def time_pattern(pattern: str, *, repeat: int, cap: float) -> tuple[float, str]:
    body = (pattern * (settings.SUMMARY_MAX_LENGTH // len(pattern) + 1))[: settings.SUMMARY_MAX_LENGTH]
    slowest, outcome = 0.0, "rendered"
    for _ in range(repeat):
        signal.setitimer(signal.ITIMER_REAL, cap)
        started = time.perf_counter()
        try:
            rendering.render(body)
        except RenderingTooSlow:
            outcome = "refused"
        except _Abandoned:
            return cap, f"abandoned after {cap:.0f} s"
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
        slowest = max(slowest, time.perf_counter() - started)
    return slowest, outcome


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--no-budget", action="store_true", help="render without the time budget")
    parser.add_argument("--only", action="append", help="time only this pattern (repeatable)")
    parser.add_argument("--repeat", type=int, default=1, help="renders per pattern; the slowest is reported")
    parser.add_argument("--cap", type=float, default=120, help="give up on one render after this many seconds")
    arguments = parser.parse_args()
    if arguments.no_budget:
        settings.SUMMARY_RENDER_BUDGET_SECONDS = None
    signal.signal(signal.SIGALRM, _abandon)
    results = []
    for pattern in arguments.only or PATTERNS:
        seconds, outcome = time_pattern(pattern, repeat=arguments.repeat, cap=arguments.cap)
        results.append((seconds, pattern, outcome))
        print(f"{seconds:7.2f} s  {pattern!r:24} {outcome}", flush=True)
    print("\nslowest first:")
    for seconds, pattern, outcome in sorted(results, reverse=True)[:15]:
        print(f"{seconds:7.2f} s  {pattern!r:24} {outcome}")
    print(f"budget: {settings.SUMMARY_RENDER_BUDGET_SECONDS} s; load average {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
