"""Real processes: uvicorn servers on the Redis pub/sub layer, changes made elsewhere.

Each test starts its own uvicorn processes (random loopback ports) on the test
database, which therefore has to be PostgreSQL, and a Redis channel prefix of its
own. Without PostgreSQL or Redis the tests skip with the reason; in CI they fail.
"""

import http.cookiejar
import json
import re
import time
import urllib.parse
import urllib.request

import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from reports import actions
from reports.models import Report
from tests.live.conftest import (
    nothing_within,
    receive_json,
    receive_until,
    session_cookie,
    ws_url,
)

pytestmark = [
    pytest.mark.services,
    # Committed rows, so the server processes see them; the rows the migrations
    # made (wards, categories, roles) are restored after each test.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def open_socket(base, path, cookie=None, origin=None):
    headers = {"Cookie": cookie} if cookie else None
    return connect(
        ws_url(base, path),
        origin=origin or base,
        additional_headers=headers,
        open_timeout=10,
    )


def is_event(kind):
    return lambda message: (
        message.get("type") == "report.event" and message["event"]["kind"] == kind
    )


@pytest.fixture
def public_report(make_report, officer, agency):
    return actions.receive_report(make_report(), officer, agency=agency)


def test_a_change_made_in_another_process_reaches_the_socket(
    live_services, public_report, officer
):
    server = live_services.start_server()
    with open_socket(server, f"/ws/reports/{public_report.code}/") as socket:
        # The socket has joined its group once it answers a ping.
        socket.send(json.dumps({"type": "ping"}))
        assert receive_json(socket) == {"type": "pong"}
        live_services.run_in_another_process(
            "from cthainguyen.models import User\n"
            "from reports import actions\n"
            "from reports.models import Report\n"
            f"report = Report.objects.get(code={public_report.code!r})\n"
            f"officer = User.objects.get(pk={officer.pk})\n"
            "actions.start_report(report, officer, note='Đội thi công đã đến.')\n"
        )
        message = receive_until(socket, is_event("started"))
    assert message["state"] == "in_progress"
    assert message["state_label"]["vi"] == "Đang xử lý"
    assert message["event"]["note"] == "Đội thi công đã đến."


def admin_post(base, path, cookie, fields):
    """POST a workflow form to the admin as the signed-in officer's browser would."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    opener.addheaders = [("Cookie", cookie)]
    page = opener.open(base + path.split("workflow/")[0] + "change/", timeout=20)
    token = re.search(
        r'name="csrfmiddlewaretoken" value="([^"]+)"', page.read().decode()
    ).group(1)
    csrf_cookie = next(c.value for c in jar if c.name == "csrftoken")
    request = urllib.request.Request(
        base + path,
        data=urllib.parse.urlencode({"csrfmiddlewaretoken": token, **fields}).encode(),
        headers={
            "Cookie": f"{cookie}; csrftoken={csrf_cookie}",
            "Referer": base + path,
        },
    )
    no_redirect = urllib.request.build_opener(NoRedirect)
    with no_redirect.open(request, timeout=20) as response:
        return response.status


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None

    def http_error_302(self, request, response, code, message, headers):
        return response


def test_two_servers_share_the_layer_a_change_through_one_reaches_the_other(
    live_services, public_report, officer, citizen
):
    from cthainguyen import roles

    roles.sync_role_permissions()
    first = live_services.start_server()
    second = live_services.start_server()
    cookie = session_cookie(citizen)
    with (
        open_socket(second, f"/ws/reports/{public_report.code}/") as watcher,
        open_socket(second, "/ws/me/", cookie=cookie) as reporter,
    ):
        watcher.send(json.dumps({"type": "ping"}))
        assert receive_json(watcher) == {"type": "pong"}
        assert receive_json(reporter)["type"] == "inbox"
        # The officer starts the work in the admin, served by the first process.
        status = admin_post(
            first,
            f"/admin/reports/report/{public_report.pk}/workflow/start/",
            session_cookie(officer),
            {"start-note": "Bắt đầu sửa chữa.", "_workflow": "Start"},
        )
        assert status == 302
        seen = receive_until(watcher, is_event("started"))
        mine = receive_until(reporter, is_event("started"))
    public_report.refresh_from_db()
    assert public_report.state == Report.State.IN_PROGRESS
    assert seen == mine
    assert seen["event"]["note"] == "Bắt đầu sửa chữa."


def test_a_socket_away_during_a_change_catches_up_on_reconnect(
    live_services, public_report, officer
):
    server = live_services.start_server()
    code = public_report.code
    last_seen = public_report.events.latest("pk").pk
    subscribe = json.dumps({"type": "subscribe", "topic": "report", "code": code})
    with open_socket(server, "/ws/live/") as socket:
        socket.send(subscribe)
        assert receive_json(socket)["type"] == "subscribed"
    # Away: the change happens and its broadcast reaches nobody.
    actions.start_report(public_report, officer, note="Đã bắt đầu.")
    missed = public_report.events.latest("pk")
    with open_socket(server, "/ws/live/") as socket:
        socket.send(subscribe)
        assert receive_json(socket)["type"] == "subscribed"
        # live.js now asks for what it missed, by the last event id it has.
        url = f"{server}/reports/{code}/events.json?after={last_seen}"
        with urllib.request.urlopen(url, timeout=20) as response:
            caught_up = json.load(response)
        assert [event["id"] for event in caught_up["events"]] == [missed.pk]
        assert caught_up["state"] == "in_progress"
        # And what happens next arrives live.
        actions.add_note(public_report, officer, public_note="Dự kiến xong chiều nay.")
        message = receive_until(socket, is_event("note"))
        assert message["event"]["id"] > missed.pk


def test_a_foreign_origin_is_refused_by_the_real_server(live_services, public_report):
    server = live_services.start_server()
    path = f"/ws/reports/{public_report.code}/"
    with pytest.raises(InvalidStatus) as refused:
        open_socket(server, path, origin="http://evil.example")
    assert refused.value.response.status_code == 403
    with pytest.raises(InvalidStatus):
        open_socket(server, "/ws/live/", origin="http://127.0.0.1.evil.example")
    with open_socket(server, path) as socket:
        socket.send(json.dumps({"type": "ping"}))
        assert receive_json(socket) == {"type": "pong"}


def test_a_citizens_socket_never_hears_another_citizens_private_event(
    live_services, make_report, citizen, other_citizen, officer
):
    server = live_services.start_server()
    report = make_report()
    with (
        open_socket(server, "/ws/me/", cookie=session_cookie(citizen)) as mine,
        open_socket(server, "/ws/me/", cookie=session_cookie(other_citizen)) as theirs,
    ):
        assert receive_json(mine)["type"] == "inbox"
        assert receive_json(theirs)["type"] == "inbox"
        started = time.monotonic()
        actions.reject_report(report, officer, reason="Không thuộc thẩm quyền.")
        private = receive_until(mine, is_event("rejected"), timeout=5)
        assert time.monotonic() - started < 1.0
        assert private["event"]["note"] == "Không thuộc thẩm quyền."
        assert [
            message
            for message in nothing_within(theirs, 1.0)
            if message.get("type") == "report.event"
        ] == []
