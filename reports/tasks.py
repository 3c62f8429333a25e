"""Scheduled work on reports: the morning digest of overdue reports to each agency."""

from celery import shared_task
from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from cthainguyen import notifications
from cthainguyen.models import Agency, Notification
from reports.models import Report

# An agency far behind gets the most overdue ones and a link to the full list.
DIGEST_LIMIT = 100


@shared_task(ignore_result=True)
def send_overdue_digests():
    """Beat, each morning: write one digest email per agency with overdue reports.

    Written through the outbox, once per agency and local day (a second run that
    day, or a second beat, finds the row and writes nothing). Returns how many
    digests it wrote.
    """
    return write_overdue_digests(timezone.now())


def write_overdue_digests(now):
    today = timezone.localdate(now)
    overdue = Report.objects.overdue(now).filter(agency__isnull=False)
    agencies = Agency.objects.filter(
        pk__in=overdue.values("agency"), email__gt=""
    ).order_by("pk")
    changelist = reverse("admin:reports_report_changelist")
    written = 0
    for agency in agencies:
        key = f"overdue-digest-{agency.pk}-{today.isoformat()}"
        if Notification.objects.filter(key=key).exists():
            continue
        mine = overdue.filter(agency=agency)
        total = mine.count()
        reports = list(
            mine.select_related("ward").order_by("due_at", "id")[:DIGEST_LIMIT]
        )
        for report in reports:
            report.admin_url = settings.SITE_URL + reverse(
                "admin:reports_report_change", args=[report.pk]
            )
        path = f"{changelist}?overdue=yes&agency__id__exact={agency.pk}"
        context = {
            "agency": agency,
            "reports": reports,
            "total": total,
            "more": total - len(reports),
            "today": today,
            "url": settings.SITE_URL + path,
        }
        row = notifications.email(
            key, agency.email, "reports/email/overdue_digest", context, url=path
        )
        try:
            with transaction.atomic():
                notifications.write([row])
        except IntegrityError:
            continue  # another run wrote this digest meanwhile
        written += 1
    return written
