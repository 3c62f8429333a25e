"""The core admin: accounts, wards and communes, agencies; and the map widget."""

from decimal import Decimal

import pytest
from django import forms
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.urls import reverse

from cthainguyen import roles
from cthainguyen.models import Agency, StaffProfile, User
from cthainguyen.widgets import LatLngMapWidget

USERS = reverse("admin:cthainguyen_user_changelist")
WARDS = reverse("admin:cthainguyen_ward_changelist")
AGENCIES = reverse("admin:cthainguyen_agency_changelist")


@pytest.fixture
def client(client):
    """Return the test client asking for the English admin."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture
def superuser(db):
    return User.objects.create_superuser(
        "root@example.com", "correct horse battery", full_name="Quản trị hệ thống"
    )


def listed(response):
    return list(response.context["cl"].result_list)


def agency_url(agency):
    return reverse("admin:cthainguyen_agency_change", args=[agency.pk])


# Accounts.


def test_a_superuser_creates_a_staff_account_with_a_password_and_a_role(
    client, superuser, ward
):
    client.force_login(superuser)
    officer_role = Group.objects.get(name=roles.AGENCY_OFFICER)

    response = client.post(
        reverse("admin:cthainguyen_user_add"),
        {
            "email": "Moi.CanBo@Example.com",
            "full_name": "Đỗ Thị Hoa",
            "phone": "0912 000 111",
            "home_ward": ward.pk,
            "is_staff": "on",
            "groups": [officer_role.pk],
            "usable_password": "true",
            "password1": "khong-de-doan-2026",
            "password2": "khong-de-doan-2026",
        },
    )

    assert response.status_code == 302
    user = User.objects.get(email="moi.canbo@example.com")
    assert (user.full_name, user.phone, user.is_staff) == (
        "Đỗ Thị Hoa",
        "+84912000111",
        True,
    )
    assert list(user.groups.values_list("name", flat=True)) == [roles.AGENCY_OFFICER]
    assert user.check_password("khong-de-doan-2026")


def test_a_staff_account_needs_an_email_and_a_free_one(client, superuser, citizen):
    client.force_login(superuser)
    base = {
        "full_name": "Đỗ Thị Hoa",
        "usable_password": "true",
        "password1": "khong-de-doan-2026",
        "password2": "khong-de-doan-2026",
    }

    missing = client.post(reverse("admin:cthainguyen_user_add"), base)
    taken = client.post(
        reverse("admin:cthainguyen_user_add"), {**base, "email": "AN@example.com"}
    )

    assert missing.context["adminform"].form.errors["email"] == [
        "This field is required."
    ]
    assert taken.context["adminform"].form.errors["email"] == [
        "Another account already uses this email."
    ]
    assert User.objects.filter(full_name="Đỗ Thị Hoa").count() == 0


def test_the_staff_profile_is_edited_inline_on_the_account(
    client, superuser, officer, other_agency
):
    client.force_login(superuser)
    page = client.get(reverse("admin:cthainguyen_user_change", args=[officer.pk]))
    form = page.context["adminform"].form
    data = {
        name: value
        for name, value in form.initial.items()
        if name in form.fields and value is not None
    }
    data["groups"] = [group.pk for group in officer.groups.all()]
    data.pop("user_permissions", None)
    data.pop("password", None)
    data.update(
        {
            "staff_profile-TOTAL_FORMS": "1",
            "staff_profile-INITIAL_FORMS": "1",
            "staff_profile-MIN_NUM_FORMS": "0",
            "staff_profile-MAX_NUM_FORMS": "1",
            "staff_profile-0-id": officer.staff_profile.pk,
            "staff_profile-0-user": officer.pk,
            "staff_profile-0-title": "Chuyên viên",
            "staff_profile-0-agency": other_agency.pk,
            "staff_profile-0-ward": "",
        }
    )

    response = client.post(
        reverse("admin:cthainguyen_user_change", args=[officer.pk]), data
    )

    assert response.status_code == 302
    profile = StaffProfile.objects.get(user=officer)
    assert (profile.title, profile.agency) == ("Chuyên viên", other_agency)


def test_user_search_finds_people_by_name_email_or_phone_as_typed(
    client, superuser, citizen, other_citizen
):
    client.force_login(superuser)

    def found(query):
        return listed(client.get(USERS, {"q": query}))

    assert found("Văn An") == [citizen]
    assert found("binh@example") == [other_citizen]
    assert found("+84987654321") == [other_citizen]
    assert found("0912 345 678") == [citizen]


def test_a_province_administrator_manages_accounts_but_never_superusers(
    client, province_admin, superuser, citizen
):
    client.force_login(province_admin)

    response = client.get(USERS)
    superuser_page = client.get(
        reverse("admin:cthainguyen_user_change", args=[superuser.pk])
    )
    citizen_page = client.get(
        reverse("admin:cthainguyen_user_change", args=[citizen.pk])
    )

    assert response.status_code == 200
    assert superuser not in listed(response)
    assert citizen in listed(response)
    assert superuser_page.status_code == 302
    assert "is_superuser" not in citizen_page.context["adminform"].form.fields


# Wards and communes.


def test_wards_are_listed_read_only_and_found_without_accents(
    client, province_admin, ward
):
    client.force_login(province_admin)

    found = client.get(WARDS, {"q": "phan dinh phung"})
    page = client.get(reverse("admin:cthainguyen_ward_change", args=[ward.pk]))
    edit = client.post(
        reverse("admin:cthainguyen_ward_change", args=[ward.pk]), {"name": "Đổi tên"}
    )

    assert listed(found) == [ward]
    assert list(page.context["adminform"].form.fields) == []
    assert edit.status_code == 403
    assert client.get(reverse("admin:cthainguyen_ward_add")).status_code == 403
    ward.refresh_from_db()
    assert ward.name == "Phường Phan Đình Phùng"


def test_an_agency_officer_has_no_ward_list(client, officer):
    client.force_login(officer)

    assert client.get(WARDS).status_code == 403


# Agencies.


def test_an_officer_sees_and_edits_only_their_own_agency(
    client, officer, agency, other_agency
):
    client.force_login(officer)

    listing = client.get(AGENCIES)
    foreign = client.get(agency_url(other_agency))
    saved = client.post(
        agency_url(agency),
        {
            "short_name": "Sở XD",
            "email": "tiepnhan@soxaydung.example",
            "phone": "0208 385 5555",
            "name": "Tên khác",
            "is_active": "",
        },
    )

    assert listed(listing) == [agency]
    assert foreign.status_code == 404
    assert client.post(agency_url(other_agency), {"email": "x@y.z"}).status_code == 404
    assert saved.status_code == 302
    agency.refresh_from_db()
    assert (agency.short_name, agency.email, agency.phone) == (
        "Sở XD",
        "tiepnhan@soxaydung.example",
        "0208 385 5555",
    )
    # The name and the active flag are the province's to change.
    assert (agency.name, agency.is_active) == ("Sở Xây dựng tỉnh Thái Nguyên", True)


def test_a_province_administrator_sees_every_agency_and_may_rename_one(
    client, province_admin, agency
):
    client.force_login(province_admin)

    listing = client.get(AGENCIES)
    saved = client.post(
        agency_url(agency),
        {
            "name": "Sở Xây dựng Thái Nguyên",
            "short_name": "Sở Xây dựng",
            "email": "",
            "phone": "",
            "ward": "",
            "is_active": "on",
        },
    )

    assert set(listing.context["cl"].result_list) == set(Agency.objects.all())
    assert saved.status_code == 302
    agency.refresh_from_db()
    assert agency.name == "Sở Xây dựng Thái Nguyên"


def test_a_commune_official_may_read_agencies_but_not_change_them(
    client, commune_official, agency
):
    client.force_login(commune_official)

    page = client.get(agency_url(agency))
    edit = client.post(agency_url(agency), {"short_name": "Khác"})

    assert page.status_code == 200
    assert list(page.context["adminform"].form.fields) == []
    assert edit.status_code == 403
    agency.refresh_from_db()
    assert agency.short_name == "Sở Xây dựng"


def test_agency_search_ignores_accents(client, province_admin, other_agency):
    client.force_login(province_admin)

    assert listed(client.get(AGENCIES, {"q": "cong an"})) == [other_agency]


def test_a_citizen_is_sent_to_the_admin_login_from_the_core_lists(client, citizen):
    client.force_login(citizen)

    for url in (USERS, WARDS, AGENCIES):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url == f"{reverse('admin:login')}?next={url}"


# The map widget over two decimal fields.


class PlaceForm(forms.Form):
    latitude = forms.DecimalField(
        max_digits=9, decimal_places=6, widget=LatLngMapWidget(lng_field="longitude")
    )
    longitude = forms.DecimalField(max_digits=9, decimal_places=6)


def test_the_map_widget_names_both_inputs_and_the_tile_server(settings):
    settings.MAP_TILES_URL = "https://tiles.example.vn/{z}/{x}/{y}.png"
    form = PlaceForm(
        initial={"latitude": Decimal("21.594200"), "longitude": Decimal("105.8482")}
    )

    html = str(form["latitude"])

    assert 'name="latitude"' in html
    assert 'value="21.594200"' in html
    assert 'data-lat-input="id_latitude"' in html
    assert 'data-lng-name="longitude"' in html
    assert 'data-tiles-url="https://tiles.example.vn/{z}/{x}/{y}.png"' in html
    assert "<script" not in html


def test_the_map_widget_follows_the_forms_prefix():
    html = str(PlaceForm(prefix="place")["latitude"])

    assert 'data-lat-input="id_place-latitude"' in html
    assert 'data-lng-name="place-longitude"' in html


def test_the_map_widget_brings_leaflet_and_its_own_script():
    media = PlaceForm().media

    assert media._js == ["leaflet/leaflet.js", "admin-map/admin-map.js"]
    assert media._css == {"all": ["leaflet/leaflet.css", "admin-map/admin-map.css"]}


def test_the_vendored_map_script_and_leaflet_are_found_by_staticfiles():
    from django.contrib.staticfiles import finders

    assert finders.find("admin-map/admin-map.js")
    assert finders.find("admin-map/admin-map.css")
    assert finders.find("leaflet/leaflet.js")
    assert finders.find("leaflet/leaflet.css")


# Wiring.


def test_migrate_gives_the_role_groups_their_admin_permissions(db):
    for group in Group.objects.filter(name__in=roles.ALL_ROLES):
        group.permissions.clear()

    call_command("migrate", verbosity=0, interactive=False)

    officer_role = Group.objects.get(name=roles.AGENCY_OFFICER)
    codenames = set(officer_role.permissions.values_list("codename", flat=True))
    assert codenames == {
        "view_report",
        "change_report",
        "view_category",
        "view_agency",
        "change_agency",
    }


def test_the_outbox_is_read_only_and_for_province_administrators(
    client, province_admin, officer
):
    url = reverse("admin:cthainguyen_notification_changelist")
    client.force_login(officer)
    assert client.get(url).status_code == 403
    client.force_login(province_admin)
    response = client.get(url)
    assert response.status_code == 200
    assert client.get(reverse("admin:cthainguyen_notification_add")).status_code == 403
