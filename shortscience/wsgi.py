"""WSGI entry point for ShortScience: the application, warmed before it serves (shortscience/warm_up.py)."""
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shortscience.settings")
application = get_wsgi_application()

from shortscience.warm_up import warm_up  # noqa: E402  (needs the apps that get_wsgi_application loads)

warm_up()
