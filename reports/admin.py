"""The officials' side of field reports: the queue, the report page and its workflow.

Every queryset comes from reports.access and every change from reports.actions, so
the admin can show and do exactly what the role allows and nothing more.
"""

import copy
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from cthainguyen.admin import CappedPaginator
from cthainguyen.models import Agency
from cthainguyen.text import fold
from cthainguyen.widgets import MAP_MEDIA, location_map
from reports import access, actions
from reports.forms import PhotosField
from reports.models import Category, Photo, Report

State = Report.State

# Each selected report gets its own transaction; past this many in one go the
# request would run for minutes, so the official narrows the selection first.
BULK_LIMIT = 1000


class OverdueFilter(admin.SimpleListFilter):
    title = _("overdue")
    parameter_name = "overdue"

    def lookups(self, request, model_admin):
        return [("yes", _("Overdue")), ("no", _("Not overdue"))]

    def queryset(self, request, queryset):
        # Computed from the clock at query time: no scheduled task marks reports.
        overdue = Q(state__in=Report.OPEN_STATES, due_at__lt=timezone.now())
        if self.value() == "yes":
            return queryset.filter(overdue)
        if self.value() == "no":
            return queryset.exclude(overdue)
        return queryset


def _note_field(label, help_text=""):
    return forms.CharField(
        label=label,
        required=False,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


PUBLIC_HELP = _("Shown to the reporter and on the public page.")
INTERNAL_HELP = _("Seen by staff only.")


class StepForm(forms.Form):
    """A workflow form; it knows the report and the official acting on it."""

    def __init__(self, *args, report, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.report = report
        self.user = user


class ReceiveForm(StepForm):
    agency = forms.ModelChoiceField(
        label=_("Agency"), queryset=Agency.objects.filter(is_active=True)
    )
    note = _note_field(_("Public note"), PUBLIC_HELP)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].initial = (
            self.report.agency_id or self.report.category.default_agency_id
        )


class AssignForm(StepForm):
    agency = forms.ModelChoiceField(
        label=_("Agency"), queryset=Agency.objects.filter(is_active=True)
    )
    note = _note_field(_("Public note"), PUBLIC_HELP)
    internal_note = _note_field(_("Internal note"), INTERNAL_HELP)


class StartForm(StepForm):
    note = _note_field(_("Public note"), PUBLIC_HELP)


class ResolveForm(StepForm):
    response = forms.CharField(
        label=_("Public response"),
        help_text=_("What was done. Published with the report."),
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    photos = PhotosField(label=_("Photos of the result"))


class RejectForm(StepForm):
    reason = forms.CharField(
        label=_("Reason"),
        help_text=_("The reporter reads this reason."),
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class DuplicateForm(StepForm):
    original = forms.CharField(
        label=_("Tracking code of the original report"),
        max_length=20,
        help_text=_("For example PA-ABCD2345."),
    )

    def clean_original(self):
        code = self.cleaned_data["original"].strip().upper()
        original = access.visible_reports(self.user).filter(code=code).first()
        if original is None:
            raise ValidationError(
                _("No report has the tracking code %(code)s."),
                params={"code": code},
                code="not_found",
            )
        return original


class NoteForm(StepForm):
    public_note = _note_field(_("Public note"), PUBLIC_HELP)
    internal_note = _note_field(_("Internal note"), INTERNAL_HELP)

    def clean(self):
        data = super().clean()
        if not (data.get("public_note", "").strip() or data.get("internal_note", "")):
            raise ValidationError(_("Write a public note, an internal note or both."))
        return data


class VisibilityForm(StepForm):
    note = _note_field(_("Internal note"), INTERNAL_HELP)


@dataclass(frozen=True)
class Step:
    """One workflow action on the report page and the domain function behind it."""

    name: str
    label: Any
    form_class: type
    run: Any
    done: Any
    # Where the domain function's own refusals show; None means the form's top.
    error_field: str | None = None
    states: tuple = tuple(State.values)
    hidden: bool | None = None

    def applies_to(self, report):
        if self.hidden is not None and report.is_hidden != self.hidden:
            return False
        return report.state in self.states


STEPS = {
    step.name: step
    for step in (
        Step(
            "receive",
            _("Receive"),
            ReceiveForm,
            lambda report, user, data: actions.receive_report(
                report, user, agency=data["agency"], note=data["note"]
            ),
            _("Report %(code)s received."),
            error_field="agency",
            states=(State.NEW,),
        ),
        Step(
            "assign",
            _("Assign to agency"),
            AssignForm,
            lambda report, user, data: actions.assign_report(
                report,
                user,
                agency=data["agency"],
                note=data["note"],
                internal_note=data["internal_note"],
            ),
            _("Report %(code)s assigned."),
            error_field="agency",
            states=Report.OPEN_STATES,
        ),
        Step(
            "start",
            _("Start"),
            StartForm,
            lambda report, user, data: actions.start_report(
                report, user, note=data["note"]
            ),
            _("Work on report %(code)s started."),
            states=(State.RECEIVED,),
        ),
        Step(
            "resolve",
            _("Resolve"),
            ResolveForm,
            lambda report, user, data: actions.resolve_report(
                report, user, response=data["response"], photos=data["photos"]
            ),
            _("Report %(code)s resolved."),
            error_field="response",
            states=Report.OPEN_STATES,
        ),
        Step(
            "reject",
            _("Reject"),
            RejectForm,
            lambda report, user, data: actions.reject_report(
                report, user, reason=data["reason"]
            ),
            _("Report %(code)s rejected."),
            error_field="reason",
            states=(State.NEW, *Report.OPEN_STATES),
        ),
        Step(
            "duplicate",
            _("Mark duplicate"),
            DuplicateForm,
            lambda report, user, data: actions.mark_duplicate(
                report, user, original=data["original"]
            ),
            _("Report %(code)s marked as a duplicate."),
            error_field="original",
            states=(State.NEW, *Report.OPEN_STATES),
        ),
        Step(
            "note",
            _("Add note"),
            NoteForm,
            lambda report, user, data: actions.add_note(
                report,
                user,
                public_note=data["public_note"],
                internal_note=data["internal_note"],
            ),
            _("Note added to report %(code)s."),
        ),
        Step(
            "hide",
            _("Hide"),
            VisibilityForm,
            lambda report, user, data: actions.set_hidden(
                report, user, hidden=True, note=data["note"]
            ),
            _("Report %(code)s hidden from the public."),
            hidden=False,
        ),
        Step(
            "show",
            _("Show"),
            VisibilityForm,
            lambda report, user, data: actions.set_hidden(
                report, user, hidden=False, note=data["note"]
            ),
            _("Report %(code)s shown again."),
            hidden=True,
        ),
    )
}


def _reason(error):
    if isinstance(error, PermissionDenied):
        return gettext("you may not handle this report")
    return " ".join(error.messages)


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "slug",
        "default_agency",
        "due_working_days",
        "is_active",
        "position",
    )
    list_filter = ("is_active",)
    list_select_related = ("default_agency",)
    fields = (
        "name",
        "slug",
        "description",
        "default_agency",
        "due_working_days",
        "is_active",
        "position",
    )


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    change_form_template = "admin/reports/report/change_form.html"
    list_display = (
        "code",
        "title",
        "category",
        "ward",
        "agency",
        "state_badge",
        "submitted",
        "due",
        "is_hidden",
    )
    list_display_links = ("code", "title")
    list_filter = ("state", "category", "ward", "agency", OverdueFilter, "is_hidden")
    list_select_related = ("category", "ward", "agency")
    list_per_page = 50
    # The search box needs a search field; get_search_results does the searching.
    search_fields = ("code",)
    search_help_text = _(
        "Tracking code, or words of the title, description or address; "
        "accents are optional."
    )
    paginator = CappedPaginator
    show_full_result_count = False
    # Facet counts run one COUNT per filter choice over the whole queue.
    show_facets = admin.ShowFacets.NEVER
    actions = ["receive_selected", "start_selected", "hide_selected"]
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "code",
                    "title",
                    "description",
                    "category",
                    "ward",
                    "address",
                    "submitted_at",
                )
            },
        ),
        (
            _("Reporter"),
            {
                "fields": (
                    "reporter_name",
                    "reporter_phone",
                    "reporter_email",
                    "hide_name",
                )
            },
        ),
        (_("Location"), {"fields": ("latitude", "longitude", "location")}),
        (
            _("Handling"),
            {
                "fields": (
                    "state_badge",
                    "agency",
                    "received_at",
                    "due",
                    "resolved_at",
                    "response",
                    "rejection_reason",
                    "duplicate_link",
                    "is_hidden",
                )
            },
        ),
        (_("Rating"), {"fields": ("rating", "rating_comment", "rated_at")}),
    )
    # Staff never rewrite the citizen's words nor set a state by hand: every
    # change goes through the workflow forms and their domain functions.
    readonly_fields = tuple(
        name for _title, options in fieldsets for name in options["fields"]
    )

    class Media:
        css = {"all": ["admin-map/report-admin.css"]}

    # Permissions: scoped by reports.access; nobody adds or deletes reports.

    def get_queryset(self, request):
        return access.staff_reports(request.user)

    def get_object(self, request, object_id, from_field=None):
        return access.get_staff_report(request.user, object_id)

    def has_view_permission(self, request, obj=None):
        allowed = super().has_view_permission(request, obj)
        return allowed and (obj is None or access.can_handle(request.user, obj))

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or access.can_handle(request.user, obj))

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    # The list.

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        words = fold(term).split()
        if not words:
            return queryset, False
        matches = Q()
        for word in words:
            matches &= Q(search_text__contains=word)
        return queryset.filter(matches | Q(code=term.upper())), False

    @admin.display(description=_("state"), ordering="state")
    def state_badge(self, report):
        return format_html(
            '<span class="report-state report-state--{}">{}</span>',
            report.state,
            report.get_state_display(),
        )

    @admin.display(description=_("sent"), ordering="submitted_at")
    def submitted(self, report):
        return _local(report.submitted_at)

    @admin.display(description=_("due"), ordering="due_at")
    def due(self, report):
        if report.due_at is None:
            return self.get_empty_value_display()
        if report.is_overdue():
            return format_html(
                '{} <span class="report-overdue">{}</span>',
                _local(report.due_at),
                gettext("overdue"),
            )
        return _local(report.due_at)

    # The report page's read-only displays.

    @admin.display(description=_("name"))
    def reporter_name(self, report):
        return report.reporter.full_name or self.get_empty_value_display()

    @admin.display(description=_("phone"))
    def reporter_phone(self, report):
        phone = report.reporter.phone
        if not phone:
            return self.get_empty_value_display()
        return format_html('<a href="tel:{}">{}</a>', phone, phone)

    @admin.display(description=_("email"))
    def reporter_email(self, report):
        email = report.reporter.email
        if not email:
            return self.get_empty_value_display()
        return format_html('<a href="mailto:{}">{}</a>', email, email)

    @admin.display(description=_("map"))
    def location(self, report):
        return location_map(
            report.latitude,
            report.longitude,
            label=gettext("Map of the place of report %(code)s")
            % {"code": report.code},
        )

    @admin.display(description=_("duplicate of"))
    def duplicate_link(self, report):
        original = report.duplicate_of
        if original is None:
            return self.get_empty_value_display()
        url = reverse("admin:reports_report_change", args=[original.pk])
        return format_html('<a href="{}">{}</a>', url, original)

    # The report page: read-only, plus the workflow forms, photos and timeline.

    def get_urls(self):
        workflow = path(
            "<path:object_id>/workflow/<slug:step>/",
            self.admin_site.admin_view(self.workflow_view),
            name="reports_report_workflow",
        )
        # Before the defaults: their "<path:object_id>/" catch-all would win.
        return [workflow, *super().get_urls()]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if request.method != "GET":
            self.get_object(request, unquote(object_id))
            return HttpResponseNotAllowed(["GET"])
        context = {
            "show_save": False,
            "show_save_and_continue": False,
            **(extra_context or {}),
        }
        return super().change_view(request, object_id, form_url, context)

    def render_change_form(
        self, request, context, add=False, change=False, form_url="", obj=None
    ):
        if obj is not None:
            bound = context.pop("workflow_bound", {})
            context.update(self._report_page_context(request, obj, bound))
            context["media"] = context["media"] + MAP_MEDIA
        return super().render_change_form(request, context, add, change, form_url, obj)

    def _report_page_context(self, request, report, bound):
        steps = []
        for step in STEPS.values():
            if not step.applies_to(report):
                continue
            form = bound.get(step.name) or step.form_class(
                prefix=step.name, report=report, user=request.user
            )
            steps.append(
                {
                    "name": step.name,
                    "label": step.label,
                    "form": form,
                    "open": form.is_bound,
                    "url": reverse(
                        "admin:reports_report_workflow", args=[report.pk, step.name]
                    ),
                }
            )
        photos = list(report.photos.all())
        return {
            "report": report,
            "workflow_steps": steps,
            "report_state": self.state_badge(report),
            "report_photos": [p for p in photos if p.kind == Photo.Kind.REPORT],
            "response_photos": [p for p in photos if p.kind == Photo.Kind.RESPONSE],
            "timeline": report.events.select_related("actor", "agency"),
        }

    def workflow_view(self, request, object_id, step):
        report = self.get_object(request, unquote(object_id))
        step = STEPS.get(step)
        if step is None:
            raise Http404
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not self.has_change_permission(request, report):
            raise PermissionDenied
        form = step.form_class(
            request.POST,
            request.FILES,
            prefix=step.name,
            report=report,
            user=request.user,
        )
        if form.is_valid():
            try:
                step.run(report, request.user, form.cleaned_data)
            except ValidationError as error:
                message = self._add_step_error(form, step, error)
            else:
                self.message_user(
                    request, step.done % {"code": report.code}, messages.SUCCESS
                )
                return self._back_to(request, report)
        else:
            message = gettext("The report was not changed: correct the errors below.")
        self.message_user(request, message, messages.ERROR)
        return self._report_page(request, report, {step.name: form})

    def _add_step_error(self, form, step, error):
        """Put a domain refusal next to its field, returning the message to show."""
        if step.error_field and getattr(error, "code", None) != "invalid_state":
            form.add_error(step.error_field, error)
            return gettext("The report was not changed: correct the errors below.")
        form.add_error(None, error)
        return gettext("The report was not changed: %(reason)s") % {
            "reason": _reason(error)
        }

    def _report_page(self, request, report, bound):
        """Render the report page again, with the refused form and its errors."""
        page_request = copy.copy(request)
        # The admin's change view would treat a POST as its own form's submission.
        page_request.method = "GET"
        return self.change_view(
            page_request, str(report.pk), extra_context={"workflow_bound": bound}
        )

    def _back_to(self, request, report):
        # After assigning elsewhere the official may no longer see the report.
        if self.get_queryset(request).filter(pk=report.pk).exists():
            url = reverse("admin:reports_report_change", args=[report.pk])
        else:
            url = reverse("admin:reports_report_changelist")
        return HttpResponseRedirect(url)

    # Bulk actions: one transaction per report, so one refusal spoils no other.

    @admin.action(description=_("Receive the selected reports"), permissions=["change"])
    def receive_selected(self, request, queryset):
        self._run_bulk(
            request,
            queryset,
            lambda report, user: actions.receive_report(report, user),
            lambda count: ngettext(
                "%(count)d report received.", "%(count)d reports received.", count
            ),
            gettext("Not received: %(failures)s"),
        )

    @admin.action(description=_("Start the selected reports"), permissions=["change"])
    def start_selected(self, request, queryset):
        self._run_bulk(
            request,
            queryset,
            lambda report, user: actions.start_report(report, user),
            lambda count: ngettext(
                "%(count)d report started.", "%(count)d reports started.", count
            ),
            gettext("Not started: %(failures)s"),
        )

    @admin.action(description=_("Hide the selected reports"), permissions=["change"])
    def hide_selected(self, request, queryset):
        def hide(report, user):
            if report.is_hidden:
                raise ValidationError(gettext("It is already hidden."))
            actions.set_hidden(report, user, hidden=True)

        self._run_bulk(
            request,
            queryset,
            hide,
            lambda count: ngettext(
                "%(count)d report hidden.", "%(count)d reports hidden.", count
            ),
            gettext("Not hidden: %(failures)s"),
        )

    def _run_bulk(self, request, queryset, run, done, failed):
        if queryset.order_by()[: BULK_LIMIT + 1].count() > BULK_LIMIT:
            self.message_user(
                request,
                gettext("Select at most %(limit)d reports at a time.")
                % {"limit": BULK_LIMIT},
                messages.ERROR,
            )
            return
        succeeded, failures = 0, []
        for report in queryset.order_by("pk"):
            try:
                with transaction.atomic():
                    run(report, request.user)
            except (ValidationError, PermissionDenied) as error:
                failures.append(
                    gettext("%(code)s (%(reason)s)")
                    % {"code": report.code, "reason": _reason(error)}
                )
            else:
                succeeded += 1
        if succeeded:
            self.message_user(
                request, done(succeeded) % {"count": succeeded}, messages.SUCCESS
            )
        if failures:
            self.message_user(
                request,
                failed % {"failures": "; ".join(failures)},
                messages.WARNING,
            )


def _local(moment):
    return date_format(timezone.localtime(moment), "SHORT_DATETIME_FORMAT")
