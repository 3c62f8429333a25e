"""A field report's whole life in a real browser.

A citizen signs up on a phone, confirms the emailed code, sends a report with a
photo and a tapped place; an agency officer receives, starts and resolves it in the
admin; the citizen rates the result; an anonymous visitor reads it and the figures.
Every public and citizen page is audited with axe-core and watched for JS errors and
CSP refusals, and nothing may reach a host outside this machine.
"""

import re
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.core import mail

from cthainguyen import roles
from cthainguyen.geo import in_province
from cthainguyen.models import StaffProfile, User
from reports.models import Report
from tests.browser.helpers import Audit, photo_with_gps
from tests.conftest import SHARED_FIXTURES

pytestmark = [
    pytest.mark.browser,
    # Transactional, so the live server's thread sees the test's rows; the rows
    # the migrations made (wards, categories, roles) are restored for it.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 3,
    "is_mobile": True,
    "has_touch": True,
    "locale": "vi-VN",
    # No geolocation permission: the citizen taps the map instead.
    "permissions": [],
}
DESKTOP = {"viewport": {"width": 1366, "height": 900}, "locale": "vi-VN"}
PASSWORD = "correct horse battery"
CITIZEN_EMAIL = "hoa.tran@example.com"
CITIZEN_NAME = "Trần Thị Hoa"
TITLE = "Ổ gà lớn trước số nhà 25 Hoàng Văn Thụ"
DESCRIPTION = "Ổ gà sâu khoảng 20 cm giữa làn xe máy, đã có người ngã tối qua."
RESPONSE = "Đã vá ổ gà bằng bê tông nhựa nóng ngày hôm nay."
CODE_LINE = re.compile(r"^\s*([A-Z0-9]{3,}(?:-[A-Z0-9]{3,})*)\s*$", re.MULTILINE)
# Thái Nguyên city, where the generated phone photo says it was taken.
PHOTO_PLACE = (21.5942, 105.8482)
ITALIAN_PHOTO = SHARED_FIXTURES / "photos" / "DSCN0010.jpg"


def emailed_code(address):
    for message in reversed(mail.outbox):
        if address in message.to:
            match = CODE_LINE.search(message.body)
            assert match, f"no code in the email:\n{message.body}"
            return match.group(1)
    raise AssertionError(f"no email was sent to {address}")


def make_officer(agency):
    """An agency officer as tests/conftest.py's personas make them."""
    # The post_migrate hook that grants the roles' permissions does not run yet
    # (cthainguyen's default app config is not PortalConfig): grant them here,
    # as tests/reports/test_admin.py does.
    roles.sync_role_permissions()
    user = User.objects.create_user(
        email="officer.xd@example.com",
        password=PASSWORD,
        full_name="Lê Văn Cường",
        is_staff=True,
    )
    user.groups.add(Group.objects.get(name=roles.AGENCY_OFFICER))
    StaffProfile.objects.create(user=user, agency=agency)
    return user


def test_a_report_goes_from_a_phone_to_a_published_rated_result(
    chromium, live_server, local_tiles, watcher, artifacts, tmp_path, category, ward
):
    base = live_server.url
    audit = Audit(artifacts)
    assert category.default_agency is not None

    # 1. The citizen signs up on a phone and confirms the emailed code.
    phone = watcher.new_page(chromium, "citizen", **PHONE)
    phone.goto(base + "/")
    audit.shot(phone, "home")
    phone.goto(base + "/accounts/signup/")
    audit.shot(phone, "signup")
    phone.fill("#id_email", CITIZEN_EMAIL)
    phone.fill("#id_full_name", CITIZEN_NAME)
    phone.fill("#id_password1", PASSWORD)
    phone.fill("#id_password2", PASSWORD)
    phone.locator("main form[method=post] [type=submit]").last.tap()
    phone.wait_for_url("**/accounts/confirm-email/**")
    audit.shot(phone, "confirm-email")
    phone.fill("#id_code", emailed_code(CITIZEN_EMAIL))
    phone.locator("main form[method=post] [type=submit]").first.tap()
    phone.wait_for_url(base + "/")
    citizen = User.objects.get(email=CITIZEN_EMAIL)
    assert citizen.full_name == CITIZEN_NAME
    assert citizen.emailaddress_set.get().verified
    phone.locator("form[action$='/accounts/logout/'] button").wait_for()

    # 2. The citizen sends a report with photos and a place tapped on the map.
    phone.goto(base + "/reports/new/")
    phone.locator("#pick-map .leaflet-tile-loaded").first.wait_for()
    audit.shot(phone, "report-form")
    phone.select_option("#id_category", str(category.pk))
    phone.fill("#id_title", TITLE)
    phone.fill("#id_description", DESCRIPTION)
    latitude, longitude = phone.locator("#id_latitude"), phone.locator("#id_longitude")
    status = phone.locator("#location-status")
    photos = [photo_with_gps(tmp_path / "o-ga.jpg", *PHOTO_PLACE)]
    if ITALIAN_PHOTO.exists():
        # A real camera photo whose GPS is in Italy: the form must not take it.
        phone.set_input_files("#id_photos", ITALIAN_PHOTO)
        status.filter(has_text=re.compile(r"\S")).wait_for()
        refusal = phone.locator("#pick-map").get_attribute("data-msg-photo-outside")
        assert status.inner_text() == refusal
        assert latitude.input_value() == longitude.input_value() == ""
        photos.append(ITALIAN_PHOTO)
    # The phone photo carries the place in EXIF: the form takes it from there.
    phone.set_input_files("#id_photos", photos)
    phone.wait_for_function("() => document.getElementById('id_latitude').value !== ''")
    assert float(latitude.input_value()) == pytest.approx(PHOTO_PLACE[0], abs=1e-3)
    assert float(longitude.input_value()) == pytest.approx(PHOTO_PLACE[1], abs=1e-3)
    exif_place = (latitude.input_value(), longitude.input_value())
    # The citizen then taps the map a little off its centre, which moves the pin.
    box = phone.locator("#pick-map").bounding_box()
    phone.locator("#pick-map").tap(
        position={"x": box["width"] / 2 + 60, "y": box["height"] / 2 + 40}
    )
    phone.wait_for_function(
        "([lat, lng]) => document.getElementById('id_latitude').value !== lat"
        " || document.getElementById('id_longitude').value !== lng",
        arg=list(exif_place),
    )
    picked = (Decimal(latitude.input_value()), Decimal(longitude.input_value()))
    assert in_province(*picked)
    phone.select_option("#id_ward", str(ward.pk))
    audit.shot(phone, "report-form-filled", axe=False)
    # Two quick taps on "send" while the first submission is under way.
    phone.locator("#submit-report").dblclick()
    phone.wait_for_url(re.compile(r"/reports/PA-[A-Z0-9]{8}/$"))
    assert Report.objects.count() == 1
    report = Report.objects.get()
    assert report.reporter == citizen
    assert report.photos.count() == len(photos)
    assert (report.latitude, report.longitude) == picked
    assert phone.locator(".report-code strong").inner_text() == report.code
    assert report.code.startswith("PA-")
    phone.locator(".photos img").first.wait_for()
    audit.shot(phone, "report-sent")

    # 3. An agency officer handles it in the admin, on a desktop.
    officer = make_officer(category.default_agency)
    desk = watcher.new_page(chromium, "officer", **DESKTOP)
    desk.goto(base + "/admin/login/?next=/admin/reports/report/")
    desk.fill("#id_username", officer.email)
    desk.fill("#id_password", PASSWORD)
    desk.locator("#login-form [type=submit]").click()
    desk.wait_for_url(re.compile(r"/admin/reports/report/$"))
    audit.shot(desk, "admin-queue", axe=False)
    desk.locator("#result_list").get_by_role("link", name=report.code).click()
    change_url = f"**/admin/reports/report/{report.pk}/change/"
    desk.wait_for_url(change_url)
    audit.shot(desk, "admin-report", axe=False)

    def workflow(step, **fields):
        details = desk.locator(f"#workflow-{step}")
        details.locator("summary").click()
        for name, value in fields.items():
            details.locator(f"[name={step}-{name}]").fill(value)
        details.locator("input[type=submit]").click()
        desk.wait_for_url(change_url)
        desk.locator(".messagelist .success").wait_for()

    workflow("receive", note="Đã chuyển Sở Xây dựng xử lý.")
    workflow("start")
    workflow("resolve", response=RESPONSE)
    report.refresh_from_db()
    assert report.state == Report.State.RESOLVED
    assert report.response == RESPONSE
    audit.shot(desk, "admin-resolved", axe=False)

    # 4. The citizen reloads the report page, reads the response and rates it.
    phone.reload()
    phone.locator(".response").get_by_text(RESPONSE).wait_for()
    audit.shot(phone, "report-resolved")
    phone.locator("input[name=rating][value=satisfied]").check()
    phone.locator(".rating-form [type=submit]").tap()
    rating = phone.locator(".rating .rating-satisfied")
    rating.wait_for()
    assert re.search("hài lòng|satisfied", rating.inner_text(), re.IGNORECASE)
    assert not phone.locator(".rating-form").count()
    audit.shot(phone, "report-rated")
    report.refresh_from_db()
    assert report.rating == Report.Rating.SATISFIED

    # 5. An anonymous visitor reads the list, the report and the figures.
    visitor = watcher.new_page(chromium, "visitor", **PHONE)
    visitor.goto(base + "/reports/")
    visitor.locator("#reports-map .leaflet-tile-loaded").first.wait_for()
    visitor.locator(".report-cards").get_by_role("link", name=TITLE).wait_for()
    assert CITIZEN_EMAIL not in visitor.content()
    audit.shot(visitor, "list")
    visitor.locator(".report-cards").get_by_role("link", name=TITLE).tap()
    visitor.wait_for_url(f"**/reports/{report.code}/")
    visitor.locator(".response").get_by_text(RESPONSE).wait_for()
    assert visitor.locator("h1").inner_text() == TITLE
    assert CITIZEN_EMAIL not in visitor.content()
    assert not visitor.locator(".rating-form").count()
    audit.shot(visitor, "public-report")
    visitor.goto(base + "/stats/")
    assert visitor.locator("#fig-received").inner_text() == "1"
    assert visitor.locator("#fig-resolved").inner_text() == "1"
    assert visitor.locator("#fig-rated").inner_text() == "1"
    audit.shot(visitor, "stats")

    assert watcher.outside_requests == [], "requests left the machine"
    assert watcher.errors == [], "\n".join(watcher.errors)
    assert audit.violations == [], "\n".join(audit.violations)
