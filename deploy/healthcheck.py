"""Container health checks for docker-compose.yml (standard library, but `worker`).

    python deploy/healthcheck.py http URL [--need database,redis]
    python deploy/healthcheck.py worker
    python deploy/healthcheck.py beat [--schedule /tmp/celerybeat-schedule]

`http` asks the portal's /healthz directly (not through the proxy), with a Host
that ALLOWED_HOSTS accepts and X-Forwarded-Proto: https, so that neither the host
check nor SECURE_SSL_REDIRECT answers in its place. It passes on 200, or, with
--need, when the named checks are "ok" (a web process is healthy when it reaches
its database and Redis even while the worker is down; /healthz still answers 503
for monitoring). `worker` pings this container's own Celery worker. `beat` has
nothing to ping: it passes while beat keeps its schedule file fresh, which beat
does at least every few minutes while it sends tasks (one runs every minute).
Exit 0 when healthy, 1 when not, with one line saying why.
"""

import argparse
import glob
import json
import os
import socket
import sys
import time
import urllib.error
import urllib.request

BEAT_STALE_AFTER = 10 * 60


def _host():
    for name in os.environ.get("ALLOWED_HOSTS", "").split(","):
        name = name.strip().lstrip(".")
        if name and name != "*":
            return name
    return "localhost"


def check_http(url, need):
    request = urllib.request.Request(
        url, headers={"Host": _host(), "X-Forwarded-Proto": "https"}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            status, body = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, body = error.code, error.read()
    except OSError as error:
        return f"{url} does not answer: {error}"
    if status == 200:
        return None
    if need and status == 503:
        try:
            results = json.loads(body)
        except ValueError:
            return f"{url} answered 503 without a report"
        failed = [name for name in need if results.get(name) != "ok"]
        return f"{url}: {', '.join(failed)} failed" if failed else None
    return f"{url} answered {status}"


def check_worker():
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    from cthainguyen.celery import app

    name = f"celery@{socket.gethostname()}"
    replies = app.control.ping(destination=[name], timeout=5.0)
    return None if replies else f"{name} does not answer a ping"


def check_beat(schedule):
    files = glob.glob(glob.escape(schedule) + "*")
    if not files:
        return f"no schedule file at {schedule}"
    age = time.time() - max(os.path.getmtime(path) for path in files)
    if age > BEAT_STALE_AFTER:
        return f"{schedule} was last written {age:.0f} s ago"
    return None


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    http = commands.add_parser("http")
    http.add_argument("url")
    http.add_argument("--need", default="", help="comma-separated /healthz checks")
    commands.add_parser("worker")
    beat = commands.add_parser("beat")
    beat.add_argument("--schedule", default="/tmp/celerybeat-schedule")
    args = parser.parse_args(argv)

    if args.command == "http":
        need = [name.strip() for name in args.need.split(",") if name.strip()]
        problem = check_http(args.url, need)
    elif args.command == "worker":
        problem = check_worker()
    else:
        problem = check_beat(args.schedule)
    print(problem or "healthy")
    return 1 if problem else 0


if __name__ == "__main__":
    sys.exit(main())
