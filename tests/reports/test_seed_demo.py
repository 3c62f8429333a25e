"""`manage.py seed_demo`: the demo accounts and the province's figures of 17 March 2026.

The command runs once for the whole module, inside a transaction that is rolled back
at the end, so the other modules never see the demo rows.
"""

import datetime
import hashlib
import io
from collections import defaultdict

import pytest
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command
from django.db import transaction
from django.db.models import F
from django.test import override_settings

from cthainguyen import roles
from cthainguyen.geo import in_province
from cthainguyen.models import StaffProfile, User, Ward
from cthainguyen.reference import CATEGORIES, province_wards
from cthainguyen.workdays import due_date
from reports import actions, demo, stats
from reports.models import Event, Report, StatCell

pytestmark = pytest.mark.django_db

AS_OF = "2026-03-17"
# Midnight starting 17 March in Thái Nguyên: every demo moment is before it.
CUTOFF = datetime.datetime(2026, 3, 16, 17, 0, tzinfo=datetime.UTC)
PUBLISHED = {
    "received": 5479,
    "resolved": 4890,
    "resolved_on_time": 4890,
    "rated": 3073,
    "satisfied": 1871,
    "acceptable": 474,
    "unsatisfied": 728,
}
FAST_HASHER = "django.contrib.auth.hashers.MD5PasswordHasher"
State = Report.State
Kind = Event.Kind


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    """Seed once; return what the command printed."""
    fast_hashing = override_settings(PASSWORD_HASHERS=[FAST_HASHER])
    with django_db_blocker.unblock(), fast_hashing, transaction.atomic():
        out = io.StringIO()
        call_command("seed_demo", as_of=AS_OF, stdout=out)
        yield out.getvalue()
        transaction.set_rollback(True)


def counts(totals):
    return {name: totals[name] for name in StatCell.COUNTS}


def recount(reports):
    """The figures counted straight from the reports, by the rules of DESIGN.md."""
    counted = reports.filter(is_hidden=False)
    resolved = counted.filter(state=State.RESOLVED)
    return {
        "received": counted.count(),
        "resolved": resolved.count(),
        "resolved_on_time": resolved.filter(resolved_at__lte=F("due_at")).count(),
        "rated": counted.exclude(rating="").count(),
        "satisfied": counted.filter(rating=Report.Rating.SATISFIED).count(),
        "acceptable": counted.filter(rating=Report.Rating.ACCEPTABLE).count(),
        "unsatisfied": counted.filter(rating=Report.Rating.UNSATISFIED).count(),
    }


def fingerprint(reports=None):
    reports = Report.objects.all() if reports is None else reports
    rows = reports.order_by("code").values_list("code", "title", "submitted_at")
    digest = hashlib.sha256()
    for code, title, submitted_at in rows:
        digest.update(f"{code}|{title}|{submitted_at.isoformat()}\n".encode())
    return digest.hexdigest()


# The figures ---------------------------------------------------------------------


def test_the_counters_give_the_provinces_published_figures(seeded):
    totals = stats.totals()
    assert counts(totals) == PUBLISHED
    assert round(totals["satisfied_share"], 2) == 60.89
    assert round(totals["acceptable_share"], 2) == 15.42
    assert round(totals["unsatisfied_share"], 2) == 23.69
    assert totals["on_time_share"] == 100


def test_the_reports_themselves_counted_by_the_design_rules_give_the_same_figures(
    seeded,
):
    assert recount(Report.objects.all()) == PUBLISHED


def test_the_other_states_share_out_the_589_reports_not_resolved(seeded):
    numbers = {
        state: Report.objects.filter(is_hidden=False, state=state).count()
        for state in State.values
    }
    assert numbers == {
        "new": 10,
        "received": 18,
        "in_progress": 30,
        "resolved": 4890,
        "rejected": 375,
        "duplicate": 156,
    }
    assert sum(n for s, n in numbers.items() if s != State.RESOLVED) == 589


def test_hidden_reports_exist_but_count_in_no_figure(seeded):
    hidden = Report.objects.filter(is_hidden=True)
    assert hidden.count() == 12
    # Some are resolved and rated, so leaving them in would change the figures.
    assert hidden.filter(state=State.RESOLVED).count() == 4
    assert hidden.exclude(rating="").count() == 2
    everything = {
        "received": Report.objects.count(),
        "rated": Report.objects.exclude(rating="").count(),
    }
    assert everything == {"received": 5479 + 12, "rated": 3073 + 2}
    assert counts(stats.totals()) == PUBLISHED


def test_grouped_by_category_ward_and_month_each_add_up_to_the_totals(seeded):
    for field in ("category", "ward", "month"):
        rows = stats.grouped(field)
        summed = {name: sum(row[name] for row in rows) for name in StatCell.COUNTS}
        assert summed == PUBLISHED, field


def test_every_category_and_most_wards_have_reports_and_recent_months_are_busier(
    seeded,
):
    by_category = stats.grouped("category")
    assert len(by_category) == len(CATEGORIES)
    assert all(row["received"] >= 100 for row in by_category)
    by_ward = stats.grouped("ward")
    assert len(by_ward) >= 85
    busiest = max(by_ward, key=lambda row: row["received"])
    assert Ward.objects.get(pk=busiest["ward"]).name == "Phường Phan Đình Phùng"
    by_month = {row["month"]: row["received"] for row in stats.grouped("month")}
    assert min(by_month) == datetime.date(2021, 6, 1)
    assert max(by_month) == datetime.date(2026, 3, 1)
    assert len(by_month) == 58  # every month from June 2021 to March 2026
    first_year = sum(n for month, n in by_month.items() if month.year == 2021)
    last_year = sum(n for month, n in by_month.items() if month.year == 2025)
    assert last_year > 2 * first_year


# The statistics page -------------------------------------------------------------


def test_the_statistics_page_writes_the_figures_the_vietnamese_way(seeded, client):
    page = client.get("/stats/").content.decode()
    for number in ("5.479", "4.890", "3.073", "1.871", "60,89%", "15,42%", "23,69%"):
        assert number in page
    assert "5,479" not in page
    assert "60.89%" not in page


def test_the_statistics_page_in_english_writes_the_figures_the_english_way(
    seeded, client
):
    client.cookies["django_language"] = "en"
    page = client.get("/stats/").content.decode()
    for number in ("5,479", "4,890", "3,073", "1,871", "60.89%", "23.69%"):
        assert number in page
    assert "5.479" not in page
    assert "60,89%" not in page


# Consistent with time ------------------------------------------------------------


def test_no_resolved_report_is_past_its_due_date(seeded):
    resolved = Report.objects.filter(state=State.RESOLVED)
    assert resolved.filter(due_at__isnull=True).count() == 0
    assert resolved.filter(resolved_at__gt=F("due_at")).count() == 0


def test_every_moment_comes_in_order_and_before_the_as_of_day(seeded):
    reports = Report.objects.all()
    launch = datetime.datetime(2021, 5, 31, 17, 0, tzinfo=datetime.UTC)  # 1 June
    assert not reports.filter(submitted_at__lt=launch).exists()
    for name in ("submitted_at", "received_at", "resolved_at", "rated_at"):
        assert not reports.filter(**{f"{name}__gte": CUTOFF}).exists(), name
    assert not reports.filter(received_at__lte=F("submitted_at")).exists()
    assert not reports.filter(resolved_at__lte=F("received_at")).exists()
    assert not reports.filter(rated_at__lte=F("resolved_at")).exists()
    assert not Event.objects.filter(created_at__gte=CUTOFF).exists()
    assert not Event.objects.filter(created_at__lt=F("report__submitted_at")).exists()


def test_due_dates_count_working_days_from_the_moment_of_receipt(seeded):
    received = Report.objects.exclude(received_at=None).select_related("category")
    assert received.count() > 4890
    for report in received:
        expected = due_date(report.received_at, report.category.due_working_days)
        assert report.due_at == expected, report.code
    assert not Report.objects.filter(received_at=None).exclude(due_at=None).exists()


def test_open_reports_are_recent_and_some_are_already_overdue(seeded):
    open_reports = Report.objects.filter(state__in=Report.OPEN_STATES, is_hidden=False)
    assert open_reports.count() == 48
    assert not open_reports.filter(
        submitted_at__lt=CUTOFF - datetime.timedelta(days=80)
    ).exists()
    overdue = Report.objects.overdue(now=CUTOFF).count()
    assert demo.OVERDUE_OPEN <= overdue < 48
    new = Report.objects.filter(state=State.NEW, is_hidden=False)
    assert not new.filter(submitted_at__lt=CUTOFF - datetime.timedelta(days=7)).exists()


# Each report's story -------------------------------------------------------------

STORIES = {
    State.NEW: [Kind.SUBMITTED],
    State.RECEIVED: [Kind.SUBMITTED, Kind.RECEIVED],
    State.IN_PROGRESS: [Kind.SUBMITTED, Kind.RECEIVED, Kind.STARTED],
    State.RESOLVED: [Kind.SUBMITTED, Kind.RECEIVED, Kind.STARTED, Kind.RESOLVED],
}


def test_each_timeline_tells_the_story_of_the_reports_state(seeded):
    timelines = defaultdict(list)
    for report_id, kind in Event.objects.order_by("created_at", "id").values_list(
        "report_id", "kind"
    ):
        timelines[report_id].append(kind)
    reports = Report.objects.values_list("id", "state", "rating", "is_hidden")
    for pk, state, rating, is_hidden in reports:
        kinds = timelines[pk]
        if is_hidden:
            assert kinds[-1] == Kind.NOTE
            kinds = kinds[:-1]
        if rating:
            assert kinds[-1] == Kind.RATED
            kinds = kinds[:-1]
        if state in STORIES:
            assert kinds == STORIES[state], (pk, kinds)
        else:
            closing = {State.REJECTED: Kind.REJECTED, State.DUPLICATE: Kind.DUPLICATE}
            assert kinds in (
                [Kind.SUBMITTED, closing[state]],
                [Kind.SUBMITTED, Kind.RECEIVED, closing[state]],
            ), (pk, kinds)


def test_resolved_reports_answer_publicly_and_rejected_ones_give_a_reason(seeded):
    assert not Report.objects.filter(state=State.RESOLVED, response="").exists()
    resolved_events = Event.objects.filter(kind=Kind.RESOLVED)
    assert not resolved_events.exclude(public_note=F("report__response")).exists()
    assert not Report.objects.filter(state=State.REJECTED, rejection_reason="").exists()
    assert not Report.objects.exclude(state=State.RESOLVED).exclude(rating="").exists()


def test_duplicates_point_to_an_earlier_report_that_is_resolved_or_open(seeded):
    duplicates = Report.objects.filter(state=State.DUPLICATE).select_related(
        "duplicate_of"
    )
    assert duplicates.count() == 156
    states = set()
    for report in duplicates:
        original = report.duplicate_of
        assert original.submitted_at < report.submitted_at
        assert original.state in (State.RESOLVED, *Report.OPEN_STATES)
        assert not original.is_hidden
        assert original.category_id == report.category_id
        assert original.ward_id == report.ward_id
        states.add(original.state)
    assert State.RESOLVED in states
    assert (
        not Report.objects.exclude(state=State.DUPLICATE)
        .exclude(duplicate_of=None)
        .exists()
    )


def test_search_text_is_what_the_domain_functions_would_write(seeded):
    for report in Report.objects.select_related("ward", "category"):
        stored = report.search_text
        actions._refresh_search_text(report)
        assert stored == report.search_text, report.code


def test_every_demo_coordinate_is_in_the_province(seeded):
    coordinates = Report.objects.values_list("latitude", "longitude")
    assert len(coordinates) == 5491
    assert all(in_province(lat, lng) for lat, lng in coordinates)
    # Reports of the city's central ward lie close to it, not anywhere in the box.
    central = Report.objects.filter(ward__name="Phường Phan Đình Phùng")
    for lat, lng in central.values_list("latitude", "longitude"):
        assert abs(float(lat) - 21.5928) < 0.06 and abs(float(lng) - 105.8442) < 0.06


def test_every_report_goes_to_its_categorys_agency(seeded):
    assert not Report.objects.exclude(agency=F("category__default_agency")).exists()


# People --------------------------------------------------------------------------


def test_the_demo_accounts_sign_in_with_the_documented_password(seeded, client):
    assert [a.email for a in demo.DEMO_ACCOUNTS] == [
        "citizen@demo.cthainguyen.vn",
        "officer@demo.cthainguyen.vn",
        "commune@demo.cthainguyen.vn",
        "admin@demo.cthainguyen.vn",
    ]
    for account in demo.DEMO_ACCOUNTS:
        assert account.password == "demo-2026"
        user = User.objects.get(email=account.email)
        assert user.check_password(account.password)
        assert not user.is_superuser
        address = user.emailaddress_set.get()
        assert (address.email, address.verified, address.primary) == (
            account.email,
            True,
            True,
        )
    assert client.login(email="officer@demo.cthainguyen.vn", password="demo-2026")


def test_each_staff_account_has_its_role_and_what_it_acts_for(seeded):
    def groups(email):
        return set(
            Group.objects.filter(user__email=email).values_list("name", flat=True)
        )

    citizen = User.objects.get(email="citizen@demo.cthainguyen.vn")
    assert not citizen.is_staff and groups(citizen.email) == set()
    assert citizen.home_ward.name == "Phường Phan Đình Phùng"

    officer = StaffProfile.objects.get(user__email="officer@demo.cthainguyen.vn")
    assert officer.user.is_staff
    assert groups(officer.user.email) == {roles.AGENCY_OFFICER}
    assert (officer.agency.short_name, officer.ward) == ("Sở Xây dựng", None)

    official = StaffProfile.objects.get(user__email="commune@demo.cthainguyen.vn")
    assert groups(official.user.email) == {roles.COMMUNE_OFFICIAL}
    assert (official.agency, official.ward.name) == (None, "Phường Phan Đình Phùng")

    admin = User.objects.get(email="admin@demo.cthainguyen.vn")
    assert admin.is_staff and not admin.is_superuser
    assert groups(admin.email) == {roles.PROVINCE_ADMIN}
    assert roles.is_province_admin(admin)


def test_the_demo_citizen_has_reports_in_every_state_and_one_left_to_rate(seeded):
    mine = Report.objects.filter(reporter__email="citizen@demo.cthainguyen.vn")
    assert set(mine.values_list("state", flat=True)) == set(State.values)
    to_rate = mine.filter(state=State.RESOLVED, rating="")
    assert to_rate.count() == 1
    assert mine.filter(state=State.RESOLVED).exclude(rating="").count() == 1
    # The officer and the commune official can both act on the open ones.
    open_ones = mine.filter(state__in=Report.OPEN_STATES)
    assert open_ones.count() == 2
    assert set(open_ones.values_list("agency__short_name", flat=True)) == {
        "Sở Xây dựng"
    }
    assert set(mine.values_list("ward__name", flat=True)) == {"Phường Phan Đình Phùng"}


def test_reporters_are_a_few_hundred_citizens_with_vietnamese_names(seeded):
    reporters = User.objects.filter(reports__isnull=False).distinct()
    assert 250 <= reporters.count() <= 321
    assert not reporters.filter(is_staff=True).exists()
    names = list(reporters.values_list("full_name", flat=True))
    assert all(len(name.split()) == 3 for name in names)
    assert sum(name.startswith("Nguyễn ") for name in names) > len(names) / 5
    phones = [p for p in reporters.values_list("phone", flat=True) if p]
    assert len(phones) > len(names) / 2
    assert all(p.startswith("+849") and len(p) == 12 for p in phones)
    hidden_names = Report.objects.filter(hide_name=True).count()
    assert 100 < hidden_names < 2000


# Running it again ----------------------------------------------------------------


def test_the_summary_line_gives_the_figures(seeded):
    assert seeded.count("\n") == 1
    assert "5479 received, 4890 resolved (4890 on time), 3073 rated" in seeded
    assert "1871 satisfied (60.89%)" in seeded


def test_running_it_again_changes_nothing(seeded):
    before = fingerprint()
    out = io.StringIO()
    call_command("seed_demo", as_of=AS_OF, stdout=out)
    assert "already loaded" in out.getvalue()
    assert fingerprint() == before
    assert User.objects.filter(email__endswith="@demo.cthainguyen.vn").count() == 324


def test_reset_recreates_identical_rows_and_keeps_everyone_elses(seeded, make_report):
    before = fingerprint()
    mine = make_report()
    out = io.StringIO()
    call_command("seed_demo", as_of=AS_OF, reset=True, stdout=out)
    assert "Removed 5491 demo reports and 324 demo users." in out.getvalue()
    assert Report.objects.filter(pk=mine.pk).exists()
    assert fingerprint(Report.objects.exclude(pk=mine.pk)) == before
    assert counts(stats.totals()) == {**PUBLISHED, "received": 5479 + 1}
    assert User.objects.filter(email__endswith="@demo.cthainguyen.vn").count() == 324


def test_another_as_of_date_moves_the_data_but_keeps_the_figures():
    categories = [demo.CategorySpec(s, n, d, a) for s, n, a, d in CATEGORIES]
    wards = [demo.WardSpec(*row) for row in province_wards()]
    plan = demo.build(datetime.date(2026, 12, 3), categories, wards)
    counted = [r for r in plan.reports if not r.is_hidden]
    assert len(counted) == 5479
    assert sum(r.state == State.RESOLVED for r in counted) == 4890
    assert sum(bool(r.rating) for r in counted) == 3073
    assert all(r.resolved_at <= r.due_at for r in counted if r.resolved_at)
    cutoff = datetime.datetime(2026, 12, 2, 17, 0, tzinfo=datetime.UTC)
    assert max(r.submitted_at for r in plan.reports) < cutoff
    assert max(r.submitted_at for r in plan.reports) > cutoff - datetime.timedelta(1)


def test_it_refuses_to_run_outside_demo_mode(settings):
    settings.DEMO_MODE = False
    settings.PORTAL_ENV = "production"
    reports = Report.objects.count()
    with pytest.raises(CommandError, match="PORTAL_ENV=demo"):
        call_command("seed_demo", as_of=AS_OF, reset=True, stdout=io.StringIO())
    assert Report.objects.count() == reports
