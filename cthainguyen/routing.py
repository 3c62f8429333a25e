"""The WebSocket URLs, served by cthainguyen/asgi.py under /ws/."""

from django.urls import path, re_path

from cthainguyen.consumers import LiveConsumer, MeConsumer
from reports.consumers import TOPICS, ReportConsumer, StaffQueueConsumer


class PortalLiveConsumer(LiveConsumer):
    """/ws/live/: the one socket of a tab, with every topic of the portal."""

    topics = {**LiveConsumer.topics, **TOPICS}


async def no_such_socket(scope, receive, send):
    """Refuse the handshake of an unknown path (rather than fail with an error)."""
    await send({"type": "websocket.close", "code": 4404})


websocket_urlpatterns = [
    path("ws/live/", PortalLiveConsumer.as_asgi()),
    path("ws/me/", MeConsumer.as_asgi()),
    path("ws/reports/<str:code>/", ReportConsumer.as_asgi()),
    path("ws/staff/queue/", StaffQueueConsumer.as_asgi()),
    re_path(r"", no_such_socket),
]
