"""In-process timing of the arXiv lookup (/api/v1/arxiv/<id>): rendered, from the page cache, and a 304.

    DATABASE_URL=postgres://... .venv/bin/python manage.py load_demo
    DATABASE_URL=postgres://... .venv/bin/python bench/bench_api_lookup.py [--requests 200] [--arxiv-id 1706.03762]

Requests go through Django's test client (every middleware, no network, no gunicorn), so the figures are the
site's own cost; the cache is whatever CACHES says (Redis with REDIS_URL, else this process's memory).
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shortscience.settings")

import django  # noqa: E402

django.setup()

from django.test import Client  # noqa: E402
from django.test.utils import override_settings  # noqa: E402


def timed(client: Client, url: str, count: int, **headers) -> str:
    times = []
    for _ in range(count):
        start = time.perf_counter()
        response = client.get(url, **headers)
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return f"HTTP {response.status_code}: median {statistics.median(times):.2f} ms, p95 {times[int(len(times) * 0.95) - 1]:.2f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--arxiv-id", default="1706.03762")
    args = parser.parse_args()
    url = f"/api/v1/arxiv/{args.arxiv_id}"
    client = Client(REMOTE_ADDR="10.0.0.1", HTTP_HOST="127.0.0.1")
    with override_settings(API_RATE_LIMIT="1000000/h"):
        with override_settings(PAGE_CACHE_SECONDS=0):
            print("rendered every time:", timed(client, url, args.requests))
        client.get(url)
        print("from the page cache: ", timed(client, url, args.requests))
        etag = client.get(url)["ETag"]
        print("If-None-Match (304): ", timed(client, url, args.requests, HTTP_IF_NONE_MATCH=etag))


if __name__ == "__main__":
    main()
