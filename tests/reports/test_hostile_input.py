"""Hostile and clumsy input gets a clear answer, never a server error."""

import pytest
from django.test import Client

from reports import actions
from reports.models import Photo, Report
from tests.conftest import jpeg_upload
from tests.reports.test_citizen_views import form_data

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "params",
    [
        {"since": "01/01/0001"},
        {"until": "31/12/9999"},
        {"since": "9999-12-31"},
        {"since": "31/02/2026"},
        {"q": "%_' OR 1=1 --" * 20},
        {"ward": "-1"},
    ],
)
def test_odd_filters_answer_with_a_page(client, params):
    assert client.get("/reports/", params).status_code == 200


@pytest.mark.parametrize(
    "bbox", ["NaN,NaN,NaN,NaN", "-Infinity,-Infinity,Infinity,Infinity", "sNaN,1,2,3"]
)
def test_a_map_area_that_is_not_finite_is_refused(client, bbox):
    assert client.get("/reports/map.json", {"bbox": bbox}).status_code == 400


def test_a_bad_filter_on_the_map_is_refused_not_ignored(client):
    response = client.get(
        "/reports/map.json", {"bbox": "21,105,22,106", "state": "new"}
    )
    assert response.status_code == 400
    assert "state" in response.json()["errors"]


def test_one_bad_filter_keeps_the_others(client, make_report, officer, other_ward):
    actions.receive_report(make_report(title="Ở phường khác", ward=other_ward), officer)
    actions.receive_report(make_report(title="Ở phường này"), officer)
    page = client.get(
        "/reports/", {"ward": other_ward.pk, "since": "31/02/2026"}
    ).content.decode()
    assert "Ở phường khác" in page
    assert "Ở phường này" not in page


@pytest.mark.parametrize(
    "path",
    [
        "/media//originals/{name}",
        "/media/./originals/{name}",
        "/media/reports/../originals/{name}",
        "/media/reports/%2e%2e/originals/{name}",
    ],
)
def test_originals_stay_hidden_behind_path_tricks(
    client, citizen, category, ward, path
):
    client.force_login(citizen)
    client.post("/reports/new/", form_data(category, ward, photos=[jpeg_upload()]))
    name = Photo.objects.get().original.name.removeprefix("originals/")
    assert client.get(path.format(name=name)).status_code == 404


def test_invisible_and_control_characters_are_removed(client, citizen, category, ward):
    client.force_login(citizen)
    client.post(
        "/reports/new/",
        form_data(
            category,
            ward,
            title="Đèn\u200b hỏng\u202e\x1b[31m",
            description="Đèn đường\u200b tắt\x07 cả tuần nay.\nRất tối.",
        ),
    )
    report = Report.objects.get()
    assert report.title == "Đèn hỏng[31m"
    assert report.description == "Đèn đường tắt cả tuần nay.\nRất tối."


def test_a_title_of_only_invisible_characters_is_refused(
    client, citizen, category, ward
):
    client.force_login(citizen)
    response = client.post(
        "/reports/new/", form_data(category, ward, title="\u200b\u200b\u200b")
    )
    assert response.status_code == 200
    assert Report.objects.count() == 0


def test_a_decomposed_title_is_measured_after_normalising(
    client, citizen, category, ward
):
    client.force_login(citizen)
    decomposed = "Đu\u031bo\u031b\u0300ng " * 17  # 153 typed, 101 composed
    response = client.post("/reports/new/", form_data(category, ward, title=decomposed))
    assert response.status_code == 302
    assert len(Report.objects.get().title) == 101


def test_a_duplicate_must_point_to_a_public_original(make_report, officer):
    from django.core.exceptions import ValidationError

    rejected = make_report()
    actions.reject_report(rejected, officer, reason="Không thuộc thẩm quyền.")
    with pytest.raises(ValidationError):
        actions.mark_duplicate(make_report(), officer, original=rejected)


def test_a_rating_error_says_what_is_wrong(client, make_report, officer, citizen):
    report = actions.receive_report(make_report(), officer)
    actions.resolve_report(report, officer, response="Đã xử lý.")
    client.force_login(citizen)
    page = client.post(
        f"/reports/{report.code}/rate/",
        {"rating": "satisfied", "comment": "x" * 501},
        follow=True,
    ).content.decode()
    assert "500" in page
    assert Report.objects.get(pk=report.pk).rating == ""


def test_an_expired_form_gets_a_vietnamese_page(citizen, category, ward):
    client = Client(enforce_csrf_checks=True)
    client.force_login(citizen)
    response = client.post("/reports/new/", form_data(category, ward))
    assert response.status_code == 403
    assert "Biểu mẫu này đã hết hạn" in response.content.decode()


def test_head_requests_are_answered(client, settings):
    settings.REDIS_URL = ""  # /healthz then checks the database alone
    for url in ("/", "/reports/", "/stats/", "/healthz"):
        assert client.head(url).status_code == 200
