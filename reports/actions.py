"""What can happen to a report. Admin, views and tests all go through these.

Each function checks the step is allowed, writes the change and its timeline event
in one transaction, keeps the published counts current, and writes the messages to
the people concerned to the outbox in that same transaction (sent after commit).
"""

from contextlib import contextmanager
from functools import partial

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cthainguyen import live
from cthainguyen.models import search_text
from cthainguyen.text import nfc
from cthainguyen.workdays import due_date
from reports import access, notify, photo_tasks, stats
from reports.models import Event, Photo, Report
from reports.photos import ProcessedPhoto

State = Report.State


def _refresh_search_text(report):
    report.search_text = search_text(
        report.code,
        report.title,
        report.description,
        report.address,
        report.ward.name,
        report.category.name,
    )


def _save_photos(report, photos, kind, written):
    """Store each photo, noting every file name so a rollback can remove it.

    A CheckedPhoto (from the forms) is kept as a private original and its clean
    JPEGs are queued for a worker once the transaction commits; a ProcessedPhoto
    already holds them and is stored as it is.
    """
    pending = []
    for accepted in photos:
        photo = Photo(report=report, kind=kind)
        if isinstance(accepted, ProcessedPhoto):
            photo.width, photo.height = accepted.width, accepted.height
            photo.image.save("photo.jpg", ContentFile(accepted.display), save=False)
            written.append(photo.image.name)
            photo.thumbnail.save(
                "thumb.jpg", ContentFile(accepted.thumbnail), save=False
            )
            written.append(photo.thumbnail.name)
        else:
            photo.original.save("original", ContentFile(accepted.data), save=False)
            written.append(photo.original.name)
        photo.save()
        if not photo.ready:
            pending.append(photo.pk)
    if pending:
        transaction.on_commit(partial(photo_tasks.queue_derivatives, pending))


@contextmanager
def _files_removed_on_failure():
    # A rolled-back transaction leaves files already written to storage behind.
    written = []
    try:
        yield written
    except BaseException:
        storage = Photo._meta.get_field("image").storage
        for name in written:
            storage.delete(name)
        raise


def submit_report(reporter, *, submission_key, photos=(), **fields):
    """Create a citizen's report, or return the one this submission already made."""
    existing = Report.objects.filter(
        reporter=reporter, submission_key=submission_key
    ).first()
    if existing:
        return existing
    for name in ("title", "description", "address"):
        if name in fields:
            fields[name] = nfc(fields[name].strip())
    report = Report(reporter=reporter, submission_key=submission_key, **fields)
    # The category's agency triages it; receiving may route it elsewhere.
    report.agency = report.category.default_agency
    _refresh_search_text(report)
    try:
        with _files_removed_on_failure() as written, transaction.atomic():
            report.save()
            event = Event.objects.create(
                report=report, kind=Event.Kind.SUBMITTED, actor=reporter
            )
            _save_photos(report, photos, Photo.Kind.REPORT, written)
            stats.record_change(report, dict.fromkeys(stats.StatCell.COUNTS, 0))
            notify.report_submitted(report)
            live.report_event_on_commit(report, event)
    except IntegrityError:
        # A second tap raced the first one past the check above.
        first = Report.objects.filter(reporter=reporter, submission_key=submission_key)
        if not first.exists():
            raise
        return first.get()
    return report


def _locked(report, actor):
    if not access.can_handle(actor, report):
        raise PermissionDenied
    return (
        Report.objects.select_for_update()
        .select_related("category", "ward")
        .get(pk=report.pk)
    )


def _require_state(report, allowed, message):
    if report.state not in allowed:
        raise ValidationError(message, code="invalid_state")


def _finish(report, before, event, fields):
    report.save(update_fields=[*fields, "updated_at"])
    stats.record_change(report, before)
    notify.report_changed(report, event)
    live.report_event_on_commit(report, event)
    return report


@transaction.atomic
def receive_report(report, actor, *, agency=None, note=""):
    """Accept a new report, route it to an agency and start its due clock."""
    report = _locked(report, actor)
    _require_state(
        report, [State.NEW], _("Only a report awaiting triage can be received.")
    )
    before = stats.contributions(report)
    report.state = State.RECEIVED
    report.agency = agency or report.agency or report.category.default_agency
    if report.agency is None:
        raise ValidationError(_("Choose the agency that will handle this report."))
    report.received_at = timezone.now()
    report.due_at = due_date(report.received_at, report.category.due_working_days)
    event = Event.objects.create(
        report=report,
        kind=Event.Kind.RECEIVED,
        actor=actor,
        agency=report.agency,
        public_note=note,
    )
    return _finish(report, before, event, ["state", "agency", "received_at", "due_at"])


@transaction.atomic
def assign_report(report, actor, *, agency, note="", internal_note=""):
    """Hand an open report to another agency."""
    report = _locked(report, actor)
    _require_state(
        report, Report.OPEN_STATES, _("Only an open report can be assigned.")
    )
    if agency is None:
        raise ValidationError(_("Choose the agency that will handle this report."))
    before = stats.contributions(report)
    report.agency = agency
    event = Event.objects.create(
        report=report,
        kind=Event.Kind.ASSIGNED,
        actor=actor,
        agency=agency,
        public_note=note,
        internal_note=internal_note,
    )
    return _finish(report, before, event, ["agency"])


@transaction.atomic
def start_report(report, actor, *, note=""):
    """Record that the agency is working on the report."""
    report = _locked(report, actor)
    _require_state(
        report, [State.RECEIVED], _("Only a received report can be started.")
    )
    before = stats.contributions(report)
    report.state = State.IN_PROGRESS
    event = Event.objects.create(
        report=report, kind=Event.Kind.STARTED, actor=actor, public_note=note
    )
    return _finish(report, before, event, ["state"])


def resolve_report(report, actor, *, response, photos=()):
    """Close the report with a public response and, optionally, photos of the result."""
    with _files_removed_on_failure() as written, transaction.atomic():
        report = _locked(report, actor)
        _require_state(
            report, Report.OPEN_STATES, _("Only an open report can be resolved.")
        )
        response = nfc(response.strip())
        if not response:
            raise ValidationError(_("Write the public response before resolving."))
        before = stats.contributions(report)
        report.state = State.RESOLVED
        report.response = response
        report.resolved_at = timezone.now()
        _save_photos(report, photos, Photo.Kind.RESPONSE, written)
        event = Event.objects.create(
            report=report, kind=Event.Kind.RESOLVED, actor=actor, public_note=response
        )
        return _finish(report, before, event, ["state", "response", "resolved_at"])


@transaction.atomic
def reject_report(report, actor, *, reason):
    """Turn the report down with a reason the reporter will read."""
    report = _locked(report, actor)
    _require_state(
        report,
        [State.NEW, *Report.OPEN_STATES],
        _("A report that is closed cannot be rejected."),
    )
    reason = nfc(reason.strip())
    if not reason:
        raise ValidationError(_("Give the reason for rejecting this report."))
    before = stats.contributions(report)
    report.state = State.REJECTED
    report.rejection_reason = reason
    event = Event.objects.create(
        report=report, kind=Event.Kind.REJECTED, actor=actor, public_note=reason
    )
    return _finish(report, before, event, ["state", "rejection_reason"])


@transaction.atomic
def mark_duplicate(report, actor, *, original, note=""):
    """Close the report as a copy of another one, which its page then leads to."""
    report = _locked(report, actor)
    _require_state(
        report,
        [State.NEW, *Report.OPEN_STATES],
        _("A report that is closed cannot be marked as a duplicate."),
    )
    if original.pk == report.pk:
        raise ValidationError(_("A report cannot be a duplicate of itself."))
    original = Report.objects.get(pk=original.pk)
    if not original.is_public:
        # The reporter is led to the original, so it must be one they can open.
        raise ValidationError(
            _("Point to a public original: received, in progress or resolved.")
        )
    before = stats.contributions(report)
    report.state = State.DUPLICATE
    report.duplicate_of = original
    event = Event.objects.create(
        report=report,
        kind=Event.Kind.DUPLICATE,
        actor=actor,
        public_note=note or _("Same as report %(code)s.") % {"code": original.code},
    )
    return _finish(report, before, event, ["state", "duplicate_of"])


@transaction.atomic
def add_note(report, actor, *, public_note="", internal_note=""):
    """Add a note to the timeline without changing the state."""
    report = _locked(report, actor)
    public_note, internal_note = nfc(public_note.strip()), nfc(internal_note.strip())
    if not (public_note or internal_note):
        raise ValidationError(_("Write a note."))
    event = Event.objects.create(
        report=report,
        kind=Event.Kind.NOTE,
        actor=actor,
        public_note=public_note,
        internal_note=internal_note,
    )
    if public_note:
        notify.report_changed(report, event)
    live.report_event_on_commit(report, event)
    return event


@transaction.atomic
def rate_report(report, reporter, *, rating, comment=""):
    """Record the reporter's one rating of a resolved report."""
    report = Report.objects.select_for_update().get(pk=report.pk)
    if report.reporter_id != reporter.pk:
        raise PermissionDenied
    if report.state != State.RESOLVED:
        raise ValidationError(_("Only a resolved report can be rated."))
    if report.rating:
        raise ValidationError(_("You have already rated this report."))
    if rating not in Report.Rating.values:
        raise ValidationError(_("Choose one of the ratings."))
    before = stats.contributions(report)
    report.rating = rating
    report.rating_comment = nfc(comment.strip())
    report.rated_at = timezone.now()
    event = Event.objects.create(report=report, kind=Event.Kind.RATED, actor=reporter)
    report.save(update_fields=["rating", "rating_comment", "rated_at", "updated_at"])
    stats.record_change(report, before)
    live.report_event_on_commit(report, event)
    return report


@transaction.atomic
def set_hidden(report, actor, *, hidden, note=""):
    """Hide a report from all but staff (spam, abuse, personal data), or show it."""
    report = _locked(report, actor)
    if report.is_hidden == hidden:
        raise ValidationError(
            _("This report is already hidden.")
            if hidden
            else _("This report is not hidden.")
        )
    before = stats.contributions(report)
    report.is_hidden = hidden
    Event.objects.create(
        report=report,
        kind=Event.Kind.NOTE,
        actor=actor,
        internal_note=note
        or (_("Hidden by moderation.") if hidden else _("Shown again.")),
    )
    report.save(update_fields=["is_hidden", "updated_at"])
    stats.record_change(report, before)
    return report
