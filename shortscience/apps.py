from django.apps import AppConfig


class ShortScienceConfig(AppConfig):
    """The project's own models and tasks: what the site's infrastructure (the shared cache) keeps in PostgreSQL."""

    name = "shortscience"
    verbose_name = "ShortScience"
