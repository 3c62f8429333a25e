"""A real Celery worker on a private Redis delivers the outbox, once, through faults.

Each test starts its own redis-server on a free loopback port and `celery worker`
processes on the PostgreSQL test database, which both processes share (the test
runs with real commits). The worker writes emails with the file backend.

Emails are counted by distinct Message-ID: a worker killed after the SMTP server
took a message but before it marked the row sent cannot know the message left, so
email is at least once, and a resend carries the same Message-ID, which is what
makes it the same message to the recipient. Inbox messages are counted as rows:
they are exactly once.
"""

from datetime import timedelta

import pytest

from cthainguyen import notifications
from cthainguyen.models import InboxMessage, Notification
from reports import actions
from tests.notifications.conftest import publish_to, wait_until

pytestmark = [
    pytest.mark.services,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

Status = Notification.Status
NOW = timedelta(0)


def all_sent(count):
    def check():
        return Notification.objects.filter(status=Status.SENT).count() == count

    return check


def sweep():
    """Beat's requeue_unsent, with every age at zero so the test need not wait."""
    return notifications.requeue(pending_after=NOW, sending_after=NOW, retry_after=NOW)


def message_ids(emails):
    return [message["Message-ID"] for message in emails]


def expected_ids():
    return sorted(
        notifications.message_id(row)
        for row in Notification.objects.filter(channel="email")
    )


def test_a_worker_consuming_from_redis_delivers_the_email_and_the_inbox_message(
    services, make_report, officer, citizen
):
    services.start_redis()
    services.start_worker()
    publish_to(services.redis_url)

    report = make_report()
    actions.receive_report(report, officer, note="Đã chuyển Sở Xây dựng.")

    wait_until(all_sent(4), what="four notifications sent by the worker")
    emails = services.emails()
    assert sorted(message_ids(emails)) == expected_ids()
    assert [message["To"] for message in emails] == ["an@example.com"] * 2
    assert sorted(message["Subject"].strip() for message in emails) == sorted(
        Notification.objects.filter(channel="email").values_list("subject", flat=True)
    )
    assert (
        list(InboxMessage.objects.filter(user=citizen).values_list("url", flat=True))
        == [f"/reports/{report.code}/"] * 2
    )
    assert sweep() == 0


def test_with_the_broker_down_at_submit_the_notification_goes_out_once_it_is_back(
    services, make_report, caplog
):
    publish_to(services.redis_url)  # nothing listens there yet

    report = make_report()

    assert report.pk is not None
    assert set(Notification.objects.values_list("status", flat=True)) == {
        Status.PENDING
    }
    assert "Broker unavailable, 2 notification(s) stay pending" in caplog.text

    services.start_redis()
    services.start_worker()
    assert sweep() == 2

    wait_until(all_sent(2), what="both notifications sent after the outage")
    assert message_ids(services.emails()) == expected_ids()
    assert InboxMessage.objects.count() == 1
    assert sweep() == 0


def test_a_worker_killed_before_the_send_leaves_one_notification_after_restart(
    services, make_report
):
    services.start_redis()
    worker = services.start_worker(pause_at="before_send")
    publish_to(services.redis_url)

    make_report()
    wait_until(worker.marker.exists, what="the worker to pause before sending")
    services.kill(worker)

    assert Notification.objects.filter(status=Status.SENDING).count() == 1
    assert services.emails() == []
    services.start_worker()
    # The other row's message was still queued; the claimed one is beat's work.
    wait_until(all_sent(1), what="the queued notification")
    assert sweep() == 1

    wait_until(all_sent(2), what="the requeued notification")
    assert message_ids(services.emails()) == expected_ids()
    assert InboxMessage.objects.count() == 1


def test_a_worker_killed_after_the_send_before_the_mark_leaves_one_each(
    services, make_report
):
    services.start_redis()
    publish_to(services.redis_url)
    first = services.start_worker(pause_at="after_send")

    make_report()
    # The first worker sends the email and dies before marking it sent; the
    # second writes the inbox message and dies before its transaction commits.
    wait_until(first.marker.exists, what="the first worker to pause")
    services.kill(first)
    second = services.start_worker(pause_at="after_send")
    wait_until(second.marker.exists, what="the second worker to pause")
    services.kill(second)

    assert Notification.objects.filter(status=Status.SENDING).count() == 2
    assert len(services.emails()) == 1
    assert InboxMessage.objects.count() == 0

    services.start_worker()
    assert sweep() == 2

    wait_until(all_sent(2), what="both notifications after the restart")
    emails = services.emails()
    assert len(emails) == 2  # the email went out again: at least once
    assert sorted(set(message_ids(emails))) == expected_ids()  # one message
    assert InboxMessage.objects.count() == 1
