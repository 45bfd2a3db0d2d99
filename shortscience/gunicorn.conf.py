"""gunicorn's settings for `make serve` and bench/bench_http.py: one place, read from the environment."""

import gc
import multiprocessing
import os

bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
# Sync workers: each request is short once pages come from the cache, and a worker per request keeps a slow
# one from stalling others. gunicorn's own advice for the count is 2 x cores + 1.
workers = int(os.environ.get("WEB_CONCURRENCY", 2 * multiprocessing.cpu_count() + 1))
worker_class = "sync"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 20
# Recycle workers now and then, so a slow leak in any library never grows without bound.
max_requests = 5000
max_requests_jitter = 500
# The site is imported once, in the master: a recycled or replaced worker starts by forking instead of importing
# Django and every app again (over a second of CPU, during which its requests wait: p99s of 1.2-1.4 s in
# bench/bench_http.py's warm runs, where each worker is recycled every few seconds). The master also warms it
# (shortscience/warm_up.py: templates compiled, URL tables built), so no worker's first request does. So a deploy
# restarts gunicorn: a HUP alone would fork new workers from the old code.
preload_app = True

# The reverse proxy in front sets X-Forwarded-Proto; trust it only from the addresses named here.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None
errorlog = "-"


def when_ready(server):
    # What the master imported is never freed: keep the collector from touching (and so copying) it in every
    # forked worker.
    gc.freeze()
