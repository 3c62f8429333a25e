"""The reports' live topics: a report's public page, and an officer's queue.

Who may join what is decided by reports.access, as for the pages: a report's group
by get_visible_report (a hidden or not yet public report's group is its reporter's
and staff's only), the queue groups by the rules of staff_reports.
"""

import datetime

from django.db.models import Max
from django.http import Http404

from cthainguyen import live
from cthainguyen.consumers import Subscription, TopicConsumer
from cthainguyen.roles import (
    AGENCY_OFFICER,
    COMMUNE_OFFICIAL,
    has_role,
    is_province_admin,
)
from reports import access

# At most this many reports come back to a queue that reconnects.
QUEUE_CATCH_UP = 50


def report_topic(user, params):
    """A report's page: its public changes, for whoever may open the page."""
    code = params.get("code")
    if not isinstance(code, str) or not 0 < len(code) <= 20:
        return None
    try:
        report = access.get_visible_report(user, code.strip().upper())
    except Http404:
        return None
    return Subscription(
        key=f"report:{report.code}", groups=(live.report_group(report.pk),)
    )


def queue_groups(user):
    """The queue groups of a staff member: the same rules as access.staff_reports."""
    if not (user.is_authenticated and user.is_active and user.is_staff):
        return ()
    if is_province_admin(user):
        return (live.PROVINCE_GROUP,)
    profile = getattr(user, "staff_profile", None)
    if profile is None:
        return ()
    if has_role(user, AGENCY_OFFICER) and profile.agency_id:
        return (live.agency_group(profile.agency_id),)
    if has_role(user, COMMUNE_OFFICIAL) and profile.ward_id:
        return (live.ward_group(profile.ward_id),)
    return ()


def _whole_number(value):
    if isinstance(value, bool):
        return None
    if isinstance(value, int | str) and str(value).isascii() and str(value).isdigit():
        return int(value)
    return None


def queue_topic(user, params):
    """An officer's queue: new reports for their agency, commune or province.

    ``after`` (a report id, on reconnect) or ``since`` (the page's opening time in
    seconds) asks for the reports that arrived meanwhile; the answer ends with a
    ``queue.cursor`` to reconnect from.
    """
    groups = queue_groups(user)
    if not groups:
        return None
    reports = access.staff_reports(user)
    after = _whole_number(params.get("after"))
    since = _whole_number(params.get("since"))
    missed = reports.none()
    if after is not None:
        missed = reports.filter(pk__gt=after)
    elif since is not None:
        try:
            moment = datetime.datetime.fromtimestamp(since, datetime.UTC)
        except (OverflowError, OSError, ValueError):
            moment = None
        if moment is not None:
            missed = reports.filter(submitted_at__gt=moment)
    missed = missed.select_related("category", "ward").order_by("pk")
    messages = [live.queue_message(report, "new") for report in missed[:QUEUE_CATCH_UP]]
    cursor = reports.aggregate(last=Max("pk"))["last"] or 0
    messages.append({"type": "queue.cursor", "after": max(cursor, after or 0)})
    return Subscription(key="queue", groups=groups, messages=messages)


TOPICS = {"report": report_topic, "queue": queue_topic}


class ReportConsumer(TopicConsumer):
    """/ws/reports/<code>/: one report's public changes."""

    topic = "report"
    topics = TOPICS


class StaffQueueConsumer(TopicConsumer):
    """/ws/staff/queue/: new reports for the officer's agency, commune or province."""

    topic = "queue"
    topics = TOPICS

    def topic_params(self):
        from urllib.parse import parse_qs

        query = parse_qs(self.scope.get("query_string", b"").decode("latin-1"))
        return {name: values[-1] for name, values in query.items()}
