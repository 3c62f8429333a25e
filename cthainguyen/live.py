"""Live updates: what domain code and Celery tasks broadcast to open pages.

Pages listen on one WebSocket each (cthainguyen/consumers.py); this module is the
sending side. Everything is sent after the transaction commits, once per group, and
nothing here ever raises into the caller: with the channel layer down a page misses
the live update and catches up from /reports/<code>/events.json when its socket
comes back, and what the user was told was saved stays saved.

Groups, and what travels on them:

- ``report.<id>``: anyone watching a public report's page. Public fields only: the
  event's id, kind and label, its public note, agency and time, and the report's
  new state. Never a name, a phone number, an email address or an internal note.
- ``user.<id>``: one person's private socket: their inbox count and the changes to
  their own reports, public or not yet public.
- ``agency.<id>``, ``ward.<id>``, ``province``: the officers' queues (reports.access
  decides who joins which): new reports arriving.

Labels travel in every language of the site, so one message serves every reader.
"""

import asyncio
import json
import logging
from concurrent.futures import ThreadPoolExecutor
from functools import partial

from asgiref.sync import async_to_sync
from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format

logger = logging.getLogger(__name__)

# The consumer method that forwards a group message to its socket.
MESSAGE_TYPE = "live.message"
# A broadcast waits this long for the channel layer, then gives up with a warning.
SEND_TIMEOUT = 3.0

PROVINCE_GROUP = "province"
# Timeline kinds that bring a report to an agency's queue.
ROUTED_KINDS = {"received", "assigned"}


def report_group(report_id):
    return f"report.{report_id}"


def user_group(user_id):
    return f"user.{user_id}"


def agency_group(agency_id):
    return f"agency.{agency_id}"


def ward_group(ward_id):
    return f"ward.{ward_id}"


# Sending.


def broadcast(group, payload):
    """Send `payload` to everyone in `group`, now; return whether it was sent."""
    return send([(group, payload)]) == 1


def send(messages):
    """Send each (group, payload) once; return how many went out. Never raises.

    The same payload listed twice for one group goes out once. The first failure
    (layer down, timeout) stops the rest: they would only wait for it in turn.
    """
    unique = []
    seen = set()
    for group, payload in messages:
        key = (group, id(payload))
        if key not in seen:
            seen.add(key)
            unique.append((group, payload))
    if not unique:
        return 0
    try:
        from channels.layers import get_channel_layer

        layer = get_channel_layer()
    except Exception as error:
        logger.warning("Live updates are off: no channel layer (%s)", error)
        return 0
    if layer is None:
        return 0
    sent = 0
    # Serialised once here, not once per socket: a consumer forwards the text as it
    # is, which is most of what fanning out to thousands of sockets costs.
    texts = {}
    for _group, payload in unique:
        if id(payload) not in texts:
            texts[id(payload)] = json.dumps(payload, ensure_ascii=False)

    async def send_all():
        nonlocal sent
        for group, payload in unique:
            message = {"type": MESSAGE_TYPE, "text": texts[id(payload)]}
            await asyncio.wait_for(layer.group_send(group, message), SEND_TIMEOUT)
            sent += 1

    try:
        _run(send_all)
    except Exception as error:
        logger.warning(
            "Live broadcast to %s failed after %d of %d sent: %r",
            ", ".join(group for group, _payload in unique),
            sent,
            len(unique),
            error,
        )
    return sent


def _run(coroutine_function):
    """Run an async function to completion from synchronous code, wherever it is.

    From a request under the ASGI server this runs on the server's own event loop
    (where the in-memory layer lives); from a WSGI worker, a Celery task or a shell
    it runs on a short-lived loop of its own.
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        async_to_sync(coroutine_function)()
        return
    # Synchronous code called from inside a running loop (a test driving a browser,
    # say) cannot block that loop: a helper thread does the sending.
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(async_to_sync(coroutine_function)).result()


def send_on_commit(messages):
    """Send the messages once the current transaction commits; nothing on rollback."""
    messages = list(messages)
    if messages:
        transaction.on_commit(partial(send, messages), robust=True)


# What travels: built from the objects the domain function holds, so the labels and
# state are those of the change being committed.


def in_each_language(render):
    """Return {language code: str(render())} for every language of the site."""
    values = {}
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            values[code] = str(render())
    return values


def is_public_event(event):
    """Whether the event shows on the report's page: all but internal-only notes."""
    return not (event.kind == "note" and not event.public_note)


def state_payload(report):
    return {
        "state": report.state,
        "state_label": in_each_language(report.get_state_display),
    }


def event_payload(event):
    """One public timeline step, as the report page shows it. Nothing private."""
    moment = timezone.localtime(event.created_at)
    agency = event.agency if event.agency_id else None
    return {
        "id": event.pk,
        "kind": event.kind,
        "label": in_each_language(event.get_kind_display),
        "note": event.public_note,
        "agency": agency.name if agency else "",
        "at": event.created_at.isoformat(),
        "at_display": in_each_language(
            lambda: date_format(moment, "SHORT_DATETIME_FORMAT")
        ),
    }


def report_event_message(report, event):
    return {
        "type": "report.event",
        "report": report.code,
        **state_payload(report),
        "event": event_payload(event),
    }


def queue_message(report, reason):
    """A report arriving in an officers' queue ("new" or "assigned")."""
    moment = timezone.localtime(report.submitted_at)
    return {
        "type": "queue.report",
        "reason": reason,
        "report": {
            "id": report.pk,
            "code": report.code,
            "title": report.title,
            "category": report.category.name,
            "ward": report.ward.name,
            **state_payload(report),
            "submitted_display": in_each_language(
                lambda: date_format(moment, "SHORT_DATETIME_FORMAT")
            ),
            "url": reverse("admin:reports_report_change", args=[report.pk]),
        },
    }


def queue_groups_of(report, event):
    """The officers' queue groups a report enters with this event, and why."""
    if event.kind == "submitted":
        groups = [PROVINCE_GROUP, ward_group(report.ward_id)]
        if report.agency_id:
            groups.append(agency_group(report.agency_id))
        return groups, "new"
    if event.kind in ROUTED_KINDS and event.agency_id:
        return [agency_group(event.agency_id)], "assigned"
    return [], None


def report_event_messages(report, event):
    """The (group, payload) pairs one timeline event sends; none for internal notes."""
    if not is_public_event(event):
        return []
    messages = []
    change = report_event_message(report, event)
    if report.is_public:
        messages.append((report_group(report.pk), change))
    if not report.is_hidden:
        # The reporter follows their report in every state but hidden.
        messages.append((user_group(report.reporter_id), change))
    groups, reason = queue_groups_of(report, event)
    if groups:
        arrival = queue_message(report, reason)
        messages += [(group, arrival) for group in groups]
    return messages


def report_event_on_commit(report, event):
    """Call inside the domain function's transaction, after the change is written.

    Once it commits, the report's page watchers, its reporter and the officers'
    queues hear of the event; on rollback nobody does.
    """
    try:
        messages = report_event_messages(report, event)
    except Exception:
        logger.exception("Could not prepare the live update for event %s", event.pk)
        return
    send_on_commit(messages)


# The inbox count in the header.


def unread_count(user_id):
    from cthainguyen.models import InboxMessage

    return InboxMessage.objects.filter(user_id=user_id, read_at__isnull=True).count()


def inbox_message(user_id):
    return {"type": "inbox", "unread": unread_count(user_id)}


def push_inbox_count(user_id):
    """Send the person's current unread count to their open pages. Never raises."""
    try:
        payload = inbox_message(user_id)
    except Exception:
        logger.exception("Could not count the unread messages of user %s", user_id)
        return False
    return broadcast(user_group(user_id), payload)


def inbox_count_on_commit(user_id):
    """Call where inbox messages are created or read: the count follows on commit."""
    transaction.on_commit(partial(push_inbox_count, user_id), robust=True)
