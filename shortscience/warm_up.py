"""What every process would otherwise do on its first requests, done once before gunicorn forks its workers.

With preload_app (shortscience/gunicorn.conf.py) the master imports the site and forks each worker from it, and
again whenever one is recycled after its max_requests. Whatever the master has done, every worker starts with,
in memory the workers share until one writes to it and that gc.freeze() keeps the collector from walking.
Left to the first request, each worker imported the URL configuration and its views, built the URL resolver's
tables, compiled the site's templates and digested its code: 170 ms for a logged-in reader's feed and 40 ms
for a page from the cache, against 4 and 1.5 ms once warm, a stall for whoever came first after every fork.

Nothing here may open a connection to PostgreSQL or Redis: a socket made before the fork would be shared by
every worker.
"""

from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.template import engines
from django.urls import reverse

from shortscience import release

# What the site's templates are made of: pages, and the robots.txt and emails rendered from templates.
_TEMPLATE_SUFFIXES = (".html", ".txt", ".xml")


def warm_up() -> list[str]:
    """Import, build and compile what requests would; returns the templates compiled."""
    release.code_digest()
    reverse("summaries:feed")  # the first reverse() imports every view and builds every pattern's lookup tables
    return [template.origin.template_name for template in _site_templates()]


def _site_templates():
    base = Path(settings.BASE_DIR).resolve()
    site_apps = [Path(config.path) / "templates" for config in apps.get_app_configs() if base in Path(config.path).resolve().parents]
    directories = [Path(directory) for directory in settings.TEMPLATES[0]["DIRS"]] + site_apps
    engine = engines["django"]
    for directory in directories:
        for path in sorted(directory.rglob("*")):
            if path.suffix in _TEMPLATE_SUFFIXES:
                # Through the engine, as a request asks for it: an app's template a site one overrides is skipped.
                yield engine.get_template(str(path.relative_to(directory))).template
