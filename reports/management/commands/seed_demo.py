"""Load the demo accounts and the province's reports: `manage.py seed_demo`."""

import datetime
import time
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import ProtectedError

from cthainguyen.models import Ward
from reports import demo, stats
from reports.models import Category, Report


def _date(value):
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise CommandError(
            f"--as-of must be a date as YYYY-MM-DD, not {value!r}"
        ) from None


class Command(BaseCommand):
    help = (
        "Create the demo accounts (one per role, password "
        f"{demo.DEMO_PASSWORD!r}) and the reports since June 2021 that reproduce "
        "the province's published figures. Runs only with PORTAL_ENV=demo; does "
        "nothing if the demo data is already there, unless --reset."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--as-of",
            type=_date,
            default=None,
            help="the day the data runs up to (YYYY-MM-DD); default: today in "
            "Asia/Ho_Chi_Minh",
        )
        parser.add_argument(
            "--reset",
            action="store_true",
            help="delete the demo reports and users first, then create them again",
        )

    def handle(self, *args, as_of=None, reset=False, **options):
        if not getattr(settings, "DEMO_MODE", False):
            raise CommandError(
                "seed_demo refuses to run: demo accounts and data are allowed only "
                "with PORTAL_ENV=demo, and this installation runs with "
                f"PORTAL_ENV={getattr(settings, 'PORTAL_ENV', 'production')}."
            )
        if isinstance(as_of, str):  # call_command passes the value as given
            as_of = _date(as_of)
        as_of = as_of or datetime.datetime.now(ZoneInfo(settings.TIME_ZONE)).date()
        if as_of < demo.EARLIEST_AS_OF:
            raise CommandError(
                f"--as-of must be {demo.EARLIEST_AS_OF} or later: the app launched "
                "in June 2021."
            )
        if not Ward.objects.exists() or not Category.objects.exists():
            raise CommandError("No wards or categories: run `manage.py migrate` first.")

        if demo.demo_users().exists() and not reset:
            self.stdout.write(
                f"Demo data is already loaded ({demo.demo_reports().count()} demo "
                "reports); nothing to do. Use --reset to recreate it."
            )
            return

        started = time.monotonic()
        with transaction.atomic():
            if reset:
                try:
                    reports, users = demo.remove()
                except ProtectedError as error:
                    raise CommandError(
                        "Cannot remove the demo data: reports of other people point "
                        "to demo reports as their originals."
                    ) from error
                self.stdout.write(
                    f"Removed {reports} demo reports and {users} demo users."
                )
            plan = demo.load(as_of)
        elapsed = time.monotonic() - started
        totals = stats.totals()
        hidden = sum(report.is_hidden for report in plan.reports)
        others = Report.objects.count() - len(plan.reports)
        self.stdout.write(
            f"Demo data as of {as_of:%Y-%m-%d}: {totals['received']} received, "
            f"{totals['resolved']} resolved ({totals['resolved_on_time']} on time), "
            f"{totals['rated']} rated: {totals['satisfied']} satisfied "
            f"({_share(totals['satisfied_share'])}), {totals['acceptable']} "
            f"acceptable ({_share(totals['acceptable_share'])}), "
            f"{totals['unsatisfied']} unsatisfied "
            f"({_share(totals['unsatisfied_share'])}); {hidden} hidden"
            + (f"; {others} other reports" if others else "")
            + f"; {len(demo.DEMO_ACCOUNTS)} demo accounts (password "
            f"{demo.DEMO_PASSWORD}); {elapsed:.1f} s."
        )


def _share(value):
    return "-" if value is None else f"{value:.2f}%"
