"""What the public sees: lists, map data, search, figures, and never personal data."""

import datetime

import pytest
from django.utils import timezone

from reports import actions
from reports.models import Report

pytestmark = pytest.mark.django_db

PUBLIC_URLS = ["/", "/reports/", "/stats/", "/reports/map.json?bbox=21,105,23,107"]


@pytest.fixture
def received(make_report, officer):
    def make(**fields):
        report = make_report(**fields)
        return actions.receive_report(report, officer)

    return make


def test_no_public_page_shows_a_reporters_phone_or_email(client, received, citizen):
    report = received()
    pages = [client.get(url).content.decode() for url in PUBLIC_URLS]
    pages.append(client.get(f"/reports/{report.code}/").content.decode())
    for page in pages:
        assert citizen.email not in page
        assert citizen.phone not in page
        assert "912345678" not in page


def test_the_reporters_name_shows_only_when_not_hidden(client, received, citizen):
    shown = received(title="Tên hiện")
    hidden = received(title="Tên ẩn", hide_name=True)
    assert citizen.full_name in client.get(f"/reports/{shown.code}/").content.decode()
    page = client.get(f"/reports/{hidden.code}/").content.decode()
    assert citizen.full_name not in page
    assert "ẩn tên" in page


def test_internal_notes_never_reach_the_public_page(client, received, officer):
    report = received()
    actions.add_note(report, officer, internal_note="Số nhà chủ hộ: 0912 000 111")
    actions.add_note(report, officer, public_note="Đã cử người kiểm tra.")
    page = client.get(f"/reports/{report.code}/").content.decode()
    assert "0912 000 111" not in page
    assert "Đã cử người kiểm tra." in page


def test_the_list_shows_public_reports_only(client, received, make_report, officer):
    received(title="Đã tiếp nhận công khai")
    make_report(title="Chờ tiếp nhận riêng")
    hidden = received(title="Bị ẩn")
    actions.set_hidden(hidden, officer, hidden=True)
    rejected = make_report(title="Bị từ chối")
    actions.reject_report(rejected, officer, reason="Không thuộc thẩm quyền.")
    page = client.get("/reports/").content.decode()
    assert "Đã tiếp nhận công khai" in page
    assert "Chờ tiếp nhận riêng" not in page
    assert "Bị ẩn" not in page
    assert "Bị từ chối" not in page


@pytest.mark.parametrize("query", ["duong", "ĐƯỜNG", "đường", "Duong"])
def test_search_ignores_diacritics_and_case(client, received, query):
    received(title="Sụt lún mặt Đường Bến Tượng")
    received(title="Cây đổ ở công viên")
    page = client.get("/reports/", {"q": query}).content.decode()
    assert "Sụt lún mặt Đường Bến Tượng" in page
    assert "Cây đổ ở công viên" not in page


def test_filters_by_category_ward_state_and_period(
    client, received, category, other_ward, officer
):
    first = received(title="Trong phường khác", ward=other_ward)
    received(title="Trong phường này")
    actions.start_report(first, officer)
    page = client.get(
        "/reports/", {"ward": other_ward.pk, "state": "in_progress"}
    ).content.decode()
    assert "Trong phường khác" in page
    assert "Trong phường này" not in page
    today = timezone.localdate().strftime("%d/%m/%Y")
    page = client.get("/reports/", {"since": today, "until": today}).content.decode()
    assert "Trong phường này" in page
    page = client.get("/reports/", {"until": "01/01/2020"}).content.decode()
    assert "Trong phường này" not in page


def test_a_bad_filter_value_is_not_an_error(client, received):
    received()
    for params in ({"since": "32/13/2026"}, {"ward": "abc"}, {"after": "x_y"}):
        assert client.get("/reports/", params).status_code == 200


def test_pages_follow_each_other_without_gaps_or_repeats(client, received):
    titles = {received(title=f"Phản ánh số {n}").title for n in range(45)}
    Report.objects.update(submitted_at=timezone.now() - datetime.timedelta(hours=1))
    seen, url = [], "/reports/"
    while url:
        response = client.get(url)
        seen.extend(r.title for r in response.context["reports"])
        cursor = response.context["next_cursor"]
        url = f"/reports/?after={cursor}" if cursor else None
    assert len(seen) == 45
    assert set(seen) == titles


def test_the_map_gets_only_the_reports_inside_the_visible_area(client, received):
    from decimal import Decimal

    received(
        title="Ở trung tâm", latitude=Decimal("21.594"), longitude=Decimal("105.848")
    )
    received(
        title="Ở Bắc Kạn", latitude=Decimal("22.147"), longitude=Decimal("105.834")
    )
    data = client.get("/reports/map.json", {"bbox": "21.5,105.7,21.7,105.9"}).json()
    assert [r["title"] for r in data["reports"]] == ["Ở trung tâm"]
    assert set(data["reports"][0]) == {
        "code",
        "title",
        "state",
        "state_label",
        "category",
        "lat",
        "lng",
        "url",
    }


def test_the_map_refuses_a_malformed_area(client):
    response = client.get("/reports/map.json", {"bbox": "1,2,3"})
    assert response.status_code == 400
