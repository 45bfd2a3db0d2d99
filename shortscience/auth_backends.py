"""Who is logged in, read from the shared cache: a logged-in request costs no query for its user.

Django's and allauth's backends load the user's row on every request, so that django.contrib.auth.get_user can
check the session against the password hash and refuse inactive users. These are the same backends with
`get_user` reading a copy of the row from the cache instead, as fresh as the row itself:

- each user has a generation counter in the cache (shortscience.generations); a copy is used only if it was
  stored under the current one;
- every save or delete of a user bumps it, now and again once the transaction commits, so a copy another request
  read from the old row in between is dropped too; writes that bypass signals (QuerySet.update) call
  `users_changed`;
- the checks stay Django's: get_user verifies the session hash and `user_can_authenticate` runs on the copy, so a
  password change ends other sessions and a suspension locks the account out at their next request.

Other things a page needs about its reader on every request (their votes and saved papers among the cards:
summaries.selectors.reader_card_state) are kept the same way, as **user copies** (`user_copy`): fetched in the
row's round trip, stored under the same generation, so `users_changed` drops them with the row. Whatever
changes one calls `users_changed` for the user (their votes' and saves' signals do).

With the cache away every request reads the row, as before.
"""

from collections.abc import Callable, Iterable
from contextlib import contextmanager
from contextvars import ContextVar

from allauth.account import auth_backends as allauth_backends
from django.contrib.auth import backends, get_user_model
from django.contrib.auth.signals import user_logged_in
from django.core.cache import cache
from django.db.models.signals import post_delete, post_save

from shortscience import generations

# A copy is dropped by its generation, not by age; this only bounds the cache's memory.
CACHE_SECONDS = 60 * 60


# The user copies (`user_copy`) a request may need, by name, with what reads each from the database: each is
# fetched with the user's row.
USER_COPIES: dict[str, Callable] = {}


def register_user_copy(name: str, load: Callable) -> None:
    """`load(user)` reads something about the user that requests need often: keep it as a user copy."""
    USER_COPIES[name] = load


def _keys(user_id) -> tuple[str, str]:
    return f"users:row:{user_id}", f"users:generation:{user_id}"


def _copy_key(user_id, name: str) -> str:
    return f"users:copy:{name}:{user_id}"


def cache_keys(user_id) -> list[str]:
    """Every key `cached_user` reads for the user, for a round trip made anyway to fetch too (`fetched_with`)."""
    return [*_keys(user_id), *(_copy_key(user_id, name) for name in USER_COPIES)]


# What a round trip made before the reader was known fetched of cache_keys(their guessed id): (the keys asked, what
# the cache had of them).
_fetched_ahead: ContextVar[tuple[frozenset, dict] | None] = ContextVar("fetched_ahead", default=None)


@contextmanager
def fetched_with(keys: Iterable[str], found: dict):
    """While in the block, `cached_user` takes what `found` (a get_many's answer) has of `keys` as fetched now,
    instead of a round trip of its own, for the user whose keys they are; for any other user, it asks as usual."""
    token = _fetched_ahead.set((frozenset(keys), found))
    try:
        yield
    finally:
        _fetched_ahead.reset(token)


def _fetch(keys: list[str]) -> dict:
    ahead = _fetched_ahead.get()
    if ahead is not None and ahead[0].issuperset(keys):
        return ahead[1]
    return cache.get_many(keys)


def cached_user(user_id):
    """The user's row from the cache if it holds a current copy, else from the database (and cached); None if
    there is no such user. One round trip to the cache on a hit, which also brings the user's copies (none when
    the keys came in an earlier one: `fetched_with`)."""
    row_key, generation_key = _keys(user_id)
    copy_keys = {name: _copy_key(user_id, name) for name in USER_COPIES}
    found = _fetch(cache_keys(user_id))
    generation, stored = found.get(generation_key), found.get(row_key)
    if generation is not None and stored is not None and stored[0] == generation:
        user = stored[1]
    else:
        # The generation is read before the row: a write committed after this read bumps it past what is stored.
        generation = generation or generations.current(generation_key)
        user = get_user_model()._default_manager.filter(pk=user_id).first()
        if user is not None and generation:
            cache.set(row_key, (generation, user), CACHE_SECONDS)
    if user is not None:
        user.cached_generation = generation
        user.cached_copies = {
            name: found[key][1] for name, key in copy_keys.items() if key in found and found[key][0] == generation
        }
    return user


def user_copy(user, name: str):
    """What the user copy `name` reads about `user` from the database, kept in the cache beside their row and as
    fresh; it came with the row (cached_user), else it is read now and kept. A user not read by cached_user (a
    test's, a form's) just reads it. Anything that changes what it reads must call `users_changed`."""
    if name not in USER_COPIES:
        raise ValueError(f"{name!r} is not a registered user copy (register_user_copy), so it would never come with the user's row")
    copies = getattr(user, "cached_copies", None)
    if copies is None:
        return USER_COPIES[name](user)
    if name not in copies:
        # Read after the generation was (with the row), so a write committing meanwhile outdates what is kept.
        copies[name] = USER_COPIES[name](user)
        if user.cached_generation:
            cache.set(_copy_key(user.pk, name), (user.cached_generation, copies[name]), CACHE_SECONDS)
    return copies[name]


def users_changed(user_ids: Iterable) -> None:
    """The users' rows or what their user copies read changed (or are about to, in this transaction): drop
    their cached row and copies everywhere."""
    for user_id in user_ids:
        _forget(user_id)


def _forget(user_id) -> None:
    generations.bump_now_and_on_commit(_keys(user_id)[1])


def _user_saved(sender, instance, **kwargs) -> None:
    _forget(instance.pk)


def _logged_in(sender, user, **kwargs) -> None:
    # Cached now, so the reader's first page costs what every later one does. Read again rather than stored as
    # log-in holds it: the row as saved (Django's receiver has just written last_login), without log-in's extras.
    copied = cached_user(user.pk)
    if copied is not None:
        for name in USER_COPIES:
            user_copy(copied, name)


def connect_user_signals() -> None:
    model = get_user_model()
    post_save.connect(_user_saved, sender=model, dispatch_uid="auth_backends:save")
    post_delete.connect(_user_saved, sender=model, dispatch_uid="auth_backends:delete")
    user_logged_in.connect(_logged_in, dispatch_uid="auth_backends:logged_in")


class CachedUserMixin:
    def get_user(self, user_id):
        user = cached_user(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None


class ModelBackend(CachedUserMixin, backends.ModelBackend):
    """Django's ModelBackend (usernames and passwords, permissions) with the user read from the cache."""


class AccountBackend(CachedUserMixin, allauth_backends.AuthenticationBackend):
    """allauth's backend (log-in by username or email) with the user read from the cache."""


# Sessions opened before these backends name the ones they extend: read as naming these (shortscience.sessions),
# they stay logged in (Django ignores a session whose backend is not in AUTHENTICATION_BACKENDS).
RENAMED = {
    "django.contrib.auth.backends.ModelBackend": f"{__name__}.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend": f"{__name__}.AccountBackend",
}
