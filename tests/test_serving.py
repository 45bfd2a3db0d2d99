"""What `make serve` starts: the WSGI application is warm before gunicorn forks its workers, so no reader's
request waits on imports, the URL resolver or template compilation, and no connection is shared by the forks."""

import json
import subprocess
import sys

from tests.servers import ROOT

# Run in a fresh interpreter, as gunicorn's master imports the application: this test process is warm already.
_IMPORT_AS_GUNICORN_DOES = """
import json, sys
import shortscience.wsgi
from django.db import connections
from django.template import engines
from django.template.base import Template
from django.urls import reverse
from django.urls.resolvers import URLResolver

built, compiled = [], []
populate, compile_nodelist = URLResolver._populate, Template.compile_nodelist
URLResolver._populate = lambda self: built.append(str(self.pattern)) or populate(self)
Template.compile_nodelist = lambda self: compiled.append(self.origin.template_name) or compile_nodelist(self)
reverse("papers:bibtex", kwargs={"identifier": "1706.03762"})
for name in sys.argv[1:]:
    engines["django"].get_template(name)
print(json.dumps({
    "URL tables built on first use": built,
    "compiled on first use": compiled,
    "connections open": [alias for alias in connections if connections[alias].connection is not None],
}))
"""

PAGES = ["summaries/feed.html", "papers/paper_detail.html", "summaries/summary_detail.html", "summaries/profile.html",
         "includes/_summary_card.html", "includes/_card_viewer.html", "robots.txt"]  # fmt: skip


def test_the_application_is_imported_warm_and_without_connections():
    result = subprocess.run(
        [sys.executable, "-c", _IMPORT_AS_GUNICORN_DOES, *PAGES], cwd=ROOT, capture_output=True, text=True, check=True
    )
    state = json.loads(result.stdout.splitlines()[-1])
    assert state == {
        "URL tables built on first use": [],
        "compiled on first use": [],
        "connections open": [],  # a socket opened before the fork would be shared by every worker
    }
