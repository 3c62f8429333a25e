"""The transactional outbox: notifications written with the change, sent by a task.

A domain function builds its messages with `email()` and `inbox()` and hands them
to `write()` inside its own transaction: the rows (already rendered, in Vietnamese)
exist exactly when the change does. After commit each row is queued for
`cthainguyen.tasks.send_notification`; a broker that is down only logs a warning,
and beat's `requeue_unsent` queues the row later.

Delivery (`deliver`) claims a row with a conditional update (pending → sending,
counting the attempt), sends it, and marks it sent with a second conditional update
that names the same attempt, so a duplicate task message, or two workers, send it
once. What a worker killed midway leaves behind:

- inbox: the message and the "sent" mark are written in one transaction, so the
  message exists once, whenever the worker dies (exactly once);
- email: a worker killed after the SMTP server took the message but before the mark
  leaves the row "sending"; `requeue` sends it again after SENDING_TIMEOUT. Email is
  therefore at least once, and every copy carries the same Message-ID
  (`message_id`), so the duplicate is recognisable as one message.
"""

import logging
import os
import time
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlparse

import redis.exceptions
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.utils import timezone, translation
from kombu.exceptions import OperationalError

from cthainguyen import live
from cthainguyen.models import InboxMessage, Notification

logger = logging.getLogger(__name__)

Channel = Notification.Channel
Status = Notification.Status

# A row is queued after commit; beat re-queues one still pending after this long.
PENDING_GRACE = timedelta(seconds=30)
# A row "sending" for longer than this belongs to a dead worker. Keep it well above
# the longest send (set EMAIL_TIMEOUT so an SMTP server cannot hang a send).
SENDING_TIMEOUT = timedelta(minutes=10)
# A failed send is tried again after this long, and given up after MAX_ATTEMPTS.
RETRY_AFTER = timedelta(minutes=5)
MAX_ATTEMPTS = 8
REQUEUE_BATCH = 500

# Publishing happens after the request has committed: with the broker down it must
# fail at once (one connection attempt, a short connect timeout), not stall the page.
_FAST_FAIL = {"max_retries": 0, "socket_connect_timeout": 2, "socket_timeout": 5}
BROKER_ERRORS = (OperationalError, redis.exceptions.RedisError, OSError)


def _render(template, context):
    with translation.override(settings.LANGUAGE_CODE):
        return render_to_string(template, context)


def _one_line(text):
    return " ".join(text.split())


def email(key, address, template, context, *, user=None, url=""):
    """Build (unsaved) an email from `template`'s _subject.txt, .txt and .html."""
    return Notification(
        key=key,
        channel=Channel.EMAIL,
        user=user,
        email=address,
        subject=_one_line(_render(f"{template}_subject.txt", context))[:255],
        body_text=_render(f"{template}.txt", context),
        body_html=_render(f"{template}.html", context),
        url=url,
    )


def inbox(key, user, subject_template, body_template, context, *, url=""):
    """Build (unsaved) an inbox message for `user`, linking to `url` (a path)."""
    return Notification(
        key=key,
        channel=Channel.INBOX,
        user=user,
        subject=_one_line(_render(subject_template, context))[:255],
        body_text=_render(body_template, context).strip(),
        url=url,
    )


def write(rows):
    """Save the rows in the current transaction and queue them once it commits."""
    rows = [row for row in rows if row is not None]
    for row in rows:
        row.save(force_insert=True)
    if rows:
        ids = [row.pk for row in rows]
        transaction.on_commit(lambda: queue(ids))
    return rows


def queue(ids):
    """Queue a send task per row; return how many were queued. Never raises.

    Without a broker (eager mode, `make run`) each send runs here, in-process.
    """
    from cthainguyen.tasks import send_notification

    app = send_notification.app
    queued = 0
    try:
        if app.conf.task_always_eager:
            for pk in ids:
                send_notification.apply_async(args=[pk])
                queued += 1
            return queued
        with app.connection_for_write(transport_options=_FAST_FAIL) as connection:
            for pk in ids:
                send_notification.apply_async(
                    args=[pk], connection=connection, retry=False
                )
                queued += 1
    except BROKER_ERRORS as error:
        logger.warning(
            "Broker unavailable, %d notification(s) stay pending for requeue: %s",
            len(ids) - queued,
            error,
        )
    except Exception:
        logger.exception("Could not queue notifications %s; they stay pending", ids)
    return queued


def message_id(notification):
    """The Message-ID of a notification's email: the same on every (re)send."""
    host = urlparse(settings.SITE_URL).hostname or "cthainguyen.local"
    stamp = notification.created_at.strftime("%Y%m%d%H%M%S")
    return f"<notification-{notification.pk}.{stamp}@{host}>"


def _pause_for_tests(point):
    # Fault tests only: CTN_TEST_PAUSE_AT="<point>:<file>" touches <file>, then hangs.
    spec = os.environ.get("CTN_TEST_PAUSE_AT", "")
    if spec and spec.partition(":")[0] == point:
        Path(spec.partition(":")[2]).touch()
        time.sleep(3600)


def deliver(pk):
    """Send one outbox row unless another delivery has it; return True if sent."""
    claimed = Notification.objects.filter(pk=pk, status=Status.PENDING).update(
        status=Status.SENDING,
        claimed_at=timezone.now(),
        attempts=F("attempts") + 1,
    )
    if claimed != 1:
        # Sent already, being sent, given up, or deleted: a duplicate task message.
        return False
    row = Notification.objects.get(pk=pk)
    mine = Notification.objects.filter(
        pk=pk, status=Status.SENDING, attempts=row.attempts
    )
    _pause_for_tests("before_send")
    if row.channel == Channel.INBOX:
        try:
            with transaction.atomic():
                InboxMessage.objects.create(
                    user_id=row.user_id,
                    notification=row,
                    subject=row.subject,
                    body=row.body_text,
                    url=row.url,
                )
                live.inbox_count_on_commit(row.user_id)
                _pause_for_tests("after_send")
                if mine.update(status=Status.SENT, sent_at=timezone.now()) != 1:
                    raise IntegrityError("requeued meanwhile as stale")
        except IntegrityError:
            # Another delivery of this row (requeued as stale) wrote the message.
            if InboxMessage.objects.filter(notification_id=pk).exists():
                mine.update(status=Status.SENT, sent_at=timezone.now())
            return False
        return True
    try:
        _send_email(row)
    except Exception as error:
        logger.exception("Notification %s could not be sent", pk)
        failed = row.attempts >= MAX_ATTEMPTS
        mine.update(
            status=Status.FAILED if failed else Status.PENDING,
            last_error=f"{type(error).__name__}: {error}"[:2000],
        )
        return False
    _pause_for_tests("after_send")
    if mine.update(status=Status.SENT, sent_at=timezone.now()) != 1:
        logger.warning("Notification %s was requeued as stale while sent: twice", pk)
    return True


def _send_email(row):
    message = EmailMultiAlternatives(
        row.subject,
        row.body_text,
        to=[row.email],
        headers={"Message-ID": message_id(row), "Auto-Submitted": "auto-generated"},
    )
    if row.body_html:
        message.attach_alternative(row.body_html, "text/html")
    message.send()


def requeue(
    pending_after=PENDING_GRACE,
    sending_after=SENDING_TIMEOUT,
    retry_after=RETRY_AFTER,
    limit=REQUEUE_BATCH,
):
    """Queue again the rows left unsent; return how many were queued.

    Rows "sending" for longer than `sending_after` go back to pending first (their
    worker died); pending rows are queued once older than `pending_after`, and
    again only once `retry_after` has passed since the last sweep queued them or
    the last attempt failed.
    """
    now = timezone.now()
    revived = Notification.objects.filter(
        status=Status.SENDING, claimed_at__lt=now - sending_after
    ).update(status=Status.PENDING)
    if revived:
        logger.warning("%d notification(s) left sending by a dead worker", revived)
    recent = now - retry_after
    ids = list(
        Notification.objects.filter(
            status=Status.PENDING, created_at__lt=now - pending_after
        )
        .filter(Q(claimed_at__isnull=True) | Q(claimed_at__lt=recent))
        .filter(Q(queued_at__isnull=True) | Q(queued_at__lt=recent))
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )
    if not ids:
        return 0
    queued = queue(ids)
    Notification.objects.filter(pk__in=ids[:queued]).update(queued_at=now)
    return queued
