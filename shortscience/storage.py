"""Static files with hashed names (WhiteNoise), their URLs remembered for the life of the process.

The manifest is read once at start and never changes while the process runs, yet each `{% static %}` looks
the name up again (~0.3 ms: normalising, splitting, quoting); a page has about ten of them.
"""

from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticFilesStorage(CompressedManifestStaticFilesStorage):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._urls: dict[str, str] = {}

    def url(self, name, force=False):
        if force:
            return super().url(name, force)
        if name not in self._urls:
            self._urls[name] = super().url(name)
        return self._urls[name]
