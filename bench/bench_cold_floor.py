"""Why bench_http.py's "caches off" feed is under its target: the floor beneath it, measured the same way.

    .venv/bin/python bench/bench_http.py                 # once: loads the data this reads
    .venv/bin/python bench/bench_cold_floor.py           # then: three rounds of 10 s a page

Serves bench/cold_floor.py (the site with caches off, as bench_http.py's "caches off" server, plus two pages
that are nothing but the 20 newest summaries' stored excerpts in base.html: one raw query, no card template),
beside bench/hello_world.py, with the gunicorn settings `make serve` uses, and prints each round's shares of
hello-world: the floor with the excerpts as stored (~460 KB a page), the floor with each cut to 2,000 characters
(~45 KB), and the real caches-off feed.
"""

import argparse
import os
import signal
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench_http import CACHES_OFF, TARGETS, USER_AGENT, check_ok, serve, site_env, wrk  # noqa: E402

PORTS = {"site": 8221, "hello": 8222}
PAGES = {"floor, excerpts as stored": "/floor/", "floor, excerpts cut to 2,000 characters": "/floor/2kb/", "feed, caches off": "/"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=int, default=10)
    args = parser.parse_args()
    connections = 2 * (os.cpu_count() or 1)
    servers = [
        serve("bench.cold_floor:application", PORTS["site"], site_env(**CACHES_OFF)),
        serve("bench.hello_world:application", PORTS["hello"], site_env()),
    ]
    try:
        for page in PAGES.values():
            check_ok(f"http://127.0.0.1:{PORTS['site']}{page}", {"User-Agent": USER_AGENT})
        shares: dict[str, list[float]] = {name: [] for name in PAGES}
        for round_number in range(1, args.rounds + 1):
            hello = wrk(f"http://127.0.0.1:{PORTS['hello']}/", duration=args.duration, connections=connections, headers={})
            for name, page in PAGES.items():
                result = wrk(f"http://127.0.0.1:{PORTS['site']}{page}", duration=args.duration, connections=connections, headers={})
                shares[name].append(result["rate"] / hello["rate"])
                print(f"round {round_number}: {name}: {result['rate']:,.0f} req/s, {result['kb']:.0f} KB, "
                      f"against hello-world's {hello['rate']:,.0f}: {shares[name][-1]:.3f}")  # fmt: skip
        print(f"\nshare of hello-world, median of {args.rounds} rounds (target for caches off: {TARGETS['cold']}):")
        for name, values in shares.items():
            print(f"  {name}: {sorted(values)[len(values) // 2]:.3f} ({min(values):.3f}-{max(values):.3f})")
    finally:
        for server in servers:
            os.killpg(server.pid, signal.SIGTERM)


if __name__ == "__main__":
    main()
