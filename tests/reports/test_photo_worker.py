"""Photo derivatives are made by a Celery task after the request (eager here)."""

import io
import logging
import uuid

import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from kombu.exceptions import OperationalError
from PIL import Image

from cthainguyen.celery import app as celery_app
from reports import photo_tasks
from reports.models import Photo, Report
from reports.photo_tasks import (
    derive_pending_photos,
    make_photo_derivatives,
    queue_derivatives,
)
from reports.photos import (
    DISPLAY_MAX_SIDE,
    THUMBNAIL_MAX_SIDE,
    CheckedPhoto,
    check_photo,
    make_derivatives,
    process_photo,
)
from tests.conftest import jpeg_upload

pytestmark = pytest.mark.django_db

RED = (255, 0, 0)
GPS_SECRET = "THAINGUYEN-SECRET-SPOT-42"


@pytest.fixture(autouse=True)
def eager_celery(monkeypatch):
    # Eager whatever REDIS_URL says: these tests are about the task, not the broker.
    monkeypatch.setitem(celery_app.conf, "task_always_eager", True)
    monkeypatch.setitem(celery_app.conf, "task_eager_propagates", True)


def sideways_photo(size=(3000, 2000)):
    """A phone photo stored sideways (EXIF orientation 6) with GPS and a red corner."""
    image = Image.new("RGB", size, (0, 0, 255))
    image.paste(RED, (0, 0, size[0] // 10, size[1] // 10))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    exif[0x0112] = 6  # rotate 90° clockwise to view
    exif[0x8825] = {1: "N", 2: (21.0, 35.0, 39.0), 27: GPS_SECRET.encode()}
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif, quality=80)
    return SimpleUploadedFile("image.jpg", buffer.getvalue(), "image/jpeg")


def send(client, citizen, category, ward, photos):
    client.force_login(citizen)
    response = client.post(
        "/reports/new/",
        {
            "submission_key": str(uuid.uuid4()),
            "category": category.pk,
            "title": "Ổ gà trước cổng trường",
            "description": "Ổ gà sâu, học sinh đi xe đạp dễ ngã.",
            "latitude": "21.5942",
            "longitude": "105.8482",
            "ward": ward.pk,
            "photos": photos,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    return Report.objects.get()


def photo_list(page):
    start = page.index('<ul class="photos">')
    return page[start : page.index("</ul>", start)]


def stored_files(settings):
    root = settings.MEDIA_ROOT
    return (
        sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())
        if root.exists()
        else []
    )


def _decoded(data):
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


# Split of the work ---------------------------------------------------------


def test_check_photo_keeps_the_upload_byte_for_byte_and_refuses_like_before():
    upload = sideways_photo((400, 300))
    sent = upload.read()
    checked = check_photo(upload)
    assert isinstance(checked, CheckedPhoto)
    assert checked.data == sent
    assert checked.source_format == "JPEG"
    cut = SimpleUploadedFile("x.jpg", sent[: len(sent) // 2])
    with pytest.raises(ValidationError) as refused:
        check_photo(cut)
    assert refused.value.code == "damaged"


def test_process_photo_is_check_then_derive():
    upload = sideways_photo((400, 300))
    assert process_photo(upload) == make_derivatives(check_photo(upload).data)


# The request stores a private original and queues the task -------------------


def test_a_fresh_photo_is_a_placeholder_until_the_task_runs(
    client, citizen, category, ward, settings, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        report = send(client, citizen, category, ward, [sideways_photo()])
    photo = report.photos.get()
    assert not photo.ready
    assert photo.original.name.startswith("originals/")
    assert stored_files(settings) == [photo.original.name]
    page = client.get(f"/reports/{report.code}/").content.decode()
    assert 'class="photo-placeholder photo-pending"' in photo_list(page)
    assert "<img" not in photo_list(page)
    assert "originals/" not in page

    for callback in callbacks:  # the commit: the eager task runs now
        callback()

    photo.refresh_from_db()
    assert photo.ready
    assert photo.original.name == ""
    page = client.get(f"/reports/{report.code}/").content.decode()
    assert f'<img src="{photo.thumbnail.url}"' in photo_list(page)
    assert "photo-placeholder" not in page


def test_the_commit_queues_one_task_per_photo(
    client, citizen, category, ward, monkeypatch, django_capture_on_commit_callbacks
):
    broker = _Broker()
    monkeypatch.setattr(photo_tasks, "make_photo_derivatives", broker)
    with django_capture_on_commit_callbacks(execute=True):
        report = send(client, citizen, category, ward, [jpeg_upload(), jpeg_upload()])
    assert sorted(broker.queued) == sorted(report.photos.values_list("pk"))


def test_the_task_makes_an_upright_clean_display_image_and_thumbnail(
    client, citizen, category, ward, settings, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks():
        report = send(client, citizen, category, ward, [sideways_photo()])
    photo = report.photos.get()
    original = photo.original.name

    assert make_photo_derivatives(photo.pk) is True

    photo.refresh_from_db()
    display = photo.image.read()
    thumbnail = photo.thumbnail.read()
    for data in (display, thumbnail):
        assert data[:2] == b"\xff\xd8"
        assert b"Exif" not in data
        assert b"PhoneMaker" not in data
        assert GPS_SECRET.encode() not in data
        assert not _decoded(data).getexif()
    shown, small = _decoded(display), _decoded(thumbnail)
    # Stored 3000×2000 on its side: shown upright as a portrait.
    assert shown.size == (photo.width, photo.height) == (1365, 2048)
    assert max(shown.size) <= DISPLAY_MAX_SIDE
    assert max(small.size) <= THUMBNAIL_MAX_SIDE and small.height > small.width
    red_corner = shown.getpixel((shown.width - 20, 20))
    assert red_corner[0] > 200 and red_corner[2] < 60
    # The original, with its GPS, is gone from storage and from the row.
    assert not default_storage.exists(original)
    assert photo.original.name == ""
    assert stored_files(settings) == sorted([photo.image.name, photo.thumbnail.name])


def test_running_the_task_twice_changes_nothing(
    client, citizen, category, ward, settings, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        report = send(client, citizen, category, ward, [jpeg_upload()])
    photo = report.photos.get()
    assert photo.ready
    before = (photo.image.name, photo.thumbnail.name, photo.width, photo.height)
    files = stored_files(settings)

    assert make_photo_derivatives(photo.pk) is False
    make_photo_derivatives.delay(photo.pk)

    photo.refresh_from_db()
    assert (photo.image.name, photo.thumbnail.name, photo.width, photo.height) == before
    assert stored_files(settings) == files


def test_a_run_that_loses_the_race_removes_its_own_files(
    client, citizen, category, ward, settings, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks():
        report = send(client, citizen, category, ward, [jpeg_upload()])
    stale = report.photos.get()  # a second worker read the row before the first
    data = stale.original.read()
    stale.original.close()
    assert make_photo_derivatives(stale.pk) is True
    winner = Photo.objects.get(pk=stale.pk)
    files = stored_files(settings)

    assert photo_tasks._store_derivatives(stale, make_derivatives(data)) is False

    assert stored_files(settings) == files
    assert Photo.objects.get(pk=stale.pk).image.name == winner.image.name


def test_a_photo_whose_original_vanished_logs_once_and_shows_as_unavailable(
    client, citizen, category, ward, caplog, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks():
        report = send(client, citizen, category, ward, [jpeg_upload()])
    photo = report.photos.get()
    default_storage.delete(photo.original.name)
    caplog.set_level(logging.INFO, logger="reports.photo_tasks")

    assert make_photo_derivatives(photo.pk) is False
    assert make_photo_derivatives(photo.pk) is False
    assert derive_pending_photos(grace_seconds=0) == 0

    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1
    assert f"Photo {photo.pk} " in errors[0].getMessage()
    assert "missing" in errors[0].getMessage()
    assert errors[0].exc_info is None
    photo.refresh_from_db()
    assert photo.lost
    page = client.get(f"/reports/{report.code}/").content.decode()
    assert 'class="photo-placeholder photo-lost"' in photo_list(page)


def test_a_photo_deleted_before_its_task_runs_is_ignored(caplog):
    caplog.set_level(logging.INFO, logger="reports.photo_tasks")
    assert make_photo_derivatives(987654) is False
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


# Broker down, and the beat task that catches up -------------------------------


class _Broker:
    """Stands in for the task: records what is queued, or fails like Redis down."""

    def __init__(self, down=False):
        self.down, self.calls, self.queued = down, 0, []

    def apply_async(self, args, **options):
        self.calls += 1
        if self.down:
            raise OperationalError("Error 111 connecting to 127.0.0.1:6379.")
        self.queued.append(args)


def test_a_broker_down_does_not_fail_the_request_and_beat_catches_up(
    client,
    citizen,
    category,
    ward,
    monkeypatch,
    caplog,
    django_capture_on_commit_callbacks,
):
    broker = _Broker(down=True)
    monkeypatch.setattr(photo_tasks, "make_photo_derivatives", broker)
    with django_capture_on_commit_callbacks(execute=True):
        report = send(client, citizen, category, ward, [jpeg_upload(), jpeg_upload()])

    assert broker.calls == 1  # gives up at once, not once per photo
    assert "derive_pending_photos" in caplog.text
    assert not any(photo.ready for photo in report.photos.all())

    assert derive_pending_photos() == 0  # too fresh: their task may be queued
    Photo.objects.update(created_at=timezone.now() - photo_tasks.PENDING_GRACE)
    assert derive_pending_photos() == 2
    assert all(photo.ready for photo in report.photos.all())
    assert not Photo.objects.exclude(original="").exists()


def test_queue_derivatives_never_raises(monkeypatch):
    monkeypatch.setattr(photo_tasks, "make_photo_derivatives", _Broker(down=True))
    queue_derivatives([1, 2, 3])


def test_beat_deletes_an_original_left_behind_after_the_derivatives(
    client, citizen, category, ward, monkeypatch, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks():
        report = send(client, citizen, category, ward, [jpeg_upload()])
    photo = report.photos.get()
    original = photo.original.name

    def storage_down(name):
        raise OSError("storage unreachable")

    with monkeypatch.context() as patched:
        patched.setattr(default_storage, "delete", storage_down)
        assert make_photo_derivatives(photo.pk) is True
    photo.refresh_from_db()
    assert photo.ready and photo.original.name == original

    Photo.objects.update(created_at=timezone.now() - photo_tasks.PENDING_GRACE)
    derive_pending_photos()

    photo.refresh_from_db()
    assert photo.original.name == ""
    assert not default_storage.exists(original)


def test_photos_made_by_process_photo_are_ready_at_once(make_report):
    report = make_report(photos=[process_photo(jpeg_upload())])
    photo = report.photos.get()
    assert photo.ready and photo.original.name == ""
