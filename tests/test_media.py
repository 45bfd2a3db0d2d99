"""Uploaded images in production: the app serves them from MEDIA_ROOT with DEBUG off (long-cached, never
sniffed), or, when a bucket is named, they go to S3-compatible storage and the app serves no /media/."""

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION = {
    "DJANGO_DEBUG": "0",
    "DJANGO_SECRET_KEY": "p" + "r0duct10n-s3cret-" * 4,
    "DJANGO_ALLOWED_HOSTS": "shortscience.org",
}


@pytest.fixture(autouse=True)
def production(settings, tmp_path):
    settings.DEBUG = False
    settings.MEDIA_ROOT = tmp_path


def uploaded_image_url(client, user, format: str, extension: str) -> str:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (10, 120, 200)).save(buffer, format)
    client.force_login(user)
    upload = SimpleUploadedFile(f"figure.{extension}", buffer.getvalue(), f"image/{format.lower()}")
    response = client.post("/summaries/images/", {"image": upload}, HTTP_ACCEPT="application/json")
    assert response.status_code == 201, response.content
    return response.json()["url"].removeprefix("http://testserver")


@pytest.mark.parametrize(
    "format, extension, content_type",
    [("PNG", "png", "image/png"), ("JPEG", "jpg", "image/jpeg"), ("GIF", "gif", "image/gif"), ("WEBP", "webp", "image/webp")],
)
def test_an_uploaded_image_is_served_with_debug_off(client, user, format, extension, content_type):
    url = uploaded_image_url(client, user, format, extension)
    assert url.startswith("/media/summary-images/")

    response = client.get(url)

    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert Image.open(io.BytesIO(b"".join(response.streaming_content))).size == (40, 30)
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "public, max-age=31536000, immutable"


def test_a_browser_that_has_the_image_gets_304(client, user):
    url = uploaded_image_url(client, user, "PNG", "png")
    last_modified = client.get(url)["Last-Modified"]
    assert client.get(url, HTTP_IF_MODIFIED_SINCE=last_modified).status_code == 304


@pytest.mark.parametrize("path", ["/media/summary-images/missing.png", "/media/", "/media/summary-images/",
                                  "/media/../shortscience/settings.py", "/media/%2e%2e/manage.py", "/media//etc/passwd"])
def test_missing_files_folders_and_paths_outside_media_root_are_404(client, user, path):
    uploaded_image_url(client, user, "PNG", "png")
    assert client.get(path).status_code == 404


def test_media_takes_no_writes(client, user):
    url = uploaded_image_url(client, user, "PNG", "png")
    assert client.post(url).status_code == 405


def settings_in_subprocess(**env) -> dict:
    """The storage and media settings (and whether /media/ is routed) as production settings compute them."""
    clean = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "AWS_"))}
    code = (
        "import json; from django.conf import settings; from django.urls import resolve, Resolver404\n"
        "from django.core.files.storage import default_storage\n"
        "try: resolve('/media/summary-images/a.png'); routed = True\n"
        "except Resolver404: routed = False\n"
        "print(json.dumps({'default': settings.STORAGES['default'], 'serve_media': settings.SERVE_MEDIA, "
        "'routed': routed, 'eager': settings.CELERY_TASK_ALWAYS_EAGER, "
        "'url': default_storage.url('summary-images/a.png')}))"
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code], cwd=ROOT, env={**clean, **PRODUCTION, **env},
        capture_output=True, text=True,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_production_serves_media_from_the_local_filesystem_by_default():
    computed = settings_in_subprocess()
    assert computed["default"] == {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    assert computed["serve_media"] is True and computed["routed"] is True
    assert computed["url"] == "/media/summary-images/a.png"


def test_a_reverse_proxy_can_take_media_over():
    computed = settings_in_subprocess(DJANGO_SERVE_MEDIA="0")
    assert computed["serve_media"] is False and computed["routed"] is False


def test_a_bucket_in_the_environment_switches_uploads_to_s3():
    computed = settings_in_subprocess(
        AWS_STORAGE_BUCKET_NAME="shortscience-media",
        AWS_S3_ENDPOINT_URL="https://s3.example.net",
        AWS_S3_REGION_NAME="eu-west-1",
        AWS_ACCESS_KEY_ID="key-id",
        AWS_SECRET_ACCESS_KEY="key-secret",
        AWS_S3_CUSTOM_DOMAIN="media.shortscience.org",
    )
    assert computed["default"]["BACKEND"] == "storages.backends.s3.S3Storage"
    options = computed["default"]["OPTIONS"]
    assert {key: options[key] for key in ("bucket_name", "endpoint_url", "region_name", "access_key", "secret_key",
                                          "custom_domain", "querystring_auth")} == {
        "bucket_name": "shortscience-media",
        "endpoint_url": "https://s3.example.net",
        "region_name": "eu-west-1",
        "access_key": "key-id",
        "secret_key": "key-secret",
        "custom_domain": "media.shortscience.org",
        "querystring_auth": False,
    }
    # django-storages takes these options: the address it gives an image is on the bucket's public domain.
    assert computed["url"] == "https://media.shortscience.org/summary-images/a.png"
    assert computed["serve_media"] is False and computed["routed"] is False


def test_celery_runs_tasks_inline_only_without_a_broker():
    assert settings_in_subprocess()["eager"] is True
    assert settings_in_subprocess(CELERY_BROKER_URL="redis://127.0.0.1:6379/6")["eager"] is False
