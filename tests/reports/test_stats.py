"""The published figures: running counts kept in step by the domain functions."""

import datetime

import pytest
from django.db.models import F
from django.utils import timezone

from reports import actions, stats
from reports.models import Category, Report, StatCell

pytestmark = pytest.mark.django_db

State = Report.State
NOTHING = dict.fromkeys(StatCell.COUNTS, 0)


def figures():
    """The figures as the statistics page reads them, from the running counts."""
    totals = stats.totals()
    return {name: totals[name] for name in StatCell.COUNTS}


def recount():
    """The same figures counted afresh from the reports, by the rules of DESIGN.md."""
    counted = Report.objects.filter(is_hidden=False)
    resolved = counted.filter(state=State.RESOLVED)
    return {
        "received": counted.count(),
        "resolved": resolved.count(),
        "resolved_on_time": resolved.filter(resolved_at__lte=F("due_at")).count(),
        "rated": counted.exclude(rating="").count(),
        "satisfied": counted.filter(rating="satisfied").count(),
        "acceptable": counted.filter(rating="acceptable").count(),
        "unsatisfied": counted.filter(rating="unsatisfied").count(),
    }


def cells():
    """The stored cells that count anything, keyed by category, ward and month."""
    return {
        (cell.category_id, cell.ward_id, cell.month): tuple(
            getattr(cell, name) for name in StatCell.COUNTS
        )
        for cell in StatCell.objects.all()
        if any(getattr(cell, name) for name in StatCell.COUNTS)
    }


def test_counters_stay_in_step_with_the_reports_through_a_reports_life(
    make_report, officer, citizen
):
    report = make_report()
    assert figures() == recount() == {**NOTHING, "received": 1}

    report = actions.receive_report(report, officer)
    assert figures() == recount() == {**NOTHING, "received": 1}

    report = actions.start_report(report, officer)
    assert figures() == recount() == {**NOTHING, "received": 1}

    report = actions.resolve_report(report, officer, response="Đã vá xong ổ gà.")
    resolved = {**NOTHING, "received": 1, "resolved": 1, "resolved_on_time": 1}
    assert figures() == recount() == resolved

    report = actions.rate_report(report, citizen, rating="unsatisfied")
    rated = {**resolved, "rated": 1, "unsatisfied": 1}
    assert figures() == recount() == rated

    report = actions.set_hidden(report, officer, hidden=True)
    assert figures() == recount() == NOTHING

    actions.set_hidden(report, officer, hidden=False)
    assert figures() == recount() == rated


def test_rejected_and_duplicate_reports_count_as_received_only(make_report, officer):
    original = make_report()
    copy = make_report()
    turned_down = make_report()
    actions.receive_report(original, officer)
    actions.mark_duplicate(copy, officer, original=original)
    actions.reject_report(turned_down, officer, reason="Không thuộc thẩm quyền.")
    assert figures() == recount() == {**NOTHING, "received": 3}


def test_a_report_resolved_after_its_due_date_is_resolved_but_not_on_time(
    make_report, officer
):
    report = actions.receive_report(make_report(), officer)
    late = timezone.now() - datetime.timedelta(hours=1)
    Report.objects.filter(pk=report.pk).update(due_at=late)
    actions.resolve_report(report, officer, response="Đã xử lý, chậm so với hạn.")
    assert figures() == recount() == {**NOTHING, "received": 1, "resolved": 1}
    assert stats.totals()["on_time_share"] == 0


def test_rebuild_gives_the_same_cells_as_the_running_counts(
    make_report, officer, citizen, other_ward
):
    traffic = Category.objects.get(slug="giao-thong")
    march = datetime.datetime(2026, 3, 2, 3, 0, tzinfo=datetime.UTC)
    steps = [
        make_report(),
        make_report(category=traffic),
        make_report(ward=other_ward, submitted_at=march),
        make_report(category=traffic, ward=other_ward, submitted_at=march),
    ]
    for report in steps[:3]:
        actions.receive_report(report, officer)
    actions.resolve_report(steps[0], officer, response="Đã xử lý xong.")
    actions.resolve_report(steps[2], officer, response="Đã xử lý xong.")
    actions.rate_report(steps[0], citizen, rating="satisfied")
    actions.rate_report(steps[2], citizen, rating="acceptable")
    actions.set_hidden(steps[1], officer, hidden=True)
    running = cells()
    assert len(running) == 3

    stats.rebuild()
    assert cells() == running
    assert figures() == recount()


def test_hidden_reports_count_in_no_figure_and_no_group(make_report, officer, citizen):
    shown = make_report()
    hidden = make_report(category=Category.objects.get(slug="giao-thong"))
    for report in (shown, hidden):
        actions.receive_report(report, officer)
        actions.resolve_report(report, officer, response="Đã xử lý xong.")
        actions.rate_report(report, citizen, rating="satisfied")
    actions.set_hidden(hidden, officer, hidden=True, note="Lộ số điện thoại.")

    one = {
        **NOTHING,
        "received": 1,
        "resolved": 1,
        "resolved_on_time": 1,
        "rated": 1,
        "satisfied": 1,
    }
    assert figures() == recount() == one
    by_category = {
        row["category"]: row["received"] for row in stats.grouped("category")
    }
    assert by_category.get(hidden.category_id, 0) == 0
    assert by_category[shown.category_id] == 1
    stats.rebuild()
    assert figures() == one


def test_a_report_counts_in_the_local_month_it_was_sent(make_report):
    # 20:00 UTC on 31 March is 03:00 on 1 April in Thái Nguyên (UTC+7).
    make_report(submitted_at=datetime.datetime(2026, 3, 31, 20, 0, tzinfo=datetime.UTC))
    # 16:59 UTC on 31 March is 23:59 the same day there.
    make_report(
        submitted_at=datetime.datetime(2026, 3, 31, 16, 59, tzinfo=datetime.UTC)
    )
    expected = {datetime.date(2026, 3, 1): 1, datetime.date(2026, 4, 1): 1}
    by_month = {row["month"]: row["received"] for row in stats.grouped("month")}
    assert by_month == expected
    stats.rebuild()
    by_month = {row["month"]: row["received"] for row in stats.grouped("month")}
    assert by_month == expected


def test_the_stat_month_is_the_first_day_of_the_local_month():
    new_year = datetime.datetime(2025, 12, 31, 17, 0, tzinfo=datetime.UTC)
    assert stats.stat_month(new_year) == datetime.date(2026, 1, 1)
    assert stats.stat_month(new_year - datetime.timedelta(seconds=1)) == (
        datetime.date(2025, 12, 1)
    )


def test_shares_are_none_until_something_is_rated(make_report):
    make_report()
    totals = stats.totals()
    assert totals["satisfied_share"] is None
    assert totals["on_time_share"] is None
