"""The domain functions: each step, its timeline event, its checks and its emails."""

import uuid

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError

from reports import actions
from reports.models import Event, Report

pytestmark = pytest.mark.django_db


def kinds(report):
    return list(report.events.values_list("kind", flat=True))


def test_submitting_routes_the_report_to_the_categorys_agency(make_report, category):
    report = make_report()
    assert report.state == Report.State.NEW
    assert report.agency == category.default_agency
    assert report.search_text.startswith(report.code.lower())
    assert "hoang van thu" in report.search_text


def test_the_same_submission_key_returns_the_first_report(citizen, category, ward):
    key = uuid.uuid4()
    fields = {
        "category": category,
        "title": "Ngập nước",
        "description": "Ngập sâu sau mưa lớn.",
        "latitude": "21.6",
        "longitude": "105.8",
        "ward": ward,
    }
    first = actions.submit_report(citizen, submission_key=key, **fields)
    second = actions.submit_report(citizen, submission_key=key, **fields)
    assert first.pk == second.pk
    assert Report.objects.count() == 1


def test_the_whole_path_writes_one_event_per_step(
    make_report, officer, citizen, django_capture_on_commit_callbacks
):
    report = make_report()
    actions.receive_report(report, officer, note="Đã chuyển Sở Xây dựng.")
    actions.start_report(report, officer)
    actions.resolve_report(report, officer, response="Đã vá xong ổ gà.")
    actions.rate_report(report, citizen, rating="acceptable", comment="Tạm được")
    report.refresh_from_db()
    assert report.state == Report.State.RESOLVED
    assert report.rating == "acceptable"
    assert report.due_at > report.received_at
    assert report.resolved_on_time
    assert kinds(report) == ["submitted", "received", "started", "resolved", "rated"]
    assert set(report.events.values_list("actor", flat=True)) == {
        citizen.pk,
        officer.pk,
    }


def test_the_reporter_is_emailed_only_after_commit(
    make_report, officer, django_capture_on_commit_callbacks
):
    report = make_report()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        actions.receive_report(report, officer)
    assert mail.outbox == []
    for callback in callbacks:
        callback()
    recipients = [message.to[0] for message in mail.outbox]
    assert "an@example.com" in recipients
    reporter_mail = next(m for m in mail.outbox if m.to == ["an@example.com"])
    assert report.code in reporter_mail.subject
    assert report.code in reporter_mail.body


def test_a_step_out_of_order_is_refused_and_changes_nothing(make_report, officer):
    report = make_report()
    with pytest.raises(ValidationError):
        actions.start_report(report, officer)
    with pytest.raises(ValidationError):
        actions.resolve_report(report, officer, response="Xong")
    report.refresh_from_db()
    assert report.state == Report.State.NEW
    assert kinds(report) == ["submitted"]


def test_resolving_needs_a_public_response(make_report, officer):
    report = actions.receive_report(make_report(), officer)
    with pytest.raises(ValidationError):
        actions.resolve_report(report, officer, response="   ")
    report.refresh_from_db()
    assert report.state == Report.State.RECEIVED


def test_rejecting_needs_a_reason(make_report, officer):
    report = make_report()
    with pytest.raises(ValidationError):
        actions.reject_report(report, officer, reason="")
    actions.reject_report(report, officer, reason="Không thuộc thẩm quyền của tỉnh.")
    report.refresh_from_db()
    assert report.state == Report.State.REJECTED
    assert report.rejection_reason == "Không thuộc thẩm quyền của tỉnh."


def test_a_duplicate_points_to_its_original_and_never_to_itself(make_report, officer):
    original, copy = make_report(), make_report()
    with pytest.raises(ValidationError):
        actions.mark_duplicate(copy, officer, original=original)  # not public yet
    actions.receive_report(original, officer)
    with pytest.raises(ValidationError):
        actions.mark_duplicate(copy, officer, original=copy)
    actions.mark_duplicate(copy, officer, original=original)
    copy.refresh_from_db()
    assert copy.duplicate_of == original
    third = make_report()
    with pytest.raises(ValidationError):
        actions.mark_duplicate(third, officer, original=copy)


def test_assigning_moves_the_report_to_the_other_agency(
    make_report, officer, other_officer, other_agency
):
    report = actions.receive_report(make_report(), officer)
    actions.assign_report(report, officer, agency=other_agency, internal_note="Công an")
    report.refresh_from_db()
    assert report.agency == other_agency
    # The first agency no longer handles it; the new one does.
    with pytest.raises(PermissionDenied):
        actions.start_report(report, officer)
    actions.start_report(report, other_officer)


def test_an_officer_cannot_touch_another_agencys_report(make_report, other_officer):
    report = make_report()
    with pytest.raises(PermissionDenied):
        actions.receive_report(report, other_officer)
    assert Report.objects.get(pk=report.pk).state == Report.State.NEW


def test_a_citizen_cannot_act_as_staff(make_report, citizen):
    with pytest.raises(PermissionDenied):
        actions.receive_report(make_report(), citizen)


def test_a_commune_official_handles_reports_of_their_commune(
    make_report, commune_official, other_ward
):
    mine = make_report()
    elsewhere = make_report(ward=other_ward)
    actions.receive_report(mine, commune_official)
    with pytest.raises(PermissionDenied):
        actions.receive_report(elsewhere, commune_official)


def test_only_the_reporter_rates_and_only_once(
    make_report, officer, other_citizen, citizen
):
    report = actions.receive_report(make_report(), officer)
    actions.resolve_report(report, officer, response="Đã xử lý.")
    with pytest.raises(PermissionDenied):
        actions.rate_report(report, other_citizen, rating="satisfied")
    with pytest.raises(ValidationError):
        actions.rate_report(report, citizen, rating="wonderful")
    actions.rate_report(report, citizen, rating="unsatisfied")
    with pytest.raises(ValidationError):
        actions.rate_report(report, citizen, rating="satisfied")
    assert Report.objects.get(pk=report.pk).rating == "unsatisfied"


def test_a_hidden_report_keeps_its_state_and_leaves_the_public(make_report, officer):
    report = actions.receive_report(make_report(), officer)
    actions.set_hidden(report, officer, hidden=True, note="Spam")
    report.refresh_from_db()
    assert report.is_hidden
    assert report.state == Report.State.RECEIVED
    assert not Report.objects.public().filter(pk=report.pk).exists()
    note = report.events.get(kind=Event.Kind.NOTE)
    assert note.internal_note == "Spam"
    assert note.public_note == ""
