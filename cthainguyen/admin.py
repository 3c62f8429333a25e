"""Admin for the shared core: people, wards and communes, agencies."""

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.core.paginator import Paginator
from django.http import Http404
from django.utils.formats import number_format
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from cthainguyen.models import Agency, Notification, StaffProfile, User, Ward
from cthainguyen.phones import normalize_phone
from cthainguyen.roles import AGENCY_OFFICER, has_role, is_province_admin
from cthainguyen.text import fold


class CappedPaginator(Paginator):
    """A paginator that counts at most `cap` + 1 rows instead of the whole table.

    A COUNT(*) over hundreds of thousands of filtered rows costs more than the page
    itself; the list shows "10,000+" instead.
    """

    cap = 10_000

    @cached_property
    def count(self):
        return self.object_list.order_by()[: self.cap + 1].count()

    @property
    def capped(self):
        return self.count > self.cap

    @property
    def display_count(self):
        """Return the count for people: exact, or the cap followed by a plus."""
        if self.capped:
            return _("%(count)s+") % {
                "count": number_format(self.cap, force_grouping=True)
            }
        return number_format(self.count, force_grouping=True)


def _folded_pks(queryset, search_term, *attributes):
    """Return the pks of the rows whose folded attributes contain every word.

    For the small reference tables only (wards, agencies): SQLite's LIKE folds no
    Vietnamese letter, and these tables are a few hundred rows at most.
    """
    words = fold(search_term).split()
    matches = []
    for row in queryset:
        text = fold(" ".join(str(getattr(row, name) or "") for name in attributes))
        if all(word in text for word in words):
            matches.append(row.pk)
    return matches


class StaffCreationForm(AdminUserCreationForm):
    class Meta(AdminUserCreationForm.Meta):
        model = User
        fields = ("email", "full_name", "phone", "home_ward", "is_staff", "groups")
        field_classes = {}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Staff sign in with their email, so an account made here needs one.
        self.fields["email"].required = True

    def clean_email(self):
        return _unique_email(self.cleaned_data.get("email"), self.instance)


class PortalUserChangeForm(UserChangeForm):
    class Meta(UserChangeForm.Meta):
        model = User
        fields = "__all__"
        field_classes = {}

    def clean_email(self):
        return _unique_email(self.cleaned_data.get("email"), self.instance)


def _unique_email(email, instance):
    """Return the email lower-cased, refusing one that differs only in case."""
    email = (email or "").strip().lower()
    if not email:
        return None
    taken = User.objects.filter(email__iexact=email).exclude(pk=instance.pk)
    if taken.exists():
        raise forms.ValidationError(_("Another account already uses this email."))
    return email


class StaffProfileInline(admin.StackedInline):
    model = StaffProfile
    can_delete = False
    max_num = 1
    fields = ("title", "agency", "ward")
    verbose_name_plural = _("staff profile")


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = PortalUserChangeForm
    add_form = StaffCreationForm
    inlines = [StaffProfileInline]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Personal info"), {"fields": ("full_name", "phone", "home_ward")}),
        (
            _("Permissions"),
            {
                "fields": (
                    "is_active",
                    "is_staff",
                    "is_superuser",
                    "groups",
                    "user_permissions",
                )
            },
        ),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": (
                    "email",
                    "full_name",
                    "phone",
                    "home_ward",
                    "is_staff",
                    "groups",
                    "usable_password",
                    "password1",
                    "password2",
                ),
            },
        ),
    )
    list_display = ("email", "full_name", "phone", "is_staff", "is_active", "roles")
    list_filter = ("is_staff", "is_superuser", "is_active", "groups")
    search_fields = ("full_name", "email", "phone")
    search_help_text = _("Name, email or phone number.")
    ordering = ("email",)
    readonly_fields = ("last_login", "date_joined")

    def get_queryset(self, request):
        users = super().get_queryset(request).prefetch_related("groups")
        if not request.user.is_superuser:
            # Only a superuser may see or touch another superuser's account.
            users = users.filter(is_superuser=False)
        return users

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            fields += ["is_superuser", "user_permissions"]
        return fields

    def get_inline_instances(self, request, obj=None):
        # The profile is edited once the account exists and has a role.
        return super().get_inline_instances(request, obj) if obj else []

    def get_search_results(self, request, queryset, search_term):
        found, may_have_duplicates = super().get_search_results(
            request, queryset, search_term
        )
        try:
            phone = normalize_phone(search_term.strip())
        except ValueError:
            return found, may_have_duplicates
        # "0912 345 678" finds the account stored as +84912345678.
        return found | queryset.filter(phone=phone), may_have_duplicates

    @admin.display(description=_("roles"))
    def roles(self, user):
        return ", ".join(group.name for group in user.groups.all())


@admin.register(Ward)
class WardAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "code")
    list_filter = ("kind",)
    search_fields = ("name", "code")
    search_help_text = _("Name or official code; accents are optional.")
    fields = ("name", "kind", "code")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_search_results(self, request, queryset, search_term):
        if not search_term.strip():
            return queryset, False
        pks = _folded_pks(queryset, search_term, "name", "code")
        return queryset.filter(pk__in=pks), False


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin):
    list_display = ("name", "short_name", "ward", "email", "phone", "is_active")
    list_filter = ("is_active",)
    list_select_related = ("ward",)
    search_fields = ("name", "short_name")
    search_help_text = _("Name or short name; accents are optional.")
    fields = ("name", "short_name", "email", "phone", "ward", "is_active")

    # Only the province reshapes the list of agencies; an officer keeps their
    # own agency's contact details current.
    province_only_fields = ("name", "ward", "is_active")

    def get_queryset(self, request):
        agencies = super().get_queryset(request)
        user = request.user
        if is_province_admin(user):
            return agencies
        if has_role(user, AGENCY_OFFICER):
            profile = getattr(user, "staff_profile", None)
            if profile is None or profile.agency_id is None:
                return agencies.none()
            return agencies.filter(pk=profile.agency_id)
        return agencies

    def get_object(self, request, object_id, from_field=None):
        # An outsider learns nothing: 404, not the admin's "may have been deleted".
        agency = super().get_object(request, object_id, from_field)
        if agency is None:
            raise Http404
        return agency

    def get_readonly_fields(self, request, obj=None):
        if is_province_admin(request.user):
            return ()
        return self.province_only_fields

    def has_change_permission(self, request, obj=None):
        if not super().has_change_permission(request, obj):
            return False
        if obj is None or is_province_admin(request.user):
            return True
        return self.get_queryset(request).filter(pk=obj.pk).exists()

    def get_search_results(self, request, queryset, search_term):
        if not search_term.strip():
            return queryset, False
        pks = _folded_pks(queryset, search_term, "name", "short_name")
        return queryset.filter(pk__in=pks), False


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    """The outbox, read-only: which messages went out, which wait, which failed."""

    list_display = ("created_at", "channel", "status", "attempts", "subject", "sent_at")
    list_filter = ("status", "channel")
    search_fields = ("subject", "email")
    date_hierarchy = "created_at"
    paginator = CappedPaginator
    show_full_result_count = False
    readonly_fields = [field.name for field in Notification._meta.fields]

    def has_view_permission(self, request, obj=None):
        return is_province_admin(request.user)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


admin.site.site_header = _("C-ThaiNguyen administration")
admin.site.site_title = _("C-ThaiNguyen administration")
admin.site.index_title = _("Reports, agencies and accounts")
