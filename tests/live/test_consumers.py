"""The sockets in-process: who may listen to what, and what travels on them."""

import json

import pytest
from channels.db import database_sync_to_async
from django.db import transaction
from django.utils import timezone

from reports import actions
from tests.live.conftest import communicator, run, session_cookie

pytestmark = pytest.mark.django_db

SECRET = "Ghi chú nội bộ: gọi lại cho người báo sau 17h"


@pytest.fixture
def public_report(make_report, officer, agency):
    report = make_report()
    return actions.receive_report(report, officer, agency=agency)


async def connect(path, user=None, origin="http://127.0.0.1"):
    cookie = None
    if user is not None:
        cookie = await database_sync_to_async(session_cookie)(user)
    socket = communicator(path, cookie=cookie, origin=origin)
    connected, _code = await socket.connect()
    return socket if connected else None


async def subscribe(socket, topic, **params):
    await socket.send_json_to({"type": "subscribe", "topic": topic, **params})
    return await socket.receive_json_from()


def committed(django_capture_on_commit_callbacks, change):
    """Run a domain function as a committed request would: callbacks run after it."""

    def call():
        with django_capture_on_commit_callbacks(execute=True):
            return change()

    return database_sync_to_async(call)()


def test_a_foreign_origin_is_refused(public_report):
    async def scenario():
        path = f"/ws/reports/{public_report.code}/"
        assert await connect(path, origin="http://evil.example") is None
        assert await connect(path, origin=None) is None
        lookalike = "https://127.0.0.1.evil.example"
        assert await connect("/ws/live/", origin=lookalike) is None
        socket = await connect(path)
        assert socket is not None
        await socket.disconnect()

    run(scenario)


def test_anonymous_may_watch_a_public_report_but_not_a_person_or_a_queue(
    public_report,
):
    async def scenario():
        socket = await connect(f"/ws/reports/{public_report.code}/")
        assert socket is not None
        await socket.send_json_to({"type": "ping"})
        assert await socket.receive_json_from() == {"type": "pong"}
        await socket.disconnect()
        assert await connect("/ws/me/") is None
        assert await connect("/ws/staff/queue/") is None

        live = await connect("/ws/live/")
        reply = await subscribe(live, "report", code=public_report.code, ref="1")
        assert reply == {
            "type": "subscribed",
            "topic": "report",
            "ref": "1",
            "key": f"report:{public_report.code}",
        }
        assert (await subscribe(live, "me"))["type"] == "refused"
        assert (await subscribe(live, "queue"))["type"] == "refused"
        assert (await subscribe(live, "nonsense"))["type"] == "refused"
        # Garbage is ignored; the socket stays usable.
        await live.send_to(text_data="{not json")
        await live.send_to(text_data="[1, 2]")
        await live.send_json_to({"type": "ping"})
        assert await live.receive_json_from() == {"type": "pong"}
        await live.disconnect()

    run(scenario)


def test_a_report_that_is_not_public_is_closed_to_everyone_but_its_people(
    make_report, citizen, other_citizen, officer, other_officer, province_admin
):
    report = make_report()  # awaiting triage: the reporter's and staff's only
    path = f"/ws/reports/{report.code}/"

    async def scenario():
        assert await connect(path) is None
        assert await connect(path, user=other_citizen) is None
        assert await connect(path, user=other_officer) is None
        for allowed in (citizen, officer, province_admin):
            socket = await connect(path, user=allowed)
            assert socket is not None, allowed
            await socket.disconnect()
        live = await connect("/ws/live/", user=other_citizen)
        assert (await subscribe(live, "report", code=report.code))["type"] == "refused"
        await live.disconnect()

    run(scenario)
    # Hidden by moderation: staff only, the reporter included out.
    actions.set_hidden(report, province_admin, hidden=True, note="Lộ số điện thoại")

    async def hidden():
        assert await connect(path, user=citizen) is None
        socket = await connect(path, user=officer)
        assert socket is not None
        await socket.disconnect()

    run(hidden)


def test_a_change_reaches_watchers_with_public_fields_only(
    public_report,
    citizen,
    officer,
    other_officer,
    other_agency,
    django_capture_on_commit_callbacks,
):
    async def scenario():
        watcher = await connect(f"/ws/reports/{public_report.code}/")
        reporter = await connect("/ws/me/", user=citizen)
        assert (await reporter.receive_json_from())["type"] == "inbox"

        # An internal note alone sends nothing to anyone.
        await committed(
            django_capture_on_commit_callbacks,
            lambda: actions.add_note(public_report, officer, internal_note=SECRET),
        )
        assert await watcher.receive_nothing(0.2)
        assert await reporter.receive_nothing(0.05)

        await committed(
            django_capture_on_commit_callbacks,
            lambda: actions.assign_report(
                public_report,
                officer,
                agency=other_agency,
                note="Chuyển Công an tỉnh xử lý.",
                internal_note=SECRET,
            ),
        )
        seen = await watcher.receive_json_from(timeout=1)
        mine = await reporter.receive_json_from(timeout=1)
        assert seen == mine
        assert seen["type"] == "report.event"
        assert seen["report"] == public_report.code
        assert seen["state"] == "received"
        assert set(seen) == {"type", "report", "state", "state_label", "event"}
        event = seen["event"]
        assert set(event) == {
            "id",
            "kind",
            "label",
            "note",
            "agency",
            "at",
            "at_display",
        }
        assert event["kind"] == "assigned"
        assert event["note"] == "Chuyển Công an tỉnh xử lý."
        assert event["agency"] == other_agency.name
        assert set(event["label"]) == {"vi", "en"}
        assert event["label"]["en"] == "Assigned to an agency"
        text = json.dumps(seen, ensure_ascii=False)
        for private in (
            SECRET,
            citizen.email,
            citizen.phone,
            citizen.full_name,
            officer.email,
            officer.full_name,
        ):
            assert private not in text

        await committed(
            django_capture_on_commit_callbacks,
            lambda: actions.start_report(public_report, other_officer),
        )
        started = await watcher.receive_json_from(timeout=1)
        assert started["state"] == "in_progress"
        assert started["state_label"]["vi"] == "Đang xử lý"
        assert started["event"]["id"] > event["id"]
        await watcher.disconnect()
        await reporter.disconnect()

    run(scenario)


def test_broadcasts_happen_after_commit_and_never_after_a_rollback(
    public_report, officer, django_capture_on_commit_callbacks
):
    class Undo(Exception):
        pass

    def rolled_back():
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            try:
                with transaction.atomic():
                    actions.start_report(public_report, officer, note="Đã bắt đầu")
                    raise Undo
            except Undo:
                pass
        return callbacks

    def held_open(socket_is_quiet):
        # Inside the transaction the change is written but nothing is sent yet.
        with django_capture_on_commit_callbacks(execute=True):
            actions.start_report(public_report, officer)
            assert socket_is_quiet()

    async def scenario():
        watcher = await connect(f"/ws/reports/{public_report.code}/")
        callbacks = await database_sync_to_async(rolled_back)()
        assert callbacks == []
        assert await watcher.receive_nothing(0.3)
        await database_sync_to_async(public_report.refresh_from_db)()
        assert public_report.state == "received"

        def quiet():
            return watcher.output_queue.empty()

        await database_sync_to_async(held_open)(quiet)
        message = await watcher.receive_json_from(timeout=1)
        assert message["state"] == "in_progress"
        assert await watcher.receive_nothing(0.2)  # once
        await watcher.disconnect()

    run(scenario)


def test_a_citizens_socket_never_hears_another_citizens_private_event(
    make_report,
    citizen,
    other_citizen,
    officer,
    django_capture_on_commit_callbacks,
):
    report = make_report()

    async def scenario():
        mine = await connect("/ws/me/", user=citizen)
        theirs = await connect("/ws/me/", user=other_citizen)
        for socket in (mine, theirs):
            assert (await socket.receive_json_from())["type"] == "inbox"
        await committed(
            django_capture_on_commit_callbacks,
            lambda: actions.reject_report(
                report, officer, reason="Không thuộc thẩm quyền của tỉnh."
            ),
        )
        private = await mine.receive_json_from(timeout=1)
        assert private["state"] == "rejected"
        assert private["event"]["note"] == "Không thuộc thẩm quyền của tỉnh."
        assert await theirs.receive_nothing(0.3)
        # Nor can they join the reporter's group through the multiplexed socket.
        live = await connect("/ws/live/", user=other_citizen)
        assert (await subscribe(live, "report", code=report.code))["type"] == (
            "refused"
        )
        for socket in (mine, theirs, live):
            await socket.disconnect()

    run(scenario)


def test_officers_hear_of_new_reports_for_their_own_queue_only(
    make_report,
    citizen,
    officer,
    other_officer,
    commune_official,
    province_admin,
    other_ward,
    django_capture_on_commit_callbacks,
):
    async def scenario():
        queues = {}
        for name, user in (
            ("officer", officer),
            ("other_officer", other_officer),
            ("commune", commune_official),
            ("admin", province_admin),
        ):
            queues[name] = await connect("/ws/staff/queue/", user=user)
            assert (await queues[name].receive_json_from())["type"] == "queue.cursor"
        assert await connect("/ws/staff/queue/", user=citizen) is None

        report = await committed(django_capture_on_commit_callbacks, make_report)
        for name in ("officer", "commune", "admin"):
            arrival = await queues[name].receive_json_from(timeout=1)
            assert arrival["type"] == "queue.report"
            assert arrival["reason"] == "new"
            assert arrival["report"]["code"] == report.code
            assert arrival["report"]["url"].endswith(f"/{report.pk}/change/")
            text = json.dumps(arrival, ensure_ascii=False)
            assert citizen.email not in text and citizen.phone not in text
            assert citizen.full_name not in text
        assert await queues["other_officer"].receive_nothing(0.3)

        # Elsewhere in the province: the commune official hears nothing of it.
        await committed(
            django_capture_on_commit_callbacks,
            lambda: make_report(ward=other_ward),
        )
        assert (await queues["admin"].receive_json_from(timeout=1))["reason"] == "new"
        assert await queues["commune"].receive_nothing(0.3)
        for socket in queues.values():
            await socket.disconnect()

    run(scenario)


def test_a_reconnecting_queue_gets_the_reports_it_missed(
    make_report, officer, other_ward
):
    first = make_report()

    async def scenario():
        socket = await connect("/ws/live/", user=officer)
        await subscribe(socket, "queue", since="0")
        caught_up = await socket.receive_json_from()
        assert caught_up["report"]["code"] == first.code
        cursor = await socket.receive_json_from()
        assert cursor == {"type": "queue.cursor", "after": first.pk}
        await socket.disconnect()
        missed = await database_sync_to_async(make_report)(ward=other_ward)
        again = await connect("/ws/live/", user=officer)
        await subscribe(again, "queue", after=cursor["after"])
        assert (await again.receive_json_from())["report"]["code"] == missed.code
        assert (await again.receive_json_from())["after"] == missed.pk
        await again.disconnect()

    run(scenario)


def test_the_citizens_socket_starts_with_the_inbox_count(citizen):
    from cthainguyen import live
    from cthainguyen.models import InboxMessage

    InboxMessage.objects.create(user=citizen, subject="Một", body="...")
    InboxMessage.objects.create(user=citizen, subject="Hai", body="...")

    async def scenario():
        socket = await connect("/ws/me/", user=citizen)
        assert await socket.receive_json_from() == {"type": "inbox", "unread": 2}
        await database_sync_to_async(
            lambda: InboxMessage.objects.filter(subject="Một").update(
                read_at=timezone.now()
            )
        )()
        await database_sync_to_async(live.push_inbox_count)(citizen.pk)
        assert await socket.receive_json_from(timeout=1) == {
            "type": "inbox",
            "unread": 1,
        }
        await socket.disconnect()

    run(scenario)


def test_a_new_inbox_message_updates_the_header_count_live(
    make_report, citizen, django_capture_on_commit_callbacks
):
    from cthainguyen import notifications
    from cthainguyen.models import Notification

    def deliver_the_inbox_message():
        # The report and its outbox rows, without sending anything yet.
        with django_capture_on_commit_callbacks(execute=False):
            make_report()
        row = Notification.objects.get(user=citizen, channel=Notification.Channel.INBOX)
        with django_capture_on_commit_callbacks(execute=True):
            assert notifications.deliver(row.pk)

    async def scenario():
        socket = await connect("/ws/me/", user=citizen)
        assert await socket.receive_json_from() == {"type": "inbox", "unread": 0}
        await database_sync_to_async(deliver_the_inbox_message)()
        assert await socket.receive_json_from(timeout=1) == {
            "type": "inbox",
            "unread": 1,
        }
        await socket.disconnect()

    run(scenario)
