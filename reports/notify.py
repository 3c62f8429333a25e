"""Messages to the people a report concerns, sent after the change has committed."""

import logging

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from reports.models import Event

logger = logging.getLogger(__name__)

# Timeline steps the reporter hears about; internal notes never leave the admin.
REPORTER_EVENTS = {
    Event.Kind.RECEIVED,
    Event.Kind.STARTED,
    Event.Kind.RESOLVED,
    Event.Kind.REJECTED,
    Event.Kind.DUPLICATE,
    Event.Kind.NOTE,
}


def send_templated(template, recipient, context):
    """Send the subject, text and HTML templates named after `template`, in Vietnamese."""
    with translation.override(settings.LANGUAGE_CODE):
        subject = render_to_string(f"{template}_subject.txt", context).strip()
        text = render_to_string(f"{template}.txt", context)
        html = render_to_string(f"{template}.html", context)
    message = EmailMultiAlternatives(" ".join(subject.split()), text, to=[recipient])
    message.attach_alternative(html, "text/html")
    try:
        message.send()
    except OSError:
        logger.exception("Could not send %s to user mail; it is not retried", template)


def _report_context(report, event=None):
    return {
        "report": report,
        "event": event,
        "url": settings.SITE_URL + reverse("reports:detail", args=[report.code]),
    }


def report_submitted(report):
    if report.reporter.email:
        send_templated(
            "reports/email/submitted", report.reporter.email, _report_context(report)
        )


def report_changed(report, event):
    if event.kind in REPORTER_EVENTS and (event.public_note or event.kind != "note"):
        if report.reporter.email:
            send_templated(
                "reports/email/changed",
                report.reporter.email,
                _report_context(report, event),
            )
    if event.kind in (Event.Kind.RECEIVED, Event.Kind.ASSIGNED):
        if report.agency and report.agency.email:
            send_templated(
                "reports/email/assigned", report.agency.email, _report_context(report)
            )
