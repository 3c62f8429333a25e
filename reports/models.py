"""Field reports (phản ánh hiện trường), their photos, timeline and counted figures."""

import secrets
import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from cthainguyen.models import Agency, Ward
from cthainguyen.text import nfc

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def new_tracking_code():
    return "PA-" + "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))


class Category(models.Model):
    """A field of reports (lĩnh vực), routed by default to one agency."""

    slug = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100, unique=True)
    description = models.CharField(_("description"), max_length=300, blank=True)
    default_agency = models.ForeignKey(
        Agency,
        verbose_name=_("default agency"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    due_working_days = models.PositiveSmallIntegerField(
        _("due time in working days"), default=5
    )
    is_active = models.BooleanField(
        _("open for new reports"),
        default=True,
        help_text=_("A retired category keeps its old reports but takes no new ones."),
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["position", "name"]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.name = nfc(self.name.strip())
        super().save(*args, **kwargs)


class ReportQuerySet(models.QuerySet):
    def counted(self):
        """Reports that count in the published figures: all but the hidden ones."""
        return self.filter(is_hidden=False)

    def public(self):
        return self.filter(is_hidden=False, state__in=Report.PUBLIC_STATES)

    def overdue(self, now=None):
        return self.filter(
            state__in=Report.OPEN_STATES, due_at__lt=now or timezone.now()
        )


class Report(models.Model):
    class State(models.TextChoices):
        NEW = "new", _("awaiting triage")
        RECEIVED = "received", _("received")
        IN_PROGRESS = "in_progress", _("in progress")
        RESOLVED = "resolved", _("resolved")
        REJECTED = "rejected", _("rejected")
        DUPLICATE = "duplicate", _("duplicate")

    class Rating(models.TextChoices):
        SATISFIED = "satisfied", _("satisfied")
        ACCEPTABLE = "acceptable", _("acceptable")
        UNSATISFIED = "unsatisfied", _("unsatisfied")

    PUBLIC_STATES = (State.RECEIVED, State.IN_PROGRESS, State.RESOLVED)
    OPEN_STATES = (State.RECEIVED, State.IN_PROGRESS)

    code = models.CharField(
        _("tracking code"), max_length=12, unique=True, default=new_tracking_code
    )
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reporter"),
        on_delete=models.PROTECT,
        related_name="reports",
    )
    # The form's one-time key: a double tap or a resent form finds the first report.
    submission_key = models.UUIDField(default=uuid.uuid4, editable=False)
    category = models.ForeignKey(
        Category, verbose_name=_("category"), on_delete=models.PROTECT
    )
    title = models.CharField(_("title"), max_length=120)
    description = models.TextField(_("description"), max_length=4000)
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6)
    ward = models.ForeignKey(Ward, verbose_name=_("ward"), on_delete=models.PROTECT)
    address = models.CharField(_("address"), max_length=255, blank=True)
    hide_name = models.BooleanField(_("hide my name from the public"), default=False)

    state = models.CharField(
        _("state"), max_length=12, choices=State.choices, default=State.NEW
    )
    agency = models.ForeignKey(
        Agency,
        verbose_name=_("agency"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reports",
    )
    submitted_at = models.DateTimeField(_("sent"), default=timezone.now)
    received_at = models.DateTimeField(_("received"), null=True, blank=True)
    due_at = models.DateTimeField(_("due"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    response = models.TextField(_("public response"), blank=True)
    rejection_reason = models.TextField(_("reason for rejection"), blank=True)
    duplicate_of = models.ForeignKey(
        "self",
        verbose_name=_("duplicate of"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="duplicates",
    )

    rating = models.CharField(
        _("rating"), max_length=12, choices=Rating.choices, blank=True
    )
    rating_comment = models.CharField(_("rating comment"), max_length=500, blank=True)
    rated_at = models.DateTimeField(_("rated"), null=True, blank=True)

    is_hidden = models.BooleanField(_("hidden by moderation"), default=False)
    # Diacritic-free, lower-case copy of the searchable text (SQLite's LIKE folds
    # only ASCII, so search compares folded text with folded text).
    search_text = models.TextField(editable=False, default="")
    updated_at = models.DateTimeField(auto_now=True)

    objects = ReportQuerySet.as_manager()

    class Meta:
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        ordering = ["-submitted_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["reporter", "submission_key"], name="one_report_per_submission"
            ),
        ]
        indexes = [
            # The admin's list: newest first over every state.
            models.Index(fields=["-submitted_at", "-id"], name="report_newest"),
            # The admin's list filtered by state, newest first.
            models.Index(
                fields=["state", "-submitted_at", "-id"], name="report_state_newest"
            ),
            # The public list and the map: newest first within public states.
            models.Index(
                fields=["is_hidden", "state", "-submitted_at", "-id"],
                name="report_public_list",
            ),
            # The map asks for the reports inside the visible bounding box.
            models.Index(fields=["latitude", "longitude"], name="report_location"),
            # Officers' queues and the overdue filter.
            models.Index(
                fields=["agency", "state", "due_at"], name="report_agency_queue"
            ),
            models.Index(fields=["ward", "state"], name="report_ward_queue"),
            models.Index(fields=["reporter", "-submitted_at"], name="report_mine"),
        ]

    def __str__(self):
        return f"{self.code} — {self.title}"

    @property
    def is_public(self):
        return not self.is_hidden and self.state in self.PUBLIC_STATES

    def is_overdue(self, now=None):
        if self.state not in self.OPEN_STATES or self.due_at is None:
            return False
        return self.due_at < (now or timezone.now())

    @property
    def resolved_on_time(self):
        return (
            self.state == self.State.RESOLVED
            and self.due_at is not None
            and self.resolved_at is not None
            and self.resolved_at <= self.due_at
        )

    def public_reporter_name(self):
        if self.hide_name or not self.reporter.full_name:
            return None
        return self.reporter.full_name


def photo_path(instance, filename):
    # Keys never reuse the uploaded name: two phones both sending image.jpg must
    # not overwrite each other, and the name may carry personal data.
    return f"reports/{timezone.now():%Y/%m}/{uuid.uuid4().hex}.jpg"


ORIGINALS_PREFIX = "originals/"


def original_path(instance, filename):
    # The upload as the phone sent it, EXIF and GPS included: a prefix of its own
    # that no page links to, no extension a browser could render, deleted once
    # the worker has made the clean JPEGs.
    return f"{ORIGINALS_PREFIX}{timezone.now():%Y/%m}/{uuid.uuid4().hex}"


class Photo(models.Model):
    """A photo of a report: a private original until a worker derives its JPEGs."""

    class Kind(models.TextChoices):
        REPORT = "report", _("sent with the report")
        RESPONSE = "response", _("sent with the response")

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="photos")
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.REPORT)
    # In the default storage, which on S3 keeps every object private; emptied
    # once the derivatives exist.
    original = models.FileField(
        upload_to=original_path, max_length=200, blank=True, editable=False
    )
    # Empty until the worker has derived them from the original.
    image = models.ImageField(upload_to=photo_path, blank=True)
    thumbnail = models.ImageField(upload_to=photo_path, blank=True)
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("photo")
        verbose_name_plural = _("photos")
        ordering = ["created_at", "id"]
        indexes = [
            # The few photos a worker still has to derive or clean up.
            models.Index(
                fields=["created_at"],
                condition=~models.Q(original=""),
                name="photo_with_original",
            )
        ]

    def __str__(self):
        return self.image.name or str(_("Photo being processed"))

    @property
    def ready(self):
        """Whether the display image and thumbnail exist and can be shown."""
        return bool(self.image.name and self.thumbnail.name)

    @property
    def lost(self):
        """Whether the photo can never be shown: no derivatives and no original."""
        return not self.ready and not self.original.name


class Event(models.Model):
    """One step of a report's timeline: who did what, when, and what they said."""

    class Kind(models.TextChoices):
        SUBMITTED = "submitted", pgettext_lazy("timeline step", "Sent")
        RECEIVED = "received", _("Received")
        ASSIGNED = "assigned", _("Assigned to an agency")
        STARTED = "started", _("Work started")
        RESOLVED = "resolved", _("Resolved")
        REJECTED = "rejected", _("Rejected")
        DUPLICATE = "duplicate", _("Marked as duplicate")
        RATED = "rated", _("Rated")
        NOTE = "note", _("Note")

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    public_note = models.TextField(_("public note"), blank=True)
    internal_note = models.TextField(_("internal note"), blank=True)
    agency = models.ForeignKey(
        Agency, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("timeline event")
        verbose_name_plural = _("timeline events")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["report", "created_at"], name="event_timeline")]

    def __str__(self):
        return f"{self.report.code}: {self.get_kind_display()}"


class StatCell(models.Model):
    """Running counts for one category, ward and month of sending.

    The domain functions keep these current inside their transactions, so the
    statistics page sums a few thousand small rows instead of every report.
    """

    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="+")
    ward = models.ForeignKey(Ward, on_delete=models.CASCADE, related_name="+")
    month = models.DateField()
    received = models.IntegerField(default=0)
    resolved = models.IntegerField(default=0)
    resolved_on_time = models.IntegerField(default=0)
    rated = models.IntegerField(default=0)
    satisfied = models.IntegerField(default=0)
    acceptable = models.IntegerField(default=0)
    unsatisfied = models.IntegerField(default=0)

    COUNTS = (
        "received",
        "resolved",
        "resolved_on_time",
        "rated",
        "satisfied",
        "acceptable",
        "unsatisfied",
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["category", "ward", "month"], name="one_stat_cell"
            )
        ]

    def __str__(self):
        return f"{self.month:%m/%Y} {self.category_id}/{self.ward_id}"
