"""What every process would otherwise do on its first requests, done once before gunicorn forks its workers.

With preload_app (shortscience/gunicorn.conf.py) the master imports the site and forks each worker from it, and
again whenever one is recycled after its max_requests. Whatever the master has done, every worker starts with,
in memory the workers share until one writes to it and that gc.freeze() keeps the collector from walking.
Left to the first request, each worker built the URL resolver's tables, compiled the site's templates and
digested its code: 57 ms for a logged-in reader's first feed and 11 ms for a visitor's first page from the cache,
against 22 and 5 ms warm (bench/bench_first_request.py), a stall for whoever came first after every fork.

Nothing here may open a connection to PostgreSQL or Redis: a socket made before the fork would be shared by
every worker.
"""

import logging
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.template import TemplateSyntaxError, engines
from django.urls import reverse

from shortscience import release

logger = logging.getLogger(__name__)

# What the site's templates are made of: pages, and the robots.txt and emails rendered from templates.
_TEMPLATE_SUFFIXES = (".html", ".txt", ".xml")


def warm_up() -> list[str]:
    """Import, build and compile what requests would; returns the names of the templates compiled."""
    release.code_digest()
    reverse("summaries:feed")  # the first reverse() builds the lookup tables of every URL pattern
    engine, compiled = engines["django"], []
    for name in site_template_names():
        try:
            engine.get_template(name)  # as a request asks for it: an app's template a site one overrides is skipped
        except TemplateSyntaxError:
            logger.exception("Template %s does not compile; the pages that use it will fail.", name)
        else:
            compiled.append(name)
    return compiled


def site_template_names() -> list[str]:
    """The site's own templates (its templates directory and its apps', not installed packages'), by name."""
    base = Path(settings.BASE_DIR).resolve()
    # The site's apps are packages at the top of the checkout; installed ones (allauth, admin) live in the virtualenv.
    own_apps = [Path(config.path) for config in apps.get_app_configs() if Path(config.path).resolve().parent == base]
    directories = [Path(directory) for directory in settings.TEMPLATES[0]["DIRS"]] + [app / "templates" for app in own_apps]
    return sorted(
        {str(path.relative_to(directory)) for directory in directories for path in directory.rglob("*") if path.suffix in _TEMPLATE_SUFFIXES}
    )
