from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from cthainguyen import health, views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", health.healthz, name="healthz"),
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/<int:pk>/", views.inbox_message, name="inbox_message"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
    path("", include("reports.urls")),
]

if settings.SERVE_MEDIA:
    # Under `make run` the portal serves uploaded photos itself; production puts
    # them on S3-compatible storage or behind the web server.
    urlpatterns += [
        path(
            f"{settings.MEDIA_URL.strip('/')}/<path:path>",
            views.media,
        )
    ]
