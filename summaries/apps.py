from django.apps import AppConfig


class SummariesConfig(AppConfig):
    name = "summaries"
    verbose_name = "Summaries"

    def ready(self):
        from summaries import signals  # noqa: F401  (connects the receivers)
