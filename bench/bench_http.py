"""HTTP benchmark: the site's pages under gunicorn, each as a share of a Django hello-world served the same way.

    .venv/bin/python bench/bench_http.py                  # load the data, then measure
    .venv/bin/python bench/bench_http.py --skip-load      # measure again on the loaded data
    .venv/bin/python bench/bench_http.py --duration 5     # a quicker, noisier run

It loads 20,000 papers, 5,000 summaries of ~2,000 characters (Markdown with math, rendered by the site's
renderer), 20,000 votes, ~1,300 comments (twelve under the permalink's summary) and 500 readers into its own PostgreSQL database (shortscience_bench_http; the
site's own is never touched), then serves, on loopback only, with the gunicorn settings `make serve` uses
(shortscience/gunicorn.conf.py, WEB_CONCURRENCY workers):
  - the site in production mode (DJANGO_DEBUG=0) with Redis as its cache (Redis database 9, flushed here);
  - the same site with its page and card caches off, and similar papers ranked every time (PAGE_CACHE_SECONDS=0,
    CARD_CACHE_SECONDS=0, SIMILAR_PAPERS_CACHE_SECONDS=0): every request runs every query and renders every
    template, as if the caches were cleared before each request;
  - bench/hello_world.py, a Django hello-world view.
Debian's `wrk` (2 connections per core, 2 threads) loads each page in turn (the permalink also as a burst of
new visitors, each request a reader never seen, whose view counts: bench/new_visitors.lua) and the table gives req/s,
p50/p99 latency, the kilobytes of a response (headers included; gzipped where the site sends it so) and each
page's share of hello-world's req/s (hello-world is measured first and last; the share uses their mean). A page
that answers anything but 200 fails the run instead of being timed.
"""

import argparse
import os
import random
import re
import shutil
import signal
import string
import subprocess
import sys
import time
from pathlib import Path
from urllib.error import HTTPError
from urllib.request import Request, urlopen

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench_search import DOMAIN_WORDS  # noqa: E402  (the same vocabulary as the search benchmark)

DATABASE = "shortscience_bench_http"
SERVER = "postgres://postgres@127.0.0.1:5432"
REDIS_URL = "redis://127.0.0.1:6379/9"
PORTS = {"site": 8201, "cold": 8202, "hello": 8203}
SEED = 20141204
USER_AGENT = "Mozilla/5.0 (X11; Linux x86_64) bench_http"
# The logged-in reader the bench reads as: they wrote no comment, so pages are shared with them as with most readers.
READER = "reader7"
TARGETS = {"warm": 0.5, "cold": 0.1, "logged-in": 0.25}
# The "caches off" server's settings: every request runs every query and renders every template.
CACHES_OFF = {"PAGE_CACHE_SECONDS": "0", "CARD_CACHE_SECONDS": "0", "SIMILAR_PAPERS_CACHE_SECONDS": "0"}

COMMENTS = [
    "Isn't the $1/\\sqrt{d_k}$ scale also what keeps the softmax out of its flat regions early in training?",
    "The $O(n^2 d)$ cost is the catch for long documents; the follow-up on sparse attention is worth a summary too.",
    "Table 3 of the paper ablates the number of heads: $h = 8$ is best, and $h = 1$ loses almost a BLEU point.",
    "Clear and short. One nit: the positional encoding uses $\\cos$ for odd dimensions, not only $\\sin$.",
]

PARAGRAPHS = [
    "The paper's idea: replace recurrence with attention, so every position reads every other in one step. "
    "For queries $Q$, keys $K$ and values $V$ the layer computes $\\mathrm{softmax}(QK^\\top/\\sqrt{d_k})V$, "
    "where the scale $1/\\sqrt{d_k}$ keeps the logits' variance near one as $d_k$ grows.",
    "## Why it works\n\nSelf-attention connects positions $i$ and $j$ in $O(1)$ layers instead of $O(|i-j|)$, "
    "and its cost per layer is $O(n^2 d)$ against $O(n d^2)$ for a recurrent layer: cheaper whenever $n < d$.",
    "- Multi-head attention projects $h$ times: $\\text{head}_k = \\mathrm{Attention}(QW_k^Q, KW_k^K, VW_k^V)$.\n"
    "- Positional encodings $PE_{(pos, 2i)} = \\sin(pos / 10000^{2i/d})$ let the model read order.\n"
    "- Residual connections and layer norm around every sub-layer keep training stable.",
    "$$\\mathcal{L}(\\theta) = -\\sum_{t=1}^{T} \\log p_\\theta(y_t \\mid y_{<t}, x) + \\lambda \\lVert \\theta \\rVert_2^2$$",
    "Results: 28.4 BLEU on WMT'14 English-German, more than 2 points over the best ensembles, after 3.5 days "
    "on 8 GPUs. Label smoothing with $\\epsilon_{ls} = 0.1$ hurts perplexity but helps BLEU.",
    "**Caveats.** The quadratic memory in sequence length limits context; later work (sparse and linear "
    "attention) trades exactness for $O(n \\log n)$ or $O(n)$ cost. See \\cite{1409.0473} for the attention "
    "it builds on.",
]


def title(rng: random.Random) -> str:
    """Titles that share words the way real ones do (so "similar papers" has a realistic amount of work)."""
    words = rng.choices(DOMAIN_WORDS, k=rng.randint(4, 9))
    return " ".join(words).capitalize() + rng.choice(["", "", ": a study of $O(n^2)$ costs", " with $\\ell_1$ penalties"])


def body_text(rng: random.Random) -> str:
    paragraphs = PARAGRAPHS[:]
    rng.shuffle(paragraphs)
    text = ""
    while len(text) < 2000:
        text += paragraphs[len(text) % len(paragraphs)] + "\n\n"
    return text.strip()


def sh(*command: str, env: dict | None = None, quiet: bool = True, cwd: Path = ROOT) -> None:
    subprocess.run(command, check=True, env=env, cwd=cwd, stdout=subprocess.DEVNULL if quiet else None)


def site_env(**extra: str) -> dict:
    return {
        **os.environ,
        "DATABASE_URL": f"{SERVER}/{DATABASE}",
        "REDIS_URL": REDIS_URL,
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "bench-http-not-secret",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "DJANGO_LOG_LEVEL": "WARNING",
        "CELERY_BROKER_URL": "",
        **extra,
    }


def load(args) -> None:
    started = time.monotonic()
    sh("psql", SERVER + "/postgres", "-qc", f"DROP DATABASE IF EXISTS {DATABASE}")
    sh("psql", SERVER + "/postgres", "-qc", f"CREATE DATABASE {DATABASE}")
    sh(sys.executable, "manage.py", "migrate", "--noinput", env=site_env())
    os.environ.update(site_env())
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shortscience.settings")
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.utils import timezone

    from papers.models import Paper
    from summaries import excerpts, rendering
    from summaries.models import Comment, Profile, Summary, Vote

    rng = random.Random(SEED)
    User = get_user_model()
    users = User.objects.bulk_create(
        User(username=f"reader{n}", email=f"reader{n}@example.org", password="!") for n in range(args.users)
    )
    Profile.objects.bulk_create(Profile(user=user, display_name=f"Reader {n}") for n, user in enumerate(users))
    papers = Paper.objects.bulk_create(
        (
            Paper(
                title=title(rng),
                authors=[f"Author {rng.randrange(5000)}" for _ in range(rng.randint(2, 8))],
                abstract="We study attention. " * 20,
                year=2010 + n % 15,
                venue=rng.choice(["NeurIPS", "ICML", "ICLR", "", ""]),
                arxiv_id=f"2101.{n:05d}",
                arxiv_version=1 + n % 3,
                categories=["cs.LG", "stat.ML"],
            )
            for n in range(args.papers)
        ),
        batch_size=5000,
    )
    bodies = [body_text(rng) for _ in range(40)]
    rendered = [rendering.render(body).html for body in bodies]
    cut = [excerpts.excerpt(html) for html in rendered]  # what cards show, as summaries.services stores it
    # Paper 0 has the six summaries the paper-page benchmark reads; the others one each.
    pairs = [(papers[0], users[n]) for n in range(6)] + [
        (papers[n], users[n % len(users)]) for n in range(1, args.summaries - 5)
    ]
    Summary.objects.bulk_create(
        (
            Summary(paper=paper, author=author, body=bodies[n % 40], body_html=rendered[n % 40],
                    excerpt_html=cut[n % 40].html, excerpt_is_whole=cut[n % 40].is_whole,
                    rendered_version=rendering.RENDERER_VERSION)
            for n, (paper, author) in enumerate(pairs)
        ),
        batch_size=1000,
    )  # fmt: skip
    summary_ids = list(Summary.objects.order_by("pk").values_list("pk", flat=True))
    ballots = set()
    while len(ballots) < args.votes:
        ballots.add((rng.choice(summary_ids), rng.choice(users).pk))
    Vote.objects.bulk_create(
        (Vote(summary_id=s, voter_id=u, value=Vote.UP if rng.random() < 0.85 else Vote.DOWN) for s, u in ballots),
        batch_size=5000,
    )
    # The permalink's summary (the first) has a thread of twelve, three of them replies; every tenth summary has a
    # few comments, so cards count them.
    remarks, now = [rendering.render(text) for text in COMMENTS], timezone.now()
    commenters = [user for user in users if user.username != READER]
    threads = [(summary_ids[0], 9)] + [(pk, rng.randint(1, 4)) for pk in summary_ids[10::10]]
    comments = Comment.objects.bulk_create(
        Comment(summary_id=pk, author=rng.choice(commenters), body=COMMENTS[n % len(COMMENTS)],
                body_html=remarks[n % len(COMMENTS)].html, rendered_version=rendering.RENDERER_VERSION, notified_at=now)
        for pk, count in threads for n in range(count)
    )  # fmt: skip
    Comment.objects.bulk_create(
        Comment(summary_id=summary_ids[0], parent=parent, author=rng.choice(commenters), body=COMMENTS[0],
                body_html=remarks[0].html, rendered_version=rendering.RENDERER_VERSION, notified_at=now)
        for parent in comments[:3]
    )  # fmt: skip
    with connection.cursor() as cursor:
        # Spread creation over the last year, so Recent, Top and Popular differ, and tally the scores.
        cursor.execute("UPDATE summaries_summary SET created_at = now() - id * interval '100 minutes'")
        cursor.execute(
            "UPDATE summaries_summary s SET score = v.total FROM "
            "(SELECT summary_id, SUM(value) AS total FROM summaries_vote GROUP BY summary_id) v WHERE v.summary_id = s.id"
        )
    sh("psql", f"{SERVER}/{DATABASE}", "-qc", "VACUUM ANALYZE")
    print(
        f"loaded {args.papers:,} papers, {len(pairs):,} summaries, {args.votes:,} votes, {Comment.objects.count():,} comments"
        f" in {time.monotonic() - started:.0f} s"
    )


def session_cookie() -> str:
    """A logged-in reader's cookies: the session, made the way log-in makes it (stored where the site reads
    sessions), and the CSRF cookie the log-in form left in their browser."""
    os.environ.update(site_env())
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shortscience.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
    from importlib import import_module

    reader = get_user_model().objects.get(username=READER)
    session = import_module(settings.SESSION_ENGINE).SessionStore()
    session[SESSION_KEY] = str(reader.pk)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    session[HASH_SESSION_KEY] = reader.get_session_auth_hash()
    session.save()
    csrf_secret = "".join(random.Random(SEED).choices(string.ascii_letters + string.digits, k=32))
    return f"{settings.SESSION_COOKIE_NAME}={session.session_key}; {settings.CSRF_COOKIE_NAME}={csrf_secret}"


def serve(app: str, port: int, env: dict, cwd: Path = ROOT) -> subprocess.Popen:
    """gunicorn serving `app` from the checkout at `cwd` (bench_side_by_side.py serves an earlier commit's)."""
    command = [str(Path(sys.executable).parent / "gunicorn"), "-c", "shortscience/gunicorn.conf.py", app]
    server = subprocess.Popen(
        command, cwd=cwd, env={**env, "HOST": "127.0.0.1", "PORT": str(port)}, start_new_session=True,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    for _ in range(100):
        try:
            urlopen(f"http://127.0.0.1:{port}/", timeout=2).read()
            return server
        except HTTPError:
            return server  # it answers; check_ok() says whether the page works
        except OSError:
            time.sleep(0.2)
    os.killpg(server.pid, signal.SIGTERM)
    raise SystemExit(f"{app} did not come up on port {port}")


def check_ok(url: str, headers: dict) -> None:
    with urlopen(Request(url, headers={"User-Agent": USER_AGENT, **headers}), timeout=10) as response:
        if response.status != 200:
            raise SystemExit(f"{url} answered {response.status}; not timing it")


def wrk(url: str, *, duration: int, connections: int, headers: dict, script: str | None = None) -> dict:
    """`script`: a wrk Lua script in bench/ that writes each request (new_visitors.lua)."""
    # As browsers send them: every request accepts gzip (hello-world's 13 bytes are sent as they are).
    command = ["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--latency", "-H", f"User-Agent: {USER_AGENT}",
               "-H", "Accept-Encoding: gzip, deflate, br"]  # fmt: skip
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    if script:
        command += ["-s", str(ROOT / "bench" / script)]
    arguments = ["--", str(time.time())] if script else []
    output = subprocess.run([*command, url, *arguments], check=True, capture_output=True, text=True).stdout
    if "Non-2xx" in output:
        raise SystemExit(f"{url} answered errors under load:\n{output}")
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    latency = {p: re.search(rf"^\s+{p}%\s+(\S+)", output, re.MULTILINE).group(1) for p in ("50", "99")}
    requests, amount, unit = re.search(r"(\d+) requests in \S+, ([\d.]+)(B|KB|MB|GB) read", output).groups()
    sent = float(amount) * 1024 ** ["B", "KB", "MB", "GB"].index(unit) / int(requests)  # headers included
    return {"rate": rate, "p50": latency["50"], "p99": latency["99"], "kb": sent / 1024}


def measure(args) -> None:
    if not shutil.which("wrk"):
        raise SystemExit("wrk is missing: apt-get install wrk")
    sh("redis-cli", "-n", REDIS_URL.rsplit("/", 1)[1], "FLUSHDB")
    sh(sys.executable, "manage.py", "collectstatic", "--noinput", env=site_env())  # as `make serve` does
    cookie = session_cookie()
    servers = [
        serve("shortscience.wsgi:application", PORTS["site"], site_env()),
        serve("shortscience.wsgi:application", PORTS["cold"], site_env(**CACHES_OFF)),
        serve("bench.hello_world:application", PORTS["hello"], site_env()),
    ]
    from summaries.models import Summary

    summary = Summary.objects.filter(paper__arxiv_id="2101.00000").order_by("pk").select_related("author").first()
    permalink, profile = summary.get_absolute_url(), f"/user/{summary.author.username}/"
    pages = {"feed": "/", "paper page (6 summaries)": "/paper/2101.00000/", "summary permalink": permalink}
    runs = [("hello-world", "hello", "/", {}, None)]
    runs += [(f"{name}, cache warm", "site", path, {}, "warm") for name, path in pages.items()]
    # Each request a reader never seen before, whose view counts (bench/new_visitors.lua): a link on a busy site.
    runs += [("summary permalink, a new visitor each request, cache warm", "site", permalink, {}, "warm", "new_visitors.lua")]
    runs += [(f"{name}, caches off", "cold", path, {}, "cold") for name, path in pages.items()]
    runs += [("feed, logged-in reader", "site", "/", {"Cookie": cookie}, "logged-in")]
    runs += [("paper page, logged-in reader", "site", pages["paper page (6 summaries)"], {"Cookie": cookie}, None)]
    runs += [("summary permalink, logged-in reader", "site", permalink, {"Cookie": cookie}, None)]
    runs += [("profile (10 summaries), logged-in reader", "site", profile, {"Cookie": cookie}, None)]
    runs += [("hello-world (again)", "hello", "/", {}, None)]
    connections = 2 * (os.cpu_count() or 2)
    results = []
    try:
        for label, server, path, headers, target, *script in runs:
            url = f"http://127.0.0.1:{PORTS[server]}{path}"
            check_ok(url, headers)  # also warms the caches of the "warm" server
            result = wrk(url, duration=args.duration, connections=connections, headers=headers, script=next(iter(script), None))
            results.append((label, target, result))
            print(f"  {label}: {results[-1][2]['rate']:,.0f} req/s", file=sys.stderr)
    finally:
        for server in servers:
            os.killpg(server.pid, signal.SIGTERM)
    hello = [result["rate"] for label, _, result in results if label.startswith("hello")]
    baseline = sum(hello) / len(hello)
    workers = os.environ.get("WEB_CONCURRENCY", "default")
    print(f"\nwrk -t2 -c{connections} -d{args.duration}s; gunicorn sync, WEB_CONCURRENCY={workers}; "
          f"hello-world {hello[0]:,.0f} and {hello[1]:,.0f} req/s (mean {baseline:,.0f})\n")  # fmt: skip
    print(f"| page | req/s | p50 | p99 | KB a response | share of hello-world | target |\n|---|---:|---:|---:|---:|---:|---:|")
    failed = []
    for label, target, result in results:
        share = result["rate"] / baseline
        goal = TARGETS.get(target)
        if goal is not None and share < goal:
            failed.append(label)
        print(f"| {label} | {result['rate']:,.0f} | {result['p50']} | {result['p99']} | {result['kb']:,.1f} | {share:.2f} | "
              f"{'' if goal is None else f'≥ {goal}'} |")  # fmt: skip
    print("\nall targets met" if not failed else f"\nbelow target: {', '.join(failed)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--papers", type=int, default=20_000)
    parser.add_argument("--summaries", type=int, default=5_000)
    parser.add_argument("--votes", type=int, default=20_000)
    parser.add_argument("--users", type=int, default=500)
    parser.add_argument("--duration", type=int, default=20, help="seconds of load per page")
    parser.add_argument("--skip-load", action="store_true", help="measure the data already loaded")
    args = parser.parse_args()
    if not args.skip_load:
        load(args)
    measure(args)


if __name__ == "__main__":
    main()
