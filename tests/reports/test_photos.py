"""Behaviour of reports.photos on generated images and on real phone files."""

import io
import random
import struct
import time
import warnings
import zlib

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import ExifTags, Image, ImageChops, ImageCms, ImageFile, ImageOps, ImageStat

from reports.photos import (
    DISPLAY_MAX_SIDE,
    MAX_PIXELS,
    MAX_UPLOAD_BYTES,
    THUMBNAIL_MAX_SIDE,
    ProcessedPhoto,
    process_photo,
)
from tests.conftest import shared_fixture

RED = (255, 0, 0)
BLUE = (0, 0, 255)
GPS_SECRET = "THAINGUYEN-SECRET-SPOT-42"
XMP_SECRET = b"<x:xmpmeta>reporter-home-address</x:xmpmeta>"
COMMENT_SECRET = b"reporter phone 0912345678"
PILLOW_DEFAULT_MAX_IMAGE_PIXELS = int(1024 * 1024 * 1024 // 4 // 3)


# Helpers -----------------------------------------------------------------


def _encode(image, fmt="JPEG", **params):
    """Return the bytes of image saved in fmt."""
    out = io.BytesIO()
    image.save(out, format=fmt, **params)
    return out.getvalue()


def _process(data):
    """Run process_photo on in-memory bytes."""
    return process_photo(io.BytesIO(data))


def _refusal(data_or_file):
    """Return the ValidationError that process_photo raises for the input."""
    fileobj = (
        io.BytesIO(data_or_file) if isinstance(data_or_file, bytes) else data_or_file
    )
    with pytest.raises(ValidationError) as caught:
        process_photo(fileobj)
    return caught.value


def _open(jpeg):
    """Decode output bytes fully and return the image."""
    image = Image.open(io.BytesIO(jpeg))
    image.load()
    return image


def _jpeg_markers(jpeg):
    """Return every marker of a JPEG stream and the offset just after EOI."""
    assert jpeg[:2] == b"\xff\xd8"
    markers = []
    pos = 2
    while pos < len(jpeg) - 1:
        if jpeg[pos] != 0xFF:
            pos += 1  # entropy-coded scan data
            continue
        marker = jpeg[pos + 1]
        if marker == 0xFF:
            pos += 1  # fill byte
            continue
        if marker == 0x00 or 0xD0 <= marker <= 0xD7:
            pos += 2  # stuffed byte or restart marker inside scan data
            continue
        markers.append(marker)
        if marker == 0xD9:
            return markers, pos + 2
        pos += 2 + int.from_bytes(jpeg[pos + 2 : pos + 4], "big")
    raise AssertionError("JPEG has no EOI marker")


def _assert_no_metadata(jpeg):
    """Fail unless the JPEG carries pixels only: no EXIF, GPS, ICC, XMP, comment."""
    image = _open(jpeg)
    assert image.format == "JPEG"
    assert image.mode == "RGB"
    assert len(image.getexif()) == 0
    for key in ("exif", "icc_profile", "comment", "xmp", "photoshop", "adobe"):
        assert key not in image.info
    assert b"Exif" not in jpeg
    markers, end = _jpeg_markers(jpeg)
    # APP1 holds EXIF/GPS/XMP, APP2 ICC, APP13 Photoshop, COM comments: none
    # of APP1..APP15 nor COM may appear anywhere, and nothing may trail EOI.
    assert not [m for m in markers if 0xE1 <= m <= 0xEF or m == 0xFE]
    assert end == len(jpeg)


def _png_chunk(kind, payload):
    """Return one PNG chunk with its length and CRC."""
    return (
        struct.pack(">I", len(payload))
        + kind
        + payload
        + struct.pack(">I", zlib.crc32(kind + payload))
    )


def _png_header_only(width, height):
    """Return a PNG declaring width x height whose image data holds no pixels."""
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + _png_chunk(b"IDAT", zlib.compress(b""))
        + _png_chunk(b"IEND", b"")
    )


def _noisy_jpeg(size=(800, 600)):
    """Return a JPEG whose scan data is large enough to cut meaningfully."""
    return _encode(Image.effect_noise(size, 80).convert("RGB"), quality=90)


def _close_to(pixel, expected, tolerance=40):
    """Tell whether an RGB pixel is within tolerance of expected per channel."""
    return all(abs(a - b) <= tolerance for a, b in zip(pixel, expected, strict=True))


def _mean_difference(first, second):
    """Return the mean absolute per-channel difference of two RGB images."""
    diff = ImageChops.difference(first.convert("RGB"), second.convert("RGB"))
    return sum(ImageStat.Stat(diff).mean) / 3


# Orientation and metadata -------------------------------------------------


def _sideways_photo_with_gps():
    """Return a JPEG stored landscape with orientation 6, GPS and a red corner."""
    stored = Image.new("RGB", (400, 300), (0, 128, 0))
    stored.paste(RED, (0, 0, 60, 60))  # top-left of the stored pixels
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6
    exif[ExifTags.Base.Make] = "PhoneMaker"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (21.0, 35.0, 30.0)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (105.0, 50.0, 10.0)
    gps[ExifTags.GPS.GPSMapDatum] = GPS_SECRET
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    return _encode(
        stored,
        exif=exif,
        icc_profile=srgb,
        comment=COMMENT_SECRET,
        xmp=XMP_SECRET,
    )


def test_a_sideways_phone_photo_comes_out_upright():
    source = _sideways_photo_with_gps()

    photo = _process(source)

    assert (photo.width, photo.height) == (300, 400)
    display = _open(photo.display)
    assert display.size == (300, 400)
    # Orientation 6 means "rotate 90 degrees clockwise to view": the stored
    # top-left corner must end up at the top-right.
    assert _close_to(display.getpixel((280, 20)), RED)
    assert not _close_to(display.getpixel((20, 20)), RED)
    assert not _close_to(display.getpixel((20, 380)), RED)


def test_a_photo_with_gps_comes_out_without_any_metadata():
    source = _sideways_photo_with_gps()
    original = Image.open(io.BytesIO(source))
    assert original.getexif().get_ifd(ExifTags.IFD.GPSInfo)  # the input has GPS
    assert GPS_SECRET.encode() in source

    photo = _process(source)

    for rendition in (photo.display, photo.thumbnail):
        _assert_no_metadata(rendition)
        assert GPS_SECRET.encode() not in rendition
        assert XMP_SECRET not in rendition
        assert COMMENT_SECRET not in rendition
        assert b"PhoneMaker" not in rendition


def test_the_result_is_a_processed_photo_with_matching_dimensions():
    photo = _process(_encode(Image.new("RGB", (640, 480), BLUE)))

    assert isinstance(photo, ProcessedPhoto)
    assert photo.source_format == "JPEG"
    assert _open(photo.display).size == (photo.width, photo.height) == (640, 480)
    assert _open(photo.display).info.get("progressive")


# Colour modes ---------------------------------------------------------------


def test_a_cmyk_jpeg_comes_out_as_rgb_with_the_right_colours():
    stored = Image.new("CMYK", (100, 50), (0, 255, 255, 0))  # pure red ink
    stored.paste((255, 255, 0, 0), (50, 0, 100, 50))  # pure blue ink
    source = _encode(stored)
    assert Image.open(io.BytesIO(source)).info.get("adobe")  # Adobe-inverted

    display = _open(_process(source).display)

    assert display.mode == "RGB"
    assert _close_to(display.getpixel((20, 25)), RED)
    assert _close_to(display.getpixel((80, 25)), BLUE)


def test_transparent_pixels_of_a_png_turn_white():
    stored = Image.new("RGBA", (100, 100), (0, 0, 0, 0))  # transparent black
    stored.paste((0, 0, 255, 255), (30, 30, 70, 70))

    photo = _process(_encode(stored, "PNG"))

    display = _open(photo.display)
    assert photo.source_format == "PNG"
    assert _close_to(display.getpixel((5, 5)), (255, 255, 255), tolerance=8)
    assert _close_to(display.getpixel((50, 50)), BLUE)


def test_a_palette_gif_comes_out_as_rgb_with_its_colours():
    stored = Image.new("RGB", (80, 40), RED)
    stored.paste(BLUE, (40, 0, 80, 40))
    source = _encode(stored.convert("P", palette=Image.Palette.ADAPTIVE), "GIF")
    assert Image.open(io.BytesIO(source)).mode == "P"

    photo = _process(source)

    display = _open(photo.display)
    assert photo.source_format == "GIF"
    assert _close_to(display.getpixel((10, 20)), RED)
    assert _close_to(display.getpixel((70, 20)), BLUE)


def test_only_the_first_frame_of_an_animated_gif_is_kept():
    frames = [Image.new("RGB", (60, 60), RED), Image.new("RGB", (60, 60), BLUE)]
    source = _encode(frames[0], "GIF", save_all=True, append_images=frames[1:])
    assert Image.open(io.BytesIO(source)).n_frames == 2

    display = _open(_process(source).display)

    assert _close_to(display.getpixel((30, 30)), RED)


def test_a_sixteen_bit_grey_png_keeps_its_grey_level():
    stored = Image.new("I;16", (40, 40), 32768)  # mid-grey at 16 bits

    display = _open(_process(_encode(stored, "PNG")).display)

    red, green, blue = display.getpixel((20, 20))
    assert 120 <= red <= 136
    assert red == green == blue


def test_a_heic_photo_is_accepted():
    source = _encode(Image.new("RGB", (64, 48), RED), "HEIF", quality=90)

    photo = _process(source)

    assert photo.source_format == "HEIF"
    assert (photo.width, photo.height) == (64, 48)
    assert _close_to(_open(photo.display).getpixel((32, 24)), RED)
    _assert_no_metadata(photo.display)


def test_a_multi_picture_jpeg_from_a_phone_is_accepted_with_its_first_picture():
    first = Image.new("RGB", (4200, 2800), RED)
    first.paste(BLUE, (0, 0, 2100, 1400))  # top-left quadrant
    second = Image.new("RGB", (4200, 2800), (0, 255, 0))
    source = _encode(first, "MPO", save_all=True, append_images=[second])
    assert Image.open(io.BytesIO(source)).n_frames == 2

    photo = _process(source)

    display = _open(photo.display)
    assert photo.source_format == "MPO"
    assert display.size == (2048, 1365)
    assert _close_to(display.getpixel((100, 100)), BLUE)
    assert _close_to(display.getpixel((1900, 1200)), RED)


@pytest.mark.parametrize(
    "exif",
    [
        b"Exif\x00\x00" + random.Random(7).randbytes(200),
        b"Exif\x00\x00MM\x00*\xff\xff\xff\xf0",  # IFD offset past the end
        # Orientation tag holding the text "ABC" instead of a number.
        b"Exif\x00\x00MM\x00*\x00\x00\x00\x08\x00\x01\x01\x12\x00\x02"
        b"\x00\x00\x00\x04ABC\x00\x00\x00\x00\x00",
    ],
    ids=["garbage", "bad-offset", "orientation-not-a-number"],
)
def test_a_photo_with_corrupt_exif_is_still_accepted_without_it(exif):
    source = _encode(Image.new("RGB", (40, 30), RED), exif=exif)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # Pillow: "Corrupt EXIF data"
        photo = _process(source)

    assert (photo.width, photo.height) == (40, 30)
    _assert_no_metadata(photo.display)


# Sizes -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("size", "display_size", "thumbnail_size"),
    [
        ((5000, 3000), (2048, 1229), (320, 192)),
        ((3000, 5000), (1229, 2048), (192, 320)),
        ((2048, 1000), (2048, 1000), (320, 156)),
    ],
)
def test_a_large_photo_is_reduced_to_fit_2048_and_its_thumbnail_320(
    size, display_size, thumbnail_size
):
    photo = _process(_encode(Image.new("RGB", size, BLUE)))

    assert (photo.width, photo.height) == display_size
    assert _open(photo.display).size == display_size
    assert _open(photo.thumbnail).size == thumbnail_size
    assert max(display_size) <= DISPLAY_MAX_SIDE
    assert max(thumbnail_size) <= THUMBNAIL_MAX_SIDE


def test_a_small_photo_is_not_upscaled():
    photo = _process(_encode(Image.new("RGB", (200, 100), BLUE)))

    assert (photo.width, photo.height) == (200, 100)
    assert _open(photo.display).size == (200, 100)
    assert _open(photo.thumbnail).size == (200, 100)


# Refusals ------------------------------------------------------------------


def test_an_empty_file_is_refused_as_empty():
    error = _refusal(b"")

    assert error.code == "empty"
    assert error.messages[0]


@pytest.mark.parametrize(
    "content",
    [
        random.Random(20250101).randbytes(4096),
        b"Xin chao, day la mot tep van ban doi ten thanh .jpg\n" * 20,
        b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n%%EOF\n",
        b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"></svg>',
        b"\xff\xd8\xff" + b"\x00" * 64,  # a JPEG signature and nothing usable
    ],
    ids=["random-bytes", "text", "pdf", "svg", "jpeg-signature-only"],
)
def test_a_file_that_is_not_an_image_is_refused_as_not_image(content):
    error = _refusal(content)

    assert error.code == "not_image"
    assert "JPEG" in error.messages[0]


def test_a_jpeg_cut_in_half_is_refused_as_damaged():
    whole = _noisy_jpeg()
    _process(whole)  # the uncut image is fine

    error = _refusal(whole[: len(whole) // 2])

    assert error.code == "damaged"


@pytest.mark.parametrize(
    ("fmt", "params"),
    [("BMP", {}), ("TIFF", {}), ("PPM", {}), ("ICO", {"sizes": [(32, 32)]})],
)
def test_an_image_format_that_phones_do_not_send_is_refused_as_unsupported(fmt, params):
    source = _encode(Image.new("RGB", (32, 32), RED), fmt, **params)

    error = _refusal(source)

    assert error.code == "unsupported"
    assert "HEIC" in error.messages[0]


@pytest.mark.parametrize(
    ("width", "height"),
    [
        (20_000, 20_000),  # beyond Pillow's own bomb limit: DecompressionBombError
        (10_000, 10_000),  # within Pillow's warning band
        (9_000, 9_000),  # under Pillow's limits, over ours
        (8_001, 8_000),  # one column over MAX_PIXELS
    ],
)
def test_an_image_declaring_too_many_pixels_is_refused_before_decoding(width, height):
    assert width * height > MAX_PIXELS
    started = time.perf_counter()

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        error = _refusal(_png_header_only(width, height))

    # The PNG has no pixel data: had it been decoded, the refusal would say
    # "damaged". Refusing for size proves the header alone was judged.
    assert error.code == "too_many_pixels"
    assert time.perf_counter() - started < 1.0
    assert "64" in error.messages[0]


def test_an_image_of_exactly_max_pixels_is_not_refused_for_its_size():
    assert 8_000 * 8_000 == MAX_PIXELS

    error = _refusal(_png_header_only(8_000, 8_000))

    # Accepted by the size check, it goes on to decoding and finds no pixels.
    assert error.code == "damaged"


def test_pillows_bomb_warning_is_refused_as_too_many_pixels_when_it_is_an_error():
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        error = _refusal(_png_header_only(10_000, 10_000))

    assert error.code == "too_many_pixels"


def test_a_file_over_15_mb_is_refused_as_too_large():
    jpeg = _encode(Image.new("RGB", (64, 64), RED))
    oversized = jpeg + b"\0" * (MAX_UPLOAD_BYTES + 1 - len(jpeg))

    error = _refusal(oversized)

    assert error.code == "too_large"
    assert error.params == {"limit": 15}
    assert "15" in error.messages[0]


def test_a_valid_photo_of_exactly_15_mb_is_not_refused_for_size():
    jpeg = _encode(Image.new("RGB", (64, 64), RED))
    # Bytes after the JPEG's end marker are ignored by decoders.
    exactly_limit = jpeg + b"\0" * (MAX_UPLOAD_BYTES - len(jpeg))
    assert len(exactly_limit) == MAX_UPLOAD_BYTES

    photo = _process(exactly_limit)

    assert (photo.width, photo.height) == (64, 64)


class _EndlessStream:
    """Act as an upload stream that never ends and counts what is read."""

    def __init__(self):
        self.bytes_read = 0

    def read(self, size=-1):
        """Return size bytes, refusing to read without a bound."""
        assert size is not None and size >= 0, "the whole stream was requested"
        self.bytes_read += size
        return b"\0" * size

    def seek(self, offset, whence=0):
        """Accept rewinding to the start."""
        return 0


def test_a_huge_stream_is_not_read_past_the_limit():
    stream = _EndlessStream()

    error = _refusal(stream)

    assert error.code == "too_large"
    assert stream.bytes_read == MAX_UPLOAD_BYTES + 1


class _DeclaredSizeOnly(io.BytesIO):
    """Act as an upload whose declared size is over the limit."""

    size = MAX_UPLOAD_BYTES + 1

    def read(self, size=-1):
        """Fail the test: the declared size should have been enough."""
        raise AssertionError("read despite a declared size over the limit")


def test_an_upload_declaring_a_size_over_the_limit_is_refused_without_reading():
    error = _refusal(_DeclaredSizeOnly())

    assert error.code == "too_large"


def test_a_django_upload_already_read_to_its_end_is_processed_from_the_start():
    upload = SimpleUploadedFile(
        "anh.jpg", _encode(Image.new("RGB", (30, 20), RED)), "image/jpeg"
    )
    upload.read()  # e.g. a form's own validation consumed it

    photo = process_photo(upload)

    assert (photo.width, photo.height) == (30, 20)


def test_importing_the_module_does_not_weaken_pillows_safety_limits():
    assert ImageFile.LOAD_TRUNCATED_IMAGES is False
    assert Image.MAX_IMAGE_PIXELS is not None
    assert Image.MAX_IMAGE_PIXELS <= PILLOW_DEFAULT_MAX_IMAGE_PIXELS


# Real phone files -------------------------------------------------------------


@pytest.fixture
def fixtures_dir():
    """Return the shared folder of real photos, skipping when it is absent."""
    return shared_fixture("photos")


def _process_fixture(folder, name):
    """Run process_photo on a file of the shared fixtures, as opened by Django."""
    with (folder / name).open("rb") as fileobj:
        return process_photo(fileobj)


FIXTURE_OUTCOMES = [
    ("DSCN0010.jpg", "ok", "JPEG"),
    ("portrait_6.jpg", "ok", "JPEG"),
    ("landscape_3.jpg", "ok", "JPEG"),
    ("landscape_8.jpg", "ok", "JPEG"),
    ("iphone_hdr_YES.jpg", "ok", "JPEG"),
    ("iphone_13_pro_max.HEIC", "ok", "HEIF"),
    # Listed as "invalid" upstream, but its scan data decodes completely in
    # Pillow 13 / libjpeg-turbo: the portal accepts it (and drops its XMP).
    ("image01088.jpg", "ok", "JPEG"),
    ("decompression_bomb.gif", "too_many_pixels", None),
    ("truncated_jpeg.jpg", "damaged", None),
    ("pil_sample_cmyk.jpg", "ok", "JPEG"),
    ("hopper.png", "ok", "PNG"),
    ("flower.webp", "ok", "WEBP"),
]


@pytest.mark.fixtures
@pytest.mark.parametrize(("name", "outcome", "source_format"), FIXTURE_OUTCOMES)
def test_each_real_file_is_accepted_clean_or_refused_with_its_code(
    fixtures_dir, name, outcome, source_format
):
    if outcome != "ok":
        with pytest.raises(ValidationError) as caught:
            _process_fixture(fixtures_dir, name)
        assert caught.value.code == outcome
        return

    photo = _process_fixture(fixtures_dir, name)

    assert photo.source_format == source_format
    assert max(photo.width, photo.height) <= DISPLAY_MAX_SIDE
    assert max(_open(photo.thumbnail).size) <= THUMBNAIL_MAX_SIDE
    _assert_no_metadata(photo.display)
    _assert_no_metadata(photo.thumbnail)


@pytest.mark.fixtures
@pytest.mark.parametrize("name", ["DSCN0010.jpg", "iphone_hdr_YES.jpg"])
def test_a_real_photo_with_gps_comes_out_without_any_metadata(fixtures_dir, name):
    source = Image.open(fixtures_dir / name)
    assert source.getexif().get_ifd(ExifTags.IFD.GPSInfo)  # the input has GPS

    photo = _process_fixture(fixtures_dir, name)

    _assert_no_metadata(photo.display)
    _assert_no_metadata(photo.thumbnail)


@pytest.mark.fixtures
@pytest.mark.parametrize(
    ("name", "orientation", "upright_is_portrait"),
    [
        ("portrait_6.jpg", 6, True),
        ("landscape_3.jpg", 3, False),
        ("landscape_8.jpg", 8, False),
    ],
)
def test_a_real_photo_with_exif_orientation_comes_out_upright(
    fixtures_dir, name, orientation, upright_is_portrait
):
    source = Image.open(fixtures_dir / name)
    assert source.getexif().get(ExifTags.Base.Orientation) == orientation
    expected = ImageOps.exif_transpose(source).convert("RGB")
    as_stored = source.convert("RGB")

    display = _open(_process_fixture(fixtures_dir, name).display)

    assert display.size == expected.size
    assert (display.height > display.width) is upright_is_portrait
    # Looks like the upright picture, and unlike the pixels as stored (rotated
    # 90 or 180 degrees): a pipeline ignoring the orientation fails here.
    assert _mean_difference(display, expected) < 5
    assert _mean_difference(display, as_stored.resize(display.size)) > 20


@pytest.mark.fixtures
def test_the_real_iphone_photo_is_reduced_to_2048_on_its_longest_side(fixtures_dir):
    assert Image.open(fixtures_dir / "iphone_hdr_YES.jpg").size == (3264, 2448)

    photo = _process_fixture(fixtures_dir, "iphone_hdr_YES.jpg")

    assert (photo.width, photo.height) == (2048, 1536)
    assert _open(photo.display).size == (2048, 1536)


@pytest.mark.fixtures
def test_the_real_iphone_heic_comes_out_upright_without_metadata(fixtures_dir):
    source = Image.open(fixtures_dir / "iphone_13_pro_max.HEIC")
    # The camera stored it sideways; pillow_heif rotates it while decoding, so
    # a second rotation from EXIF would turn it back to landscape.
    assert source.info.get("original_orientation") == 6
    assert "exif" in source.info
    assert "icc_profile" in source.info

    photo = _process_fixture(fixtures_dir, "iphone_13_pro_max.HEIC")

    assert (photo.width, photo.height) == (1536, 2048)
    display = _open(photo.display)
    assert _mean_difference(display, source.convert("RGB").resize(display.size)) < 5
    _assert_no_metadata(photo.display)


@pytest.mark.fixtures
def test_the_invalid_set_jpeg_decodes_and_loses_its_embedded_xmp(fixtures_dir):
    raw = (fixtures_dir / "image01088.jpg").read_bytes()
    assert b"Telekom" in raw  # text of its XMP packet

    photo = _process_fixture(fixtures_dir, "image01088.jpg")

    assert (photo.width, photo.height) == (425, 120)
    assert b"Telekom" not in photo.display
    assert b"xpacket" not in photo.display


@pytest.mark.fixtures
def test_the_real_cmyk_jpeg_comes_out_as_rgb_with_its_colours(fixtures_dir):
    source = Image.open(fixtures_dir / "pil_sample_cmyk.jpg")
    assert source.mode == "CMYK"

    display = _open(_process_fixture(fixtures_dir, "pil_sample_cmyk.jpg").display)

    assert display.mode == "RGB"
    assert display.size == source.size
    # Close to Pillow's own CMYK reading, far from the inverted-ink misreading
    # that ignoring Adobe's convention produces.
    inverted = Image.frombytes(
        "CMYK", source.size, bytes(255 - value for value in source.tobytes())
    )
    assert _mean_difference(display, source.convert("RGB")) < 10
    assert _mean_difference(display, inverted.convert("RGB")) > 100
