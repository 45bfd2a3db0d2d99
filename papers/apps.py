from django.apps import AppConfig


class PapersConfig(AppConfig):
    name = "papers"
    verbose_name = "Papers"

    def ready(self):
        from papers import paper_panels  # noqa: F401  (register the paper page's reader part)
