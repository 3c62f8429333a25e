import datetime
import uuid
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponseBadRequest, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import (
    require_http_methods,
    require_POST,
    require_safe,
)

from cthainguyen import live
from cthainguyen.models import Ward
from cthainguyen.text import fold
from reports import access, actions, stats
from reports.forms import RatingForm, ReportFilterForm, ReportForm
from reports.models import Category, Event, Report

PAGE_SIZE = 20
MAP_LIMIT = 500
EVENTS_LIMIT = 200


@login_required
@require_http_methods(["GET", "POST"])
def report_new(request):
    if request.method == "POST":
        form = ReportForm(request.POST, request.FILES)
        if form.is_valid():
            data = dict(form.cleaned_data)
            report = actions.submit_report(
                request.user,
                submission_key=data.pop("submission_key"),
                photos=data.pop("photos"),
                **data,
            )
            messages.success(
                request,
                _("Your report has been sent. Its tracking code is %(code)s.")
                % {"code": report.code},
            )
            return redirect("reports:detail", code=report.code)
    else:
        form = ReportForm(
            initial={"submission_key": uuid.uuid4(), "ward": request.user.home_ward}
        )
    return render(request, "reports/new.html", {"form": form})


@require_safe
def report_list(request):
    form = ReportFilterForm(request.GET or None)
    reports = Report.objects.public().select_related("category", "ward")
    if form.is_bound:
        # A wrong field is shown with its error; the others still filter.
        form.is_valid()
        reports = filter_reports(reports, form.cleaned_data)
    page, next_cursor = keyset_page(reports, request.GET.get("after"))
    return render(
        request,
        "reports/list.html",
        {
            "form": form,
            "reports": page,
            "next_cursor": next_cursor,
            "query_string": request.GET.copy(),
        },
    )


def filter_reports(reports, data):
    zone = ZoneInfo(settings.TIME_ZONE)
    if data.get("q"):
        for word in fold(data["q"]).split()[:8]:
            reports = reports.filter(search_text__contains=word)
    for name in ("category", "ward", "agency"):
        if data.get(name):
            reports = reports.filter(**{name: data[name]})
    if data.get("state"):
        reports = reports.filter(state=data["state"])
    if data.get("since"):
        start = datetime.datetime.combine(data["since"], datetime.time(), tzinfo=zone)
        reports = reports.filter(submitted_at__gte=start)
    if data.get("until"):
        end = datetime.datetime.combine(
            data["until"] + datetime.timedelta(days=1), datetime.time(), tzinfo=zone
        )
        reports = reports.filter(submitted_at__lt=end)
    return reports


def keyset_page(reports, cursor):
    """Return one page newest first, and the cursor of the next page if any.

    The cursor is the last row's sending time and id, so a page deep in the list
    costs the same as the first one and rows added meanwhile never shift it.
    """
    reports = reports.order_by("-submitted_at", "-id")
    if cursor:
        try:
            stamp, _, pk = cursor.partition("_")
            moment = datetime.datetime.fromtimestamp(
                int(stamp) / 1_000_000, datetime.UTC
            )
            reports = reports.filter(submitted_at__lte=moment).exclude(
                submitted_at=moment, id__gte=int(pk)
            )
        except (ValueError, OverflowError, OSError):
            pass
    rows = list(reports[: PAGE_SIZE + 1])
    if len(rows) <= PAGE_SIZE:
        return rows, None
    last = rows[PAGE_SIZE - 1]
    micro = (
        int(last.submitted_at.timestamp()) * 1_000_000 + last.submitted_at.microsecond
    )
    return rows[:PAGE_SIZE], f"{micro}_{last.pk}"


@require_safe
def report_map_data(request):
    """Return the public reports inside the visible area, for the map."""
    try:
        south, west, north, east = (
            Decimal(part) for part in request.GET.get("bbox", "").split(",")
        )
        if not all(value.is_finite() for value in (south, west, north, east)):
            raise ValueError("bbox must be finite")
    except (InvalidOperation, ValueError):
        return HttpResponseBadRequest(
            _("bbox must be south,west,north,east in degrees."),
            content_type="text/plain; charset=utf-8",
        )
    reports = Report.objects.public().filter(
        latitude__range=(south, north), longitude__range=(west, east)
    )
    form = ReportFilterForm(request.GET)
    if not form.is_valid():
        return JsonResponse({"errors": form.errors}, status=400)
    reports = filter_reports(reports, form.cleaned_data)
    rows = reports.order_by("-submitted_at", "-id").values(
        "code", "title", "state", "latitude", "longitude", "category__name"
    )[:MAP_LIMIT]
    features = [
        {
            "code": row["code"],
            "title": row["title"],
            "state": row["state"],
            "state_label": Report.State(row["state"]).label,
            "category": row["category__name"],
            "lat": float(row["latitude"]),
            "lng": float(row["longitude"]),
            "url": reverse("reports:detail", args=[row["code"]]),
        }
        for row in rows
    ]
    return JsonResponse({"reports": features, "truncated": len(features) == MAP_LIMIT})


@require_safe
def report_detail(request, code):
    report = access.get_visible_report(request.user, code)
    events = report.events.exclude(kind=Event.Kind.NOTE, public_note="").select_related(
        "agency"
    )
    is_reporter = (
        request.user.is_authenticated and report.reporter_id == request.user.pk
    )
    photos = list(report.photos.all())
    return render(
        request,
        "reports/detail.html",
        {
            "report": report,
            "events": events,
            "report_photos": [p for p in photos if p.kind == "report"],
            "response_photos": [p for p in photos if p.kind == "response"],
            "is_reporter": is_reporter,
            "can_rate": is_reporter
            and report.state == Report.State.RESOLVED
            and not report.rating,
            "rating_form": RatingForm(),
            "is_overdue": report.is_overdue(),
        },
    )


@never_cache
@require_safe
def report_events(request, code):
    """The public timeline events after ?after=<event id>, oldest first, as JSON.

    A report page whose live socket dropped fetches what it missed from here, by the
    last event id it has; internal notes are never part of it.
    """
    report = access.get_visible_report(request.user, code)
    after = request.GET.get("after", "0")
    if not (after.isascii() and after.isdigit()):
        return HttpResponseBadRequest(
            _("after must be the id of a timeline event."),
            content_type="text/plain; charset=utf-8",
        )
    events = list(
        report.events.exclude(kind=Event.Kind.NOTE, public_note="")
        .filter(pk__gt=int(after))
        .select_related("agency")
        .order_by("pk")[: EVENTS_LIMIT + 1]
    )
    return JsonResponse(
        {
            "report": report.code,
            **live.state_payload(report),
            "events": [live.event_payload(event) for event in events[:EVENTS_LIMIT]],
            "truncated": len(events) > EVENTS_LIMIT,
        }
    )


@login_required
@require_POST
def report_rate(request, code):
    report = access.get_own_report(request.user, code)
    form = RatingForm(request.POST)
    if form.is_valid():
        try:
            actions.rate_report(
                report,
                request.user,
                rating=form.cleaned_data["rating"],
                comment=form.cleaned_data["comment"],
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Thank you for rating the result."))
    else:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
    return redirect("reports:detail", code=report.code)


@login_required
@require_safe
def my_reports(request):
    reports = (
        Report.objects.filter(reporter=request.user, is_hidden=False)
        .select_related("category", "ward")
        .order_by("-submitted_at", "-id")
    )
    page, next_cursor = keyset_page(reports, request.GET.get("after"))
    return render(
        request,
        "reports/mine.html",
        {
            "reports": page,
            "next_cursor": next_cursor,
            "query_string": request.GET.copy(),
        },
    )


@require_safe
def statistics(request):
    categories = {c.pk: c for c in Category.objects.all()}
    wards = {w.pk: w for w in Ward.objects.all()}
    by_category = stats.grouped("category")
    for row in by_category:
        row["label"] = categories[row["category"]].name
    by_ward = stats.grouped("ward")
    for row in by_ward:
        row["label"] = wards[row["ward"]].name
    by_ward.sort(key=lambda row: wards[row["ward"]].sort_key)
    by_month = stats.grouped("month")
    for row in by_month:
        row["label"] = row["month"].strftime("%m/%Y")
    chart_data = {
        "labels": {"received": _("Received"), "resolved": _("Resolved")},
        "months": {
            "labels": [row["label"] for row in by_month],
            "received": [row["received"] for row in by_month],
            "resolved": [row["resolved"] for row in by_month],
        },
        "categories": {
            "labels": [row["label"] for row in by_category],
            "received": [row["received"] for row in by_category],
        },
    }
    totals = stats.totals()
    chart_data["ratings"] = {
        "labels": [capfirst(label) for _, label in Report.Rating.choices],
        "counts": [totals["satisfied"], totals["acceptable"], totals["unsatisfied"]],
    }
    return render(
        request,
        "reports/stats.html",
        {
            "totals": totals,
            "by_category": by_category,
            "by_ward": by_ward,
            "by_month": by_month,
            "chart_data": chart_data,
        },
    )
