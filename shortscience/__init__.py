# Loaded with Django, so @shared_task binds to this app and `celery -A shortscience` finds it.
from shortscience.celery import app as celery_app

__all__ = ("celery_app",)
