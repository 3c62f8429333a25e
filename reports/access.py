"""The one door to reports: every view and admin queryset fetches through here.

Each helper returns what the user may see or raises Http404, so an outsider learns
nothing about what exists.
"""

from django.http import Http404

from cthainguyen.roles import (
    AGENCY_OFFICER,
    COMMUNE_OFFICIAL,
    has_role,
    is_province_admin,
)
from reports.models import Report


def staff_reports(user):
    """Return the reports a staff member handles: all, their agency's or commune's."""
    reports = Report.objects.all()
    if not (user.is_authenticated and user.is_active and user.is_staff):
        return reports.none()
    if is_province_admin(user):
        return reports
    profile = getattr(user, "staff_profile", None)
    if profile is None:
        return reports.none()
    if has_role(user, AGENCY_OFFICER) and profile.agency_id:
        return reports.filter(agency_id=profile.agency_id)
    if has_role(user, COMMUNE_OFFICIAL) and profile.ward_id:
        return reports.filter(ward_id=profile.ward_id)
    return reports.none()


def get_staff_report(user, pk):
    try:
        return staff_reports(user).get(pk=pk)
    except (Report.DoesNotExist, ValueError):
        raise Http404 from None


def can_handle(user, report):
    return staff_reports(user).filter(pk=report.pk).exists()


def visible_reports(user):
    """Return the reports a person may open: public ones, their own, and staff's."""
    public = Report.objects.public()
    if not user.is_authenticated:
        return public
    mine = Report.objects.filter(reporter=user, is_hidden=False)
    return public | mine | staff_reports(user)


def get_visible_report(user, code):
    try:
        return (
            visible_reports(user)
            .select_related("category", "ward", "agency", "reporter", "duplicate_of")
            .get(code=code)
        )
    except Report.DoesNotExist:
        raise Http404 from None


def get_own_report(user, code):
    if not user.is_authenticated:
        raise Http404 from None
    try:
        return Report.objects.get(code=code, reporter=user, is_hidden=False)
    except Report.DoesNotExist:
        raise Http404 from None
