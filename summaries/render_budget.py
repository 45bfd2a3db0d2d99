"""A hard wall-clock limit on rendering one body, so that no Markdown, however hostile, holds a worker."""

import ctypes
import threading
from collections.abc import Iterator
from contextlib import contextmanager


class RenderingTooSlow(Exception):
    """The body took longer to render than the budget allows; the author keeps their text and is told why."""

    def __init__(self, seconds: float):
        super().__init__(
            f"This text took longer than {seconds:g} seconds to format, so it was not saved. It is still in the "
            "box: look for long runs of one repeated character or unclosed brackets, backticks or tags."
        )


class _OverBudget(BaseException):
    """Raised into the rendering thread; a BaseException so that no parser's `except Exception` swallows it."""


def _raise_in_thread(thread_id: int, exception: type[BaseException] | None) -> None:
    # CPython delivers it at the thread's next bytecode, in any thread (signals only reach the main
    # one, and runserver and threaded workers render elsewhere). None withdraws one not yet delivered.
    ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(thread_id), ctypes.py_object(exception) if exception else None)


# An exception that lands while the thread runs a weakref callback or a __del__ is reported and dropped by
# Python, so the watcher raises again this often until the block has ended.
_RAISE_AGAIN_SECONDS = 0.01


@contextmanager
def render_budget(seconds: float | None) -> Iterator[None]:
    """Raise RenderingTooSlow in the block once it has run `seconds` of wall-clock time (None: no limit).

    A single long call into C (one regular-expression search) finishes before the exception lands, which
    is why the renderer still defuses the inputs that make one call slow.
    """
    if seconds is None:
        yield
        return
    thread_id = threading.get_ident()
    lock = threading.Lock()
    finished = threading.Event()
    state = {"running": True, "fired": False}

    def watch() -> None:
        if finished.wait(seconds):
            return
        while True:
            with lock:
                if not state["running"]:
                    return
                _raise_in_thread(thread_id, _OverBudget)
                state["fired"] = True
            if finished.wait(_RAISE_AGAIN_SECONDS):
                return

    def stop() -> None:
        # Retried, because the watcher's exception can land in here too; once `running` is off under the
        # lock nothing more is raised, and one raised but not yet delivered is withdrawn.
        while True:
            try:
                finished.set()
                with lock:
                    state["running"] = False
                    if state["fired"]:
                        _raise_in_thread(thread_id, None)
                return
            except _OverBudget:
                continue

    threading.Thread(target=watch, daemon=True).start()
    try:
        yield
    except _OverBudget:
        stop()
        raise RenderingTooSlow(seconds) from None
    except BaseException:
        stop()
        raise
    stop()
    if state["fired"]:
        # It landed somewhere that dropped it (see above) and the block finished late: over budget all the same.
        raise RenderingTooSlow(seconds)
