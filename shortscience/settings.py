"""ShortScience settings: everything that differs between machines comes from the environment.

Development needs nothing set (DEBUG on, SQLite file, console email). Production sets
DJANGO_DEBUG=0, DJANGO_SECRET_KEY, DJANGO_ALLOWED_HOSTS and DATABASE_URL, and then
`manage.py check --deploy` is clean.
"""

import os
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from celery.schedules import crontab
from csp.constants import NONE, SELF, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG", True)

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off.")
    SECRET_KEY = "django-insecure-development-only-key-never-use-in-production"

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]" if DEBUG else "")
if not DEBUG and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("DJANGO_ALLOWED_HOSTS must be set when DJANGO_DEBUG is off.")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

SITE_ID = 1
# The one source of truth for the site's name and address: emails build their links on SITE_URL,
# and migrate writes both into the django.contrib.sites row that allauth's emails read.
SITE_NAME = "ShortScience"
SITE_URL = os.environ.get("SITE_URL", "").rstrip("/") or (
    "http://127.0.0.1:8000"
    if DEBUG
    else "https://" + next((host.lstrip(".") for host in ALLOWED_HOSTS if "*" not in host), "localhost")
)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.sites",
    "django.contrib.humanize",
    "django.contrib.sitemaps",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "shortscience",
    "papers",
    "summaries",
    "library",
    "claims",
    "api",
    "ninja",  # serves its docs page's Swagger UI from our static files, not a CDN
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Pages the cache does not hold, gzipped: a visitor's whole, one logged-in reader's where it is the same for everyone.
    "shortscience.shared_gzip.gzip_shared_parts",
    # Anonymous pages from the cache before anything below runs; stored with the headers added below it.
    "shortscience.page_cache.serve_cached_pages",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "shortscience.input_guard.ControlCharacterGuard",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # After authentication: the API's answers come from the page cache for cookieless readers.
    "api.middleware.public_api",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
]

ROOT_URLCONF = "shortscience.urls"
WSGI_APPLICATION = "shortscience.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DJANGO_CONN_MAX_AGE", "60")),
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Redis, when REDIS_URL is set, is shared by every process: page and card caches, sessions, rate limits and
# arXiv's request spacing. It may go away: the backend then answers as an empty cache (shortscience.cache).
REDIS_URL = os.environ.get("REDIS_URL", "")
CACHES = {
    "default": (
        {
            "BACKEND": "shortscience.cache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            # A Redis that is down or unreachable must cost a request milliseconds, not seconds.
            "OPTIONS": {"socket_connect_timeout": 0.25, "socket_timeout": 0.5},
        }
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}
# Sessions read from the cache first and are kept in the database, so a Redis outage logs nobody out
# (Django's cached_db engine; shortscience.sessions lets a cached page fetch them in its own round trip).
SESSION_ENGINE = "shortscience.sessions"
# How long anonymous pages stay cached (they are invalidated on every change anyway: shortscience.page_cache);
# 0 turns page caching off.
PAGE_CACHE_SECONDS = int(os.environ.get("PAGE_CACHE_SECONDS", "600"))
# The query parameters cached pages read, and the values they may take (the feed's: summaries.selectors). A
# request with any other is rendered and never stored, so made-up query strings can't fill Redis and push out
# the rate limits kept beside the pages; the parameters links shared elsewhere add are left out of the key.
PAGE_CACHE_QUERY = {"order": r"recent|top|popular", "period": r"week|month|year|all", "page": r"[1-9][0-9]{0,4}"}
# Those are the tags newsletters, ads and social sites add to a link (a Mailchimp issue tags every link with
# mc_cid and mc_eid): were they in the key, every click on a link shared that way would render the page afresh.
# No view reads any of them (tests/test_caching.py checks).
PAGE_CACHE_IGNORED_QUERY = (
    "utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content", "utm_id", "ref", "ref_src",
    "fbclid", "gclid", "gbraid", "wbraid", "dclid", "msclkid", "yclid", "twclid", "ttclid", "igshid", "li_fat_id",
    "mc_cid", "mc_eid", "_hsenc", "_hsmi", "mkt_tok", "pk_campaign", "pk_kwd", "mtm_campaign", "mtm_kwd",
)  # fmt: skip
# How long the shared part of a summary card stays cached, for every reader; its key changes with what it
# shows (summaries.card_fragments), so this only bounds the cache's memory. 0 turns card caching off.
CARD_CACHE_SECONDS = int(os.environ.get("CARD_CACHE_SECONDS", "86400"))
# How long a paper's similar papers, as a ranking of ids, are remembered (papers.search.similar_papers): the
# ranking moves only as papers come in, the rows are read fresh. 0 ranks them on every paper page rendered.
SIMILAR_PAPERS_CACHE_SECONDS = int(os.environ.get("SIMILAR_PAPERS_CACHE_SECONDS", "3600"))
# Permalink views are noted in each process's memory and written this often, in one transaction
# (summaries.view_counting); 0 writes each as it is noted.
VIEW_COUNT_FLUSH_SECONDS = float(os.environ.get("VIEW_COUNT_FLUSH_SECONDS", "1"))

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Django's and allauth's backends, reading the logged-in user from the cache (shortscience.auth_backends).
AUTHENTICATION_BACKENDS = [
    "shortscience.auth_backends.ModelBackend",
    "shortscience.auth_backends.AccountBackend",
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "shortscience.storage.StaticFilesStorage"
        )
    },
}

# --- Uploaded files (media) ---
# On one machine they live under MEDIA_ROOT and the app serves /media/ itself (shortscience/media.py),
# unless DJANGO_SERVE_MEDIA=0 says a reverse proxy does. With a bucket named, they go to S3-compatible
# storage (django-storages) that several machines share, and browsers fetch them from there.
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("DJANGO_MEDIA_ROOT", BASE_DIR / "media"))
AWS_STORAGE_BUCKET_NAME = os.environ.get("AWS_STORAGE_BUCKET_NAME", "")
if AWS_STORAGE_BUCKET_NAME:
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": AWS_STORAGE_BUCKET_NAME,
            # Empty values leave boto3 to its own defaults (AWS, the instance's role or ~/.aws).
            "endpoint_url": os.environ.get("AWS_S3_ENDPOINT_URL") or None,
            "region_name": os.environ.get("AWS_S3_REGION_NAME") or None,
            "access_key": os.environ.get("AWS_ACCESS_KEY_ID") or None,
            "secret_key": os.environ.get("AWS_SECRET_ACCESS_KEY") or None,
            "custom_domain": os.environ.get("AWS_S3_CUSTOM_DOMAIN") or None,
            # Off by default: an image's address is written into the summary's text, and a signed one expires.
            "querystring_auth": env_bool("AWS_QUERYSTRING_AUTH", False),
            # Names are random and never reused: browsers and CDNs may keep a file for a year.
            "object_parameters": {"CacheControl": "public, max-age=31536000, immutable"},
            "file_overwrite": False,
        },
    }
SERVE_MEDIA = env_bool("DJANGO_SERVE_MEDIA", not AWS_STORAGE_BUCKET_NAME)

# --- Accounts (django-allauth) ---
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/"
ACCOUNT_LOGIN_METHODS = {"email", "username"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "username*", "password1*", "password2*"]
# Production insists on a confirmed address; a laptop demo lets you in while the link sits in the console.
ACCOUNT_EMAIL_VERIFICATION = os.environ.get("ACCOUNT_EMAIL_VERIFICATION", "optional" if DEBUG else "mandatory")
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_DEFAULT_HTTP_PROTOCOL = urlsplit(SITE_URL).scheme
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False
# Failed log-ins: 10 a minute per address, and 5 in 5 minutes per account *at one address* (the adapter adds the
# address to allauth's per-account key), so a guesser can't lock a researcher out. Counted in the default cache:
# set REDIS_URL so every worker shares the counts.
ACCOUNT_ADAPTER = "shortscience.account_adapter.AccountAdapter"
ACCOUNT_RATE_LIMITS = {"login_failed": "10/m/ip,5/5m/key"}


def social_provider_from_env(provider: str, env_prefix: str, **settings) -> dict:
    """A provider is offered only when both its client id and secret are in the environment."""
    client_id = os.environ.get(f"{env_prefix}_CLIENT_ID")
    secret = os.environ.get(f"{env_prefix}_SECRET")
    if not (client_id and secret):
        return {}
    return {provider: {"APPS": [{"client_id": client_id, "secret": secret, "key": ""}], **settings}}


SOCIALACCOUNT_PROVIDERS = {
    **social_provider_from_env("github", "GITHUB", SCOPE=["user:email"]),
    **social_provider_from_env("google", "GOOGLE", SCOPE=["profile", "email"]),
    **social_provider_from_env(
        "orcid", "ORCID", BASE_DOMAIN=os.environ.get("ORCID_BASE_DOMAIN", "orcid.org"), MEMBER_API=False
    ),
}
INSTALLED_APPS += [f"allauth.socialaccount.providers.{provider}" for provider in SOCIALACCOUNT_PROVIDERS]

# --- Email ---
DEFAULT_FROM_EMAIL = os.environ.get("DJANGO_DEFAULT_FROM_EMAIL", "ShortScience <noreply@shortscience.org>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
if DEBUG or not os.environ.get("EMAIL_HOST"):
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
else:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = os.environ["EMAIL_HOST"]
    EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "587"))
    EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)

# --- Security: strict whenever DEBUG is off ---
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# Content-Security-Policy on every response (django-csp); docs/security.md says why each source is allowed.
# Scripts and stylesheets come only from our own static files: no inline script, no eval, no CDN.
_SOCIAL_LOGIN_HOSTS = {"github": "https://github.com", "google": "https://accounts.google.com"}
CSP_POLICY = {
    "default-src": [SELF],
    "script-src": [SELF],
    "style-src": [SELF],
    # Typeset math positions its glyphs with style attributes (KaTeX); attributes can't run code.
    "style-src-attr": [UNSAFE_INLINE],
    # Summaries embed images from any web address (the sanitizer allows only http(s) ones).
    "img-src": [SELF, "https:", "http:"],
    "object-src": [NONE],
    "base-uri": [NONE],
    "frame-ancestors": [NONE],
    # Social log-in posts to us, and we redirect the form to the provider: browsers check that hop too.
    "form-action": [
        SELF,
        *(_SOCIAL_LOGIN_HOSTS[provider] for provider in SOCIALACCOUNT_PROVIDERS if provider in _SOCIAL_LOGIN_HOSTS),
        *(["https://" + SOCIALACCOUNT_PROVIDERS["orcid"]["BASE_DOMAIN"]] if "orcid" in SOCIALACCOUNT_PROVIDERS else []),
    ],
}
if os.environ.get("CSP_REPORT_URI"):
    CSP_POLICY["report-uri"] = [os.environ["CSP_REPORT_URI"]]
# CSP_REPORT_ONLY=1 sends the same policy as Content-Security-Policy-Report-Only: browsers report, block nothing.
if env_bool("CSP_REPORT_ONLY", False):
    CONTENT_SECURITY_POLICY_REPORT_ONLY = {"DIRECTIVES": CSP_POLICY}
else:
    CONTENT_SECURITY_POLICY = {"DIRECTIVES": CSP_POLICY}

if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", str(60 * 60 * 24 * 365)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# --- Health check (/healthz) ---
# A load balancer probes over plain HTTP on the private network, so the probe is never redirected to HTTPS.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

# --- External services (papers app) ---
ARXIV_API_URL = os.environ.get("ARXIV_API_URL", "https://export.arxiv.org/api/query")
# arXiv asks for one API request per 3 seconds; the last one is remembered in CACHES (Redis across processes).
ARXIV_API_MIN_INTERVAL = float(os.environ.get("ARXIV_API_MIN_INTERVAL", "3"))
ARXIV_OAI_URL = os.environ.get("ARXIV_OAI_URL", "https://oaipmh.arxiv.org/oai")
# How often one OAI-PMH request is retried after a 503 (Retry-After), a 5xx or a network error.
ARXIV_OAI_MAX_RETRIES = int(os.environ.get("ARXIV_OAI_MAX_RETRIES", "5"))
CROSSREF_API_URL = os.environ.get("CROSSREF_API_URL", "https://api.crossref.org/works")
# ORCID's public API, where author claims are checked against the claimant's record of works.
ORCID_API_URL = os.environ.get("ORCID_API_URL", "https://pub.orcid.org/v3.0")
EXTERNAL_API_TIMEOUT = float(os.environ.get("EXTERNAL_API_TIMEOUT", "5"))

# --- Summaries ---
SUMMARY_MAX_LENGTH = 60_000
# A deleted summary stays restorable by staff this long; `manage.py purge_deleted_summaries` then removes it.
SUMMARY_PURGE_AFTER_DAYS = int(os.environ.get("SUMMARY_PURGE_AFTER_DAYS", "30"))
# Wall-clock seconds one summary or comment may take to render; a body over it is refused with a message
# (its text kept in the form), so no input can hold a worker until it times out. None: no limit.
SUMMARY_RENDER_BUDGET_SECONDS = float(os.environ.get("SUMMARY_RENDER_BUDGET_SECONDS", "1.5")) or None
FEED_PAGE_SIZE = 20
# Uploaded images: at most this many bytes, and this many decoded pixels (all frames of an
# animation together), so a small file cannot unpack into gigabytes (a decompression bomb).
SUMMARY_IMAGE_MAX_BYTES = int(os.environ.get("SUMMARY_IMAGE_MAX_BYTES", str(5 * 1024 * 1024)))
SUMMARY_IMAGE_MAX_PIXELS = int(os.environ.get("SUMMARY_IMAGE_MAX_PIXELS", "25000000"))

# The licence summaries are published under: on every summary, in the footer, in the API and in export_dump.
SUMMARY_LICENCE = {
    "name": os.environ.get("SUMMARY_LICENCE_NAME", "CC BY 4.0"),
    "url": os.environ.get("SUMMARY_LICENCE_URL", "https://creativecommons.org/licenses/by/4.0/"),
}

# --- Public API (/api/v1/) ---
API_RATE_LIMIT = os.environ.get("API_RATE_LIMIT", "1200/h")  # per address
API_PAGE_SIZE = 50
API_CACHE_SECONDS = int(os.environ.get("API_CACHE_SECONDS", "60"))  # Cache-Control max-age of API answers

# --- Rate limits (django-ratelimit), per user and hour; staff are not limited ---
# Previews render Markdown (seconds for hostile input) and uploads decode images: both are limited too.
RATE_LIMITS = {
    # New summaries only: changing one's own is an "edit", limited more generously and never tighter for new accounts.
    "summary": "20/h", "edit": "60/h",
    "comment": "60/h", "vote": "120/h", "report": "20/h", "preview": "300/h", "image": "30/h",
    "fetch": "60/h",  # papers fetched from arXiv or Crossref because we didn't have them
    "claim": "20/h",  # authorship claims, each checked against ORCID
}  # fmt: skip
ANONYMOUS_FETCHES_PER_HOUR = 10  # per address, for visitors who aren't signed in
# An account younger than this that nobody has upvoted yet may post fewer summaries and comments.
NEW_ACCOUNT_AGE_HOURS = 24
NEW_ACCOUNT_SUMMARIES_PER_HOUR = 3
NEW_ACCOUNT_COMMENTS_PER_HOUR = 5
RATELIMIT_ENABLE = env_bool("RATELIMIT_ENABLE", True)
# Counted in their own cache alias (the same Redis or memory as the default), so tests can reset only them.
CACHES["ratelimit"] = {**CACHES["default"], "KEY_PREFIX": "ratelimit"}
RATELIMIT_USE_CACHE = "ratelimit"
# A cache outage must not stop everyone from posting.
RATELIMIT_FAIL_OPEN = True
# Behind a reverse proxy every request comes from the proxy: name the header it puts the reader's address in
# (e.g. HTTP_X_REAL_IP for nginx's `proxy_set_header X-Real-IP $remote_addr`), for limits and view counts.
CLIENT_IP_META_KEY = os.environ.get("DJANGO_CLIENT_IP_HEADER", "REMOTE_ADDR")
RATELIMIT_IP_META_KEY = CLIENT_IP_META_KEY

# --- Background tasks (Celery) ---
# Without a broker (development, tests) every task runs inline where it is enqueued, and its errors
# propagate; production sets CELERY_BROKER_URL (Redis) and runs `make worker` beside the web processes.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
# Tasks write their outcome to the database; nobody waits for a return value.
CELERY_TASK_IGNORE_RESULT = True
CELERY_RESULT_BACKEND = None
# A task is acknowledged when it finishes, so a worker killed mid-task leaves it for another (tasks are
# safe to run twice); each worker takes one task at a time, so a long harvest doesn't hold emails back.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A request that enqueues must not wait on an unreachable broker (see shortscience/background.py): one
# connection attempt of at most a second, no reconnection rounds. A task unacknowledged for
# visibility_timeout (a harvest can take a while) is handed to another worker.
CELERY_BROKER_CONNECTION_TIMEOUT = 1
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "max_retries": 0,
    "socket_connect_timeout": 1,
    "socket_timeout": 5,
    "visibility_timeout": 6 * 3600,
}
CELERY_TIMEZONE = TIME_ZONE
# How soon after Redis answers again a cache invalidation owed by a process that has stopped is made at the latest.
OWED_BUMPS_SETTLE_SECONDS = 30
CELERY_BEAT_SCHEDULE = {
    # arXiv announces new papers around 00:00 UTC on weekdays.
    "harvest-arxiv-daily": {"task": "papers.tasks.harvest_arxiv", "schedule": crontab(hour=3, minute=0)},
    "weekly-digest": {
        "task": "summaries.tasks.weekly_digest_send",
        "schedule": crontab(day_of_week="mon", hour=7, minute=0),
    },
    # Emails whose task never reached the broker (it was down) or was lost are sent from here.
    "pending-notifications": {"task": "summaries.tasks.pending_notifications_send", "schedule": 10 * 60},
    "housekeeping-daily": {"task": "summaries.tasks.housekeeping_daily", "schedule": crontab(hour=4, minute=30)},
    # Cache invalidations a process owed when Redis was away from it, and could not make before it stopped.
    "owed-bumps-settle": {"task": "shortscience.tasks.owed_bumps_settle", "schedule": OWED_BUMPS_SETTLE_SECONDS},
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO")},
}
