import sys
import threading

import pytest
import responses
from django.core.cache import caches

from papers import arxiv
from shortscience import background, generations, page_cache
from shortscience.celery import app as celery_app
from summaries import render_budget, view_counting
from tests.factories import PaperFactory, SummaryFactory, UserFactory


@pytest.fixture(autouse=True, scope="session")
def budget_raises_dropped_by_python_stay_quiet():
    """The render budget raises into its thread until one raise lands (summaries.render_budget). Python drops one
    that lands in a weakref callback or a __del__ and reports it to sys.unraisablehook, in that thread. pytest's
    hook formats the report in Python, so the budget's next raise can land inside it, and the running test then
    fails from pytest's own code (it did in CI). Those reports are expected and dropped here; every other goes
    to pytest's hook. (An interrupted hook is reported by Python itself, to stderr.)"""
    pytests_hook = sys.unraisablehook

    def hook(unraisable):
        dropped_budget_raise = isinstance(unraisable.exc_value, render_budget._OverBudget)
        if not (dropped_budget_raise and threading.current_thread().name == "render-budget"):
            pytests_hook(unraisable)

    sys.unraisablehook = hook
    yield
    sys.unraisablehook = pytests_hook


@pytest.fixture(autouse=True)
def external_http():
    """No test reaches the network: a request no test registered fails as a connection error ("service down").

    Tests answer the calls they expect with `external_http.get(url, ...)`; the arXiv rate limit starts fresh.
    """
    arxiv.rate_limit.reset()
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock
    arxiv.rate_limit.reset()


@pytest.fixture(autouse=True)
def rate_limit_counts(settings):
    """Rate limits count from zero in every test, in this process's memory even when REDIS_URL is set."""
    settings.CACHES = {
        **settings.CACHES,
        "ratelimit": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "ratelimit-tests"},
    }
    caches["ratelimit"].clear()


@pytest.fixture(autouse=True)
def views_written_as_noted(settings):
    """A view is written the moment it is noted, so a test reads its count at once (tests/test_popular.py
    checks the writes a moment later, from a thread, as the site makes them)."""
    settings.VIEW_COUNT_FLUSH_SECONDS = 0
    yield
    view_counting._flusher_stop()  # a test that wrote views a moment later leaves no thread behind


@pytest.fixture(autouse=True)
def fresh_cache():
    """Every test starts with an empty cache: no page or card cached by another test, nor held by this process,
    nor a content version this process read or a bump it owes."""

    def forget():
        caches["default"].clear()
        page_cache._held.clear()
        view_counting._noted.clear()
        view_counting._pending.clear()  # a test that failed before writing what it noted
        page_cache._session_users.clear()
        generations._seen.clear()
        generations._owed.clear()

    forget()
    yield
    forget()


@pytest.fixture
def broker():
    """Point the Celery app at a real broker for one test (tasks stop running inline); eager again after."""
    conf = celery_app.conf
    saved = conf.broker_url, conf.task_always_eager

    def use(url: str) -> None:
        conf.broker_url, conf.task_always_eager = url, False
        celery_app._after_fork()  # drops the pooled broker connections, which belong to the old address

    yield use
    conf.broker_url, conf.task_always_eager = saved
    celery_app._after_fork()
    background._broker_outage_logged = False


@pytest.fixture
def user(db):
    return UserFactory(username="ada")


@pytest.fixture
def other_user(db):
    return UserFactory(username="grace")


@pytest.fixture
def staff_user(db):
    return UserFactory(username="moderator", is_staff=True)


@pytest.fixture
def paper(db):
    return PaperFactory(
        title="Pixel Recurrent Neural Networks",
        authors=["Aaron van den Oord", "Nal Kalchbrenner", "Koray Kavukcuoglu"],
        arxiv_id="1601.06759",
        arxiv_version=3,
        year=2016,
    )


@pytest.fixture
def make_summaries(db):
    def make(count: int, **kwargs):
        return [SummaryFactory(**kwargs) for _ in range(count)]

    return make
