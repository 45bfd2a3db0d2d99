"""What `make serve` starts: the WSGI application is warm before gunicorn forks its workers, so no reader's
request waits on imports, the URL resolver or template compilation, and no connection is shared by the forks."""

import json
import subprocess
import sys

from shortscience import warm_up
from tests.servers import ROOT

# Run in a fresh interpreter, as gunicorn's master imports the application: this test process is warm already.
_IMPORT_AS_GUNICORN_DOES = """
import json, sys
import shortscience.wsgi
from django.core.cache import caches
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
    "caches connected": [str(cache) for cache in caches.all(initialized_only=True)],
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
        # A socket opened before the fork would be shared by every worker.
        "connections open": [],
        "caches connected": [],
    }


def test_the_warm_up_compiles_the_sites_own_templates_and_no_installed_packages():
    names = warm_up.warm_up()
    assert names == warm_up.site_template_names()
    assert {"base.html", "summaries/feed.html", "papers/paper_detail.html", "includes/_summary_card.html"} <= set(names)
    assert not [name for name in names if name.startswith(("admin/", "account/", "ninja/"))]  # allauth's, admin's


def test_a_template_that_does_not_compile_is_logged_and_the_rest_still_warm(tmp_path, settings, caplog):
    (tmp_path / "broken.html").write_text("{% if %}")
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [*settings.TEMPLATES[0]["DIRS"], tmp_path]}]
    names = warm_up.warm_up()
    assert "broken.html" not in names and "summaries/feed.html" in names
    assert "broken.html does not compile" in caplog.text
