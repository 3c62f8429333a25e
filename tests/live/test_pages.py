"""The catch-up JSON, the pages' hooks for live.js, and a channel layer that is down."""

import logging
import re
import time

import pytest
from django.urls import reverse

from cthainguyen import live
from reports import actions
from reports.models import Event

pytestmark = pytest.mark.django_db

SECRET = "Ghi chú nội bộ: số điện thoại người báo 0912 345 678"


def events_url(report, after=None):
    url = reverse("reports:events", args=[report.code])
    return url if after is None else f"{url}?after={after}"


def test_the_catch_up_returns_exactly_the_missed_public_events(
    client, make_report, officer, agency, citizen
):
    report = actions.receive_report(make_report(), officer, agency=agency)
    last_seen = report.events.latest("pk").pk
    actions.add_note(report, officer, internal_note=SECRET)
    note = actions.add_note(report, officer, public_note="Đã khảo sát hiện trường.")
    actions.start_report(report, officer)
    started = report.events.get(kind=Event.Kind.STARTED)

    response = client.get(events_url(report, last_seen))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert "no-store" in response["Cache-Control"]
    data = response.json()
    assert [event["id"] for event in data["events"]] == [note.pk, started.pk]
    assert [event["kind"] for event in data["events"]] == ["note", "started"]
    assert data["events"][0]["note"] == "Đã khảo sát hiện trường."
    assert data["state"] == "in_progress"
    assert data["state_label"]["vi"] == "Đang xử lý"
    assert data["truncated"] is False
    body = response.content.decode()
    for private in (SECRET, citizen.email, citizen.phone, officer.email):
        assert private not in body
    # Nothing missed: nothing returned. All of it: from the start.
    assert client.get(events_url(report, started.pk)).json()["events"] == []
    everything = client.get(events_url(report)).json()["events"]
    assert [e["kind"] for e in everything] == [
        "submitted",
        "received",
        "note",
        "started",
    ]


def test_the_catch_up_goes_through_the_one_door(
    client, make_report, citizen, other_citizen
):
    report = make_report()  # awaiting triage: not public
    assert client.get(events_url(report, 0)).status_code == 404
    client.force_login(other_citizen)
    assert client.get(events_url(report, 0)).status_code == 404
    client.force_login(citizen)
    assert client.get(events_url(report, 0)).status_code == 200
    for bad in ("x", "-1", "1.5", "²"):
        assert client.get(events_url(report, bad)).status_code == 400


def test_the_report_page_carries_what_live_js_needs(
    client, make_report, officer, agency, citizen, settings
):
    report = actions.receive_report(make_report(), officer, agency=agency)
    page = client.get(reverse("reports:detail", args=[report.code])).content.decode()
    assert f'data-live-report="{report.code}"' in page
    assert f'data-live-events="{events_url(report)}"' in page
    badge = r'data-live-state[^>]*>\s*<span class="state state-received'
    assert re.search(badge, page)
    for event in report.events.all():
        assert f'data-event-id="{event.pk}"' in page
    assert 'src="/static/js/live.js" data-live="/ws/live/"' in page
    # Anonymous: no private topic.
    assert "data-me" not in page
    client.force_login(citizen)
    page = client.get(reverse("reports:detail", args=[report.code])).content.decode()
    assert "data-me" in page
    assert 'data-inbox-url="/inbox/"' in page
    assert "%(counter)s" in page
    # Inline scripts are forbidden by the CSP: the tag only names the file.
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page)
    settings.LIVE_UPDATES = False
    page = client.get(reverse("reports:detail", args=[report.code])).content.decode()
    assert "live.js" not in page


def test_the_admin_queue_shows_a_live_counter_and_list(client, officer):
    from cthainguyen import roles

    roles.sync_role_permissions()
    client.force_login(officer)
    page = client.get(reverse("admin:reports_report_changelist")).content.decode()
    assert "data-live-queue" in page
    assert "data-live-queue-count" in page and "data-live-queue-list" in page
    assert 'data-live="/ws/live/"' in page
    assert "data-me" not in page


def test_a_channel_layer_that_is_down_never_fails_the_change(
    settings, make_report, officer, agency, caplog, django_capture_on_commit_callbacks
):
    # Nothing listens on port 9 of the loopback.
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {
                "hosts": [
                    {"address": "redis://127.0.0.1:9/0", "socket_connect_timeout": 1}
                ],
                "prefix": "ctn-down",
            },
        }
    }
    report = make_report()
    started = time.monotonic()
    with caplog.at_level(logging.WARNING, logger="cthainguyen.live"):
        with django_capture_on_commit_callbacks(execute=True):
            received = actions.receive_report(report, officer, agency=agency)
        assert live.broadcast("report.1", {"type": "test"}) is False
    assert time.monotonic() - started < 2 * live.SEND_TIMEOUT + 2
    assert received.state == "received"
    assert "Live broadcast" in caplog.text
