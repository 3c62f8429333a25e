"""A citizen sends, follows and rates reports through the public pages."""

import uuid
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from reports import actions
from reports.models import Event, Photo, Report
from reports.photo_tasks import derive_pending_photos
from tests.conftest import jpeg_upload

pytestmark = pytest.mark.django_db


def form_data(category, ward, **overrides):
    data = {
        "submission_key": str(uuid.uuid4()),
        "category": category.pk,
        "title": "Rác thải ở ngã tư Đồng Quang",
        "description": "Rác để ba ngày chưa được thu gom, bốc mùi.",
        "latitude": "21.5942",
        "longitude": "105.8482",
        "ward": ward.pk,
        "address": "Ngã tư Đồng Quang",
    }
    data.update(overrides)
    return data


def media_files(settings):
    root = settings.MEDIA_ROOT
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def test_the_form_asks_anonymous_visitors_to_log_in(client):
    response = client.get("/reports/new/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_a_citizen_sends_a_report_with_a_photo_and_lands_on_its_page(
    client, citizen, category, ward, settings
):
    client.force_login(citizen)
    data = form_data(category, ward, photos=[jpeg_upload(), jpeg_upload()])
    response = client.post("/reports/new/", data)
    report = Report.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/reports/{report.code}/"
    assert report.state == Report.State.NEW
    assert report.latitude == Decimal("21.594200")
    assert report.photos.count() == 2
    derive_pending_photos(grace_seconds=0)  # the worker's part, after the commit
    assert len(media_files(settings)) == 4
    assert list(report.events.values_list("kind", flat=True)) == [Event.Kind.SUBMITTED]
    page = client.get(response["Location"])
    assert report.code in page.content.decode()


def test_a_double_tap_creates_one_report(client, citizen, category, ward):
    client.force_login(citizen)
    data = form_data(category, ward)
    first = client.post("/reports/new/", data)
    second = client.post("/reports/new/", data)
    assert Report.objects.count() == 1
    assert first["Location"] == second["Location"]


@pytest.mark.parametrize(
    ("latitude", "longitude", "message"),
    [
        ("0", "0", "Chọn vị trí trên bản đồ"),
        ("91", "105.8", "Chọn vị trí trên bản đồ"),
        ("abc", "105.8", "Chọn vị trí trên bản đồ"),
        ("NaN", "105.8", "Chọn vị trí trên bản đồ"),
        ("21.0285", "105.8542", "ngoài tỉnh Thái Nguyên"),
        ("105.8482", "21.5942", "ngoài tỉnh Thái Nguyên"),
        ("", "", "Chọn vị trí trên bản đồ"),
    ],
)
def test_a_place_outside_the_province_or_nonsense_is_refused_in_vietnamese(
    client, citizen, category, ward, latitude, longitude, message
):
    client.force_login(citizen)
    data = form_data(category, ward, latitude=latitude, longitude=longitude)
    response = client.post("/reports/new/", data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert Report.objects.count() == 0


def test_a_bad_photo_leaves_no_report_and_no_file(
    client, citizen, category, ward, settings
):
    client.force_login(citizen)
    fake = SimpleUploadedFile("x.jpg", b"this is not an image", "image/jpeg")
    data = form_data(category, ward, photos=[jpeg_upload(), fake])
    response = client.post("/reports/new/", data)
    assert response.status_code == 200
    assert "x.jpg" in response.content.decode()
    assert Report.objects.count() == 0
    assert media_files(settings) == []


def test_more_than_five_photos_are_refused(client, citizen, category, ward):
    client.force_login(citizen)
    data = form_data(category, ward, photos=[jpeg_upload() for _ in range(6)])
    response = client.post("/reports/new/", data)
    assert "Gửi tối đa 5 ảnh" in response.content.decode()
    assert Report.objects.count() == 0


def test_a_retired_category_takes_no_new_report(client, citizen, category, ward):
    category.is_active = False
    category.save()
    client.force_login(citizen)
    response = client.post("/reports/new/", form_data(category, ward))
    assert response.status_code == 200
    assert Report.objects.count() == 0


def test_text_is_stored_in_nfc(client, citizen, category, ward):
    client.force_login(citizen)
    decomposed = "Đu\u031bo\u031b\u0300ng ngập"  # "Đường ngập" typed as NFD
    client.post("/reports/new/", form_data(category, ward, title=decomposed))
    assert Report.objects.get().title == "Đường ngập"


def test_a_new_report_is_seen_by_its_reporter_only(
    client, make_report, citizen, other_citizen
):
    report = make_report()
    url = f"/reports/{report.code}/"
    assert client.get(url).status_code == 404
    client.force_login(other_citizen)
    assert client.get(url).status_code == 404
    client.force_login(citizen)
    assert client.get(url).status_code == 200


def test_a_received_report_is_public(client, make_report, officer):
    report = make_report()
    actions.receive_report(report, officer)
    assert client.get(f"/reports/{report.code}/").status_code == 200


def test_a_duplicate_leads_its_reporter_to_the_original(
    client, make_report, officer, citizen
):
    original = make_report(title="Cột đèn hỏng")
    copy = make_report(title="Đèn đường không sáng")
    actions.receive_report(original, officer)
    actions.receive_report(copy, officer)
    actions.mark_duplicate(copy, officer, original=original)
    client.force_login(citizen)
    page = client.get(f"/reports/{copy.code}/").content.decode()
    assert f'href="/reports/{original.code}/"' in page
    client.logout()
    assert client.get(f"/reports/{copy.code}/").status_code == 404


def test_the_reporter_rates_a_resolved_report_once(
    client, make_report, officer, citizen
):
    report = make_report()
    actions.receive_report(report, officer)
    actions.resolve_report(report, officer, response="Đã vá ổ gà.")
    client.force_login(citizen)
    client.post(f"/reports/{report.code}/rate/", {"rating": "satisfied"})
    again = client.post(
        f"/reports/{report.code}/rate/", {"rating": "unsatisfied"}, follow=True
    )
    report.refresh_from_db()
    assert report.rating == "satisfied"
    assert "Bạn đã đánh giá phản ánh này" in again.content.decode()


def test_nobody_but_the_reporter_can_rate(client, make_report, officer, other_citizen):
    report = make_report()
    actions.receive_report(report, officer)
    actions.resolve_report(report, officer, response="Đã vá ổ gà.")
    client.force_login(other_citizen)
    response = client.post(f"/reports/{report.code}/rate/", {"rating": "satisfied"})
    assert response.status_code == 404
    report.refresh_from_db()
    assert report.rating == ""


def test_an_open_report_cannot_be_rated(client, make_report, officer, citizen):
    report = make_report()
    actions.receive_report(report, officer)
    client.force_login(citizen)
    client.post(f"/reports/{report.code}/rate/", {"rating": "satisfied"})
    report.refresh_from_db()
    assert report.rating == ""


def test_my_reports_lists_mine_with_their_states(
    client, make_report, citizen, other_citizen, officer
):
    mine = make_report(title="Của tôi")
    make_report(reporter=other_citizen, title="Của người khác")
    actions.receive_report(mine, officer)
    client.force_login(citizen)
    page = client.get("/reports/mine/").content.decode()
    assert "Của tôi" in page
    assert "Của người khác" not in page
    assert "Đã tiếp nhận" in page


def test_photos_are_stored_without_their_metadata(client, citizen, category, ward):
    client.force_login(citizen)
    client.post(
        "/reports/new/", form_data(category, ward, photos=[jpeg_upload("me.jpg")])
    )
    derive_pending_photos(grace_seconds=0)  # the worker's part, after the commit
    photo = Photo.objects.get()
    stored = photo.image.read()
    assert b"PhoneMaker" not in stored
    assert b"Exif" not in stored
    assert "me" not in photo.image.name


def test_a_tampered_submission_key_still_sends_one_report(
    client, citizen, category, ward
):
    client.force_login(citizen)
    response = client.post(
        "/reports/new/", form_data(category, ward, submission_key="not-a-uuid")
    )
    assert response.status_code == 302
    assert Report.objects.count() == 1


def test_an_original_photo_is_never_served(client, citizen, category, ward, settings):
    client.force_login(citizen)
    client.post("/reports/new/", form_data(category, ward, photos=[jpeg_upload()]))
    original = Photo.objects.get().original.name
    assert original.startswith("originals/")
    assert client.get(f"/media/{original}").status_code == 404
