"""Personas and factories shared by the whole suite."""

import uuid
from decimal import Decimal
from pathlib import Path

import pytest
from django.contrib.auth.models import Group

from cthainguyen import roles
from cthainguyen.models import Agency, StaffProfile, User, Ward
from reports import actions
from reports.models import Category

SHARED_FIXTURES = Path(__file__).resolve().parents[2] / "shared" / "fixtures"


def shared_fixture(*parts):
    """Return a path under ../shared/fixtures; skip where it is absent, fail in CI."""
    from tests.services import unavailable

    path = SHARED_FIXTURES.joinpath(*parts)
    if not path.exists():
        unavailable(f"shared fixture {path} is absent")
    return path


@pytest.fixture(autouse=True)
def _fresh_cache():
    # allauth's rate limits live in the cache; one test's sign-ups must not
    # throttle the next test's.
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def _tasks_in_process(request):
    """Run Celery tasks in the test process, even when REDIS_URL names a broker.

    Tests that exercise a real worker start their own processes, which read the
    environment and so use the broker.
    """
    from cthainguyen.celery import app

    saved = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = saved


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    # Real hashing costs about a second per persona; tests do not test it.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _isolated_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {
            "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        },
    }


def _make_user(email, name, **extra):
    return User.objects.create_user(
        email=email, password="correct horse battery", full_name=name, **extra
    )


def _make_staff(email, name, role, **profile):
    user = _make_user(email, name, is_staff=True)
    user.groups.add(Group.objects.get(name=role))
    StaffProfile.objects.create(user=user, **profile)
    return user


@pytest.fixture
def ward(db):
    return Ward.objects.get(name="Phường Phan Đình Phùng")


@pytest.fixture
def other_ward(db):
    return Ward.objects.get(name="Phường Linh Sơn")


@pytest.fixture
def agency(db):
    return Agency.objects.get(short_name="Sở Xây dựng")


@pytest.fixture
def other_agency(db):
    return Agency.objects.get(short_name="Công an tỉnh")


@pytest.fixture
def category(db):
    return Category.objects.get(slug="ha-tang")


@pytest.fixture
def citizen(db, ward):
    return _make_user(
        "an@example.com", "Nguyễn Văn An", phone="+84912345678", home_ward=ward
    )


@pytest.fixture
def other_citizen(db):
    return _make_user("binh@example.com", "Trần Thị Bình", phone="+84987654321")


@pytest.fixture
def officer(db, agency):
    return _make_staff(
        "officer@example.com", "Lê Văn Cường", roles.AGENCY_OFFICER, agency=agency
    )


@pytest.fixture
def other_officer(db, other_agency):
    return _make_staff(
        "police@example.com", "Phạm Văn Dũng", roles.AGENCY_OFFICER, agency=other_agency
    )


@pytest.fixture
def commune_official(db, ward):
    return _make_staff(
        "commune@example.com", "Hoàng Thị Em", roles.COMMUNE_OFFICIAL, ward=ward
    )


@pytest.fixture
def province_admin(db):
    return _make_staff("admin@example.com", "Vũ Văn Giang", roles.PROVINCE_ADMIN)


@pytest.fixture
def make_report(db, citizen, category, ward):
    """Create a report as a citizen would, through the domain function."""

    def make(reporter=None, **fields):
        values = {
            "category": category,
            "title": "Ổ gà trên đường Hoàng Văn Thụ",
            "description": "Ổ gà sâu khoảng 20 cm trước số nhà 25, xe máy dễ ngã.",
            "latitude": Decimal("21.594200"),
            "longitude": Decimal("105.848200"),
            "ward": ward,
            "address": "25 Hoàng Văn Thụ",
        }
        values.update(fields)
        return actions.submit_report(
            reporter or citizen, submission_key=uuid.uuid4(), **values
        )

    return make


def jpeg_upload(name="image.jpg", size=(800, 600), with_gps=True):
    """Return an uploaded JPEG as a phone sends it, GPS and camera make included."""
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    image = Image.new("RGB", size, (200, 60, 40))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    if with_gps:
        exif[0x8825] = {1: "N", 2: (21.0, 35.0, 39.0), 3: "E", 4: (105.0, 50.0, 53.0)}
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")
