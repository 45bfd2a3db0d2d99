"""Formulas typeset per second by the vendored KaTeX in each engine that can run it from Python, with memory and failures.

    .venv/bin/python bench/bench_katex.py [--formulas 3000]

Engines: QuickJS (the `quickjs-ng` wheel, what summaries/katex.py uses), V8 (the `mini-racer` wheel;
`pip install mini-racer==0.14.1` to include it) and Node (`node` on PATH, fed formulas over a pipe).
Each runs in a child process of its own, so its memory is its own: the RSS it adds is read from
/proc before the engine starts and after the run. Then the site's own path, summaries.katex.typeset
(nesting check, KaTeX, sanitizing), is timed the same way, and each engine is shown the hostile formulas.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
KATEX_JS = ROOT / "static" / "vendor" / "katex" / "katex.min.js"
# What summaries hold: short inline formulas mostly, some display ones.
FORMULAS = [
    (r"x_i^2 + \alpha_t", False),
    (r"\mathrm{softmax}(QK^\top / \sqrt{d_k})V", False),
    (r"\sum_{i=1}^n \log p_\theta(x_i \mid x_{<i})", True),
    (r"\begin{pmatrix} a & b \\ c & d \end{pmatrix}", True),
    (r"\mathbb{E}_{z \sim q_\phi(z|x)}[\log p_\theta(x|z)] - D_{KL}(q_\phi \| p)", True),
    (r"\hat\theta = \operatorname*{arg\,min}_\theta \mathcal{L}(\theta)", False),
    (r"\begin{aligned} h_t &= \tanh(W h_{t-1} + U x_t) \\ y_t &= V h_t \end{aligned}", True),
    (r"O(n^2 d)", False),
]
HOSTILE = {
    "150 nested \\sqrt": "\\sqrt{" * 150 + "x" + "}" * 150,
    "\\def loop": "\\def\\a{\\a\\a}\\a",
    "300 nested \\frac": "\\frac{" * 300 + "1}{2" + "}" * 300,
}
OPTIONS = {"output": "htmlAndMathml", "throwOnError": True, "trust": False, "strict": "ignore", "maxSize": 10, "maxExpand": 500}
GLUE = (
    "function typesetOne(tex, display) { var options = " + json.dumps(OPTIONS) + "; options.displayMode = display;"
    " try { return JSON.stringify({html: katex.renderToString(tex, options)}); }"
    " catch (error) { return JSON.stringify({error: String(error.message || error)}); } }"
)


def rss_mib(pid: int | str = "self") -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def engine_quickjs():
    import _quickjs

    context = _quickjs.Context()
    context.eval(KATEX_JS.read_text())
    context.eval(GLUE)
    context.set_max_stack_size(2 * 1024 * 1024)
    typeset = context.get("typesetOne")
    return lambda tex, display: json.loads(typeset(tex, display))


def engine_v8():
    from py_mini_racer import MiniRacer

    racer = MiniRacer()
    racer.eval(KATEX_JS.read_text())
    racer.eval(GLUE)
    return lambda tex, display: json.loads(racer.call("typesetOne", tex, display))


def engine_node():
    script = tempfile.NamedTemporaryFile("w", suffix=".js", delete=False)
    script.write(KATEX_JS.read_text() + ";var katex = module.exports;" + GLUE)
    script.write(
        ";require('readline').createInterface({input: process.stdin}).on('line', function (line) {"
        " var args = JSON.parse(line); process.stdout.write(typesetOne(args[0], args[1]) + '\\n'); });"
    )
    script.close()
    child = subprocess.Popen(["node", script.name], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1)
    engine_node.child = child

    def typeset(tex, display):
        child.stdin.write(json.dumps([tex, display]) + "\n")
        child.stdin.flush()
        return json.loads(child.stdout.readline())

    return typeset


def engine_site():
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shortscience.settings")
    import django

    django.setup()
    from summaries import katex

    return lambda tex, display: {"html": katex.typeset(tex, display=display)}


ENGINES = {"quickjs": engine_quickjs, "v8": engine_v8, "node": engine_node, "site": engine_site}


def measure(name: str, count: int) -> dict:
    before = rss_mib()
    start = time.perf_counter()
    try:
        typeset = ENGINES[name]()
    except (ImportError, FileNotFoundError) as error:
        return {"engine": name, "skipped": str(error)}
    startup = time.perf_counter() - start
    typeset("x", False)
    start = time.perf_counter()
    for index in range(count):
        tex, display = FORMULAS[index % len(FORMULAS)]
        # A different formula each time, so nothing is remembered between calls.
        result = typeset(f"{tex} + {index}", display)
        assert "html" in result, result
    elapsed = time.perf_counter() - start
    child = getattr(engine_node, "child", None)
    added = rss_mib(child.pid) if child else rss_mib() - before
    hostile = {}
    for label, tex in HOSTILE.items():
        start = time.perf_counter()
        try:
            result = typeset(tex, False)
            outcome = "typeset" if "html" in result and "math-error" not in result["html"] else "refused"
        except Exception as error:  # noqa: BLE001 - the bench reports how each engine fails
            outcome = f"raised {type(error).__name__}"
        hostile[label] = f"{outcome} in {(time.perf_counter() - start) * 1000:.0f} ms"
    return {
        "engine": name,
        "startup_ms": round(startup * 1000),
        "formulas_per_second": round(count / elapsed),
        "rss_added_mib": round(added, 1),
        "hostile": hostile,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--formulas", type=int, default=3000)
    parser.add_argument("--engine", choices=ENGINES, help="run one engine in this process (used by the parent)")
    args = parser.parse_args()
    if args.engine:
        print(json.dumps(measure(args.engine, args.formulas)))
        return
    for name in ENGINES:
        output = subprocess.run(
            [sys.executable, __file__, "--engine", name, "--formulas", str(args.formulas)],
            capture_output=True, text=True, check=False,
        )
        print(output.stdout.strip() or output.stderr.strip().splitlines()[-1])


if __name__ == "__main__":
    main()
