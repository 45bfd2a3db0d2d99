from django.apps import AppConfig
from django.db.models.signals import post_migrate


class SummariesConfig(AppConfig):
    name = "summaries"
    verbose_name = "Summaries"

    def ready(self):
        from shortscience import auth_backends, page_cache
        # Imported for what importing does: connect the receivers, register the reader parts of cards, permalinks
        # and profiles.
        from summaries import card_fragments, permalink_parts, profile_parts, selectors, signals  # noqa: F401
        from summaries.site_address import site_row_sync

        # Sent for each app in INSTALLED_APPS order: this runs after the sites app has created its row.
        post_migrate.connect(site_row_sync, sender=self)
        page_cache.connect_content_signals()
        auth_backends.connect_user_signals()
        auth_backends.register_user_copy(selectors.READER_CARD_STATE, selectors.all_card_state)
