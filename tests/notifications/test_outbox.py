"""The outbox: rows written with the change, delivered once, re-queued when left."""

import logging
import time
from datetime import timedelta

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone, translation

from cthainguyen import notifications
from cthainguyen.models import InboxMessage, Notification, User
from reports import actions
from tests.notifications.conftest import free_port, publish_to

pytestmark = pytest.mark.django_db

Status = Notification.Status


def rows():
    """(key without its event id, channel, email, user id) of every row, in order."""
    return [
        (row.key.split("-", 2)[2], row.channel, row.email, row.user_id)
        for row in Notification.objects.order_by("pk")
    ]


@pytest.fixture
def agency_with_email(agency):
    agency.email = "xaydung@thainguyen.gov.vn"
    agency.save()
    return agency


class FailingBackend:
    """An email backend whose SMTP server is always down."""

    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise ConnectionRefusedError("SMTP server down")


def test_submitting_writes_an_email_and_an_inbox_row_for_the_reporter(
    make_report, citizen
):
    with translation.override("en"):
        report = make_report()

    assert rows() == [
        ("submitted-reporter-email", "email", "an@example.com", citizen.pk),
        ("submitted-reporter-inbox", "inbox", "", citizen.pk),
    ]
    email_row, inbox_row = Notification.objects.order_by("pk")
    assert email_row.key == f"report-{report.pk}-submitted-reporter-email"
    assert {email_row.status, inbox_row.status} == {Status.PENDING}
    assert report.code in email_row.subject
    assert report.code in email_row.body_text
    assert f"/reports/{report.code}/" in email_row.body_html
    assert inbox_row.url == f"/reports/{report.code}/"
    assert inbox_row.subject == email_row.subject
    # Rendered at write time, in Vietnamese, whatever language the request had.
    assert inbox_row.body_text.startswith(
        f'Phản ánh {report.code} "Ổ gà trên đường Hoàng Văn Thụ" của bạn đã được gửi.'
    )


def test_a_reporter_without_email_still_gets_an_inbox_row(make_report, ward):
    phone_only = User.objects.create_user(
        phone="+84911111111", full_name="Đỗ Thị Hoa", home_ward=ward
    )

    make_report(reporter=phone_only)

    assert rows() == [("submitted-reporter-inbox", "inbox", "", phone_only.pk)]


def test_receiving_writes_the_reporters_rows_and_the_agencys_email(
    make_report, officer, citizen, agency_with_email
):
    report = make_report()
    Notification.objects.all().delete()

    actions.receive_report(report, officer, note="Đã chuyển Sở Xây dựng.")

    event = report.events.get(kind="received")
    assert rows() == [
        ("reporter-email", "email", "an@example.com", citizen.pk),
        ("reporter-inbox", "inbox", "", citizen.pk),
        ("agency-email", "email", "xaydung@thainguyen.gov.vn", None),
    ]
    assert [row.key for row in Notification.objects.order_by("pk")][0] == (
        f"event-{event.pk}-reporter-email"
    )
    inbox_row = Notification.objects.get(channel="inbox")
    assert "Đã chuyển Sở Xây dựng." in inbox_row.body_text
    agency_row = Notification.objects.get(key__endswith="agency-email")
    assert f"/admin/reports/report/{report.pk}/change/" in agency_row.body_text


def test_an_internal_note_writes_nothing_and_a_public_note_writes_to_the_reporter(
    make_report, officer
):
    report = make_report()
    Notification.objects.all().delete()

    actions.add_note(report, officer, internal_note="Gọi lại cho người dân")
    assert rows() == []

    actions.add_note(report, officer, public_note="Sẽ kiểm tra trong tuần.")
    assert [key for key, *_ in rows()] == ["reporter-email", "reporter-inbox"]


def test_a_rolled_back_change_leaves_no_row(make_report, officer, agency_with_email):
    report = make_report()
    Notification.objects.all().delete()

    with pytest.raises(RuntimeError), transaction.atomic():
        actions.receive_report(report, officer)
        assert Notification.objects.count() == 3  # written inside the transaction
        raise RuntimeError("the request failed after the change")

    report.refresh_from_db()
    assert report.state == "new"
    assert Notification.objects.count() == 0


def test_the_send_is_queued_only_after_commit(
    make_report, officer, django_capture_on_commit_callbacks
):
    report = make_report()
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        actions.receive_report(report, officer)

    assert mail.outbox == []
    assert InboxMessage.objects.count() == 0
    for callback in callbacks:
        callback()
    assert [message.to for message in mail.outbox] == [["an@example.com"]]
    assert InboxMessage.objects.count() == 1


def test_the_eager_path_delivers_the_email_and_the_inbox_message_once(
    make_report, citizen, django_capture_on_commit_callbacks, settings
):
    settings.SITE_URL = "https://cthainguyen.thainguyen.gov.vn"
    with django_capture_on_commit_callbacks(execute=True):
        report = make_report()

    email_row = Notification.objects.get(channel="email")
    inbox_row = Notification.objects.get(channel="inbox")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["an@example.com"]
    assert message.subject == email_row.subject
    assert message.extra_headers["Message-ID"] == notifications.message_id(email_row)
    assert message.extra_headers["Message-ID"] == (
        f"<notification-{email_row.pk}."
        f"{email_row.created_at:%Y%m%d%H%M%S}@cthainguyen.thainguyen.gov.vn>"
    )
    assert message.alternatives[0][1] == "text/html"
    inbox = InboxMessage.objects.get()
    assert (inbox.user, inbox.notification, inbox.url, inbox.read_at) == (
        citizen,
        inbox_row,
        f"/reports/{report.code}/",
        None,
    )
    assert list(Notification.objects.values_list("status", "attempts")) == [
        (Status.SENT, 1),
        (Status.SENT, 1),
    ]

    # A duplicate task message, and beat's sweep, change nothing.
    assert notifications.deliver(email_row.pk) is False
    assert notifications.deliver(inbox_row.pk) is False
    assert notifications.requeue(pending_after=timedelta(0)) == 0
    assert (len(mail.outbox), InboxMessage.objects.count()) == (1, 1)


def test_a_row_another_worker_is_sending_is_not_sent_again(make_report):
    make_report()
    row = Notification.objects.get(channel="email")
    Notification.objects.filter(pk=row.pk).update(
        status=Status.SENDING, claimed_at=timezone.now(), attempts=1
    )

    assert notifications.deliver(row.pk) is False
    assert mail.outbox == []


def test_a_failed_email_goes_back_to_pending_and_is_given_up_after_max_attempts(
    make_report, settings
):
    settings.EMAIL_BACKEND = f"{__name__}.FailingBackend"
    make_report()
    row = Notification.objects.get(channel="email")

    assert notifications.deliver(row.pk) is False
    row.refresh_from_db()
    assert (row.status, row.attempts) == (Status.PENDING, 1)
    assert row.last_error == "ConnectionRefusedError: SMTP server down"

    Notification.objects.filter(pk=row.pk).update(
        attempts=notifications.MAX_ATTEMPTS - 1
    )
    assert notifications.deliver(row.pk) is False
    row.refresh_from_db()
    assert (row.status, row.attempts) == (Status.FAILED, notifications.MAX_ATTEMPTS)


def test_requeue_sends_rows_left_pending_or_left_sending_by_a_dead_worker(
    make_report,
):
    make_report()
    email_row = Notification.objects.get(channel="email")
    inbox_row = Notification.objects.get(channel="inbox")
    long_ago = timezone.now() - timedelta(hours=1)
    Notification.objects.update(created_at=long_ago)
    Notification.objects.filter(pk=email_row.pk).update(
        status=Status.SENDING, claimed_at=long_ago, attempts=1
    )

    assert notifications.requeue() == 2

    assert len(mail.outbox) == 1
    assert InboxMessage.objects.filter(notification=inbox_row).count() == 1
    assert list(
        Notification.objects.order_by("pk").values_list("status", "attempts")
    ) == [(Status.SENT, 2), (Status.SENT, 1)]


def test_requeue_leaves_fresh_rows_and_recent_failures_alone(make_report):
    make_report()  # two fresh rows: their own tasks may still be in the queue
    email_row = Notification.objects.get(channel="email")
    Notification.objects.filter(pk=email_row.pk).update(
        created_at=timezone.now() - timedelta(hours=1),
        claimed_at=timezone.now() - timedelta(minutes=1),
        attempts=1,
    )

    assert notifications.requeue() == 0
    assert Notification.objects.filter(status=Status.PENDING).count() == 2


def test_with_the_broker_down_the_change_succeeds_and_its_rows_stay_pending(
    make_report, officer, django_capture_on_commit_callbacks, caplog
):
    report = make_report()
    publish_to(f"redis://127.0.0.1:{free_port()}/0")  # nothing listens there
    caplog.set_level(logging.WARNING, logger="cthainguyen.notifications")

    started = time.monotonic()
    with django_capture_on_commit_callbacks(execute=True):
        actions.start_report(actions.receive_report(report, officer), officer)
    elapsed = time.monotonic() - started

    report.refresh_from_db()
    assert report.state == "in_progress"
    assert elapsed < 2
    assert set(Notification.objects.values_list("status", flat=True)) == {
        Status.PENDING
    }
    assert Notification.objects.count() == 6
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 2
    assert (
        warnings[0]
        .getMessage()
        .startswith("Broker unavailable, 2 notification(s) stay pending for requeue: ")
    )
    assert mail.outbox == []


def test_a_row_the_sweep_queued_is_not_queued_again_before_retry_after(
    make_report, monkeypatch
):
    make_report()
    Notification.objects.update(created_at=timezone.now() - timedelta(hours=1))
    queued = []
    monkeypatch.setattr(notifications, "queue", lambda ids: queued.append(ids) or 2)

    assert notifications.requeue() == 2
    assert notifications.requeue() == 0
    assert notifications.requeue(retry_after=timedelta(0)) == 2
    assert len(queued) == 2


def test_an_inbox_row_delivered_by_a_newer_attempt_is_not_written_twice(make_report):
    make_report()
    row = Notification.objects.get(channel="inbox")
    # A slow first attempt was presumed dead; the sweep's attempt delivered it.
    InboxMessage.objects.create(user=row.user, notification=row, subject="x", body="")
    Notification.objects.filter(pk=row.pk).update(status=Status.PENDING)

    assert notifications.deliver(row.pk) is False
    assert InboxMessage.objects.count() == 1
    row.refresh_from_db()
    assert row.status == Status.SENT
