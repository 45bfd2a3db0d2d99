"""The site's one name and address, settings.SITE_NAME and SITE_URL: links in emails, and the Sites row allauth reads."""

from urllib.parse import urlsplit

from django.apps import apps as global_apps
from django.conf import settings
from django.contrib.sites.models import Site as CurrentSite
from django.db import DEFAULT_DB_ALIAS, router


def absolute_url(path: str) -> str:
    """Emails are sent from cron jobs and after commits, with no request to take the host from."""
    return settings.SITE_URL.rstrip("/") + path


def site_row_sync(*, using: str = DEFAULT_DB_ALIAS, apps=global_apps, **kwargs) -> None:
    """Write SITE_URL's host and SITE_NAME into the django.contrib.sites row numbered SITE_ID.

    allauth names the site in its emails ("[ShortScience] Please Confirm…", "Hello from ShortScience!")
    from that row, which the sites app creates as example.com. Connected to post_migrate after the
    sites app's own receiver, so every deploy's `migrate` puts the settings back in it.
    """
    try:
        Site = apps.get_model("sites", "Site")
    except LookupError:  # a migrate that stopped before the sites app
        return
    if not router.allow_migrate_model(using, Site):
        return
    Site.objects.using(using).update_or_create(
        pk=settings.SITE_ID, defaults={"domain": urlsplit(settings.SITE_URL).netloc, "name": settings.SITE_NAME}
    )
    CurrentSite.objects.clear_cache()
