"""The published figures, kept as running counts and read without scanning reports."""

import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.db.models import F, Sum

from reports.models import Report, StatCell

RATING_FIELDS = {
    Report.Rating.SATISFIED: "satisfied",
    Report.Rating.ACCEPTABLE: "acceptable",
    Report.Rating.UNSATISFIED: "unsatisfied",
}


def stat_month(moment):
    """Return the first day of the local month the moment falls in."""
    local = moment.astimezone(ZoneInfo(settings.TIME_ZONE))
    return datetime.date(local.year, local.month, 1)


def contributions(report):
    """Return what one report adds to each count in its present state."""
    counts = dict.fromkeys(StatCell.COUNTS, 0)
    if report.is_hidden:
        return counts
    counts["received"] = 1
    if report.state == Report.State.RESOLVED:
        counts["resolved"] = 1
        counts["resolved_on_time"] = int(report.resolved_on_time)
    if report.rating:
        counts["rated"] = 1
        counts[RATING_FIELDS[report.rating]] = 1
    return counts


def record_change(report, before):
    """Move the counts from `before` (a contributions() dict) to the report's now."""
    after = contributions(report)
    deltas = {name: after[name] - before[name] for name in StatCell.COUNTS}
    if not any(deltas.values()):
        return
    cell, _ = StatCell.objects.get_or_create(
        category_id=report.category_id,
        ward_id=report.ward_id,
        month=stat_month(report.submitted_at),
    )
    StatCell.objects.filter(pk=cell.pk).update(
        **{name: F(name) + delta for name, delta in deltas.items() if delta}
    )


@transaction.atomic
def rebuild():
    """Recount every cell from the reports themselves (after bulk loads)."""
    StatCell.objects.all().delete()
    cells = {}
    rows = Report.objects.only(
        "category_id",
        "ward_id",
        "submitted_at",
        "state",
        "is_hidden",
        "rating",
        "due_at",
        "resolved_at",
    )
    for report in rows.iterator(chunk_size=2000):
        key = (report.category_id, report.ward_id, stat_month(report.submitted_at))
        cell = cells.setdefault(key, dict.fromkeys(StatCell.COUNTS, 0))
        for name, value in contributions(report).items():
            cell[name] += value
    StatCell.objects.bulk_create(
        [
            StatCell(category_id=category, ward_id=ward, month=month, **counts)
            for (category, ward, month), counts in cells.items()
        ],
        batch_size=1000,
    )


def _with_shares(row):
    rated = row["rated"] or 0
    for name in RATING_FIELDS.values():
        row[name + "_share"] = (row[name] or 0) * 100 / rated if rated else None
    row["on_time_share"] = (
        row["resolved_on_time"] * 100 / row["resolved"] if row["resolved"] else None
    )
    return row


def totals():
    sums = StatCell.objects.aggregate(**{name: Sum(name) for name in StatCell.COUNTS})
    return _with_shares({name: value or 0 for name, value in sums.items()})


def grouped(field, **filters):
    """Return the counts summed by one of category, ward or month."""
    rows = (
        StatCell.objects.filter(**filters)
        .values(field)
        .annotate(**{name + "_sum": Sum(name) for name in StatCell.COUNTS})
        .order_by(field)
    )
    result = []
    for row in rows:
        counts = {name: row[name + "_sum"] for name in StatCell.COUNTS}
        counts[field] = row[field]
        result.append(_with_shares(counts))
    return result
