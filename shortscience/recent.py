"""A process's memory of what it saw lately, bounded: the least lately remembered make room."""

import threading
from collections import OrderedDict


class Recent(OrderedDict):
    """What this process saw lately, least lately remembered first: past `kept` entries those make room. A hit
    moves nothing; a caller whose hits should keep an entry longer remembers it again (permalink_parts' threads)."""

    def __init__(self, kept: int):
        super().__init__()
        self.kept = kept
        self._lock = threading.Lock()  # threads (runserver's, an ASGI server's) would otherwise evict the same entry

    def remember(self, key, value=None) -> None:
        with self._lock:
            self[key] = value
            self.move_to_end(key)
            if len(self) > self.kept:
                self.popitem(last=False)

    def forget(self, key) -> None:
        with self._lock:
            self.pop(key, None)
