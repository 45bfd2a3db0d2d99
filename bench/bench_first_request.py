"""What a worker's first request costs, with the application warmed before the fork (shortscience/warm_up.py) and
without: each measured in a fresh interpreter, as a freshly forked gunicorn worker would serve it.

    .venv/bin/python bench/bench_http.py                   # once: loads the data this reads
    .venv/bin/python bench/bench_first_request.py          # then: first and second request, 5 fresh processes each

Each process imports the application (shortscience.wsgi, which warms it; or Django's bare WSGI handler, which
does not), closes its database connections as the master does before forking, then times its first and second
request for the feed, as a visitor and as a logged-in reader, on bench_http.py's data with Redis as the cache
(each page stored there by a request first, so the timing is a worker's first hit, not the page's first render).
"""

import json
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench_http import session_cookie, site_env  # noqa: E402

PROCESSES = 5

_ONE_PROCESS = """
import json, sys, time
from django.test import RequestFactory
warm, cookie = sys.argv[1] == "warm", sys.argv[2]
if warm:
    from shortscience.wsgi import application
else:
    from django.core.wsgi import get_wsgi_application
    application = get_wsgi_application()
from django.db import connections
for connection in connections.all():
    connection.close()

def request():
    environ = RequestFactory()._base_environ(
        PATH_INFO="/", HTTP_HOST="127.0.0.1", HTTP_ACCEPT_ENCODING="gzip", HTTP_USER_AGENT="Mozilla/5.0 bench", HTTP_COOKIE=cookie
    )
    started, answered = time.perf_counter(), []
    b"".join(application(environ, lambda status, headers, exc_info=None: answered.append(status)))
    assert answered[0].startswith("200"), answered
    return (time.perf_counter() - started) * 1000

print(json.dumps([request(), request()]))
"""


def main() -> None:
    env = site_env(DJANGO_SETTINGS_MODULE="shortscience.settings")
    readers = {"visitor": "", "logged-in reader": session_cookie()}
    for reader, cookie in readers.items():
        subprocess.run([sys.executable, "-c", _ONE_PROCESS, "warm", cookie], cwd=ROOT, env=env, check=True, capture_output=True)  # stores the page
        for mode in ("without warm-up", "warm"):
            runs = [
                json.loads(subprocess.run(
                    [sys.executable, "-c", _ONE_PROCESS, "warm" if mode == "warm" else "cold", cookie],
                    cwd=ROOT, env=env, check=True, capture_output=True, text=True,
                ).stdout.splitlines()[-1])
                for _ in range(PROCESSES)
            ]  # fmt: skip
            first, second = (statistics.median(run[n] for run in runs) for n in (0, 1))
            print(f"feed, {reader}, {mode}: first request {first:.1f} ms, second {second:.1f} ms (median of {PROCESSES} processes)")


if __name__ == "__main__":
    main()
