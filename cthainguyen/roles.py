"""Staff roles: groups created by data migrations, and what each may do in admin."""

from django.contrib.auth.models import Group, Permission

PROVINCE_ADMIN = "Quản trị tỉnh"
AGENCY_OFFICER = "Cán bộ đơn vị xử lý"
COMMUNE_OFFICIAL = "Cán bộ phường, xã"

ALL_ROLES = (PROVINCE_ADMIN, AGENCY_OFFICER, COMMUNE_OFFICIAL)

# Model permissions each role holds, as "app_label.codename".
ROLE_PERMISSIONS = {
    PROVINCE_ADMIN: [
        "reports.view_report",
        "reports.change_report",
        "reports.view_category",
        "reports.add_category",
        "reports.change_category",
        "cthainguyen.view_agency",
        "cthainguyen.add_agency",
        "cthainguyen.change_agency",
        "cthainguyen.view_ward",
        "cthainguyen.view_staffprofile",
        "cthainguyen.add_staffprofile",
        "cthainguyen.change_staffprofile",
        "cthainguyen.view_user",
        "cthainguyen.add_user",
        "cthainguyen.change_user",
    ],
    AGENCY_OFFICER: [
        "reports.view_report",
        "reports.change_report",
        "reports.view_category",
        "cthainguyen.view_agency",
        "cthainguyen.change_agency",
    ],
    COMMUNE_OFFICIAL: [
        "reports.view_report",
        "reports.change_report",
        "reports.view_category",
        "cthainguyen.view_agency",
    ],
}


def has_role(user, role):
    if not (user.is_authenticated and user.is_active and user.is_staff):
        return False
    # Asked many times per admin page (every model's permission check): read once.
    if not hasattr(user, "_role_names"):
        user._role_names = set(user.groups.values_list("name", flat=True))
    return role in user._role_names


def is_province_admin(user):
    return user.is_authenticated and (
        user.is_superuser or has_role(user, PROVINCE_ADMIN)
    )


def sync_role_permissions(**kwargs):
    """Give each role group its permissions; runs after every migrate, idempotently."""
    for role, names in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        wanted = []
        for name in names:
            app_label, codename = name.split(".")
            wanted.extend(
                Permission.objects.filter(
                    content_type__app_label=app_label, codename=codename
                )
            )
        group.permissions.set(wanted)
