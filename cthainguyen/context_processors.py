from django.conf import settings
from django.utils.functional import cached_property

from cthainguyen.models import InboxMessage


class _Inbox:
    """The header's inbox link: the unread count, queried only if a page shows it."""

    def __init__(self, user):
        self.user = user

    @cached_property
    def unread(self):
        return InboxMessage.objects.filter(user=self.user, read_at__isnull=True).count()


def portal(request):
    user = getattr(request, "user", None)
    return {
        "DEMO_MODE": settings.DEMO_MODE,
        "MAP_TILES_URL": settings.MAP_TILES_URL,
        "MAP_TILES_ATTRIBUTION": settings.MAP_TILES_ATTRIBUTION,
        "inbox_summary": _Inbox(user)
        if user is not None and user.is_authenticated
        else None,
    }
