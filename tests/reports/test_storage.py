"""Media on S3-compatible storage, against moto's S3 server started on loopback.

The storage is configured by running cthainguyen/settings.py with the S3_*
variables an operator sets, so what is tested is the settings' own S3 block.
"""

import html
import logging
import re
import runpy
import threading
import urllib.error
import urllib.request
import uuid
from unittest import mock

import boto3
import pytest
from django.core.files.storage import default_storage, storages
from django.core.files.uploadedfile import SimpleUploadedFile
from storages.backends.s3 import S3Storage

import cthainguyen.settings
from cthainguyen.celery import app as celery_app
from reports import stats
from reports.models import Photo, Report
from reports.photo_tasks import make_photo_derivatives
from tests.conftest import jpeg_upload
from tests.services import unavailable

pytestmark = pytest.mark.django_db

ACCESS_KEY, SECRET_KEY = "portal-test-key", "portal-test-secret"
# Straight to loopback, whatever proxy the environment names.
DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))


@pytest.fixture(scope="session")
def moto_endpoint():
    """Serve moto's S3 server mode on a random loopback port for the session.

    The server runs in a thread of the test process, so it cannot outlive a
    killed test run; boto3, django-storages and urllib reach it over real HTTP.
    """
    try:
        from moto.moto_server.werkzeug_app import (
            DomainDispatcherApplication,
            MotoRequestHandler,
            create_backend_app,
        )
        from werkzeug.serving import make_server

        server = make_server(
            "127.0.0.1",
            0,
            DomainDispatcherApplication(create_backend_app),
            threaded=True,
            request_handler=MotoRequestHandler,
        )
    except Exception as error:  # ImportError, OSError from bind, ...
        unavailable(f"moto's S3 server cannot start on 127.0.0.1: {error!r}")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    endpoint = f"http://127.0.0.1:{server.server_port}"
    try:
        with DIRECT.open(f"{endpoint}/moto-api/data.json", timeout=10):
            pass
    except OSError as error:
        server.shutdown()
        unavailable(f"moto's S3 server does not answer at {endpoint}: {error!r}")
    yield endpoint
    server.shutdown()
    server.server_close()
    thread.join(timeout=10)


class Bucket:
    def __init__(self, endpoint, name):
        self.endpoint, self.name = endpoint, name
        self.client = boto3.client(
            "s3",
            endpoint_url=endpoint,
            aws_access_key_id=ACCESS_KEY,
            aws_secret_access_key=SECRET_KEY,
            region_name="us-east-1",
        )
        self.client.create_bucket(Bucket=name)

    def keys(self):
        listing = self.client.list_objects_v2(Bucket=self.name)
        return sorted(item["Key"] for item in listing.get("Contents", []))

    def body(self, key):
        return self.client.get_object(Bucket=self.name, Key=key)["Body"].read()

    def public_url(self, key):
        return f"{self.endpoint}/{self.name}/{key}"


@pytest.fixture
def bucket(moto_endpoint, settings, monkeypatch):
    """A fresh bucket, and the default storage configured as settings.py does it."""
    bucket = Bucket(moto_endpoint, f"portal-media-{uuid.uuid4().hex[:12]}")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    for name, value in {
        "S3_BUCKET": bucket.name,
        "S3_ENDPOINT_URL": moto_endpoint,
        "S3_ACCESS_KEY_ID": ACCESS_KEY,
        "S3_SECRET_ACCESS_KEY": SECRET_KEY,
    }.items():
        monkeypatch.setenv(name, value)
    configured = runpy.run_path(cthainguyen.settings.__file__)["STORAGES"]["default"]
    # Changing STORAGES resets django's cached storages (setting_changed).
    settings.STORAGES = {**settings.STORAGES, "default": configured}
    return bucket


@pytest.fixture(autouse=True)
def eager_celery(monkeypatch):
    monkeypatch.setitem(celery_app.conf, "task_always_eager", True)
    monkeypatch.setitem(celery_app.conf, "task_eager_propagates", True)


def send(client, citizen, category, ward, photos):
    client.force_login(citizen)
    return client.post(
        "/reports/new/",
        {
            "submission_key": str(uuid.uuid4()),
            "category": category.pk,
            "title": "Cột điện nghiêng",
            "description": "Cột điện nghiêng sau bão, có thể đổ vào nhà dân.",
            "latitude": "21.5942",
            "longitude": "105.8482",
            "ward": ward.pk,
            "photos": photos,
        },
    )


def get(url):
    try:
        with DIRECT.open(url, timeout=10) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def test_every_photo_field_stores_in_the_configured_bucket(bucket):
    assert isinstance(storages["default"], S3Storage)
    for name in ("original", "image", "thumbnail"):
        storage = Photo._meta.get_field(name).storage
        assert storage is default_storage  # bound lazily, so it follows settings
        assert isinstance(storage, S3Storage)
        assert storage.bucket_name == bucket.name
        assert storage.querystring_auth and not storage.file_overwrite
        assert storage.default_acl is None


def test_two_phones_sending_image_jpg_never_overwrite_each_other(
    client, citizen, category, ward, bucket, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        response = send(client, citizen, category, ward, [jpeg_upload(), jpeg_upload()])
    assert response.status_code == 302
    originals = bucket.keys()
    assert len(originals) == 2
    assert all(key.startswith("originals/") for key in originals)

    for callback in callbacks:
        callback()

    photos = list(Report.objects.get().photos.all())
    keys = bucket.keys()
    assert len(keys) == 4
    assert sorted(k for p in photos for k in (p.image.name, p.thumbnail.name)) == keys
    assert not any("image" in key for key in keys)


def test_the_original_is_private_and_deleted_once_the_derivatives_exist(
    client, citizen, category, ward, bucket, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        send(client, citizen, category, ward, [jpeg_upload()])
    photo = Photo.objects.get()
    original = photo.original.name
    assert bucket.keys() == [original]
    assert b"PhoneMaker" in bucket.body(original)  # as the phone sent it
    assert get(bucket.public_url(original))[0] == 403

    for callback in callbacks:
        callback()

    photo.refresh_from_db()
    assert photo.ready and photo.original.name == ""
    assert original not in bucket.keys()


def test_stored_photos_have_no_metadata_and_no_public_access(
    client, citizen, category, ward, bucket, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        send(client, citizen, category, ward, [jpeg_upload()])
    keys = bucket.keys()
    assert len(keys) == 2
    for key in keys:
        body = bucket.body(key)
        assert body[:2] == b"\xff\xd8"
        assert b"Exif" not in body and b"PhoneMaker" not in body
        grants = bucket.client.get_object_acl(Bucket=bucket.name, Key=key)["Grants"]
        assert [grant["Permission"] for grant in grants] == ["FULL_CONTROL"]
        assert all(grant["Grantee"]["Type"] == "CanonicalUser" for grant in grants)
        status, _, _ = get(bucket.public_url(key))
        assert status == 403


def test_the_page_links_signed_urls_that_work(
    client, citizen, category, ward, bucket, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = send(client, citizen, category, ward, [jpeg_upload()])
    page = client.get(response["Location"]).content.decode()
    photos = page[page.index('<ul class="photos">') :]
    link = re.search(r'<a href="([^"]+)"><img src="([^"]+)"', photos)
    assert link, photos[:500]
    assert "originals/" not in page
    photo = Photo.objects.get()
    for url, key in zip(
        map(html.unescape, link.groups()),
        (photo.image.name, photo.thumbnail.name),
        strict=True,
    ):
        assert url.startswith(f"{bucket.endpoint}/{bucket.name}/{key}?")
        assert "X-Amz-Signature=" in url and "X-Amz-Expires=" in url
        status, headers, body = get(url)
        assert status == 200
        assert headers["Content-Type"] == "image/jpeg"
        assert body == bucket.body(key)
        assert get(url.split("?")[0])[0] == 403


def test_a_refused_photo_leaves_nothing_in_the_bucket(
    client, citizen, category, ward, bucket
):
    fake = SimpleUploadedFile("image.jpg", b"not a photo at all", "image/jpeg")
    response = send(client, citizen, category, ward, [jpeg_upload(), fake])
    assert response.status_code == 200
    assert Report.objects.count() == 0
    assert bucket.keys() == []


def test_a_failure_after_the_originals_were_written_removes_them(
    client, citizen, category, ward, bucket
):
    with mock.patch.object(stats, "record_change", side_effect=RuntimeError("boom")):
        with pytest.raises(RuntimeError):
            send(client, citizen, category, ward, [jpeg_upload(), jpeg_upload()])
    assert Report.objects.count() == 0
    assert bucket.keys() == []


def test_an_original_gone_from_the_bucket_is_logged_once_without_a_traceback(
    client, citizen, category, ward, bucket, caplog, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks():
        send(client, citizen, category, ward, [jpeg_upload()])
    photo = Photo.objects.get()
    bucket.client.delete_object(Bucket=bucket.name, Key=photo.original.name)

    assert make_photo_derivatives(photo.pk) is False
    assert make_photo_derivatives(photo.pk) is False

    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert [r.exc_info for r in errors] == [None]
    assert "missing" in errors[0].getMessage()
    assert bucket.keys() == []
