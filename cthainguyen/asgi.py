"""The ASGI application: Django's pages over HTTP, Channels' consumers on /ws/.

In production HTTP goes to gunicorn (WSGI) and the proxy sends /ws/ here; `make run`
serves both from this one application under uvicorn.
"""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cthainguyen.settings")
# First: it sets Django up, which the consumers' imports need.
http_application = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from cthainguyen.routing import websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": http_application,
        # A page of another site cannot open a socket with the visitor's cookies
        # (Origin must be one of ALLOWED_HOSTS), and the session says who is there.
        "websocket": AllowedHostsOriginValidator(
            AuthMiddlewareStack(URLRouter(websocket_urlpatterns))
        ),
    }
)
