"""Fan-out of live report updates: delay to N open report pages, memory per socket.

    .venv/bin/python bench/live_fanout.py --clients 500 --reports 5 --changes 40 \
        --idle 5000

What it does, all on this machine:

1. A fresh SQLite database in a temporary folder (migrated), public reports made
   through the domain functions.
2. A uvicorn process serving cthainguyen.asgi with the Redis pub/sub channel layer
   (CHANNELS_REDIS_URL, a channel prefix of its own), as in production.
3. N WebSocket clients (the `websockets` library, one asyncio process) open report
   pages' sockets, /ws/reports/<code>/, spread over R reports.
4. K changes (public notes, each a domain function in this process committing and
   broadcasting after commit, as a web process or a Celery task does), one every
   `--interval` seconds; for each client, the delay from the call of the domain
   function to the arrival of the event: p50, p95, p99, max, and lost messages.
5. The server's memory per idle socket: its RSS before and after opening the
   sockets, divided by their number; then the same with `--idle` sockets (5,000)
   and a few changes, to see that the layer holds.
6. The bare baseline in the same run: a raw `websockets` broadcast server (no
   Django, no Channels, no Redis) with the same clients and the same measures.

`--layer core` runs the server on the default RedisChannelLayer instead, to compare.
The figures go to docs/performance.md by hand; `--json FILE` keeps them.
"""

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ORIGIN_HOST = "127.0.0.1"


def free_port():
    with socket.socket() as probe:
        probe.bind((ORIGIN_HOST, 0))
        return probe.getsockname()[1]


def rss_kib(pid):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


def wait_listening(port, process, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("the server exited")
        try:
            with socket.create_connection((ORIGIN_HOST, port), 0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("the server does not listen")


def percentile(values, share):
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))
    return ordered[index]


def summary(delays, expected):
    return {
        "received": len(delays),
        "expected": expected,
        "lost": expected - len(delays),
        "p50_ms": round(percentile(delays, 0.50) * 1000, 1),
        "p95_ms": round(percentile(delays, 0.95) * 1000, 1),
        "p99_ms": round(percentile(delays, 0.99) * 1000, 1),
        "max_ms": round(max(delays) * 1000, 1) if delays else None,
        "mean_ms": round(statistics.fmean(delays) * 1000, 1) if delays else None,
    }


# The clients.


class Clients:
    """Open sockets that record when each event id arrives."""

    def __init__(self):
        self.sockets = []
        self.tasks = []
        self.arrivals = {}  # event key -> list of arrival times
        self.failures = []
        self.opened_urls = []

    async def open(self, urls, origin, concurrency=200):
        from websockets.asyncio.client import connect

        gate = asyncio.Semaphore(concurrency)

        async def one(url):
            async with gate:
                try:
                    ws = await connect(
                        url,
                        origin=origin,
                        open_timeout=30,
                        ping_interval=None,
                        max_queue=None,
                    )
                    # The server has joined the group once it answers a ping.
                    await ws.send(json.dumps({"type": "ping"}))
                    await asyncio.wait_for(ws.recv(), 30)
                except Exception as error:
                    self.failures.append(f"{type(error).__name__}: {error}")
                    return
            self.sockets.append(ws)
            self.opened_urls.append(url)
            self.tasks.append(asyncio.ensure_future(self.listen(ws)))

        await asyncio.gather(*(one(url) for url in urls))

    async def listen(self, ws):
        try:
            async for text in ws:
                now = time.time()
                message = json.loads(text)
                key = message.get("event", {}).get("id") or message.get("key")
                if key is not None:
                    self.arrivals.setdefault(key, []).append(now)
        except Exception:
            pass

    async def close(self):
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(
            *(ws.close() for ws in self.sockets), return_exceptions=True
        )
        self.sockets, self.tasks = [], []


async def drained(clients, quiet=3.0, limit=120.0):
    """Wait until no message has arrived for `quiet` seconds (at most `limit`).

    What has not arrived by then counts as lost; what arrived late counts in the
    delays.
    """
    started = time.monotonic()
    last = -1
    still = 0.0
    while time.monotonic() - started < limit and still < quiet:
        await asyncio.sleep(0.5)
        count = sum(len(times) for times in clients.arrivals.values())
        still = still + 0.5 if count == last else 0.0
        last = count


# The portal under test.


class Portal:
    def __init__(self, folder, redis_url, layer, profile=None):
        self.folder = folder
        self.profile = profile
        self.prefix = f"bench-{uuid.uuid4().hex[:10]}"
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": (
                "bench.core_layer_settings"
                if layer == "core"
                else "cthainguyen.settings"
            ),
            "VAR_DIR": str(folder),
            "CHANNELS_REDIS_URL": redis_url,
            "CHANNELS_PREFIX": self.prefix,
            "LOG_LEVEL": "WARNING",
            "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
            "PYTHONPATH": str(ROOT),
            "STATICFILES_BACKEND": (
                "django.contrib.staticfiles.storage.StaticFilesStorage"
            ),
        }
        for name in ("REDIS_URL", "DATABASE_URL", "CELERY_BROKER_URL"):
            self.env.pop(name, None)
        self.process = None

    def migrate(self):
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
            cwd=ROOT,
            env=self.env,
            check=True,
        )

    def setup_django(self):
        os.environ.update(self.env)
        sys.path.insert(0, str(ROOT))
        import django

        django.setup()

    def make_reports(self, count):
        from decimal import Decimal

        from django.contrib.auth.models import Group

        from cthainguyen import roles
        from cthainguyen.models import StaffProfile, User
        from reports import actions
        from reports.models import Category

        category = Category.objects.exclude(default_agency=None).first()
        citizen = User.objects.create_user(
            email="bench@example.com", password="x", full_name="Bench"
        )
        officer = User.objects.create_user(
            email="officer@example.com",
            password="x",
            full_name="Officer",
            is_staff=True,
        )
        officer.groups.add(Group.objects.get(name=roles.PROVINCE_ADMIN))
        StaffProfile.objects.create(user=officer)
        from cthainguyen.models import Ward

        ward = Ward.objects.order_by("pk").first()
        reports = []
        for number in range(count):
            report = actions.submit_report(
                citizen,
                submission_key=uuid.uuid4(),
                category=category,
                title=f"Bench report {number}",
                description="Fan-out benchmark.",
                latitude=Decimal("21.594200"),
                longitude=Decimal("105.848200"),
                ward=ward,
            )
            reports.append(actions.receive_report(report, officer))
        return reports, officer

    def start(self):
        self.port = free_port()
        self.log = self.folder / "uvicorn.log"
        with self.log.open("wb") as out:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    *(
                        ["-m", "cProfile", "-o", str(self.profile)]
                        if self.profile
                        else []
                    ),
                    "-m",
                    "uvicorn",
                    "cthainguyen.asgi:application",
                    "--host",
                    ORIGIN_HOST,
                    "--port",
                    str(self.port),
                    "--lifespan",
                    "off",
                    "--no-access-log",
                    "--backlog",
                    "4096",
                ],
                cwd=ROOT,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        wait_listening(self.port, self.process)
        return f"ws://{ORIGIN_HOST}:{self.port}", f"http://{ORIGIN_HOST}:{self.port}"

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(20)


def prepare_portal(args, folder):
    """Database, reports and server, set up outside any event loop."""
    portal = Portal(folder, args.redis_url, args.layer, args.profile)
    portal.migrate()
    portal.setup_django()
    reports, officer = portal.make_reports(args.reports)
    return portal, reports, officer


async def run_portal(args, portal, reports, officer):
    from reports import actions

    ws_base, origin = portal.start()
    results = {"layer": args.layer}
    try:
        # Warm up: the first socket imports and connects what every other reuses.
        warm = Clients()
        await warm.open([f"{ws_base}/ws/reports/{reports[0].code}/"], origin)
        await warm.close()
        await asyncio.sleep(1)

        async def measure(clients_count, changes, label, interval):
            before = rss_kib(portal.process.pid)
            clients = Clients()
            urls = [
                f"{ws_base}/ws/reports/{reports[i % len(reports)].code}/"
                for i in range(clients_count)
            ]
            opened_at = time.monotonic()
            await clients.open(urls, origin)
            opening = time.monotonic() - opened_at
            await asyncio.sleep(2)
            after = rss_kib(portal.process.pid)
            open_count = len(clients.sockets)
            watchers = {}
            for url in clients.opened_urls:
                watchers[url] = watchers.get(url, 0) + 1
            sent = {}
            for number in range(changes):
                report = reports[number % len(reports)]
                started = time.time()
                event = await asyncio.to_thread(
                    actions.add_note,
                    report,
                    officer,
                    public_note=f"{label} change {number}",
                )
                sent[event.pk] = (started, report.code)
                await asyncio.sleep(interval)
            await drained(clients)
            delays = []
            expected = 0
            for event_id, (started, code) in sent.items():
                expected += sum(
                    count for url, count in watchers.items() if f"/{code}/" in url
                )
                delays += [
                    arrived - started for arrived in clients.arrivals.get(event_id, [])
                ]
            await clients.close()
            await asyncio.sleep(2)
            return {
                "sockets": clients_count,
                "opened": open_count,
                "failed_to_open": len(clients.failures),
                "first_failures": sorted(set(clients.failures))[:3],
                "open_seconds": round(opening, 1),
                "rss_before_mib": round(before / 1024, 1),
                "rss_after_mib": round(after / 1024, 1),
                "kib_per_socket": round((after - before) / max(1, open_count), 1),
                "changes": changes,
                **summary(delays, expected),
            }

        results["fanout"] = await measure(
            args.clients, args.changes, "fanout", args.interval
        )
        if args.idle:
            results["idle"] = await measure(
                args.idle, args.idle_changes, "idle", args.idle_interval
            )
    finally:
        portal.stop()
    return results


# The bare baseline: a raw websockets broadcast server.


async def serve_baseline(port):
    from websockets.asyncio.server import broadcast, serve

    listeners = set()

    async def handler(ws):
        if ws.request.path == "/control":
            async for text in ws:
                broadcast(listeners, text)
                await ws.send("sent")
            return
        listeners.add(ws)
        try:
            async for text in ws:
                if json.loads(text).get("type") == "ping":
                    await ws.send(json.dumps({"type": "pong"}))
        finally:
            listeners.discard(ws)

    async with serve(handler, ORIGIN_HOST, port, ping_interval=None, backlog=4096):
        await asyncio.Future()


async def run_baseline(args):
    from websockets.asyncio.client import connect

    port = free_port()
    process = subprocess.Popen(
        [sys.executable, __file__, "--serve-baseline", str(port)], cwd=ROOT
    )
    results = {}
    try:
        wait_listening(port, process)
        base = f"ws://{ORIGIN_HOST}:{port}"

        async def measure(count, changes, interval):
            before = rss_kib(process.pid)
            clients = Clients()
            opened_at = time.monotonic()
            await clients.open([f"{base}/page"] * count, f"http://{ORIGIN_HOST}")
            opening = time.monotonic() - opened_at
            await asyncio.sleep(2)
            after = rss_kib(process.pid)
            sent = {}
            async with connect(f"{base}/control") as control:
                for number in range(changes):
                    key = f"baseline-{number}"
                    payload = json.dumps(
                        {
                            "type": "report.event",
                            "event": {"id": key, "note": "x" * 200},
                        }
                    )
                    sent[key] = time.time()
                    await control.send(payload)
                    await control.recv()
                    await asyncio.sleep(interval)
            await drained(clients)
            delays = [
                arrived - started
                for key, started in sent.items()
                for arrived in clients.arrivals.get(key, [])
            ]
            opened = len(clients.sockets)
            await clients.close()
            await asyncio.sleep(1)
            return {
                "sockets": count,
                "opened": opened,
                "open_seconds": round(opening, 1),
                "rss_before_mib": round(before / 1024, 1),
                "rss_after_mib": round(after / 1024, 1),
                "kib_per_socket": round((after - before) / max(1, opened), 1),
                "changes": changes,
                **summary(delays, opened * changes),
            }

        results["fanout"] = await measure(args.clients, args.changes, args.interval)
        if args.idle:
            results["idle"] = await measure(
                args.idle, args.idle_changes, args.idle_interval
            )
    finally:
        process.terminate()
        process.wait(10)
    return results


def table(results):
    rows = [
        "| run | sockets | opened | p50 ms | p95 ms | p99 ms | max ms | lost | "
        "KiB/socket (RSS) |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name, runs in results.items():
        if not isinstance(runs, dict):
            continue
        for phase in ("fanout", "idle"):
            r = runs.get(phase)
            if not r:
                continue
            rows.append(
                f"| {name} {phase} | {r['sockets']} | {r['opened']} | {r['p50_ms']} | "
                f"{r['p95_ms']} | {r['p99_ms']} | {r['max_ms']} | {r['lost']} | "
                f"{r['kib_per_socket']} |"
            )
    return "\n".join(rows)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=500)
    parser.add_argument("--reports", type=int, default=5)
    parser.add_argument("--changes", type=int, default=40)
    parser.add_argument("--interval", type=float, default=0.25)
    parser.add_argument("--idle", type=int, default=0, help="e.g. 5000")
    parser.add_argument("--idle-changes", type=int, default=10)
    parser.add_argument(
        "--idle-interval",
        type=float,
        default=1.0,
        help="seconds between the changes made with the --idle sockets open",
    )
    parser.add_argument(
        "--redis-url",
        default=os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0",
    )
    parser.add_argument("--layer", choices=["pubsub", "core"], default="pubsub")
    parser.add_argument("--no-baseline", action="store_true")
    parser.add_argument("--json", type=Path)
    parser.add_argument(
        "--profile", type=Path, help="write the server's cProfile statistics here"
    )
    parser.add_argument("--serve-baseline", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_baseline:
        asyncio.run(serve_baseline(args.serve_baseline))
        return
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    needed = max(args.clients, args.idle) + 1024
    if soft < needed:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, needed), hard))
    results = {
        "machine": {
            "cpus": os.cpu_count(),
            "python": sys.version.split()[0],
            "nofile": resource.getrlimit(resource.RLIMIT_NOFILE)[0],
        }
    }
    with tempfile.TemporaryDirectory(prefix="live-fanout-") as folder:
        portal, reports, officer = prepare_portal(args, Path(folder))
        results[f"portal ({args.layer})"] = asyncio.run(
            run_portal(args, portal, reports, officer)
        )
    if not args.no_baseline:
        results["baseline (raw websockets)"] = asyncio.run(run_baseline(args))
    print(json.dumps(results, indent=2))
    print()
    print(table(results))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
