"""The in-site inbox: /inbox/, one message, the unread count in the header."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cthainguyen.models import InboxMessage

pytestmark = pytest.mark.django_db


def message(user, subject, **fields):
    return InboxMessage.objects.create(
        user=user, subject=subject, body=f"{subject}\n\nchi tiết", **fields
    )


def header_badge(response):
    """The unread count next to the header's inbox link, or None (any language)."""
    html = response.content.decode()
    link = re.search(r'<a href="/inbox/">(.*?)</a>', html, re.S)
    assert link, "the header has no inbox link"
    badge = re.search(r'<span class="state">(.*?)</span>', link.group(1))
    return int(re.match(r"\d+", badge.group(1)).group()) if badge else None


def listed_subjects(response):
    return [m.subject for m in response.context["inbox_messages"]]


def test_the_inbox_needs_a_signed_in_person(client):
    response = client.get("/inbox/")

    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/?next=/inbox/")


def test_the_inbox_lists_only_ones_own_messages_newest_first(
    client, citizen, other_citizen
):
    message(citizen, "Thứ nhất")
    message(other_citizen, "Của người khác")
    message(citizen, "Thứ hai")
    client.force_login(citizen)

    response = client.get("/inbox/")

    assert response.status_code == 200
    assert listed_subjects(response) == ["Thứ hai", "Thứ nhất"]
    assert "Của người khác" not in response.content.decode()
    assert response.context["older"] is None


def test_the_inbox_pages_twenty_messages_at_a_time(client, citizen):
    for number in range(1, 26):
        message(citizen, f"Tin {number:02d}")
    client.force_login(citizen)

    first = client.get("/inbox/")
    older = first.context["older"]
    second = client.get(f"/inbox/?before={older}")

    assert listed_subjects(first) == [f"Tin {n:02d}" for n in range(25, 5, -1)]
    assert f'href="?before={older}"' in first.content.decode()
    assert listed_subjects(second) == [f"Tin {n:02d}" for n in range(5, 0, -1)]
    assert second.context["older"] is None


def test_opening_a_message_shows_it_marks_it_read_and_links_to_the_report(
    client, citizen
):
    unread = message(citizen, "Phản ánh PA-ABCDEFGH: tiếp nhận", url="/reports/X/")
    message(citizen, "Khác")
    client.force_login(citizen)
    assert header_badge(client.get("/inbox/")) == 2

    response = client.get(f"/inbox/{unread.pk}/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>Phản ánh PA-ABCDEFGH: tiếp nhận</h1>" in html
    assert "<p>Phản ánh PA-ABCDEFGH: tiếp nhận</p>\n\n<p>chi tiết</p>" in html
    assert '<a class="button button-primary" href="/reports/X/">' in html
    unread.refresh_from_db()
    assert unread.read_at is not None
    assert header_badge(response) == 1


def test_someone_elses_message_is_not_found(client, citizen, other_citizen):
    theirs = message(other_citizen, "Riêng tư")
    client.force_login(citizen)

    response = client.get(f"/inbox/{theirs.pk}/")

    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_mark_all_read_reads_only_ones_own_messages(client, citizen, other_citizen):
    earlier = timezone.now() - timedelta(days=1)
    already = message(citizen, "Đã đọc", read_at=earlier)
    message(citizen, "Chưa đọc 1")
    message(citizen, "Chưa đọc 2")
    theirs = message(other_citizen, "Của người khác")
    client.force_login(citizen)

    response = client.post("/inbox/")

    assert (response.status_code, response.url) == (302, "/inbox/")
    assert InboxMessage.objects.filter(user=citizen, read_at__isnull=True).count() == 0
    already.refresh_from_db()
    assert already.read_at == earlier
    theirs.refresh_from_db()
    assert theirs.read_at is None
    assert header_badge(client.get("/inbox/")) is None


def test_the_unread_count_costs_one_query_and_none_for_visitors(client, citizen):
    message(citizen, "Một")
    client.force_login(citizen)

    with CaptureQueriesContext(connection) as queries:
        home = client.get("/")
    inbox_queries = [
        q["sql"] for q in queries if "cthainguyen_inboxmessage" in q["sql"]
    ]

    assert header_badge(home) == 1
    assert len(inbox_queries) == 1
    assert "COUNT(*)" in inbox_queries[0]

    client.logout()
    with CaptureQueriesContext(connection) as queries:
        anonymous = client.get("/")
    assert anonymous.status_code == 200
    assert not [q for q in queries if "cthainguyen_inboxmessage" in q["sql"]]
    assert 'href="/inbox/"' not in anonymous.content.decode()
