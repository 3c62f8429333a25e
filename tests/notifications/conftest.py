"""Fixtures for the outbox tests: Celery in-process, or a real worker on Redis.

The multi-process tests start their own redis-server on a free loopback port and
their own `celery worker` against the test database, never the shared services.
"""

import email
import email.policy
import os
import re
import signal
import socket
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection

from cthainguyen.celery import app as celery_app
from tests.services import (
    free_port,
    require_binary,
    require_postgres,
    stop_processes,
    unavailable,
    wait_until,
)

ROOT = Path(__file__).resolve().parents[2]


def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        "services: starts real services (redis-server, a Celery worker) and needs "
        "PostgreSQL; skipped with a reason without them, failed in CI",
    )


@pytest.fixture(autouse=True)
def _eager_celery(monkeypatch):
    """Run tasks in-process, as `make run` does, even when REDIS_URL is set."""
    # Celery reads these before its configuration; publish_to must win over them.
    monkeypatch.delenv("CELERY_BROKER_URL", raising=False)
    monkeypatch.delenv("CELERY_BROKER_WRITE_URL", raising=False)
    saved = celery_app.conf.task_always_eager, celery_app.conf.broker_url
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager, celery_app.conf.broker_url = saved


def publish_to(url):
    """Make this process queue tasks on `url` instead of running them eagerly."""
    celery_app.conf.task_always_eager = False
    celery_app.conf.broker_url = url


class Services:
    """A private redis-server and Celery workers, all stopped at teardown."""

    def __init__(self, tmp_path):
        self.tmp = tmp_path
        self.mail_dir = tmp_path / "mail"
        self.mail_dir.mkdir()
        self.redis_port = free_port()
        self.redis_url = f"redis://127.0.0.1:{self.redis_port}/0"
        self.processes = []
        self.workers = 0

    def start_redis(self):
        process = subprocess.Popen(
            [
                "redis-server",
                "--bind",
                "127.0.0.1",
                "--port",
                str(self.redis_port),
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.processes.append(process)

        def answers():
            try:
                with socket.create_connection(("127.0.0.1", self.redis_port), 0.2):
                    return True
            except OSError:
                return False

        wait_until(answers, 10, "redis-server to listen")
        return process

    def start_worker(self, pause_at=None):
        """Start `celery worker` on the private Redis; return it once it is ready.

        pause_at ("before_send" or "after_send") makes it hang at that point of a
        delivery, after touching the returned marker file, until it is killed.
        """
        self.workers += 1
        settings = connection.settings_dict
        database_url = "postgres://{}:{}@{}:{}/{}".format(
            quote(settings["USER"] or "", safe=""),
            quote(settings["PASSWORD"] or "", safe=""),
            settings["HOST"] or "127.0.0.1",
            settings["PORT"] or "5432",
            quote(settings["NAME"], safe=""),
        )
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "cthainguyen.settings",
            "REDIS_URL": self.redis_url,
            "DATABASE_URL": database_url,
            "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "EMAIL_FILE_PATH": str(self.mail_dir),
            "VAR_DIR": str(self.tmp / "var"),
            "PYTHONPATH": str(ROOT),
        }
        env.pop("CELERY_BROKER_URL", None)
        env.pop("CTN_TEST_PAUSE_AT", None)
        marker = self.tmp / f"paused-{self.workers}"
        if pause_at:
            env["CTN_TEST_PAUSE_AT"] = f"{pause_at}:{marker}"
        log = self.tmp / f"worker-{self.workers}.log"
        with log.open("wb") as out:
            process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "celery",
                    "-A",
                    "cthainguyen",
                    "worker",
                    "--pool=solo",
                    "-Q",
                    "celery",
                    "--without-gossip",
                    "--without-mingle",
                    "--without-heartbeat",
                    "--loglevel=INFO",
                    f"--hostname=test{self.workers}@%h",
                ],
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        self.processes.append(process)

        def ready():
            if process.poll() is not None:
                raise AssertionError(f"the worker exited:\n{log.read_text()}")
            return " ready." in log.read_text()

        wait_until(ready, 30, f"the worker to be ready (log: {log})")
        process.marker = marker
        return process

    def kill(self, process):
        process.send_signal(signal.SIGKILL)
        process.wait(10)

    def stop_all(self):
        stop_processes(self.processes)

    def emails(self):
        """Every email the workers wrote, parsed, in no particular order."""
        found = []
        for path in sorted(self.mail_dir.glob("*.log")):
            # The file backend writes each message followed by a line of dashes.
            for chunk in re.split(rb"\n-{79}\n", path.read_bytes()):
                if chunk.strip():
                    found.append(
                        email.message_from_bytes(chunk, policy=email.policy.default)
                    )
        return found


@pytest.fixture
def services(transactional_db, tmp_path):
    """Real services for one test; needs PostgreSQL, redis-server and celery."""
    require_postgres(connection)
    require_binary("redis-server", "apt-get install redis-server")
    try:
        import celery  # noqa: F401
    except ImportError:  # pragma: no cover - celery is a dependency
        unavailable("celery is not installed")
    running = Services(tmp_path)
    yield running
    # Stopped before the database is flushed: a worker must not hold it open.
    running.stop_all()
