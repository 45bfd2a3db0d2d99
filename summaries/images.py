"""Images in summaries: prove an upload is a PNG, JPEG, GIF or WebP by decoding it, re-encode it bare, store it."""

import io
import warnings

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from PIL import Image, ImageOps, ImageSequence, UnidentifiedImageError

from summaries.models import SummaryImage

# Pillow's format name -> the format written back and the stored file's extension.
# MPO is what Pillow calls the multi-picture JPEGs many phone cameras write.
_ACCEPTED = {
    "PNG": ("PNG", "png"),
    "JPEG": ("JPEG", "jpg"),
    "MPO": ("JPEG", "jpg"),
    "GIF": ("GIF", "gif"),
    "WEBP": ("WEBP", "webp"),
}
# The only Pillow decoders an upload ever reaches (MPO comes out of the JPEG one).
_DECODERS = ["PNG", "JPEG", "GIF", "WEBP"]
# Animated GIF and WebP stay animated; every other image keeps its first frame only (APNG, MPO).
_ANIMATED_FORMATS = {"GIF", "WEBP"}
# All a re-encoded image keeps of the original's metadata: what it needs to look the same.
# EXIF (camera, GPS, time), XMP, PNG text chunks and GIF comments are dropped.
_KEPT_INFO = {"transparency", "duration", "loop", "background"}
# Errors Pillow raises on corrupt or truncated image data.
_DECODE_ERRORS = (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError, IndexError, TypeError)
JPEG_QUALITY = 90
WEBP_QUALITY = 90
ALT_MAX_LENGTH = 200


class ImageRejected(Exception):
    """The upload is not an image we accept; the message says why, for the uploader."""


def summary_image_store(*, uploader: AbstractBaseUser, upload: UploadedFile) -> SummaryImage:
    """Check, re-encode and store an uploaded image under a random name; raise ImageRejected if it is not acceptable."""
    max_bytes = settings.SUMMARY_IMAGE_MAX_BYTES
    if upload.size > max_bytes:
        raise ImageRejected(f"The image is {_megabytes(upload.size)}; the limit is {_megabytes(max_bytes)}.")
    data = upload.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise ImageRejected(f"The image is larger than the limit of {_megabytes(max_bytes)}.")
    encoded, extension = _reencode(data)
    picture = SummaryImage(uploader=uploader)
    picture.extension = extension  # read by summary_image_path when the random name is made
    picture.image.save(f"upload.{extension}", ContentFile(encoded, name=f"upload.{extension}"), save=True)
    return picture


def image_markdown(*, url: str, alt: str = "") -> str:
    """The snippet to paste into a summary: ![alt](url), with an alt text Markdown cannot misread."""
    alt = " ".join(alt.replace("[", " ").replace("]", " ").replace("\\", " ").split())[:ALT_MAX_LENGTH]
    return f"![{alt or 'figure'}]({url})"


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB"


def _open(data: bytes) -> Image.Image:
    """Open (parse the header of) an image in one of the accepted formats, refusing decompression bombs."""
    max_pixels = settings.SUMMARY_IMAGE_MAX_PIXELS
    try:
        with warnings.catch_warnings():
            # Pillow only warns between MAX_IMAGE_PIXELS and twice that; a warning is a refusal here.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=_DECODERS)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageRejected(f"The image has too many pixels; the limit is {max_pixels:,}.") from None
    except _DECODE_ERRORS:
        raise ImageRejected("That is not a PNG, JPEG, GIF or WebP image.") from None
    if image.width * image.height > max_pixels:
        raise ImageRejected(
            f"The image is {image.width}×{image.height} pixels; the limit is {max_pixels:,} pixels in all."
        )
    return image


def _decoded_frames(image: Image.Image, animated: bool) -> list[Image.Image]:
    """Decode the frames that will be kept; every frame's pixels count against SUMMARY_IMAGE_MAX_PIXELS."""
    max_pixels = settings.SUMMARY_IMAGE_MAX_PIXELS
    frame_pixels = image.width * image.height
    frames = []
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            for index, frame in enumerate(ImageSequence.Iterator(image)):
                if (index + 1) * frame_pixels > max_pixels:
                    raise ImageRejected(
                        f"The animation has too many frames for its size; the limit is {max_pixels:,} pixels in all."
                    )
                frame.load()
                frames.append(frame.copy())
                if not animated:
                    break
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageRejected(f"The image has too many pixels; the limit is {max_pixels:,}.") from None
    except _DECODE_ERRORS:
        raise ImageRejected("The image is damaged or incomplete and could not be read.") from None
    return frames


def _reencode(data: bytes) -> tuple[bytes, str]:
    """The image's pixels written afresh in its own format: whatever else the file carried stays behind."""
    image = _open(data)
    output_format, extension = _ACCEPTED[image.format]
    animated = image.format in _ANIMATED_FORMATS and getattr(image, "is_animated", False)
    icc_profile = image.info.get("icc_profile")  # colour, not metadata: photos look wrong without it
    frames = _decoded_frames(image, animated)
    if not animated:
        # The EXIF orientation goes with the EXIF, so turn the pixels the way it said first.
        frames[0] = ImageOps.exif_transpose(frames[0])
    for frame in frames:
        frame.info = {key: value for key, value in frame.info.items() if key in _KEPT_INFO}
    first = frames[0]
    options: dict = {"format": output_format}
    if icc_profile:
        options["icc_profile"] = icc_profile
    if animated:
        durations = [frame.info.get("duration", 100) for frame in frames]
        options.update(save_all=True, append_images=frames[1:], duration=durations, loop=first.info.get("loop", 0))
    if output_format == "JPEG":
        if first.mode not in ("RGB", "L"):
            first = first.convert("RGB")
        options.update(quality=JPEG_QUALITY, exif=b"")
    elif output_format == "WEBP":
        # Lossless WebP (screenshots, plots) stays lossless; photos are re-compressed.
        options.update(lossless=b"VP8L" in data, quality=WEBP_QUALITY, exif=b"", xmp=b"")
    output = io.BytesIO()
    try:
        first.save(output, **options)
    except (OSError, ValueError) as error:
        raise ImageRejected(f"The image could not be re-encoded ({error}).") from None
    except OverflowError:
        # Identical frames are merged and their delays added: past GIF's 655 seconds a frame, nothing can store it.
        raise ImageRejected("The animation's frame delays are longer than an image can hold (655 seconds a frame).") from None
    return output.getvalue(), extension
