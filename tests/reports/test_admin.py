"""The report admin, driven through its public URLs as each persona would."""

import datetime
import io
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.contrib.messages import get_messages
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cthainguyen.admin import CappedPaginator
from cthainguyen.models import search_text
from reports import actions
from reports.models import Category, Event, Photo, Report
from reports.photo_tasks import derive_pending_photos
from reports.photos import process_photo

CHANGELIST = reverse("admin:reports_report_changelist")


def change_url(report):
    return reverse("admin:reports_report_change", args=[report.pk])


def workflow_url(report, step):
    return reverse("admin:reports_report_workflow", args=[report.pk, step])


def listed(response):
    return list(response.context["cl"].result_list)


def step_form(response, name):
    return next(
        s["form"] for s in response.context["workflow_steps"] if s["name"] == name
    )


def message_texts(response):
    return [str(message) for message in get_messages(response.wsgi_request)]


@pytest.fixture
def client(client):
    """Return the test client asking for the English admin."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture
def received(make_report, province_admin):
    """Make a report and receive it, routed to `agency` (the category's default)."""

    def make(agency=None, **fields):
        report = make_report(**fields)
        return actions.receive_report(report, province_admin, agency=agency)

    return make


# Who sees what.


def test_an_officer_lists_only_the_reports_of_their_own_agency(
    client, officer, received, other_agency
):
    own = received(title="Đèn đường hỏng")
    received(agency=other_agency, title="Trộm cắp xe máy")
    client.force_login(officer)

    response = client.get(CHANGELIST)

    assert response.status_code == 200
    assert listed(response) == [own]
    assert "Trộm cắp xe máy" not in response.content.decode()


def test_an_officer_gets_404_from_another_agencys_report_page_and_its_actions(
    client, officer, received, other_agency
):
    foreign = received(agency=other_agency)
    client.force_login(officer)

    assert client.get(change_url(foreign)).status_code == 404
    assert client.post(change_url(foreign)).status_code == 404
    for step, data in [
        ("start", {}),
        ("reject", {"reject-reason": "Không thuộc thẩm quyền"}),
        ("hide", {}),
        ("note", {"note-internal_note": "Xem thử"}),
    ]:
        assert client.post(workflow_url(foreign, step), data).status_code == 404
    foreign.refresh_from_db()
    assert (foreign.state, foreign.is_hidden) == (Report.State.RECEIVED, False)
    assert foreign.events.count() == 2


def test_an_outsider_gets_404_even_for_a_workflow_step_that_does_not_exist(
    client, officer, received, other_agency
):
    foreign = received(agency=other_agency)
    client.force_login(officer)

    assert client.post(workflow_url(foreign, "delete")).status_code == 404


def test_a_commune_official_lists_only_the_reports_of_their_commune(
    client, commune_official, make_report, other_ward
):
    own = make_report()
    elsewhere = make_report(ward=other_ward)
    client.force_login(commune_official)

    assert listed(client.get(CHANGELIST)) == [own]
    assert client.get(change_url(own)).status_code == 200
    assert client.get(change_url(elsewhere)).status_code == 404


def test_a_province_administrator_lists_every_report(
    client, province_admin, make_report, received, other_ward, other_agency
):
    reports = [make_report(), make_report(ward=other_ward), received(other_agency)]
    client.force_login(province_admin)

    assert set(listed(client.get(CHANGELIST))) == set(reports)


def test_a_citizen_is_sent_to_the_admin_login(client, citizen, make_report):
    report = make_report()
    client.force_login(citizen)

    page = client.get(change_url(report))
    step = client.post(workflow_url(report, "receive"), {"receive-agency": ""})

    login = reverse("admin:login")
    assert client.get(CHANGELIST).url == f"{login}?next={CHANGELIST}"
    assert page.url == f"{login}?next={change_url(report)}"
    assert step.url == f"{login}?next={workflow_url(report, 'receive')}"
    report.refresh_from_db()
    assert report.state == Report.State.NEW


def test_nobody_adds_or_deletes_reports_in_the_admin(
    client, province_admin, make_report
):
    report = make_report()
    client.force_login(province_admin)

    add = client.get(reverse("admin:reports_report_add"))
    delete = client.post(
        reverse("admin:reports_report_delete", args=[report.pk]), {"post": "yes"}
    )

    assert add.status_code == 403
    assert delete.status_code == 403
    assert Report.objects.filter(pk=report.pk).exists()


# The report page.


def test_the_report_page_shows_the_reporters_contact_and_no_editable_field(
    client, commune_official, make_report
):
    report = make_report()
    client.force_login(commune_official)

    response = client.get(change_url(report))
    html = response.content.decode()

    assert response.status_code == 200
    assert list(response.context["adminform"].form.fields) == []
    assert "Nguyễn Văn An" in html
    assert '<a href="tel:+84912345678">+84912345678</a>' in html
    assert '<a href="mailto:an@example.com">an@example.com</a>' in html
    assert 'name="_save"' not in html


def test_a_post_to_the_report_page_itself_changes_nothing(
    client, commune_official, make_report
):
    report = make_report()
    client.force_login(commune_official)

    response = client.post(
        change_url(report), {"title": "Viết lại", "state": "resolved"}
    )

    assert response.status_code == 405
    report.refresh_from_db()
    assert (report.title, report.state) == (
        "Ổ gà trên đường Hoàng Văn Thụ",
        Report.State.NEW,
    )


def test_the_report_page_draws_the_location_on_a_map_from_data_attributes(
    client, commune_official, make_report, settings
):
    report = make_report(latitude=Decimal("21.594200"), longitude=Decimal("105.848200"))
    client.force_login(commune_official)

    html = client.get(change_url(report)).content.decode()

    assert 'data-lat="21.594200"' in html
    assert 'data-lng="105.848200"' in html
    assert f'data-tiles-url="{settings.MAP_TILES_URL}"' in html
    assert '<script src="/static/leaflet/leaflet.js">' in html
    assert '<script src="/static/admin-map/admin-map.js">' in html
    assert re.search(r"<script>\s*\S", html) is None


def test_the_report_page_offers_the_steps_that_fit_the_state(
    client, province_admin, make_report
):
    report = make_report()
    client.force_login(province_admin)

    def offered():
        response = client.get(change_url(report))
        return [step["name"] for step in response.context["workflow_steps"]]

    assert offered() == ["receive", "reject", "duplicate", "note", "hide"]
    actions.receive_report(report, province_admin)
    assert offered() == [
        "assign",
        "start",
        "resolve",
        "reject",
        "duplicate",
        "note",
        "hide",
    ]
    actions.set_hidden(report, province_admin, hidden=True)
    actions.start_report(report, province_admin)
    assert offered() == ["assign", "resolve", "reject", "duplicate", "note", "show"]


def test_the_receive_form_starts_with_the_categorys_agency(
    client, commune_official, make_report, agency
):
    report = make_report()
    client.force_login(commune_official)

    response = client.get(change_url(report))

    assert step_form(response, "receive")["agency"].value() == agency.pk


def test_the_timeline_shows_local_times_actors_and_marks_internal_notes(
    client, province_admin, make_report
):
    report = make_report()
    actions.add_note(
        report, province_admin, public_note="Đã chuyển", internal_note="Gọi lại sau"
    )
    moment = datetime.datetime(2026, 3, 17, 2, 30, tzinfo=datetime.UTC)
    Event.objects.filter(report=report).update(created_at=moment)
    client.force_login(province_admin)

    html = client.get(change_url(report)).content.decode()

    # 02:30 UTC is 09:30 in Asia/Ho_Chi_Minh.
    assert html.count("<td>17/03/2026 09:30</td>") == 2
    assert "<td>Vũ Văn Giang</td>" in html
    assert '<div class="report-public">Đã chuyển</div>' in html
    assert (
        '<div class="report-internal"><strong>Internal:</strong> Gọi lại sau</div>'
        in html
    )


# The workflow through the admin.


def test_receive_start_resolve_change_state_write_the_timeline_and_mail_after_commit(
    client, commune_official, make_report, agency, django_capture_on_commit_callbacks
):
    report = make_report()
    client.force_login(commune_official)

    with django_capture_on_commit_callbacks(execute=True):
        steps = [
            client.post(
                workflow_url(report, "receive"),
                {"receive-agency": agency.pk, "receive-note": "Đã tiếp nhận"},
            ),
            client.post(workflow_url(report, "start"), {"start-note": ""}),
            client.post(
                workflow_url(report, "resolve"),
                {"resolve-response": "Đã vá ổ gà ngày 17/3."},
            ),
        ]
        sent_before_commit = len(mail.outbox)

    assert [s.status_code for s in steps] == [302, 302, 302]
    assert {s.url for s in steps} == {change_url(report)}
    report.refresh_from_db()
    assert report.state == Report.State.RESOLVED
    assert report.agency == agency
    assert report.response == "Đã vá ổ gà ngày 17/3."
    events = list(report.events.values_list("kind", "actor", "public_note"))
    assert events == [
        ("submitted", report.reporter_id, ""),
        ("received", commune_official.pk, "Đã tiếp nhận"),
        ("started", commune_official.pk, ""),
        ("resolved", commune_official.pk, "Đã vá ổ gà ngày 17/3."),
    ]
    assert sent_before_commit == 0
    assert [message.to for message in mail.outbox] == [["an@example.com"]] * 3


def test_a_successful_step_says_so_on_the_report_page(
    client, commune_official, make_report, agency
):
    report = make_report()
    client.force_login(commune_official)

    response = client.post(
        workflow_url(report, "receive"), {"receive-agency": agency.pk}, follow=True
    )

    assert message_texts(response) == [f"Report {report.code} received."]


def test_reject_without_a_reason_shows_the_error_and_changes_nothing(
    client, commune_official, make_report
):
    report = make_report()
    client.force_login(commune_official)

    response = client.post(workflow_url(report, "reject"), {"reject-reason": "   "})

    assert response.status_code == 200
    assert step_form(response, "reject").errors == {
        "reason": ["This field is required."]
    }
    assert message_texts(response) == [
        "The report was not changed: correct the errors below."
    ]
    report.refresh_from_db()
    assert (report.state, report.rejection_reason) == (Report.State.NEW, "")
    assert list(report.events.values_list("kind", flat=True)) == ["submitted"]


def test_marking_a_report_a_duplicate_of_itself_is_refused_next_to_the_field(
    client, commune_official, make_report
):
    report = make_report()
    client.force_login(commune_official)

    response = client.post(
        workflow_url(report, "duplicate"), {"duplicate-original": report.code.lower()}
    )

    assert response.status_code == 200
    assert step_form(response, "duplicate").errors == {
        "original": ["A report cannot be a duplicate of itself."]
    }
    report.refresh_from_db()
    assert (report.state, report.duplicate_of) == (Report.State.NEW, None)


def test_marking_a_duplicate_of_another_report_points_to_it(
    client, commune_official, make_report
):
    original, copy = make_report(), make_report()
    actions.receive_report(original, commune_official)
    client.force_login(commune_official)

    response = client.post(
        workflow_url(copy, "duplicate"), {"duplicate-original": original.code}
    )

    assert response.status_code == 302
    copy.refresh_from_db()
    assert (copy.state, copy.duplicate_of) == (Report.State.DUPLICATE, original)


def test_a_step_that_does_not_fit_the_state_is_refused_with_the_reason(
    client, commune_official, make_report
):
    report = make_report()
    client.force_login(commune_official)

    response = client.post(workflow_url(report, "start"), {})

    assert response.status_code == 200
    assert message_texts(response) == [
        "The report was not changed: Only a received report can be started."
    ]
    report.refresh_from_db()
    assert report.state == Report.State.NEW


def test_workflow_steps_refuse_get(client, commune_official, make_report):
    report = make_report()
    client.force_login(commune_official)

    assert client.get(workflow_url(report, "hide")).status_code == 405
    report.refresh_from_db()
    assert report.is_hidden is False


def test_workflow_steps_need_the_csrf_token(commune_official, make_report):
    from django.test import Client

    report = make_report()
    client = Client(enforce_csrf_checks=True)
    client.force_login(commune_official)

    response = client.post(workflow_url(report, "hide"), {})

    assert response.status_code == 403
    report.refresh_from_db()
    assert report.is_hidden is False


def test_hide_and_show_toggle_the_moderation_flag(
    client, commune_official, make_report
):
    report = make_report()
    client.force_login(commune_official)

    client.post(workflow_url(report, "hide"), {"hide-note": "Có số điện thoại"})
    report.refresh_from_db()
    hidden = report.is_hidden
    client.post(workflow_url(report, "show"), {})
    report.refresh_from_db()

    assert (hidden, report.is_hidden) == (True, False)
    assert list(report.events.values_list("internal_note", flat=True)) == [
        "",
        "Có số điện thoại",
        "Shown again.",
    ]


def test_a_note_without_any_text_is_refused(client, commune_official, make_report):
    report = make_report()
    client.force_login(commune_official)

    response = client.post(
        workflow_url(report, "note"),
        {"note-public_note": " ", "note-internal_note": ""},
    )

    assert step_form(response, "note").non_field_errors() == [
        "Write a public note, an internal note or both."
    ]
    assert report.events.count() == 1


def test_resolve_with_a_damaged_photo_shows_the_photo_error_and_keeps_the_report_open(
    client, commune_official, received, settings
):
    report = received()
    client.force_login(commune_official)
    with pytest.raises(ValidationError) as refused:
        process_photo(io.BytesIO(b"not an image"))

    response = client.post(
        workflow_url(report, "resolve"),
        {
            "resolve-response": "Đã xử lý xong.",
            "resolve-photos": SimpleUploadedFile(
                "x.jpg", b"not an image", content_type="image/jpeg"
            ),
        },
    )

    assert response.status_code == 200
    assert step_form(response, "resolve").errors == {
        "photos": [f"x.jpg: {message}" for message in refused.value.messages]
    }
    report.refresh_from_db()
    assert (report.state, report.response) == (Report.State.RECEIVED, "")
    assert Photo.objects.filter(report=report).count() == 0
    media = Path(settings.MEDIA_ROOT)
    assert [p for p in media.rglob("*") if p.is_file()] == []


def test_resolve_with_a_good_photo_stores_it_as_a_response_photo(
    client, commune_official, received
):
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(buffer, format="PNG")
    report = received()
    client.force_login(commune_official)

    response = client.post(
        workflow_url(report, "resolve"),
        {
            "resolve-response": "Đã xử lý xong.",
            "resolve-photos": SimpleUploadedFile("a.png", buffer.getvalue()),
        },
    )
    derive_pending_photos(grace_seconds=0)  # the worker's part, after the commit
    page = client.get(change_url(report)).content.decode()

    assert response.status_code == 302
    photo = Photo.objects.get(report=report)
    assert photo.kind == Photo.Kind.RESPONSE
    assert f'<a href="{photo.image.url}"><img src="{photo.thumbnail.url}"' in page


def test_the_report_page_shows_the_citizens_photos_as_links_to_the_display_image(
    client, commune_official, make_report
):
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (30, 30, 200)).save(buffer, format="PNG")
    buffer.seek(0)
    report = make_report(photos=[process_photo(buffer)])
    photo = report.photos.get()
    client.force_login(commune_official)

    html = client.get(change_url(report)).content.decode()

    assert (
        f'<a href="{photo.image.url}"><img src="{photo.thumbnail.url}" '
        'alt="Photo 1 sent with the report"' in html
    )


def test_assigning_to_another_agency_leads_the_officer_back_to_their_list(
    client, officer, received, other_agency
):
    report = received()
    client.force_login(officer)

    response = client.post(
        workflow_url(report, "assign"),
        {"assign-agency": other_agency.pk, "assign-internal_note": "Việc của công an"},
    )

    assert response.url == CHANGELIST
    report.refresh_from_db()
    assert report.agency == other_agency
    assert client.get(change_url(report)).status_code == 404


# Bulk actions.


def test_bulk_receive_of_reports_in_mixed_states_counts_what_succeeded(
    client, province_admin, make_report, received
):
    first, second = make_report(), make_report()
    already = received()
    client.force_login(province_admin)

    response = client.post(
        CHANGELIST,
        {
            "action": "receive_selected",
            "index": "0",
            "_selected_action": [first.pk, second.pk, already.pk],
        },
        follow=True,
    )

    assert message_texts(response) == [
        "2 reports received.",
        f"Not received: {already.code} "
        "(Only a report awaiting triage can be received.)",
    ]
    states = dict(Report.objects.values_list("pk", "state"))
    assert states == {
        first.pk: Report.State.RECEIVED,
        second.pk: Report.State.RECEIVED,
        already.pk: Report.State.RECEIVED,
    }
    assert already.events.filter(kind=Event.Kind.RECEIVED).count() == 1


def test_bulk_start_and_hide_report_their_counts(
    client, province_admin, make_report, received
):
    waiting, open_one = make_report(), received()
    client.force_login(province_admin)

    def run(action):
        response = client.post(
            CHANGELIST,
            {
                "action": action,
                "index": "0",
                "_selected_action": [waiting.pk, open_one.pk],
            },
            follow=True,
        )
        return message_texts(response)

    assert run("start_selected") == [
        "1 report started.",
        f"Not started: {waiting.code} (Only a received report can be started.)",
    ]
    assert run("hide_selected") == ["2 reports hidden."]
    # Bulk actions go in primary-key order, and `waiting` was made first.
    assert run("hide_selected") == [
        f"Not hidden: {waiting.code} (It is already hidden.); "
        f"{open_one.code} (It is already hidden.)"
    ]


def test_bulk_actions_touch_only_reports_the_official_may_handle(
    client, officer, received, other_agency
):
    own, foreign = received(), received(agency=other_agency)
    client.force_login(officer)

    response = client.post(
        CHANGELIST,
        {
            "action": "start_selected",
            "index": "0",
            "_selected_action": [own.pk, foreign.pk],
        },
        follow=True,
    )

    assert message_texts(response) == ["1 report started."]
    foreign.refresh_from_db()
    assert foreign.state == Report.State.RECEIVED


def test_a_bulk_action_over_too_many_reports_is_refused_whole(
    client, province_admin, make_report, monkeypatch
):
    monkeypatch.setattr("reports.admin.BULK_LIMIT", 2)
    reports = [make_report(), make_report(), make_report()]
    client.force_login(province_admin)

    response = client.post(
        CHANGELIST,
        {
            "action": "receive_selected",
            "index": "0",
            "select_across": "1",
            "_selected_action": [reports[0].pk],
        },
        follow=True,
    )

    assert message_texts(response) == ["Select at most 2 reports at a time."]
    assert set(Report.objects.values_list("state", flat=True)) == {Report.State.NEW}


# Search and filters.


def test_search_ignores_accents_and_case_and_finds_tracking_codes(
    client, province_admin, make_report
):
    road = make_report(
        title="Đường Lương Ngọc Quyến ngập nước",
        description="Nước ngập sâu sau mưa lớn.",
        address="Số 10",
    )
    tree = make_report(
        title="Cây đổ chắn lối", description="Cây to đổ sau bão.", address="Số 12"
    )
    client.force_login(province_admin)

    def found(query):
        return listed(client.get(CHANGELIST, {"q": query}))

    assert found("duong") == [road]
    assert found("ĐƯỜNG") == [road]
    assert found("duong ngap") == [road]
    assert found("duong bao") == []
    assert found(tree.code) == [tree]
    assert found(tree.code.lower()) == [tree]


def test_the_overdue_filter_compares_due_dates_with_the_time_of_the_query(
    client, province_admin, received
):
    late, on_time, closed = received(), received(), received()
    actions.resolve_report(closed, province_admin, response="Đã xử lý.")
    past = timezone.now() - datetime.timedelta(minutes=1)
    Report.objects.filter(pk__in=[late.pk, closed.pk]).update(due_at=past)
    client.force_login(province_admin)

    overdue = client.get(CHANGELIST, {"overdue": "yes"})
    not_overdue = client.get(CHANGELIST, {"overdue": "no"})

    assert listed(overdue) == [late]
    assert set(listed(not_overdue)) == {on_time, closed}
    assert overdue.content.decode().count('<span class="report-overdue">') == 1


def test_the_list_shows_sending_times_in_local_time(
    client, province_admin, make_report
):
    report = make_report()
    Report.objects.filter(pk=report.pk).update(
        submitted_at=datetime.datetime(2026, 3, 16, 20, 5, tzinfo=datetime.UTC)
    )
    client.force_login(province_admin)

    html = client.get(CHANGELIST).content.decode()

    # 20:05 UTC on the 16th is 03:05 on the 17th in Asia/Ho_Chi_Minh.
    assert '<td class="field-submitted">17/03/2026 03:05</td>' in html


# Counting at scale.


def _bulk_reports(citizen, count):
    category = Category.objects.get(slug="ha-tang")
    ward = citizen.home_ward
    Report.objects.bulk_create(
        Report(
            reporter=citizen,
            category=category,
            ward=ward,
            title=f"Phản ánh số {number}",
            description="Mô tả ngắn gọn.",
            latitude=Decimal("21.594200"),
            longitude=Decimal("105.848200"),
            search_text=search_text(f"Phản ánh số {number}"),
        )
        for number in range(count)
    )


def _changelist_queries(client):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(CHANGELIST)
    assert response.status_code == 200
    return [query["sql"] for query in captured.captured_queries]


def test_the_changelist_runs_a_fixed_number_of_queries_and_no_unbounded_count(
    client, province_admin, citizen
):
    client.force_login(province_admin)
    _bulk_reports(citizen, 30)
    small = _changelist_queries(client)
    _bulk_reports(citizen, 270)
    large = _changelist_queries(client)

    assert len(small) == len(large) == 10
    counts = [sql for sql in large if "COUNT(" in sql.upper()]
    assert len(counts) == 1
    assert '"reports_report"' in counts[0]
    assert re.search(r"LIMIT 10001\b", counts[0])


def test_the_changelist_counts_no_further_than_the_cap_and_says_so(
    client, province_admin, citizen, monkeypatch
):
    monkeypatch.setattr(CappedPaginator, "cap", 1000)
    _bulk_reports(citizen, 1200)
    client.force_login(province_admin)

    response = client.get(CHANGELIST)
    html = response.content.decode()
    vietnamese = client.get(CHANGELIST, HTTP_ACCEPT_LANGUAGE="vi").content.decode()

    assert response.context["cl"].result_count == 1001
    assert "1,000+ reports" in html
    assert "Select all 1,000+ reports" in html
    assert "1.000+" in vietnamese
