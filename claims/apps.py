from django.apps import AppConfig


class ClaimsConfig(AppConfig):
    name = "claims"
    verbose_name = "Author claims"

    def ready(self):
        from claims import signals  # noqa: F401  (connects the receivers)
