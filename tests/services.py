"""Reaching the real services the tests need: skip with a reason, or fail in CI."""

import os
import shutil
import socket
import subprocess
import time
from urllib.parse import unquote, urlparse

import pytest

IN_CI = os.environ.get("CI") == "true"


def unavailable(reason):
    """Skip the test on a laptop without the service; fail it in CI."""
    if IN_CI:
        pytest.fail(f"{reason} (CI must provide it)")
    pytest.skip(reason)


def _answers(host, port):
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def redis_url():
    """Return the Redis URL the tests may use, or skip/fail when none answers."""
    url = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"
    parsed = urlparse(url)
    if not _answers(parsed.hostname or "127.0.0.1", parsed.port or 6379):
        unavailable(f"Redis does not answer at {url}")
    return url


def require_postgres(connection):
    """Skip on the embedded default; CI's PostgreSQL pass runs these tests."""
    if connection.vendor == "postgresql":
        return
    if os.environ.get("DATABASE_URL", "").startswith("postgres"):
        unavailable("DATABASE_URL names PostgreSQL but the tests are not using it")
    pytest.skip("this test needs PostgreSQL (set DATABASE_URL=postgres://...)")


def require_binary(name, hint):
    path = shutil.which(name)
    if not path:
        unavailable(f"{name} is not installed ({hint})")
    return path


def free_port():
    """Return a loopback port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until(predicate, timeout=20, what="the condition"):
    """Poll `predicate` until it is true, failing the test after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def postgres_server():
    """Connection settings of the PostgreSQL server the suite may use."""
    import psycopg

    configured = os.environ.get("DATABASE_URL", "")
    url = urlparse(
        configured
        if configured.startswith(("postgres://", "postgresql://"))
        else "postgres://postgres@127.0.0.1:5432/postgres"
    )
    server = {
        "host": url.hostname or "127.0.0.1",
        "port": url.port or 5432,
        "user": unquote(url.username or "postgres"),
        "password": unquote(url.password or ""),
    }
    try:
        psycopg.connect(dbname="postgres", connect_timeout=3, **server).close()
    except psycopg.Error as error:
        unavailable(f"PostgreSQL does not answer at {url.hostname}:{url.port}: {error}")
    return server


def stop_processes(processes):
    """Terminate the processes newest first, killing any that do not stop in 10 s."""
    for process in reversed(processes):
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(10)
