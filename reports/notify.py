"""Messages to the people a report concerns, written to the outbox with the change.

The domain functions call these inside their transaction: a change and its
notifications commit together, and a rolled-back change leaves no message behind.
Sending happens after commit, off the request (cthainguyen/notifications.py).
"""

from django.conf import settings
from django.urls import reverse

from cthainguyen import notifications
from reports.models import Event

# Timeline steps the reporter hears about; internal notes never leave the admin.
REPORTER_EVENTS = {
    Event.Kind.RECEIVED,
    Event.Kind.STARTED,
    Event.Kind.RESOLVED,
    Event.Kind.REJECTED,
    Event.Kind.DUPLICATE,
    Event.Kind.NOTE,
}
AGENCY_EVENTS = {Event.Kind.RECEIVED, Event.Kind.ASSIGNED}


def _context(report, event=None):
    path = reverse("reports:detail", args=[report.code])
    return {"report": report, "event": event, "url": settings.SITE_URL + path}, path


def _to_reporter(key, report, name, context, path):
    """The reporter's email (when they have one) and inbox message (always)."""
    reporter = report.reporter
    rows = [
        notifications.inbox(
            f"{key}-reporter-inbox",
            reporter,
            f"reports/email/{name}_subject.txt",
            f"inbox/messages/report_{name}.txt",
            context,
            url=path,
        )
    ]
    if reporter.email:
        rows.insert(
            0,
            notifications.email(
                f"{key}-reporter-email",
                reporter.email,
                f"reports/email/{name}",
                context,
                user=reporter,
                url=path,
            ),
        )
    return rows


def report_submitted(report):
    context, path = _context(report)
    key = f"report-{report.pk}-submitted"
    notifications.write(_to_reporter(key, report, "submitted", context, path))


def report_changed(report, event):
    context, path = _context(report, event)
    key = f"event-{event.pk}"
    rows = []
    if event.kind in REPORTER_EVENTS and (event.public_note or event.kind != "note"):
        rows += _to_reporter(key, report, "changed", context, path)
    if event.kind in AGENCY_EVENTS and report.agency and report.agency.email:
        admin_path = reverse("admin:reports_report_change", args=[report.pk])
        rows.append(
            notifications.email(
                f"{key}-agency-email",
                report.agency.email,
                "reports/email/assigned",
                {**context, "url": settings.SITE_URL + admin_path},
                url=admin_path,
            )
        )
    notifications.write(rows)
