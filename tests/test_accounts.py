"""Accounts through django-allauth: sign up, confirm, log in and out, reset, in the site's own layout."""

import os
import re
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.contrib.sites.models import Site
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.test import Client

from shortscience.settings import social_provider_from_env

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parent.parent

SIGNUP = {
    "email": "marie@example.org",
    "username": "marie",
    "password1": "radium-and-polonium-1898",
    "password2": "radium-and-polonium-1898",
}


def test_account_pages_wear_the_site_layout(client):
    for path in ["/accounts/login/", "/accounts/signup/", "/accounts/password/reset/"]:
        html = client.get(path).content.decode()
        assert 'class="brand"' in html, path
        assert "site.css" in html, path
        assert 'rel="icon" href="/static/img/favicon' in html, path  # else browsers ask for /favicon.ico and log a 404


@pytest.mark.django_db
def test_the_header_log_in_link_returns_to_the_page_it_was_clicked_on(client):
    assert 'href="/accounts/login/?next=/search/%3Fq%3Dgan"' in client.get("/search/?q=gan").content.decode()
    # On the log-in and sign-up pages it keeps their destination instead of nesting them.
    html = client.get("/accounts/login/?next=/user/joseph/").content.decode()
    assert 'href="/accounts/login/?next=/user/joseph/"' in html
    assert "next%3D" not in client.get("/accounts/signup/").content.decode()


def test_sign_up_sends_a_confirmation_that_verifies_the_address(client, settings):
    settings.ACCOUNT_EMAIL_VERIFICATION = "mandatory"
    response = client.post("/accounts/signup/", SIGNUP)
    assert response.status_code == 302
    user = get_user_model().objects.get(username="marie")
    assert user.profile.name == "marie"
    assert len(mail.outbox) == 1
    link = re.search(r"https?://[^/\s]+(/accounts/confirm-email/\S+)", mail.outbox[0].body).group(1)
    client.post(link)
    assert EmailAddress.objects.get(user=user).verified


@pytest.fixture
def deployed_at(settings):
    """The site deployed at https://shortscience.test: SITE_URL set, then `migrate` run, as a deploy does."""
    settings.SITE_URL = "https://shortscience.test"
    call_command("migrate", verbosity=0)
    yield
    Site.objects.clear_cache()  # the row rolls back with the test; its cached copy must not outlive it


def test_migrate_puts_site_url_and_site_name_in_the_sites_row(deployed_at):
    site = Site.objects.get_current()
    assert (site.domain, site.name) == ("shortscience.test", "ShortScience")


def test_the_confirmation_email_names_the_site_by_site_url_and_site_name(client, settings, deployed_at):
    settings.ACCOUNT_EMAIL_VERIFICATION = "mandatory"
    # Not Marie's address: allauth sends one confirmation per address every few minutes, across tests too.
    client.post("/accounts/signup/", {**SIGNUP, "email": "pierre@example.org", "username": "pierre"})
    message = mail.outbox[0]
    assert message.subject == "[ShortScience] Please Confirm Your Email Address"
    assert message.body.startswith("Hello from ShortScience!")
    assert "to register an account on shortscience.test." in message.body
    assert "example.com" not in message.subject + message.body


def test_sign_up_with_bad_input_keeps_what_was_typed(client):
    response = client.post("/accounts/signup/", {**SIGNUP, "password2": "something else"})
    html = response.content.decode()
    assert response.status_code == 200
    assert 'value="marie@example.org"' in html
    assert not get_user_model().objects.filter(username="marie").exists()


def test_log_in_and_out(client, user):
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    response = client.post("/accounts/login/", {"login": "ada", "password": "correct horse battery staple"})
    assert response.status_code == 302
    assert "Log out" in client.get("/").content.decode()
    client.post("/accounts/logout/")
    assert "Log in" in client.get("/").content.decode()


def test_password_reset_mails_a_link(client, user):
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    client.post("/accounts/password/reset/", {"email": user.email})
    assert len(mail.outbox) == 1
    assert "/accounts/password/reset/key/" in mail.outbox[0].body


def test_social_providers_are_enabled_only_by_their_keys(monkeypatch):
    monkeypatch.delenv("ORCID_CLIENT_ID", raising=False)
    assert social_provider_from_env("orcid", "ORCID") == {}
    monkeypatch.setenv("ORCID_CLIENT_ID", "id")
    assert social_provider_from_env("orcid", "ORCID") == {}, "a client id without a secret is not enough"
    monkeypatch.setenv("ORCID_SECRET", "secret")
    config = social_provider_from_env("orcid", "ORCID", MEMBER_API=False)
    assert config == {"orcid": {"APPS": [{"client_id": "id", "secret": "secret", "key": ""}], "MEMBER_API": False}}


# ---- Log-in throttling: per account *and* address, shared by every worker, never a lock-out ---------

GUESSER, OWNER = "203.0.113.9", "198.51.100.7"
REDIS_TEST_URL = "redis://127.0.0.1:6379/2"  # this branch's Redis database; tests clear only their own prefix


def log_in(client, address: str, password: str):
    return client.post("/accounts/login/", {"login": "ada", "password": password}, REMOTE_ADDR=address)


@pytest.fixture
def confirmed_user(user):
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


@pytest.fixture
def shared_cache(settings):
    """The default cache on Redis, as in production, under a key prefix of this test's own."""
    redis = pytest.importorskip("redis")
    try:
        redis.Redis.from_url(REDIS_TEST_URL).ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("no Redis on 127.0.0.1:6379")
    prefix = f"throttle-test-{uuid.uuid4().hex}"
    settings.CACHES = {**settings.CACHES, "default": {**REDIS_CACHE, "KEY_PREFIX": prefix}}
    yield prefix
    client = redis.Redis.from_url(REDIS_TEST_URL)
    for key in client.scan_iter(f"{prefix}:*"):
        client.delete(key)


REDIS_CACHE = {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_TEST_URL}


def test_a_guesser_is_stopped_at_their_address_and_the_owner_still_logs_in_from_theirs(client, confirmed_user):
    for _ in range(5):
        assert log_in(Client(), GUESSER, "wrong password").status_code == 200
    refused = log_in(Client(), GUESSER, "correct horse battery staple")
    assert refused.status_code == 200 and "Too many failed login attempts" in refused.content.decode()
    assert log_in(client, OWNER, "correct horse battery staple").status_code == 302


def test_behind_a_proxy_the_address_comes_from_its_header(client, confirmed_user, settings):
    settings.CLIENT_IP_META_KEY = "HTTP_X_REAL_IP"
    for _ in range(5):
        Client().post("/accounts/login/", {"login": "ada", "password": "wrong"}, REMOTE_ADDR="10.0.0.1", HTTP_X_REAL_IP=GUESSER)
    owner = client.post(
        "/accounts/login/", {"login": "ada", "password": "correct horse battery staple"}, REMOTE_ADDR="10.0.0.1", HTTP_X_REAL_IP=OWNER
    )
    assert owner.status_code == 302  # the proxy's own address is everyone's; the header tells them apart


def test_failed_log_ins_counted_by_another_worker_count_here_too(confirmed_user, shared_cache):
    # Another process (a second gunicorn worker) sees five failures from the guesser's address ...
    code = (
        "from django.core.cache import cache\n"
        f"cache.key_prefix = {shared_cache!r}\n"
        "from django.test import Client\n"
        f"for _ in range(5): Client(HTTP_HOST='127.0.0.1').post('/accounts/login/', {{'login': 'ada', 'password': 'x'}}, REMOTE_ADDR={GUESSER!r})\n"
    )
    if connection.vendor != "postgresql":
        pytest.skip("the second process reads the test database, which SQLite keeps in this process's memory")
    database = connection.settings_dict  # the test database: its Sites row names the site in the key
    database_url = f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}"
    worker = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code], cwd=ROOT, capture_output=True, text=True,
        env={**os.environ, "REDIS_URL": REDIS_TEST_URL, "DATABASE_URL": database_url},
    )  # fmt: skip
    assert worker.returncode == 0, worker.stderr
    # ... and this one refuses the sixth, even with the right password, but not the owner's.
    assert "Too many failed login attempts" in log_in(Client(), GUESSER, "correct horse battery staple").content.decode()
    assert log_in(Client(), OWNER, "correct horse battery staple").status_code == 302

