"""Images in summaries: only real PNG, JPEG, GIF and WebP images, within size and pixel limits,
re-encoded without their metadata, stored under random names, and embeddable in a summary."""

import io
import random
import re
import struct
import zlib

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image, PngImagePlugin

from summaries import rendering
from summaries.models import SummaryImage

pytestmark = pytest.mark.django_db

UPLOAD_URL = "/summaries/images/"
SNIPPET = re.compile(
    r"!\[(?P<alt>[^\]]*)\]\((?P<url>http://testserver/media/summary-images/[0-9a-f]{24}\.(?P<ext>\w+))\)"
)


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def member(client, user):
    client.force_login(user)
    return client


def image_bytes(format: str, size=(64, 48), mode="RGB", **options) -> bytes:
    image = Image.new(mode, size, (200, 30, 30) if mode == "RGB" else 1)
    buffer = io.BytesIO()
    image.save(buffer, format, **options)
    return buffer.getvalue()


def noisy_png(size=(200, 200)) -> bytes:
    """A PNG that does not compress: many kilobytes for few pixels."""
    image = Image.frombytes("RGB", size, random.Random(0).randbytes(size[0] * size[1] * 3))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def upload(client, data: bytes, name="figure.png", content_type="image/png", alt="", as_json=True):
    headers = {"HTTP_ACCEPT": "application/json"} if as_json else {}
    return client.post(UPLOAD_URL, {"image": SimpleUploadedFile(name, data, content_type), "alt": alt}, **headers)


def stored(response) -> tuple[str, Image.Image, bytes]:
    """The stored file's name, the image decoded from it, and its bytes."""
    match = SNIPPET.fullmatch(response.json()["markdown"])
    assert match, response.json()
    name = match["url"].removeprefix("http://testserver/media/")
    assert default_storage.exists(name)
    with default_storage.open(name) as file:
        data = file.read()
    return name, Image.open(io.BytesIO(data)), data


# ---- Accepted images --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "format, extension", [("PNG", "png"), ("JPEG", "jpg"), ("GIF", "gif"), ("WEBP", "webp")]
)
def test_each_accepted_format_is_stored_and_returned_as_markdown(member, user, format, extension):
    response = upload(member, image_bytes(format), name=f"plot.{extension}", alt="Loss curve")
    assert response.status_code == 201
    body = response.json()
    assert body["markdown"] == f"![Loss curve]({body['url']})"
    assert (body["width"], body["height"]) == (64, 48)
    name, image, _ = stored(response)
    assert name.endswith(f".{extension}")
    assert image.format == format and image.size == (64, 48)
    picture = SummaryImage.objects.get()
    assert (picture.uploader, picture.image.name, picture.width, picture.height) == (user, name, 64, 48)
    assert body["url"] == f"http://testserver{picture.image.url}"


def test_the_markdown_snippet_embeds_the_image_in_a_summary(member):
    url = upload(member, image_bytes("PNG")).json()["url"]
    html = rendering.render(f"Our architecture:\n\n![The model]({url})").html
    assert f'<img alt="The model" src="{url}">' in html


def test_site_relative_image_urls_would_be_stripped_so_the_snippet_is_absolute(member):
    response = upload(member, image_bytes("PNG"))
    assert response.json()["url"].startswith("http://testserver/media/")
    relative = response.json()["url"].removeprefix("http://testserver")
    assert "src=" not in rendering.render(f"![x]({relative})").html


def test_file_names_are_random_not_the_uploaded_name(member):
    first = upload(member, image_bytes("PNG"), name="my holiday.png").json()["url"]
    second = upload(member, image_bytes("PNG"), name="my holiday.png").json()["url"]
    assert first != second
    assert "holiday" not in first


def test_alt_text_cannot_break_out_of_the_markdown(member):
    markdown = upload(member, image_bytes("PNG"), alt="a ] (javascript:x) [\nb").json()["markdown"]
    assert SNIPPET.fullmatch(markdown)["alt"] == "a (javascript:x) b"
    assert SNIPPET.fullmatch(upload(member, image_bytes("PNG")).json()["markdown"])["alt"] == "figure"


def test_without_javascript_the_upload_shows_a_page_with_the_snippet(member):
    response = upload(member, image_bytes("PNG"), alt="Diagram", as_json=False)
    html = response.content.decode()
    assert response.status_code == 201
    assert "Copy this line into your summary" in html
    assert re.search(r'value="!\[Diagram\]\(http://testserver/media/summary-images/[0-9a-f]{24}\.png\)"', html)


def test_the_upload_page_and_the_summary_form_offer_the_upload(member, paper):
    page = member.get(UPLOAD_URL).content.decode()
    assert 'enctype="multipart/form-data"' in page
    form = member.get(f"/summaries/new/?paper={paper.arxiv_id}").content.decode()
    assert f'action="{UPLOAD_URL}"' in form
    assert 'class="image-upload"' in form


# ---- Metadata is stripped ---------------------------------------------------------------------


def exif_with_secrets(orientation: int = 1) -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "SecretCameraMaker"  # Make
    exif[0x0131] = "SecretSoftware"  # Software
    exif[0x0112] = orientation  # Orientation
    return exif.tobytes()


def test_jpeg_exif_and_xmp_are_stripped(member):
    data = image_bytes("JPEG", exif=exif_with_secrets(), xmp=b"<x:xmpmeta>SecretXmp</x:xmpmeta>")
    assert b"SecretCameraMaker" in data and b"SecretXmp" in data
    _, image, stored_data = stored(upload(member, data, name="photo.jpg", content_type="image/jpeg"))
    assert b"SecretCameraMaker" not in stored_data and b"SecretSoftware" not in stored_data
    assert b"SecretXmp" not in stored_data
    assert not image.getexif()


def test_the_exif_orientation_is_applied_before_it_is_dropped(member):
    # Orientation 6: the camera was turned; viewers rotate the 64x48 pixels to stand 48x64.
    data = image_bytes("JPEG", exif=exif_with_secrets(orientation=6))
    response = upload(member, data, name="photo.jpg", content_type="image/jpeg")
    assert stored(response)[1].size == (48, 64)


def test_png_text_chunks_and_exif_are_stripped(member):
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", "Secret Person")
    info.add_itxt("Comment", "SecretComment")
    data = image_bytes("PNG", pnginfo=info, exif=exif_with_secrets())
    _, image, stored_data = stored(upload(member, data))
    assert b"Secret" not in stored_data
    assert not image.text


def test_webp_exif_is_stripped(member):
    data = image_bytes("WEBP", exif=exif_with_secrets())
    _, _, stored_data = stored(upload(member, data, name="x.webp", content_type="image/webp"))
    assert b"SecretCameraMaker" not in stored_data


def animated_gif(frames: int, size=(40, 30), comment=b"") -> bytes:
    images = [Image.new("RGB", size, ((n * 40) % 256, 255 - (n * 40) % 256, 0)) for n in range(frames)]
    buffer = io.BytesIO()
    durations = [100 + 10 * n for n in range(frames)]
    images[0].save(buffer, "GIF", save_all=True, append_images=images[1:], duration=durations, loop=0, comment=comment)
    return buffer.getvalue()


def test_animated_gifs_keep_their_frames_and_timing_but_not_their_comment(member):
    data = animated_gif(3, comment=b"SecretGifComment")
    _, image, stored_data = stored(upload(member, data, name="training.gif", content_type="image/gif"))
    assert image.n_frames == 3
    durations = []
    for frame in range(3):
        image.seek(frame)
        durations.append(image.info["duration"])
    assert durations == [100, 110, 120]
    assert b"SecretGifComment" not in stored_data


# ---- Refused uploads --------------------------------------------------------------------------


def test_a_text_file_named_png_is_refused(member):
    response = upload(member, b"#!/bin/sh\necho definitely a picture\n" * 10, name="cat.png")
    assert response.status_code == 400
    assert response.json() == {"error": "That is not a PNG, JPEG, GIF or WebP image."}
    assert not SummaryImage.objects.exists()


def test_html_disguised_as_an_image_is_refused(member):
    response = upload(member, b"<html><script>alert(1)</script></html>", name="x.gif", content_type="image/gif")
    assert response.status_code == 400


@pytest.mark.parametrize("format", ["BMP", "TIFF", "ICO"])
def test_real_images_in_other_formats_are_refused(member, format):
    response = upload(member, image_bytes(format), name="figure.png")
    assert response.status_code == 400
    assert "not a PNG, JPEG, GIF or WebP" in response.json()["error"]


# Two identical 1x1 frames of 600 s each: Pillow merges them into one frame of 1,200 s, past what GIF stores.
GIF_WITH_TEN_MINUTE_FRAMES = (
    b"GIF89a\x01\x00\x01\x00\x81\x00\x00\xff\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"
    b"!\xff\x0bNETSCAPE2.0\x03\x01\x00\x00\x00"
    + b"!\xf9\x04\x00\x60\xea\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x08\x04\x00\x01\x04\x04\x00" * 2
    + b";"
)


def test_an_animation_whose_frame_delays_cannot_be_stored_is_refused_in_words(member):
    response = upload(member, GIF_WITH_TEN_MINUTE_FRAMES, name="slow.gif", content_type="image/gif")
    assert response.status_code == 400
    assert "frame delays are longer than an image can hold" in response.json()["error"]
    assert not SummaryImage.objects.exists()


def test_a_truncated_image_is_refused(member):
    data = noisy_png()
    response = upload(member, data[: len(data) // 2])
    assert response.status_code == 400
    assert "damaged or incomplete" in response.json()["error"]
    assert not SummaryImage.objects.exists()


def test_an_image_over_the_byte_limit_is_refused(member, settings):
    settings.SUMMARY_IMAGE_MAX_BYTES = 100_000
    data = noisy_png()
    assert 100_000 < len(data) < 150_000
    response = upload(member, data)
    assert response.status_code == 400
    assert "; the limit is 0.1 MB." in response.json()["error"]
    assert not SummaryImage.objects.exists()


def test_a_body_far_over_the_limit_is_refused_before_it_is_read(member, settings):
    settings.SUMMARY_IMAGE_MAX_BYTES = 1024
    response = upload(member, b"\0" * 200_000)
    assert response.status_code == 413
    assert "larger than the limit" in response.json()["error"]


def png_header_only(width: int, height: int) -> bytes:
    """A PNG whose header claims width x height pixels, over a few compressed bytes: a decompression bomb's shape."""

    def chunk(kind: bytes, payload: bytes) -> bytes:
        return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    pixels = chunk(b"IDAT", zlib.compress(b"\0" * 100))
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + pixels + chunk(b"IEND", b"")


@pytest.mark.parametrize("width, height", [(100_000, 100_000), (30_000, 1_000)])
def test_decompression_bombs_are_refused_from_their_header(member, width, height):
    response = upload(member, png_header_only(width, height))
    assert response.status_code == 400
    assert "pixels" in response.json()["error"]


def test_the_pixel_limit_is_a_setting(member, settings):
    settings.SUMMARY_IMAGE_MAX_PIXELS = 1000
    response = upload(member, image_bytes("PNG", size=(50, 50)))
    assert response.status_code == 400
    assert "50×50 pixels" in response.json()["error"]


def test_an_animation_counts_the_pixels_of_all_its_frames(member, settings):
    settings.SUMMARY_IMAGE_MAX_PIXELS = 40 * 30 * 5
    assert upload(member, animated_gif(5), name="a.gif", content_type="image/gif").status_code == 201
    response = upload(member, animated_gif(6), name="b.gif", content_type="image/gif")
    assert response.status_code == 400
    assert "too many frames" in response.json()["error"]


def test_a_missing_file_is_a_form_error(member):
    response = member.post(UPLOAD_URL, {"alt": "nothing"}, HTTP_ACCEPT="application/json")
    assert response.status_code == 400
    assert "required" in response.json()["error"]


# ---- Who may upload ---------------------------------------------------------------------------


def test_uploads_need_login_and_csrf(user, media_root):
    anonymous = upload(Client(), image_bytes("PNG"))
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(user)
    assert upload(strict, image_bytes("PNG")).status_code == 403
    assert not SummaryImage.objects.exists()
    assert not list(media_root.rglob("*.*"))


def test_multi_picture_jpegs_from_phones_are_stored_as_plain_jpegs(member):
    photo = Image.new("RGB", (64, 48), "blue")
    buffer = io.BytesIO()
    photo.save(buffer, "MPO", save_all=True, append_images=[photo])
    assert Image.open(io.BytesIO(buffer.getvalue())).format == "MPO"
    name, image, _ = stored(upload(member, buffer.getvalue(), name="phone.jpg", content_type="image/jpeg"))
    assert name.endswith(".jpg")
    assert (image.format, getattr(image, "n_frames", 1)) == ("JPEG", 1)


def test_cmyk_jpegs_become_rgb(member):
    data = image_bytes("JPEG", mode="CMYK")
    _, image, _ = stored(upload(member, data, name="print.jpg", content_type="image/jpeg"))
    assert image.mode == "RGB"
