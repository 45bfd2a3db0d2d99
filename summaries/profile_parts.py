"""The part of a summarizer's profile that depends on who reads it: the Follow button, or for the summarizer
themselves the link to edit their profile. It is the profile's reader part, so logged-in readers share the rest
of the page (shortscience.reader_parts) instead of each having it rendered for them.

The summarizer is declined: their own profile also lists, and counts, their private and anonymous summaries.
For everyone else one query asks whether they follow the summarizer. A reader who does gets the button rendered
for them by its inclusion tag, which reads their follow afresh; a reader who doesn't gets the button every such
reader gets, remembered per process for the profile's state, the content version and the address (the form
comes back to it), rendered for a stand-in reader with no account's id.
"""

import functools
from collections.abc import Sequence
from typing import NamedTuple

from django.contrib.auth import get_user_model

from shortscience import reader_parts, tracking_params
from summaries import following
from summaries.models import Follow


class ProfileState(NamedTuple):
    person_id: int
    username: str
    is_active: bool


@reader_parts.register("profile-actions")
class ProfileActions(reader_parts.ReaderPart):
    template_name = "summaries/_profile_actions.html"

    def shared_state(self, context) -> ProfileState:
        person = context["person"]
        return ProfileState(person.pk, person.get_username(), person.is_active)

    def declines(self, request, states: Sequence[ProfileState]) -> bool:
        return any(state.person_id == request.user.pk for state in states)

    def fill(self, request, states: Sequence[ProfileState], *, version: int) -> list[str]:
        reader = request.user
        path = tracking_params.address_without_tracking(request.get_full_path())
        return [
            _actions(state, reader, request) if _follows(reader, state) else _actions_for_readers(state, version, path)
            for state in states
        ]

    def forget(self) -> None:
        _actions_for_readers.cache_clear()


def _follows(reader, state: ProfileState) -> bool:
    return bool(following.followed_targets(user=reader, kind=Follow.USER, name=state.username))


def _actions(state: ProfileState, user, request) -> str:
    person = get_user_model()(pk=state.person_id, username=state.username, is_active=state.is_active)
    return reader_parts.render_part("profile-actions", {"person": person, "user": user, "request": request})


# The part as every reader who does not follow the summarizer gets it, for the profile's state and address, at the
# content version: the button asks whether the summarizer is still an active user, and a suspension, a renaming
# or their return bumps the version.
@functools.lru_cache(maxsize=4096)
def _actions_for_readers(state: ProfileState, version: int, path: str) -> str:
    return _actions(state, reader_parts.reader_with_no_ties(), reader_parts.request_at(path))
