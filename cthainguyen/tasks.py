"""Tasks of the shared core: delivering the notification outbox."""

from datetime import timedelta

from celery import shared_task

from cthainguyen import notifications


@shared_task(ignore_result=True)
def send_notification(notification_id):
    """Send one outbox row; a duplicate message for the same row does nothing."""
    return notifications.deliver(notification_id)


@shared_task(ignore_result=True)
def requeue_unsent(pending_after=None, sending_after=None, retry_after=None):
    """Beat, every minute: queue again what a broker outage or a dead worker left.

    The ages are in seconds; unset, the defaults in cthainguyen.notifications apply.
    """
    ages = {
        name: timedelta(seconds=value)
        for name, value in (
            ("pending_after", pending_after),
            ("sending_after", sending_after),
            ("retry_after", retry_after),
        )
        if value is not None
    }
    return notifications.requeue(**ages)
