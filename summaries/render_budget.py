"""A hard wall-clock limit on rendering one body, so that no Markdown, however hostile, holds a worker.

The work runs in a thread of its own, and only that thread is ever interrupted. Interrupting the
caller's own thread instead (as this module once did) cannot be made safe: an exception raised into a
thread lands at its next bytecode, and one that arrives just as the block ends escapes into whatever
the caller runs next (a test runner's report code, once, on a busy machine).
"""

import ctypes
import queue
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

Result = TypeVar("Result")


class RenderingTooSlow(Exception):
    """The body took longer to render than the budget allows; the author keeps their text and is told why."""

    def __init__(self, seconds: float):
        super().__init__(
            f"This text took longer than {seconds:g} seconds to format, so it was not saved. It is still in the "
            "box: look for long runs of one repeated character or unclosed brackets, backticks or tags."
        )


class _OverBudget(BaseException):
    """Raised into the budgeted thread; a BaseException so that no parser's `except Exception` swallows it."""


def _raise_in_thread(thread_id: int, exception: type[BaseException]) -> None:
    # CPython delivers it at the thread's next bytecode (signals only reach the main thread, and
    # runserver and threaded workers render elsewhere).
    ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(thread_id), ctypes.py_object(exception))


# An exception that lands while the thread runs a weakref callback or a __del__ is reported and dropped by
# Python, so it is raised again this often until the thread has ended.
_RAISE_AGAIN_SECONDS = 0.01

_calling_thread = threading.local()


class _Budgeted(threading.Thread):
    """Runs one call; sends back its outcome and any call it asks to make in the calling thread."""

    def __init__(self, function: Callable[[], Any]):
        super().__init__(daemon=True, name="render-budget")
        self.function = function
        self.messages: queue.SimpleQueue = queue.SimpleQueue()

    def run(self) -> None:
        _calling_thread.messages = self.messages
        try:
            self.messages.put(("returned", self.function()))
        except _OverBudget:
            pass  # the caller has already given up on this call
        except BaseException as error:  # noqa: BLE001 - re-raised in the calling thread
            self.messages.put(("raised", error))

    def stop(self) -> None:
        while self.is_alive():
            _raise_in_thread(self.ident, _OverBudget)
            self.join(_RAISE_AGAIN_SECONDS)


def call_within_budget(function: Callable[[], Result], seconds: float | None) -> Result:
    """function(), or RenderingTooSlow once it has run `seconds` of wall-clock time (None: no limit).

    The function runs in a thread of its own, so what it needs from the calling thread (the database
    connection, which belongs to the calling thread and, in tests, its open transaction) it asks for
    through in_calling_thread(). A single long call into C (one regular-expression search) finishes
    before the thread can be stopped, which is why the renderer still defuses the inputs that make
    one call slow.
    """
    if seconds is None:
        return function()
    worker = _Budgeted(function)
    worker.start()
    try:
        kind, payload = _serve_until_done(worker, seconds)
    except BaseException:
        worker.stop()  # over budget, or the caller itself interrupted (Ctrl-C): no thread is left running
        raise
    worker.join()  # it has sent its outcome and is ending
    if kind == "raised":
        raise payload
    return payload


def _serve_until_done(worker: _Budgeted, seconds: float) -> tuple[str, Any]:
    """Answer the worker's calls until it sends its outcome; RenderingTooSlow once `seconds` have passed."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            kind, payload = worker.messages.get(timeout=max(deadline - time.monotonic(), 0))
        except queue.Empty:
            raise RenderingTooSlow(seconds) from None
        if kind != "call":
            return kind, payload
        call, reply = payload
        try:
            reply.put(("returned", call()))
        except Exception as error:  # noqa: BLE001 - raised again in the budgeted thread
            reply.put(("raised", error))


def in_calling_thread(call: Callable[[], Result]) -> Result:
    """call() in the thread that asked for the budget (call() here when there is none)."""
    messages = getattr(_calling_thread, "messages", None)
    if messages is None:
        return call()
    reply: queue.SimpleQueue = queue.SimpleQueue()
    messages.put(("call", (call, reply)))
    while True:
        try:
            # In slices: a thread blocked in C would never see the exception that stops it.
            kind, payload = reply.get(timeout=_RAISE_AGAIN_SECONDS)
            break
        except queue.Empty:
            continue
    if kind == "raised":
        raise payload
    return payload
