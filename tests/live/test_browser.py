"""Live status in real Chromium, against a real ASGI server process.

pytest-django's live_server speaks WSGI only, so these pages come from a uvicorn
process on the test database (PostgreSQL) and the Redis pub/sub layer, as in
production. The reporter watches the report on a phone while an officer starts the
work in the admin on a desktop; the phone shows "Đang xử lý" without a reload,
within a second of the officer's action. Then the officer's queue counts a report
that arrives while it is open.
"""

import re
import time
from decimal import Decimal

import pytest
from django.db import connections

from cthainguyen import roles
from reports import actions
from reports.models import Event
from tests.browser.conftest import (  # noqa: F401 (fixtures)
    artifacts,
    chromium,
    tile_server,
    watcher,
)
from tests.browser.helpers import axe_violations
from tests.live.conftest import session_cookie

pytestmark = [
    pytest.mark.browser,
    pytest.mark.services,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
    "locale": "vi-VN",
}
DESKTOP = {"viewport": {"width": 1366, "height": 900}, "locale": "vi-VN"}
IN_PROGRESS = "Đang xử lý"
NOTE = "Đội thi công đã có mặt tại hiện trường."

LIVE_READY = """() => !!(window.PortalLive && PortalLive.connection.topics.length
  && PortalLive.connection.topics.every((t) => t.state === "subscribed"))"""
WATCH_BADGE = """(wanted) => {
  window.__sameDocument = true;
  const badge = document.querySelector("[data-live-state] .state");
  new MutationObserver(() => {
    if (!window.__changedAt && badge.textContent.trim() === wanted) {
      window.__changedAt = Date.now();
    }
  }).observe(badge, {childList: true, characterData: true, subtree: true});
}"""


@pytest.fixture
def browser(chromium):  # noqa: F811
    """Chromium; the database connection opened while it runs is closed after it.

    With Playwright's loop running in this thread Django keeps a second connection
    for the test's queries; left open, it would stop the test database's teardown.
    """
    yield chromium
    connections.close_all()


def signed_in(browser, watcher, label, user, base, **options):  # noqa: F811
    page = watcher.new_page(browser, label, **options)
    name, _, value = session_cookie(user).partition("=")
    page.context.add_cookies([{"name": name, "value": value, "url": base}])
    return page


def test_the_reporters_page_shows_the_officers_action_within_a_second(
    browser,
    watcher,  # noqa: F811
    artifacts,  # noqa: F811
    tile_server,  # noqa: F811
    live_services,
    make_report,
    citizen,
    officer,
    agency,
    ward,
):
    roles.sync_role_permissions()
    base = live_services.start_server(
        # Static files straight from the apps (no collectstatic), local map tiles.
        DEBUG="true",
        MAP_TILES_URL=tile_server + "/{z}/{x}/{y}.png",
    )
    report = actions.receive_report(make_report(), officer, agency=agency)

    # The reporter opens the report on a phone; its socket subscribes.
    phone = signed_in(browser, watcher, "reporter", citizen, base, **PHONE)
    phone.goto(f"{base}/reports/{report.code}/")
    phone.wait_for_function(LIVE_READY)
    badge = phone.locator("[data-live-state] .state")
    assert badge.inner_text().strip() != IN_PROGRESS
    phone.evaluate(WATCH_BADGE, IN_PROGRESS)

    # The officer starts the work in the admin.
    desk = signed_in(browser, watcher, "officer", officer, base, **DESKTOP)
    change_url = f"{base}/admin/reports/report/{report.pk}/change/"
    desk.goto(change_url)
    step = desk.locator("#workflow-start")
    step.locator("summary").click()
    step.locator("[name=start-note]").fill(NOTE)
    step.locator("input[type=submit]").click()
    desk.wait_for_url(change_url)
    desk.locator(".messagelist .success").wait_for()

    # The phone shows it, without a reload, within a second of the change.
    phone.wait_for_function("() => !!window.__changedAt", timeout=5_000)
    started = Event.objects.get(report=report, kind=Event.Kind.STARTED)
    delay = phone.evaluate("() => window.__changedAt") / 1000 - (
        started.created_at.timestamp()
    )
    assert delay < 1.0, f"the page changed {delay:.3f} s after the officer's action"
    assert phone.evaluate("() => window.__sameDocument") is True
    assert re.search(IN_PROGRESS, badge.inner_text(), re.IGNORECASE)
    entry = phone.locator(f"[data-live-timeline] [data-event-id='{started.pk}']")
    entry.get_by_text(NOTE).wait_for()
    assert "Bắt đầu xử lý" in entry.inner_text()
    phone.screenshot(path=artifacts / "live-in-progress.png", full_page=True)
    assert axe_violations(phone) == []

    # The officer's queue: a report arriving while the list is open.
    desk.goto(f"{base}/admin/reports/report/")
    desk.wait_for_function(LIVE_READY)
    counter = desk.locator("[data-live-queue-count]")
    assert counter.inner_text().strip().endswith(": 0")
    arrived_at = time.time()
    newcomer = make_report(
        title="Đèn đường hỏng ở tổ 5",
        latitude=Decimal("21.590000"),
        longitude=Decimal("105.840000"),
    )
    desk.locator(f"[data-live-queue-list] [data-report='{newcomer.code}']").wait_for(
        timeout=5_000
    )
    assert time.time() - arrived_at < 2.0
    assert counter.inner_text().strip().endswith(": 1")
    desk.screenshot(path=artifacts / "live-queue.png")

    assert watcher.outside_requests == [], "requests left the machine"
    assert watcher.errors == [], "\n".join(watcher.errors)
