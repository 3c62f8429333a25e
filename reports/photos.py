"""Check an uploaded phone photo in the request; make its clean JPEGs in a worker.

check_photo runs in the request: it reads the upload, decodes every pixel and runs
every check, so a refusal appears on the form. What it accepts is stored as a
private original (still carrying the phone's EXIF and GPS) until make_derivatives,
run by a Celery worker, turns it into upright, metadata-free display and thumbnail
JPEGs. process_photo does both at once for callers that want the result now.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import pillow_heif
from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_UPLOAD_BYTES = 15 * 1024 * 1024
MAX_PIXELS = 64_000_000
DISPLAY_MAX_SIDE = 2048
THUMBNAIL_MAX_SIDE = 320

JPEG_QUALITY = 85

# What phones and browsers really send. TIFF is left out on purpose: no phone
# uploads it and libtiff is a large surface to expose to anonymous uploads.
ACCEPTED_FORMATS = frozenset({"JPEG", "MPO", "PNG", "WEBP", "HEIF", "GIF"})

# Registering at import keeps Image.open able to read iPhone HEIC photos
# everywhere this module is used, without each caller having to remember.
pillow_heif.register_heif_opener()

_BYTES_PER_MB = 1024 * 1024
_WHITE = (255, 255, 255, 255)
_JPEG_FAMILY = frozenset({"JPEG", "MPO"})
_SIXTEEN_BIT_MODES = frozenset({"I", "I;16", "I;16L", "I;16B", "I;16N"})


@dataclass(frozen=True)
class CheckedPhoto:
    """Hold an accepted upload, byte for byte, until a worker derives its JPEGs.

    The bytes still carry the phone's metadata: store them privately, never link
    them, and delete them once the derivatives exist.
    """

    data: bytes
    source_format: str


@dataclass(frozen=True)
class ProcessedPhoto:
    """Hold the stored-ready JPEG renditions of one accepted photo."""

    display: bytes
    thumbnail: bytes
    width: int
    height: int
    source_format: str


def check_photo(fileobj) -> CheckedPhoto:
    """Decode the whole upload and run every check, or raise ValidationError."""
    data = _read_upload(fileobj)
    with _decoded(data) as image:
        return CheckedPhoto(data=data, source_format=image.format)


def make_derivatives(original_bytes: bytes) -> ProcessedPhoto:
    """Return upright, metadata-free display and thumbnail JPEGs of a checked photo."""
    with _decoded(original_bytes) as image:
        source_format = image.format
        upright = _upright(image)
    rgb = _to_rgb(upright)
    rgb.thumbnail((DISPLAY_MAX_SIDE, DISPLAY_MAX_SIDE), Image.Resampling.LANCZOS)
    thumb = rgb.copy()
    thumb.thumbnail((THUMBNAIL_MAX_SIDE, THUMBNAIL_MAX_SIDE), Image.Resampling.LANCZOS)
    return ProcessedPhoto(
        display=_encode_jpeg(rgb),
        thumbnail=_encode_jpeg(thumb),
        width=rgb.width,
        height=rgb.height,
        source_format=source_format,
    )


def process_photo(fileobj) -> ProcessedPhoto:
    """Check an upload and return its renditions at once (no worker involved)."""
    return make_derivatives(check_photo(fileobj).data)


def _decoded(data: bytes) -> Image.Image:
    """Open data as an accepted image and decode every pixel, or refuse it."""
    image = _open_image(data)
    try:
        _check_format(image.format)
        _check_pixels(image.size)
        if image.format in _JPEG_FAMILY:
            # Let libjpeg decode at 1/2, 1/4 or 1/8 scale when the photo is far
            # bigger than the display size: much faster and less memory, and
            # the whole stream is still read, so damage is still caught.
            image.draft(None, _fitted_size(image.size, DISPLAY_MAX_SIDE))
        _decode_fully(image)
    except BaseException:
        image.close()
        raise
    return image


def _read_upload(fileobj) -> bytes:
    """Read the upload once, refusing empty or oversized files early."""
    declared = getattr(fileobj, "size", None)
    if isinstance(declared, int) and declared > MAX_UPLOAD_BYTES:
        raise _too_large_error()
    try:
        fileobj.seek(0)
    except (AttributeError, OSError, ValueError):
        # A pipe-like stream cannot rewind; read it from where it stands.
        pass
    # Reading one byte past the limit tells "too large" apart from "exactly the
    # limit" without ever pulling a huge stream into memory.
    wanted = MAX_UPLOAD_BYTES + 1
    chunks = []
    received = 0
    while received < wanted:
        chunk = fileobj.read(wanted - received)
        if not chunk:
            break
        chunks.append(chunk)
        received += len(chunk)
    data = b"".join(chunks)
    if len(data) > MAX_UPLOAD_BYTES:
        raise _too_large_error()
    if not data:
        raise ValidationError(
            gettext("The selected file is empty. Please choose your photo again."),
            code="empty",
        )
    return data


def _too_large_error() -> ValidationError:
    """Build the error for a file over the upload size limit."""
    return ValidationError(
        gettext(
            "This photo is larger than %(limit)s MB. Please choose a smaller photo."
        ),
        code="too_large",
        params={"limit": MAX_UPLOAD_BYTES // _BYTES_PER_MB},
    )


def _too_many_pixels_error() -> ValidationError:
    """Build the error for an image whose dimensions exceed MAX_PIXELS."""
    return ValidationError(
        gettext(
            "This image is too big to process (more than %(limit)s megapixels). "
            "Please choose a photo taken with a phone or camera."
        ),
        code="too_many_pixels",
        params={"limit": MAX_PIXELS // 1_000_000},
    )


def _damaged_error() -> ValidationError:
    """Build the error for image data that cannot be fully decoded."""
    return ValidationError(
        gettext(
            "This photo is damaged or incomplete and cannot be opened. "
            "Please take the photo again or choose another one."
        ),
        code="damaged",
    )


def _open_image(data: bytes) -> Image.Image:
    """Open the image header, mapping Pillow's refusals to our error codes."""
    try:
        return Image.open(io.BytesIO(data))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        # The warning only arrives here as an exception when warnings are made
        # errors; otherwise _check_pixels refuses the same image right after.
        raise _too_many_pixels_error() from exc
    except UnidentifiedImageError as exc:
        raise ValidationError(
            gettext(
                "This file is not a photo. "
                "Please choose a JPEG, PNG, WEBP or HEIC photo."
            ),
            code="not_image",
        ) from exc
    except Exception as exc:
        # A decoder recognised its own signature but choked on the header.
        raise _damaged_error() from exc


def _check_format(source_format: str | None):
    """Refuse image formats that phones do not send."""
    if source_format not in ACCEPTED_FORMATS:
        raise ValidationError(
            gettext(
                "This type of image is not accepted. "
                "Please choose a JPEG, PNG, WEBP or HEIC photo."
            ),
            code="unsupported",
        )


def _check_pixels(size: tuple[int, int]):
    """Refuse images whose declared dimensions are over MAX_PIXELS."""
    width, height = size
    if width * height > MAX_PIXELS:
        raise _too_many_pixels_error()


def _decode_fully(image: Image.Image):
    """Decode every pixel of the opened frame so truncated data is caught now."""
    # Image.open leaves animations on frame 0 and HEIF on its primary image,
    # which is the picture the citizen took.
    try:
        image.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise _too_many_pixels_error() from exc
    except Exception as exc:
        # Decoders report corrupt data through many exception types (OSError,
        # SyntaxError, ValueError, struct.error, EOFError...): all mean damaged.
        raise _damaged_error() from exc


def _upright(image: Image.Image) -> Image.Image:
    """Return the image rotated as its EXIF orientation says."""
    try:
        return ImageOps.exif_transpose(image)
    except Exception:
        # A broken EXIF block must not cost the citizen a photo whose pixels
        # decoded fine; keep the stored orientation instead.
        return image.copy()


def _to_rgb(image: Image.Image) -> Image.Image:
    """Return an RGB copy, with transparency flattened onto white."""
    if image.mode in _SIXTEEN_BIT_MODES:
        # A plain convert clips 16-bit values to white; scale them to 8 bits.
        image = image.convert("I").point(lambda value: value * (1 / 256))
        return image.convert("L").convert("RGB")
    if image.has_transparency_data:
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, _WHITE)
        background.alpha_composite(rgba)
        return background.convert("RGB")
    # Pillow already undoes Adobe's inverted CMYK while decoding the JPEG.
    return image.convert("RGB")


def _fitted_size(size: tuple[int, int], max_side: int) -> tuple[int, int]:
    """Return size scaled down to fit max_side, keeping the aspect ratio."""
    width, height = size
    longest = max(width, height)
    if longest <= max_side:
        return size
    return (
        max(1, round(width * max_side / longest)),
        max(1, round(height * max_side / longest)),
    )


def _encode_jpeg(image: Image.Image) -> bytes:
    """Encode pixels alone as a progressive JPEG, with no metadata at all."""
    # A fresh image built from raw pixels has an empty info dict, so no EXIF,
    # GPS, ICC profile, XMP or comment of the source can ride along.
    clean = Image.frombytes("RGB", image.size, image.tobytes())
    out = io.BytesIO()
    clean.save(
        out,
        format="JPEG",
        quality=JPEG_QUALITY,
        optimize=True,
        progressive=True,
    )
    return out.getvalue()
