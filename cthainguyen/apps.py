from importlib import import_module

from django.apps import AppConfig, apps
from django.contrib.admin.apps import SimpleAdminConfig
from django.db.models.signals import post_migrate
from django.utils.module_loading import module_has_submodule
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    default = True
    name = "cthainguyen"
    verbose_name = _("Portal")

    def ready(self):
        from cthainguyen.roles import sync_role_permissions

        post_migrate.connect(
            sync_role_permissions, dispatch_uid="sync_role_permissions"
        )


class PortalAdminConfig(SimpleAdminConfig):
    """The admin, discovering every app's admin module except django-leaflet's.

    django-leaflet's admin module imports GeoDjango, which needs the GDAL library;
    the portal keeps plain latitude and longitude fields so that it runs without it.
    """

    def ready(self):
        super().ready()
        for app_config in apps.get_app_configs():
            if app_config.name == "leaflet":
                continue
            if module_has_submodule(app_config.module, "admin"):
                import_module(f"{app_config.name}.admin")
