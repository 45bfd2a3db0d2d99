"""Settings for the Celery worker a test starts: the site's, with emails written as files the test can read."""

import os

from shortscience.settings import *  # noqa: F403

EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
EMAIL_FILE_PATH = os.environ["TEST_EMAIL_DIR"]
