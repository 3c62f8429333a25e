"""The officials' report list in admin at 200,000 reports, against a bare page fetch.

    .venv/bin/python bench/admin_changelist.py
    .venv/bin/python bench/admin_changelist.py \
        --database-url postgres://postgres@127.0.0.1:5432/postgres

What it does, all on this machine:

1. A fresh database: a SQLite file in a temporary folder, or with `--database-url
   postgres://...` a scratch database created on that server (its own name,
   dropped at the end; the database named in the URL is used only to create and
   drop it). Migrated with `manage.py migrate`, so wards, agencies, categories and
   the role groups are the real ones.
2. N reports (default 200,000) inserted with bulk_create in batches: a few
   thousand reporters, the real categories, wards and agencies, five years of
   submissions oldest first, a realistic mix of states (mostly resolved; an open
   backlog, part of it overdue; a few hidden), search_text filled as the portal
   fills it. Then ANALYZE, as a live database would have its statistics.
3. A province admin and an agency officer (groups from cthainguyen.roles and a
   StaffProfile, as tests/conftest.py makes them), signed in with force_login.
4. With django.test.Client, GET /admin/reports/report/ unfiltered (page 1 and
   page 50), by state, overdue, by agency, a diacritic-free search (?q=duong),
   and as the officer (their agency's scope): each once to warm up, then
   `--repeat` times timed (median, p95), then once more inside
   CaptureQueriesContext for the number of SQL queries and whether any of them is
   an unbounded COUNT over reports_report (a COUNT with no LIMIT in it; the
   CappedPaginator's COUNT wraps a LIMITed subquery).
5. The bare baseline in the same run, timed the same way: the plain page fetch
   Report.objects.order_by("-submitted_at", "-id")[:100] and a full
   Report.objects.count(); and, for each admin page, the full COUNT of the same
   filter, which is what the admin would pay without the capped paginator.

It prints a Markdown table and a one-line verdict; `--json FILE` keeps the figures.
It touches only the temporary folder and, with --database-url, its scratch
database; the figures go to docs/performance.md by hand.
"""

import argparse
import json
import os
import platform
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import urlparse, urlunparse

ROOT = Path(__file__).resolve().parents[1]
URL = "/admin/reports/report/"


def percentile(values, share):
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))
    return ordered[index]


# The database.


class Scratch:
    """A fresh database: a SQLite file in `folder`, or a scratch PostgreSQL one."""

    def __init__(self, folder, server_url=None):
        self.folder = folder
        self.server_url = server_url
        self.pg_name = None
        if server_url:
            self.pg_name = f"bench_admin_{uuid.uuid4().hex[:10]}"
            parts = urlparse(server_url)
            self.url = urlunparse(parts._replace(path="/" + self.pg_name))
        else:
            self.url = f"sqlite:///{folder / 'bench.sqlite3'}"

    def _admin(self, statement):
        import psycopg

        parts = urlparse(self.server_url)
        with psycopg.connect(
            host=parts.hostname or "127.0.0.1",
            port=parts.port or 5432,
            user=parts.username or "postgres",
            password=parts.password or None,
            dbname=parts.path.strip("/") or "postgres",
            autocommit=True,
        ) as conn:
            conn.execute(statement)

    def create(self):
        if self.pg_name:
            self._admin(f'CREATE DATABASE "{self.pg_name}"')

    def drop(self):
        if self.pg_name:
            self._admin(f'DROP DATABASE IF EXISTS "{self.pg_name}" WITH (FORCE)')


def configure(folder, database_url):
    env = {
        "DJANGO_SETTINGS_MODULE": "cthainguyen.settings",
        "VAR_DIR": str(folder),
        "DATABASE_URL": database_url,
        "LOG_LEVEL": "WARNING",
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "STATICFILES_BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage",
        "PYTHONPATH": str(ROOT),
        "DEBUG": "false",
    }
    (folder / "static").mkdir(exist_ok=True)  # whitenoise warns without it
    for name in ("REDIS_URL", "CELERY_BROKER_URL", "MEDIA_ROOT"):
        os.environ.pop(name, None)
    os.environ.update(env)
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
        cwd=ROOT,
        env=os.environ,
        check=True,
    )
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


# The rows.


def text_pool(rng, wards, size=600):
    """(title, description, address, folded text) combinations, as reports read."""
    from reports import demo

    streets = demo.CITY_STREETS + demo.TOWN_STREETS + demo.ROADS
    pool = []
    for n in range(size):
        slug = list(demo.ISSUES)[n % len(demo.ISSUES)]
        title, detail, _done = rng.choice(demo.ISSUES[slug][1])
        street = rng.choice(streets)
        place = f"{rng.choice(demo.HAMLETS)}, gần {rng.choice(demo.LANDMARKS)}"
        fields = {
            "street": street
            if street.startswith(("Quốc", "Tỉnh", "đường"))
            else f"đường {street}",
            "place": place,
            "landmark": rng.choice(demo.LANDMARKS),
            "depth": rng.randint(10, 40),
            "length": rng.randint(5, 60),
            "n": rng.randint(2, 9),
        }
        title = title.format(**fields)[:120]
        description = " ".join(
            [
                detail.format(**fields),
                rng.choice(demo.DURATIONS).format(**fields),
                rng.choice(demo.IMPACTS),
                rng.choice(demo.ASKS),
            ]
        )
        address = f"Số {rng.randint(1, 400)} {street}"
        pool.append((slug, title, description, address))
    return pool


def tracking_code(index):
    from reports.models import CODE_ALPHABET

    chars = []
    for _ in range(8):
        index, digit = divmod(index, len(CODE_ALPHABET))
        chars.append(CODE_ALPHABET[digit])
    return "PA-" + "".join(reversed(chars))


def seed(count, citizens, batch, rng):
    """Insert `count` reports and their reporters; return the insert time in s."""
    import datetime
    from decimal import Decimal

    from django.contrib.auth.hashers import make_password
    from django.db import connection, transaction
    from django.utils import timezone

    from cthainguyen.models import Agency, User, Ward, search_text
    from reports.models import Category, Report

    State = Report.State
    started = time.perf_counter()
    wards = list(Ward.objects.order_by("code"))
    agencies = list(Agency.objects.filter(is_active=True).order_by("pk"))
    categories = {c.slug: c for c in Category.objects.all()}
    pool = text_pool(rng, wards)
    folded = {}
    unusable = make_password(None)
    with transaction.atomic():
        users = User.objects.bulk_create(
            [
                User(
                    email=f"citizen{n}@bench.example",
                    full_name=f"Người dân {n}",
                    password=unusable,
                    home_ward_id=wards[n % len(wards)].pk,
                )
                for n in range(citizens)
            ],
            batch_size=1000,
        )
    user_ids = [u.pk for u in users]
    # City wards send more reports than rural communes.
    ward_weights = [3 if w.kind == "phuong" else 1 for w in wards]

    now = timezone.now()
    span = datetime.timedelta(days=5 * 365)
    start = now - span
    recent = now - datetime.timedelta(days=30)
    day = datetime.timedelta(days=1)
    recent_mix = (
        [State.NEW] * 10
        + [State.RECEIVED] * 20
        + [State.IN_PROGRESS] * 30
        + [State.RESOLVED] * 30
        + [State.REJECTED] * 7
        + [State.DUPLICATE] * 3
    )
    old_mix = (
        [State.NEW] * 1
        + [State.RECEIVED] * 5
        + [State.IN_PROGRESS] * 10
        + [State.RESOLVED] * 900
        + [State.REJECTED] * 60
        + [State.DUPLICATE] * 24
    )
    ratings = list(Report.Rating.values)

    def row(index):
        submitted = start + span * (index / count) + rng.random() * day / 50
        slug, title, description, address = pool[rng.randrange(len(pool))]
        category = categories.get(slug) or next(iter(categories.values()))
        ward = rng.choices(wards, ward_weights)[0]
        state = rng.choice(recent_mix if submitted > recent else old_mix)
        code = tracking_code(index * 7919 + 104729)
        key = (title, description, address, ward.pk, category.pk)
        if key not in folded:
            folded[key] = search_text(
                title, description, address, ward.name, category.name
            )
        values = {
            "code": code,
            "reporter_id": user_ids[rng.randrange(len(user_ids))],
            "category_id": category.pk,
            "title": title,
            "description": description,
            "latitude": Decimal(f"{21.3 + rng.random() * 1.3:.6f}"),
            "longitude": Decimal(f"{105.5 + rng.random() * 0.6:.6f}"),
            "ward_id": ward.pk,
            "address": address,
            "state": state,
            "submitted_at": submitted,
            "is_hidden": rng.random() < 0.002,
            "search_text": code.lower() + " " + folded[key],
        }
        if state != State.NEW:
            received = submitted + rng.random() * day
            agency_id = category.default_agency_id or rng.choice(agencies).pk
            values.update(
                agency_id=agency_id,
                received_at=received,
                due_at=received + category.due_working_days * day * 1.4,
            )
            if state == State.RESOLVED:
                values["resolved_at"] = received + rng.random() * (
                    category.due_working_days * day
                )
                values["response"] = "Đã xử lý xong theo phản ánh."
                if rng.random() < 0.6:
                    values["rating"] = rng.choice(ratings)
                    values["rated_at"] = values["resolved_at"] + day
            elif state == State.REJECTED:
                values["rejection_reason"] = "Không thuộc phạm vi xử lý."
        return Report(**values)

    for first in range(0, count, batch):
        with transaction.atomic():
            Report.objects.bulk_create(
                [row(i) for i in range(first, min(first + batch, count))],
                batch_size=batch,
            )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return time.perf_counter() - started


def make_staff(email, name, role, **profile):
    from django.contrib.auth.models import Group

    from cthainguyen.models import StaffProfile, User

    user = User.objects.create_user(
        email=email, password=None, full_name=name, is_staff=True
    )
    user.groups.add(Group.objects.get(name=role))
    StaffProfile.objects.create(user=user, **profile)
    return user


# The measures.

UNBOUNDED = re.compile(r"LIMIT\s+\d+", re.IGNORECASE)


def unbounded_counts(queries):
    """The COUNTs over reports_report that do not wrap a LIMITed subquery."""
    return [
        q["sql"]
        for q in queries
        if "COUNT(" in q["sql"].upper()
        and "reports_report" in q["sql"]
        and not UNBOUNDED.search(q["sql"])
    ]


def measure(call, repeat):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    call()  # warm-up: caches, templates, the database's pages
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        call()
        times.append((time.perf_counter() - t0) * 1000)
    with CaptureQueriesContext(connection) as ctx:
        result = call()
    queries = ctx.captured_queries
    return {
        "median_ms": round(statistics.median(times), 1),
        "p95_ms": round(percentile(times, 0.95), 1),
        "queries": len(queries),
        "sql_ms": round(sum(float(q["time"]) for q in queries) * 1000, 1),
        "unbounded_count": bool(unbounded_counts(queries)),
        "result": result,
    }


def admin_page(client, query):
    def call():
        response = client.get(URL, query)
        if response.status_code != 200:
            raise RuntimeError(f"GET {URL}?{query} answered {response.status_code}")
        return response.content.count(b'name="_selected_action"')

    return call


def run(args):
    from django.db import connection
    from django.test import Client

    from cthainguyen import roles
    from cthainguyen.models import Agency
    from reports.models import Report

    rng = random.Random(20260601)
    seconds = seed(args.reports, args.citizens, args.batch, rng)
    print(f"# {args.reports:,} reports inserted in {seconds:.1f} s", file=sys.stderr)

    officer_agency = Agency.objects.get(short_name="Sở Xây dựng")
    admin = make_staff("admin@bench.example", "Quản trị", roles.PROVINCE_ADMIN)
    officer = make_staff(
        "officer@bench.example",
        "Cán bộ",
        roles.AGENCY_OFFICER,
        agency=officer_agency,
    )
    as_admin = Client(HTTP_HOST="127.0.0.1")
    as_admin.force_login(admin)
    as_officer = Client(HTTP_HOST="127.0.0.1")
    as_officer.force_login(officer)

    State = Report.State
    scoped = Report.objects.filter(agency=officer_agency)
    pages = [
        ("admin, unfiltered, page 1", as_admin, {}, Report.objects.all()),
        ("admin, unfiltered, page 50", as_admin, {"p": "50"}, Report.objects.all()),
        (
            "admin, state=in_progress",
            as_admin,
            {"state__exact": State.IN_PROGRESS},
            Report.objects.filter(state=State.IN_PROGRESS),
        ),
        (
            "admin, state=resolved",
            as_admin,
            {"state__exact": State.RESOLVED},
            Report.objects.filter(state=State.RESOLVED),
        ),
        ("admin, overdue=yes", as_admin, {"overdue": "yes"}, None),
        (
            f"admin, agency={officer_agency.short_name}",
            as_admin,
            {"agency__id__exact": str(officer_agency.pk)},
            scoped,
        ),
        (
            "admin, search q=duong",
            as_admin,
            {"q": "duong"},
            Report.objects.filter(search_text__contains="duong"),
        ),
        ("officer, own agency, page 1", as_officer, {}, scoped),
        ("officer, own agency, overdue=yes", as_officer, {"overdue": "yes"}, None),
    ]
    rows = []
    for label, client, query, counted in pages:
        figures = measure(admin_page(client, query), args.repeat)
        if counted is None:  # the overdue filter reads the clock: build it now
            base = scoped if client is as_officer else Report.objects.all()
            counted = base.overdue()
        full = measure(counted.count, args.repeat)
        figures["matching"] = full["result"]
        figures["full_count_ms"] = full["median_ms"]
        figures["rows_shown"] = figures.pop("result")
        rows.append({"page": label, **figures})
        print(f"# {label}: {figures['median_ms']} ms", file=sys.stderr)

    newest = Report.objects.order_by("-submitted_at", "-id")
    baseline = [
        (
            "baseline: SELECT ... LIMIT 100 (newest first)",
            lambda: len(list(newest[:100])),
        ),
        ("baseline: full Report.objects.count()", Report.objects.count),
    ]
    for label, call in baseline:
        figures = measure(call, args.repeat)
        figures["rows_shown"] = figures.pop("result")
        rows.append({"page": label, **figures})
    return {
        "reports": args.reports,
        "citizens": args.citizens,
        "repeat": args.repeat,
        "insert_s": round(seconds, 1),
        "vendor": connection.vendor,
        "server_version": server_version(connection),
        "officer_agency": str(officer_agency),
        "rows": rows,
    }


def server_version(connection):
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SHOW server_version")
        else:
            cursor.execute("SELECT sqlite_version()")
        return cursor.fetchone()[0]


def report(result, bar_ms):
    import django

    rows = result["rows"]
    print(
        f"\n{result['reports']:,} reports on {result['vendor']} "
        f"{result['server_version']}; Python {platform.python_version()}, "
        f"Django {django.get_version()}; {os.cpu_count()} CPUs; "
        f"insert {result['insert_s']} s; {result['repeat']} timed runs each\n"
    )
    print(
        "| page | median ms | p95 ms | SQL queries | SQL ms | unbounded COUNT "
        "| rows shown | matching | full COUNT of it ms |"
    )
    print("| --- | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: |")
    for row in rows:
        matching = row.get("matching")
        print(
            f"| {row['page']} | {row['median_ms']:,} | {row['p95_ms']:,} "
            f"| {row['queries']} | {row['sql_ms']:,} "
            f"| {'YES' if row['unbounded_count'] else 'no'} "
            f"| {row['rows_shown']:,} "
            f"| {'' if matching is None else f'{matching:,}'} "
            f"| {row.get('full_count_ms', '')} |"
        )
    admin_rows = [r for r in rows if "full_count_ms" in r]
    bare = next(r for r in rows if "LIMIT 100" in r["page"])
    count = next(r for r in rows if "count()" in r["page"])
    slowest = max(admin_rows, key=lambda r: r["p95_ms"])
    unbounded = [r["page"] for r in admin_rows if r["unbounded_count"]]
    ok = not unbounded and slowest["p95_ms"] <= bar_ms
    first = admin_rows[0]
    print(
        f"\nVerdict: {'OK' if ok else 'NOT OK'}: "
        f"{'no' if not unbounded else ', '.join(unbounded) + ' run an'} unbounded "
        f"COUNT over reports_report; slowest admin page {slowest['page']} "
        f"p95 {slowest['p95_ms']:,} ms (bar {bar_ms:,} ms); unfiltered page 1 "
        f"{first['median_ms']:,} ms vs bare page fetch {bare['median_ms']:,} ms "
        f"({first['median_ms'] / max(bare['median_ms'], 0.1):.0f}x); a full COUNT "
        f"would add {count['median_ms']:,} ms."
    )
    return ok


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reports", type=int, default=200_000)
    parser.add_argument("--citizens", type=int, default=3_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--batch", type=int, default=5_000)
    parser.add_argument(
        "--database-url",
        help="postgres://user@host:port/db: make a scratch database on that server",
    )
    parser.add_argument(
        "--bar-ms", type=int, default=1000, help="p95 every admin page must stay under"
    )
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    if args.database_url and not args.database_url.startswith(
        ("postgres://", "postgresql://")
    ):
        parser.error("--database-url must be a postgres:// URL")

    folder = Path(tempfile.mkdtemp(prefix="bench-admin-"))
    scratch = Scratch(folder, args.database_url)
    try:
        scratch.create()
        configure(folder, scratch.url)
        result = run(args)
        from django.db import connections

        connections.close_all()
    finally:
        scratch.drop()
        shutil.rmtree(folder, ignore_errors=True)
    ok = report(result, args.bar_ms)
    if args.json:
        for row in result["rows"]:
            row.pop("result", None)
        args.json.write_text(json.dumps(result, indent=2, ensure_ascii=False))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
