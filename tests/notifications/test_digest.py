"""The morning digest of overdue reports, one outbox email per agency."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from cthainguyen.models import Notification
from reports import actions, tasks
from reports.models import Report

pytestmark = pytest.mark.django_db


@pytest.fixture
def overdue_setup(make_report, officer, agency, other_agency):
    """Two overdue reports of the agency among others that must not be listed."""
    agency.email = "xaydung@thainguyen.gov.vn"
    agency.save()
    now = timezone.now()

    def received(due_in_days, agency=None, title="Ổ gà"):
        report = actions.receive_report(
            make_report(title=title), officer, agency=agency
        )
        Report.objects.filter(pk=report.pk).update(
            due_at=now + timedelta(days=due_in_days)
        )
        report.refresh_from_db()
        return report

    later_due = received(-1, title="Đèn đường hỏng")
    actions.start_report(later_due, officer)
    first_due = received(-3, title='Cống "tắc" & ngập')
    received(+2, title="Chưa đến hạn")
    resolved = received(-5, title="Đã xử lý")
    actions.resolve_report(resolved, officer, response="Đã sửa.")
    make_report(title="Chưa tiếp nhận")
    received(-4, agency=other_agency, title="Đơn vị không có email")
    Notification.objects.all().delete()
    # Beat's run this morning, 07:00 in Asia/Ho_Chi_Minh.
    morning = timezone.localtime(now).replace(hour=7, minute=0, second=0)
    return morning, agency, [first_due, later_due]


def test_the_digest_lists_each_agencys_overdue_reports_most_overdue_first(
    overdue_setup,
):
    now, agency, (first_due, later_due) = overdue_setup

    assert tasks.write_overdue_digests(now) == 1

    row = Notification.objects.get()
    assert row.key == f"overdue-digest-{agency.pk}-{timezone.localdate(now)}"
    assert (row.channel, row.email, row.user_id) == ("email", agency.email, None)
    assert re.match(r"2\b", row.subject) and "Sở Xây dựng" in row.subject
    listed = re.findall(r"^- (PA-\w+) ", row.body_text, re.M)
    assert listed == [first_due.code, later_due.code]
    # Plain text is not HTML-escaped; the HTML part is.
    assert f'- {first_due.code} "Cống "tắc" & ngập" (Phường Phan Đình Phùng): ' in (
        row.body_text
    )
    assert "Cống &quot;tắc&quot; &amp; ngập" in row.body_html
    # Dates as dd/mm/yyyy in Asia/Ho_Chi_Minh.
    due = timezone.localtime(first_due.due_at).strftime("%d/%m/%Y")
    assert due in row.body_text
    assert f"/admin/reports/report/{first_due.pk}/change/" in row.body_text
    assert row.url == (
        f"/admin/reports/report/?overdue=yes&agency__id__exact={agency.pk}"
    )


def test_a_second_run_the_same_day_writes_no_second_digest(overdue_setup):
    now, _, _ = overdue_setup

    assert tasks.write_overdue_digests(now) == 1
    assert tasks.write_overdue_digests(now + timedelta(hours=1)) == 0
    assert Notification.objects.count() == 1


def test_a_long_digest_lists_the_most_overdue_and_counts_the_rest(
    overdue_setup, monkeypatch
):
    now, _, (first_due, later_due) = overdue_setup
    monkeypatch.setattr(tasks, "DIGEST_LIMIT", 1)

    tasks.write_overdue_digests(now)

    row = Notification.objects.get()
    assert re.findall(r"^- (PA-\w+) ", row.body_text, re.M) == [first_due.code]
    assert later_due.code not in row.body_text
    assert re.match(r"2\b", row.subject)


def test_the_beat_task_sends_the_digest_through_the_outbox(
    overdue_setup, django_capture_on_commit_callbacks
):
    _, agency, (first_due, _) = overdue_setup
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.send_overdue_digests.delay().get() == 1

    assert [m.to for m in mail.outbox] == [[agency.email]]
    assert first_due.code in mail.outbox[0].body
    assert Notification.objects.get().status == Notification.Status.SENT
