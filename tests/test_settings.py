"""Production settings refuse to start half-configured and pass Django's deployment checklist."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION = {
    "DJANGO_DEBUG": "0",
    "DJANGO_SECRET_KEY": "p" + "r0duct10n-s3cret-" * 4,
    "DJANGO_ALLOWED_HOSTS": "shortscience.org",
}


def manage(*args, **env):
    clean = {key: value for key, value in os.environ.items() if not key.startswith("DJANGO_")}
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env={**clean, **env}, capture_output=True, text=True
    )


def test_check_deploy_is_clean_with_production_settings():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_requires_a_secret_key():
    result = manage("check", **{**PRODUCTION, "DJANGO_SECRET_KEY": ""})
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


def test_production_requires_allowed_hosts():
    result = manage("check", **{**PRODUCTION, "DJANGO_ALLOWED_HOSTS": ""})
    assert result.returncode != 0
    assert "DJANGO_ALLOWED_HOSTS must be set" in result.stderr


# ---- Content-Security-Policy ----------------------------------------------------------------------


def policy(header: str) -> dict[str, list[str]]:
    return {name: sources for name, *sources in (part.split() for part in header.split(";") if part.strip())}


def test_every_response_carries_a_strict_content_security_policy(client, db):
    for path in ["/", "/no-such-page/", "/admin/login/", "/accounts/login/", "/robots.txt"]:
        directives = policy(client.get(path)["Content-Security-Policy"])
        assert directives["default-src"] == ["'self'"]
        assert directives["script-src"] == ["'self'"]  # no inline script, no eval, no other host
        assert directives["style-src"] == ["'self'"]
        assert (directives["object-src"], directives["base-uri"], directives["frame-ancestors"]) == (["'none'"],) * 3
        assert directives["form-action"] == ["'self'"]


def test_social_log_in_providers_are_allowed_as_form_targets_only_when_configured():
    result = manage(
        "shell", "-c", "from django.conf import settings; print(settings.CONTENT_SECURITY_POLICY['DIRECTIVES']['form-action'])",
        GITHUB_CLIENT_ID="id", GITHUB_SECRET="secret",
    )
    assert result.stdout.strip().splitlines()[-1] == "[\"'self'\", 'https://github.com']", result.stderr


def test_report_only_mode_sends_the_same_policy_without_enforcing_it():
    code = (
        "from django.conf import settings; "
        "print(hasattr(settings, 'CONTENT_SECURITY_POLICY'), "
        "settings.CONTENT_SECURITY_POLICY_REPORT_ONLY['DIRECTIVES']['report-uri'])"
    )
    result = manage("shell", "-c", code, CSP_REPORT_ONLY="1", CSP_REPORT_URI="https://reports.example/csp")
    assert result.stdout.strip().splitlines()[-1] == "False ['https://reports.example/csp']", result.stderr
