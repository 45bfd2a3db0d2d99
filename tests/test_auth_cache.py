"""Who is logged in comes from the cache (shortscience.auth_backends, shortscience.sessions): a logged-in request
reads neither its session nor its user from PostgreSQL, and is never a moment behind the user's row."""

import ast
from importlib import import_module
from pathlib import Path
from unittest import mock

import pytest
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from shortscience import auth_backends
from summaries import moderation
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _user_queries(client, url="/") -> tuple[list[str], str]:
    """The page's queries and its HTML."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return [query["sql"] for query in queries], response.content.decode()


def _reads_of_row(queries: list[str], user) -> int:
    """How many of the queries read the user's row by its id (as logging them in does)."""
    return sum(f'FROM "auth_user" WHERE "auth_user"."id" = {user.pk} ' in sql for sql in queries)


def test_a_logged_in_reader_s_user_row_is_read_once_then_comes_from_the_cache(client, user, settings):
    settings.PAGE_CACHE_SECONDS = 0  # the feed rendered for the reader, as every page not shared is
    client.force_login(user)
    auth_backends.users_changed([user.pk])  # the copy made at log-in is gone (evicted, or the row changed)
    first, _ = _user_queries(client)
    again, html = _user_queries(client)
    assert _reads_of_row(first, user) == 1 and _reads_of_row(again, user) == 0
    assert "Log out" in html and "ada" in html


def test_a_reader_s_first_page_after_logging_in_reads_no_user_row(client, user, settings):
    settings.PAGE_CACHE_SECONDS = 0
    client.force_login(user)
    queries, html = _user_queries(client)
    assert _reads_of_row(queries, user) == 0
    assert "Log out" in html and "ada" in html


def test_a_password_changed_elsewhere_ends_other_sessions_at_their_next_request(user):
    user.set_password("first-password-1")
    user.save()
    laptop, phone = Client(), Client()
    laptop.force_login(user)
    phone.force_login(user)
    assert "Log out" in _user_queries(phone)[1]  # the user's row is in the cache now
    user.set_password("second-password-2")
    user.save()
    html = _user_queries(phone)[1]
    assert "Log out" not in html and "Log in" in html


def test_a_suspension_by_update_locks_the_reader_out_at_their_next_request(user, staff_user):
    reader = Client()
    reader.force_login(user)
    assert "Log out" in _user_queries(reader)[1]
    moderation.users_suspend(users=[user], moderator=staff_user)  # QuerySet.update: no signal
    assert "Log in" in _user_queries(reader)[1]
    moderation.users_unsuspend(users=[user], moderator=staff_user)
    assert "Log out" in _user_queries(reader)[1]


def test_a_copy_read_before_the_write_commits_is_dropped_when_it_does(user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        user.first_name = "Ada"
        user.save()
        # Another request may read the row between the save and the commit, and cache it.
        assert auth_backends.cached_user(user.pk).first_name == "Ada"
    with CaptureQueriesContext(connection) as queries:
        assert auth_backends.cached_user(user.pk).first_name == "Ada"
    assert len(queries) == 1  # the copy was stored under the generation the commit bumped: read again


def test_a_deleted_user_is_gone_at_once(client, user):
    client.force_login(user)
    _user_queries(client)
    user.delete()
    assert "Log in" in _user_queries(client)[1]
    assert auth_backends.cached_user(user.pk) is None


@pytest.mark.parametrize(
    "old_backend",
    ["django.contrib.auth.backends.ModelBackend", "allauth.account.auth_backends.AuthenticationBackend"],
)
def test_sessions_opened_before_the_cached_backends_stay_logged_in(client, user, old_backend):
    client.force_login(user)
    session = import_module(settings.SESSION_ENGINE).SessionStore(client.cookies[settings.SESSION_COOKIE_NAME].value)
    session[BACKEND_SESSION_KEY] = old_backend
    session.save()
    html = _user_queries(client)[1]
    assert "Log out" in html and "ada" in html


def test_a_session_naming_an_unknown_backend_is_a_visitor_not_an_error(client, user):
    client.force_login(user)
    session = import_module(settings.SESSION_ENGINE).SessionStore(client.cookies[settings.SESSION_COOKIE_NAME].value)
    session[BACKEND_SESSION_KEY] = "somewhere.removed.Backend"
    session.save()
    assert "Log in" in _user_queries(client)[1]


def test_a_session_the_cache_lost_is_read_from_the_database(client, user):
    client.force_login(user)
    _user_queries(client)
    store = import_module(settings.SESSION_ENGINE).SessionStore(client.cookies[settings.SESSION_COOKIE_NAME].value)
    cache.delete(store.cache_key_for())
    _, html = _user_queries(client)  # the shared feed, which asks for the session with the page
    assert "Log out" in html and "ada" in html
    assert cache.get(store.cache_key_for()) is not None  # and cached again


def test_a_visitor_s_session_store_never_makes_a_key_to_look_up():
    assert import_module(settings.SESSION_ENGINE).SessionStore().cache_key_for() is None


def test_staff_status_given_in_the_admin_shows_at_once(client, user, admin_client):
    client.force_login(user)
    assert 'href="/admin/"' not in _user_queries(client)[1]
    user.is_staff = True
    user.save()
    assert 'href="/admin/"' in _user_queries(client)[1]


def test_a_new_account_logs_in_by_username_or_email_through_the_cached_backends(client):
    account = UserFactory(username="grace", email="grace@example.org")
    account.set_password("a-long-password-9")
    account.save()
    for login in ("grace", "grace@example.org"):
        fresh = Client()
        response = fresh.post("/accounts/login/", {"login": login, "password": "a-long-password-9"})
        assert response.status_code == 302
        assert fresh.session[BACKEND_SESSION_KEY] in settings.AUTHENTICATION_BACKENDS
        assert "Log out" in _user_queries(fresh)[1]


def test_a_shared_page_fetches_the_reader_s_session_in_its_own_round_trip(client, user, make_summaries):
    make_summaries(3)
    client.force_login(user)
    _user_queries(client)  # stores the page readers share, and the reader's user row
    session_key = import_module(settings.SESSION_ENGINE).SessionStore(client.cookies[settings.SESSION_COOKIE_NAME].value).cache_key_for()
    with mock.patch.object(cache, "get", wraps=cache.get) as single_gets, mock.patch.object(cache, "get_many", wraps=cache.get_many) as many:
        queries, html = _user_queries(client)
    assert "Log out" in html and queries == []  # the reader's votes and saves came with their user row
    # Not looked up on its own, as a session loads itself (a local-memory cache's get_many calls get() with more).
    assert [call for call in single_gets.call_args_list if call.args == (session_key,)] == []
    assert any(session_key in call.args[0] for call in many.call_args_list)


# Rows whose cached copies only model signals drop: a write that skips the signals must call users_changed.
_COPIED_MODELS = {"User", "Vote", "SavedPaper"}
_SIGNAL_FREE_WRITES = {"update", "bulk_create", "bulk_update"}


def _signal_free_writes_of_copied_rows(tree: ast.AST):
    """Each function that writes a copied model's rows by QuerySet.update or bulk_*, with whether it calls
    users_changed."""
    for function in ast.walk(tree):
        if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        calls = [node for node in ast.walk(function) if isinstance(node, ast.Call)]
        drops_copies = any(getattr(call.func, "attr", getattr(call.func, "id", None)) == "users_changed" for call in calls)
        for call in calls:
            if isinstance(call.func, ast.Attribute) and call.func.attr in _SIGNAL_FREE_WRITES:
                root = call.func.value
                while isinstance(root, ast.Attribute | ast.Call):
                    root = root.func if isinstance(root, ast.Call) else root.value
                if isinstance(root, ast.Name) and (root.id in _COPIED_MODELS or root.id == "get_user_model"):
                    yield function.name, call.lineno, drops_copies


def test_every_write_that_skips_signals_of_users_votes_or_saves_drops_the_cached_copies():
    root = Path(__file__).resolve().parent.parent
    sources = [
        path for path in root.glob("*/**/*.py")
        if path.parts[len(root.parts)] not in {"tests", "bench", ".venv", "node_modules"} and "migrations" not in path.parts
    ]  # fmt: skip
    found, missing = [], []
    for path in sources:
        for name, line, drops_copies in _signal_free_writes_of_copied_rows(ast.parse(path.read_text(), str(path))):
            found.append(f"{path.relative_to(root)}:{line} {name}")
            if not drops_copies:
                missing.append(found[-1])
    assert found, "the check found none of moderation's suspensions: it no longer sees what it looks for"
    assert missing == [], "call shortscience.auth_backends.users_changed for these rows' users"


def test_the_check_catches_an_update_that_forgets_the_copies():
    forgetful = ast.parse("def f(ids):\n    User.objects.filter(pk__in=ids).update(is_active=False)\n")
    careful = ast.parse("def f(ids):\n    Vote.objects.filter(voter__in=ids).update(value=1)\n    auth_backends.users_changed(ids)\n")
    assert list(_signal_free_writes_of_copied_rows(forgetful)) == [("f", 2, False)]
    assert list(_signal_free_writes_of_copied_rows(careful)) == [("f", 2, True)]
