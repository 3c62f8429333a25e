import posixpath

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_safe
from django.views.static import serve

from cthainguyen import live
from cthainguyen.models import InboxMessage
from reports import stats
from reports.models import ORIGINALS_PREFIX, Report


@require_safe
def home(request):
    latest = (
        Report.objects.public()
        .filter(state=Report.State.RESOLVED)
        .select_related("category", "ward")
        .order_by("-resolved_at", "-id")[:6]
    )
    return render(request, "home.html", {"latest": latest, "totals": stats.totals()})


@require_safe
def media(request, path):
    """Serve an uploaded file under `make run`; production serves media elsewhere."""
    if posixpath.normpath(path).lstrip("/").startswith(ORIGINALS_PREFIX.rstrip("/")):
        # Originals still carry the phone's metadata until the worker re-encodes them.
        raise Http404
    return serve(request, path, document_root=settings.MEDIA_ROOT)


INBOX_PAGE_SIZE = 20


@login_required
@require_http_methods(["GET", "POST"])
def inbox(request):
    """The signed-in person's messages, newest first; POST marks them all read."""
    messages = InboxMessage.objects.filter(user=request.user)
    if request.method == "POST":
        messages.filter(read_at__isnull=True).update(read_at=timezone.now())
        live.inbox_count_on_commit(request.user.pk)
        return redirect("inbox")
    before = request.GET.get("before", "")
    if before.isdigit():
        messages = messages.filter(pk__lt=int(before))
    page = list(messages.order_by("-id")[: INBOX_PAGE_SIZE + 1])
    older = page[INBOX_PAGE_SIZE - 1].pk if len(page) > INBOX_PAGE_SIZE else None
    return render(
        request,
        "inbox/list.html",
        {"inbox_messages": page[:INBOX_PAGE_SIZE], "older": older},
    )


@login_required
@require_safe
def inbox_message(request, pk):
    """One of the signed-in person's messages (404 for another's); opening reads it."""
    message = get_object_or_404(InboxMessage, pk=pk, user=request.user)
    if message.read_at is None:
        message.read_at = timezone.now()
        InboxMessage.objects.filter(pk=message.pk, read_at__isnull=True).update(
            read_at=message.read_at
        )
        live.inbox_count_on_commit(request.user.pk)
    return render(request, "inbox/message.html", {"message": message})
