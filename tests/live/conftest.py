"""Live updates under test: sockets in-process, and real ASGI server processes.

The unit tests talk to the ASGI application through Channels' communicator on the
in-memory channel layer. The process tests start uvicorn on random loopback ports
against the test database (PostgreSQL) and a Redis pub/sub layer whose channel
names carry a prefix of their own, so runs sharing one Redis never hear each other.
"""

import json
import os
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import quote, urlparse, urlunparse

import pytest
from asgiref.sync import async_to_sync
from channels.testing import WebsocketCommunicator
from django.db import connection
from django.test import Client

from tests.services import (
    free_port,
    redis_url,
    require_postgres,
    stop_processes,
    wait_until,
)

ROOT = Path(__file__).resolve().parents[2]
ORIGIN = "http://127.0.0.1"
IN_MEMORY = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
# The Redis database the live process tests use (pub/sub itself ignores it; the
# cache and Celery's keys of the server processes do not).
LIVE_REDIS_DB = 7


def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        "services: starts real services (uvicorn, redis-server, a Celery worker) and "
        "needs PostgreSQL; skipped with a reason without them, failed in CI",
    )


@pytest.fixture(autouse=True)
def in_memory_layer(settings):
    """Unit tests broadcast on the in-memory layer, whatever REDIS_URL says."""
    settings.CHANNEL_LAYERS = IN_MEMORY
    settings.LIVE_UPDATES = True
    return settings.CHANNEL_LAYERS


@pytest.fixture(autouse=True)
def _keep_the_test_connection(monkeypatch):
    """Let consumers use the test's connection, inside the test's transaction.

    database_sync_to_async closes "old" connections around each call, and one in
    a transaction that is not autocommit counts as old: on PostgreSQL that would
    close the connection holding the test's transaction (SQLite's in-memory test
    database is never closed, which hides it).
    """
    monkeypatch.setattr("channels.db.close_old_connections", lambda: None)


def run(coroutine_function):
    """Run an async scenario from a synchronous test."""
    return async_to_sync(coroutine_function)()


def session_cookie(user):
    """The Cookie header of a browser signed in as `user`."""
    client = Client()
    client.force_login(user)
    return f"sessionid={client.cookies['sessionid'].value}"


def communicator(path, cookie=None, origin=ORIGIN):
    """A socket to the ASGI application, as a browser at `origin` would open it."""
    from cthainguyen.asgi import application

    headers = []
    if origin is not None:
        headers.append((b"origin", origin.encode()))
    if cookie is not None:
        headers.append((b"cookie", cookie.encode()))
    return WebsocketCommunicator(application, path, headers=headers)


def database_url():
    """The URL of the test database this process uses, for the server processes."""
    settings = connection.settings_dict
    return "postgres://{}:{}@{}:{}/{}".format(
        quote(settings["USER"] or "", safe=""),
        quote(settings["PASSWORD"] or "", safe=""),
        settings["HOST"] or "127.0.0.1",
        settings["PORT"] or "5432",
        quote(settings["NAME"], safe=""),
    )


class LiveServices:
    """Redis pub/sub shared by this process and the uvicorn processes it starts."""

    def __init__(self, tmp_path, settings):
        parsed = urlparse(redis_url())
        self.redis_url = urlunparse(parsed._replace(path=f"/{LIVE_REDIS_DB}"))
        self.prefix = f"ctn-test-{uuid.uuid4().hex[:12]}"
        self.tmp = tmp_path
        self.processes = []
        # This process (the test, standing for a web process or a worker) sends
        # on the same layer as the servers.
        settings.CHANNEL_LAYERS = {
            "default": {
                "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
                "CONFIG": {
                    "hosts": [{"address": self.redis_url, "socket_connect_timeout": 2}],
                    "prefix": self.prefix,
                },
            }
        }

    def env(self, **extra):
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "cthainguyen.settings",
            "DATABASE_URL": database_url(),
            "REDIS_URL": self.redis_url,
            "CHANNELS_PREFIX": self.prefix,
            # Notifications go out in-process: no worker, no broker queue left over.
            "CELERY_TASK_ALWAYS_EAGER": "true",
            "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
            "VAR_DIR": str(self.tmp / "var"),
            "PYTHONPATH": str(ROOT),
            "LOG_LEVEL": "WARNING",
            # Pages render without collectstatic's manifest.
            "STATICFILES_BACKEND": (
                "django.contrib.staticfiles.storage.StaticFilesStorage"
            ),
        }
        for name in ("CHANNELS_REDIS_URL", "CELERY_BROKER_URL", "CTN_TEST_PAUSE_AT"):
            env.pop(name, None)
        env.update(extra)
        (self.tmp / "var").mkdir(exist_ok=True)
        return env

    def start_server(self, **extra_env):
        """Start a uvicorn process serving cthainguyen.asgi; return its base URL."""
        port = free_port()
        log = self.tmp / f"uvicorn-{port}.log"
        with log.open("wb") as out:
            process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "uvicorn",
                    "cthainguyen.asgi:application",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(port),
                    "--lifespan",
                    "off",
                    "--no-access-log",
                ],
                cwd=ROOT,
                env=self.env(**extra_env),
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        self.processes.append(process)

        def listening():
            if process.poll() is not None:
                raise AssertionError(f"uvicorn exited:\n{log.read_text()}")
            try:
                with socket.create_connection(("127.0.0.1", port), 0.2):
                    return True
            except OSError:
                return False

        wait_until(listening, 30, f"uvicorn to listen (log: {log})")
        process.log = log
        return f"http://127.0.0.1:{port}"

    def run_in_another_process(self, code):
        """Run Python `code` in a fresh `manage.py shell` on the same services."""
        result = subprocess.run(
            [sys.executable, "manage.py", "shell", "-c", code],
            cwd=ROOT,
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0, result.stdout + result.stderr
        return result.stdout

    def stop_all(self):
        stop_processes(self.processes)


@pytest.fixture
def live_services(transactional_db, tmp_path, settings):
    """uvicorn processes on Redis pub/sub and the test database (PostgreSQL)."""
    require_postgres(connection)
    running = LiveServices(tmp_path, settings)
    yield running
    # Stopped before the database is flushed: a server must not hold it open.
    running.stop_all()


def ws_url(base, path):
    return base.replace("http://", "ws://", 1) + path


def receive_json(ws, timeout=5):
    return json.loads(ws.recv(timeout=timeout))


def receive_until(ws, predicate, timeout=5):
    """Read messages until one matches; return it (fail on timeout)."""
    deadline = time.monotonic() + timeout
    seen = []
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            raise AssertionError(f"no matching message within {timeout} s: {seen}")
        try:
            message = receive_json(ws, left)
        except TimeoutError:
            continue
        if predicate(message):
            return message
        seen.append(message)


def nothing_within(ws, seconds):
    """Return the messages that arrive within `seconds` (expected: none)."""
    got = []
    deadline = time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0:
        try:
            got.append(receive_json(ws, left))
        except TimeoutError:
            break
    return got
