"""Two commits' pages side by side: this checkout and an earlier commit served at once, each as a share of a
Django hello-world measured just before it, round after round, in both orders.

    .venv/bin/python bench/bench_http.py --skip-load --duration 5       # once: loads the data this reads
    .venv/bin/python bench/bench_side_by_side.py c2eb72d --logged-in    # the logged-in feed, before and now
    .venv/bin/python bench/bench_side_by_side.py HEAD~3 --path /paper/2101.00000/ --rounds 6
    .venv/bin/python bench/bench_side_by_side.py HEAD~1 --path /summary/1/ --caches-off

On a noisy 2-core machine a page's share moves by a tenth or more from one minute to the next, which is more
than most single changes are worth; serving both commits in the same minutes, alternating which goes first,
shows what a change does where bench_http.py's one pass over every page cannot. The earlier commit is checked
out in a git worktree (removed afterwards) and served with this checkout's virtualenv, on bench_http.py's
database, Redis database and gunicorn settings.
"""

import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench_http import CACHES_OFF, check_ok, serve, session_cookie, sh, site_env, wrk  # noqa: E402

PORTS = {"before": 8211, "now": 8212, "hello": 8213}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("commit", help="the earlier commit (anything git rev-parse takes)")
    parser.add_argument("--path", default="/", help="the page to load (default: the feed)")
    parser.add_argument("--logged-in", action="store_true", help="as bench_http.py's logged-in reader")
    parser.add_argument("--caches-off", action="store_true", help="as bench_http.py's caches-off server")
    parser.add_argument("--rounds", type=int, default=4, help="rounds in each order")
    parser.add_argument("--duration", type=int, default=6, help="seconds of load per page per round")
    args = parser.parse_args()
    headers = {"Cookie": session_cookie()} if args.logged_in else {}
    with tempfile.TemporaryDirectory(prefix="bench-before-") as scratch:
        before = Path(scratch) / "tree"
        sh("git", "worktree", "add", "--detach", "--quiet", str(before), args.commit)
        try:
            sh(sys.executable, "manage.py", "collectstatic", "--noinput", env=site_env(), cwd=before)
            compare(before, args, headers)
        finally:
            sh("git", "worktree", "remove", "--force", str(before))


def compare(before: Path, args, headers: dict) -> None:
    env = site_env(**CACHES_OFF) if args.caches_off else site_env()
    servers = {
        "before": serve("shortscience.wsgi:application", PORTS["before"], env, cwd=before),
        "now": serve("shortscience.wsgi:application", PORTS["now"], env),
        "hello": serve("bench.hello_world:application", PORTS["hello"], site_env()),
    }
    connections = 2 * (os.cpu_count() or 2)
    shares = {"before": [], "now": []}
    try:
        for name in shares:
            check_ok(f"http://127.0.0.1:{PORTS[name]}{args.path}", headers)  # also stores what the page caches
        for round_number in range(2 * args.rounds):
            order = ("before", "now") if round_number % 2 == 0 else ("now", "before")
            line = []
            for name in order:
                hello = wrk(f"http://127.0.0.1:{PORTS['hello']}/", duration=args.duration, connections=connections, headers={})
                page = wrk(f"http://127.0.0.1:{PORTS[name]}{args.path}", duration=args.duration, connections=connections, headers=headers)
                shares[name].append(page["rate"] / hello["rate"])
                line.append(f"{name} {page['rate']:,.0f} req/s against {hello['rate']:,.0f}: {shares[name][-1]:.3f}")
            print(f"round {round_number + 1}: " + "; ".join(line), flush=True)
    finally:
        for server in servers.values():
            os.killpg(server.pid, signal.SIGTERM)
    who = ("a logged-in reader" if args.logged_in else "a visitor") + (", caches off" if args.caches_off else "")
    print(f"\n{args.path} for {who}, share of hello-world (median of {2 * args.rounds} rounds; range):")
    for name, values in shares.items():
        print(f"  {name:>6}: {statistics.median(values):.3f} ({min(values):.3f}-{max(values):.3f})")
    gain = statistics.median(shares["now"]) / statistics.median(shares["before"]) - 1
    print(f"  change: {gain:+.0%}")


if __name__ == "__main__":
    main()
