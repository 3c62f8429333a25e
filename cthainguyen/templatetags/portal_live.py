"""{% live_script %}: the script tag of static/js/live.js, with what it needs to know.

One tag for every page that updates itself (templates/base.html, the admin's
report queue), so LIVE_UPDATES turns them all off at once.
"""

from django import template
from django.conf import settings
from django.templatetags.static import static
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import ngettext

register = template.Library()

SOCKET_PATH = "/ws/live/"


@register.simple_tag(takes_context=True)
def live_script(context, me=True):
    """The live.js script tag; `me` subscribes the signed-in person's own topic."""
    if not settings.LIVE_UPDATES:
        return ""
    attributes = {"data-live": SOCKET_PATH}
    user = context.get("user")
    if me and user is not None and user.is_authenticated:
        attributes["data-me"] = ""
        attributes["data-inbox-url"] = reverse("inbox")
        # The header's own words for the count (base.html), one per plural form;
        # the script puts the number in place of %(counter)s.
        for name, number in (("one", 1), ("other", 2)):
            attributes[f"data-unread-{name}"] = ngettext(
                "%(counter)s unread", "%(counter)s unread", number
            )
    return format_html(
        '<script src="{}"{} defer></script>',
        static("js/live.js"),
        format_html_join("", ' {}="{}"', attributes.items()),
    )
