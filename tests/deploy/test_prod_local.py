"""`make prod-local` runs the production shape, and it behaves as one through nginx.

deploy/prod_local.py is started as a subprocess on a free port, with a PostgreSQL
database and a Redis database number of its own; every request goes through nginx,
as a browser's would. Needs nginx, PostgreSQL and Redis: skipped with the reason on
a laptop without them, failed in CI.
"""

import base64
import hashlib
import http.client
import json
import os
import random
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from deploy import prod_local
from reports.photos import MAX_UPLOAD_BYTES
from tests.services import free_port, postgres_server, redis_url, unavailable

pytestmark = pytest.mark.services

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT = 60
MB = 1024 * 1024


# -- the services this needs -------------------------------------------------------


def nginx_binary():
    path = os.environ.get("NGINX") or "/usr/sbin/nginx"
    if not os.access(path, os.X_OK):
        unavailable(f"nginx is not installed at {path} (apt-get install nginx)")
    return path


def database_url(server, name):
    password = f":{server['password']}" if server["password"] else ""
    address = f"{server['host']}:{server['port']}"
    return f"postgres://{server['user']}{password}@{address}/{name}"


def drop_database(server, name):
    import psycopg

    with psycopg.connect(dbname="postgres", autocommit=True, **server) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def private_redis_db(base_url):
    """A Redis database number nothing else is using, as a URL."""
    import redis

    base = base_url.rsplit("/", 1)[0]
    # 0 and 1 are the defaults of the tests and of `make prod-local`; 14 is
    # test_healthz's worker-less database.
    for number in random.sample(range(2, 14), 12):
        client = redis.Redis.from_url(f"{base}/{number}")
        try:
            if client.dbsize() == 0:
                return f"{base}/{number}"
        finally:
            client.close()
    unavailable(f"no empty Redis database at {base}")


def flush_redis(url):
    import redis

    client = redis.Redis.from_url(url)
    try:
        client.flushdb()
    finally:
        client.close()


@dataclass
class Answer:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    @property
    def text(self):
        return self.body.decode("utf-8", errors="replace")


def request(port, method, path, headers=None, body=b"", timeout=60):
    """Send one request as bytes on a socket and read the answer.

    A plain socket, so that a body the server refuses half-way (nginx's 413) is sent
    as far as the server lets it and the answer is still read.
    """
    head = [f"{method} {path} HTTP/1.1", f"Host: 127.0.0.1:{port}"]
    head += [f"{name}: {value}" for name, value in (headers or {}).items()]
    head += [f"Content-Length: {len(body)}"] if body else []
    head += ["Connection: close", "", ""]
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall("\r\n".join(head).encode("latin-1"))
        view = memoryview(body)
        try:
            for start in range(0, len(body), MB):
                sock.sendall(view[start : start + MB])
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server answered before the end: read what it said
        response = http.client.HTTPResponse(sock, method=method)
        response.begin()
        return Answer(response.status, response.headers, response.read())


def get(port, path, headers=None):
    return request(port, "GET", path, {"Accept-Language": "vi", **(headers or {})})


def multipart(fields, files):
    boundary = uuid.uuid4().hex
    parts = []
    for name, value in fields.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
            f"{value}\r\n".encode()
        )
    for name, filename, data in files:
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
            f'filename="{filename}"\r\nContent-Type: image/jpeg\r\n\r\n'.encode()
        )
        parts.append(data)
        parts.append(b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return f"multipart/form-data; boundary={boundary}", b"".join(parts)


def processes_under(root_pid):
    """Every live descendant of root_pid, from /proc: {pid: command line}."""
    parents = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    found, frontier = {}, [root_pid]
    while frontier:
        parent = frontier.pop()
        for pid, ppid in parents.items():
            if ppid == parent and pid not in found:
                found[pid] = command_line(pid)
                frontier.append(pid)
    return found


def command_line(pid):
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return ""
    return raw.replace(b"\0", b" ").decode(errors="replace").strip()


def alive(pid):
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


# -- the runner --------------------------------------------------------------------


@dataclass
class Running:
    port: int
    process: subprocess.Popen
    dir: Path
    output: Path

    def log(self, name):
        path = self.dir / "logs" / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""


@pytest.fixture(scope="module")
def running(tmp_path_factory):
    nginx = nginx_binary()
    server = postgres_server()
    redis = private_redis_db(redis_url())
    name = f"ctn_prodlocal_{uuid.uuid4().hex[:12]}"
    directory = tmp_path_factory.mktemp("prod-local")
    output = directory / "runner.out"
    port = free_port()
    env = {
        **os.environ,
        "PROD_LOCAL_PORT": str(port),
        "PROD_LOCAL_DIR": str(directory),
        "DATABASE_URL": database_url(server, name),
        "REDIS_URL": redis,
        "NGINX": nginx,
    }
    env.pop("SECRET_KEY", None)
    with open(output, "wb") as out:
        process = subprocess.Popen(
            [sys.executable, "deploy/prod_local.py"],
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    running = Running(port, process, directory, output)
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while "production shape, on" not in output.read_text(errors="replace"):
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"prod-local did not start:\n{output.read_text()}")
            time.sleep(0.2)
        yield running
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
        drop_database(server, name)
        flush_redis(redis)


def test_healthz_through_the_proxy_sees_the_database_redis_and_a_real_worker(
    running,
):
    answer = get(running.port, "/healthz")
    assert answer.status == 200, answer.text
    assert json.loads(answer.body) == {
        "status": "ok",
        "failed": [],
        "database": "ok",
        "redis": "ok",
        "worker": "ok",
    }
    assert answer.headers["X-Upstream"] == "web"


@pytest.mark.parametrize(
    ("path", "words"),
    [
        ("/", ["Phản ánh", "Thống kê"]),
        ("/reports/", ["Phản ánh"]),
        ("/stats/", ["Thống kê"]),
    ],
)
def test_pages_answer_in_vietnamese_through_the_proxy(running, path, words):
    answer = get(running.port, path)
    assert answer.status == 200, answer.text[:2000]
    assert answer.headers["X-Upstream"] == "web"
    assert '<html lang="vi">' in answer.text
    for word in words:
        assert word in answer.text


def test_static_files_come_from_whitenoise_with_long_cache_headers(running):
    home = get(running.port, "/").text
    hashed = re.search(r'href="(/static/css/portal\.[0-9a-f]{12}\.css)"', home)
    assert hashed, "the page links no hashed portal.css"
    answer = get(running.port, hashed.group(1))
    assert answer.status == 200
    assert answer.headers["Content-Type"].startswith("text/css")
    cache = answer.headers["Cache-Control"]
    assert "max-age=315360000" in cache and "immutable" in cache
    assert get(running.port, "/static/css/portal.css").status == 200


def test_a_report_with_five_photos_at_the_size_limit_passes_the_proxy(running):
    # A CSRF token that travels in the body only: Django must read all of it,
    # five photos of the largest accepted size, to find the token and let the
    # request through to the view, which sends the visitor to log in.
    login = get(running.port, "/accounts/login/")
    token = re.search(r"csrftoken=([\w]+)", login.headers["Set-Cookie"]).group(1)
    content_type, body = multipart(
        {"csrfmiddlewaretoken": token, "title": "Ổ gà"},
        [("photos", f"photo-{n}.jpg", bytes(MAX_UPLOAD_BYTES)) for n in range(5)],
    )
    assert len(body) > 5 * MAX_UPLOAD_BYTES
    answer = request(
        running.port,
        "POST",
        "/reports/new/",
        {"Content-Type": content_type, "Cookie": f"csrftoken={token}"},
        body,
    )
    assert answer.status == 302, answer.text[:2000]
    assert answer.headers["Location"] == "/accounts/login/?next=/reports/new/"


def test_a_body_past_the_limit_is_refused_by_nginx(running):
    content_type, body = multipart({}, [("photos", "huge.jpg", bytes(90 * MB))])
    answer = request(
        running.port, "POST", "/reports/new/", {"Content-Type": content_type}, body
    )
    assert answer.status == 413
    assert "nginx" in answer.text


def test_x_forwarded_proto_https_makes_the_request_secure_for_django(running):
    # SecurityMiddleware sends HSTS on secure requests only.
    secure = get(running.port, "/", {"X-Forwarded-Proto": "https"})
    assert secure.headers["Strict-Transport-Security"] == "max-age=31536000"
    plain = get(running.port, "/")
    assert "Strict-Transport-Security" not in plain.headers
    # Only "http" or "https" is passed on; anything else is the proxy's own scheme.
    odd = get(running.port, "/", {"X-Forwarded-Proto": "https, http"})
    assert "Strict-Transport-Security" not in odd.headers
    # Plain http is not redirected on loopback (SECURE_SSL_REDIRECT=false).
    assert plain.status == 200


def test_ws_paths_reach_uvicorn_not_gunicorn(running):
    probe = f"/ws/probe-{uuid.uuid4().hex}/"
    answer = get(running.port, probe)
    assert answer.headers["X-Upstream"] == "ws"
    assert answer.status == 404  # Django's answer, through the ASGI server
    handshake = f"/ws/handshake-{uuid.uuid4().hex}/"
    upgrade = get(
        running.port,
        handshake,
        {
            "Upgrade": "websocket",
            "Connection": "Upgrade",
            "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
            "Sec-WebSocket-Version": "13",
        },
    )
    assert upgrade.headers["X-Upstream"] == "ws"
    assert upgrade.status not in (502, 503, 504)
    deadline = time.monotonic() + 5
    while probe not in running.log("ws") or handshake not in running.log("ws"):
        assert time.monotonic() < deadline, running.log("ws")[-2000:]
        time.sleep(0.1)
    assert probe not in running.log("web")
    assert handshake not in running.log("web")


def test_a_websocket_opens_through_the_proxy(running):
    key = base64.b64encode(os.urandom(16)).decode()
    handshake = (
        "GET /ws/live/ HTTP/1.1\r\n"
        f"Host: 127.0.0.1:{running.port}\r\n"
        f"Origin: http://127.0.0.1:{running.port}\r\n"
        "Upgrade: websocket\r\nConnection: Upgrade\r\n"
        f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
    )
    with socket.create_connection(("127.0.0.1", running.port), timeout=10) as sock:
        sock.sendall(handshake.encode())
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = sock.recv(4096)
            assert chunk, head
            head += chunk
    status, *lines = head.split(b"\r\n\r\n")[0].decode().split("\r\n")
    headers = {
        name.lower(): value.strip()
        for name, value in (line.split(":", 1) for line in lines)
    }
    assert status.startswith("HTTP/1.1 101"), head
    assert headers["x-upstream"] == "ws"
    assert headers["upgrade"].lower() == "websocket"
    guid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
    digest = hashlib.sha1((key + guid).encode()).digest()
    assert headers["sec-websocket-accept"] == base64.b64encode(digest).decode()


def test_the_container_health_checks_pass_on_the_running_processes(running):
    printed = running.output.read_text()
    web = re.search(r"gunicorn 127\.0\.0\.1:(\d+)", printed).group(1)
    ws = re.search(r"uvicorn 127\.0\.0\.1:(\d+)", printed).group(1)
    checks = [
        ["http", f"http://127.0.0.1:{web}/healthz", "--need", "database,redis"],
        ["http", f"http://127.0.0.1:{ws}/healthz", "--need", "database,redis"],
        ["beat", "--schedule", str(running.dir / "celerybeat-schedule")],
    ]
    # The Host the checks send is the first of ALLOWED_HOSTS, as in a container.
    env = {**os.environ, "ALLOWED_HOSTS": ".localhost,127.0.0.1"}
    for check in checks:
        result = subprocess.run(
            [sys.executable, "deploy/healthcheck.py", *check],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
        )
        assert result.returncode == 0, (check, result.stdout, result.stderr)
    missing = subprocess.run(
        [sys.executable, "deploy/healthcheck.py", "http", "http://127.0.0.1:9/"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert missing.returncode == 1
    assert "does not answer" in missing.stdout


def test_sigterm_stops_every_process_and_leaves_no_orphans(running):
    children = processes_under(running.process.pid)
    commands = " ".join(children.values())
    for program in ("gunicorn", "uvicorn", "celery", "worker", "beat", "moto"):
        assert program in commands
    assert "nginx: master process" in commands and "nginx: worker process" in commands
    started = time.monotonic()
    running.process.send_signal(signal.SIGTERM)
    assert running.process.wait(timeout=20) == 0
    deadline = time.monotonic() + 5
    while [pid for pid in children if alive(pid)] and time.monotonic() < deadline:
        time.sleep(0.1)
    left = {pid: command for pid, command in children.items() if alive(pid)}
    assert not left, f"still running after SIGTERM: {left}"
    assert time.monotonic() - started < 15
    assert "prod-local stopped." in running.output.read_text()


# -- what nginx does with X-Forwarded-Proto, on its own -----------------------------


class Echo(BaseHTTPRequestHandler):
    """An upstream that answers with the headers nginx sent it."""

    def do_GET(self):
        body = json.dumps(dict(self.headers.items())).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def nginx_in_front_of_echo(tmp_path):
    nginx = nginx_binary()
    echo = ThreadingHTTPServer(("127.0.0.1", 0), Echo)
    threading.Thread(target=echo.serve_forever, daemon=True).start()
    started = []

    def start(trust):
        port = free_port()
        upstream = f"127.0.0.1:{echo.server_port}"
        portal = tmp_path / "portal.conf"
        portal.write_text(
            prod_local.render(
                prod_local.NGINX_TEMPLATE.read_text(),
                {
                    "PROXY_LISTEN": f"127.0.0.1:{port}",
                    "WEB_UPSTREAM": upstream,
                    "WS_UPSTREAM": upstream,
                    "CLIENT_MAX_BODY_SIZE": "80m",
                    "TRUST_FORWARDED_PROTO": trust,
                },
            )
        )
        tmp_path.chmod(0o755)  # nginx's workers may run as nobody
        conf = tmp_path / "nginx.conf"
        conf.write_text(
            prod_local.nginx_main_config(tmp_path, tmp_path, tmp_path, portal)
        )
        process = subprocess.Popen(
            [nginx, "-p", str(tmp_path), "-c", str(conf), "-e", "stderr"],
            stderr=subprocess.PIPE,
        )
        started.append(process)
        deadline = time.monotonic() + 10
        while not prod_local.answers(port):
            assert process.poll() is None, process.stderr.read().decode()
            assert time.monotonic() < deadline
            time.sleep(0.05)
        return port

    yield start
    for process in started:
        process.terminate()
        process.wait(timeout=10)
    echo.shutdown()
    echo.server_close()


def seen_by_upstream(port, path, headers=None):
    answer = request(port, "GET", path, headers)
    return {name.lower(): value for name, value in json.loads(answer.body).items()}


def test_behind_a_tls_terminator_nginx_passes_its_scheme_on(nginx_in_front_of_echo):
    port = nginx_in_front_of_echo("on")
    assert seen_by_upstream(port, "/")["x-forwarded-proto"] == "http"
    https = {"X-Forwarded-Proto": "https"}
    assert seen_by_upstream(port, "/", https)["x-forwarded-proto"] == "https"
    assert seen_by_upstream(port, "/ws/x", https)["x-forwarded-proto"] == "https"
    # Schemes are case-insensitive; what goes on is the one Django compares with.
    upper = {"X-Forwarded-Proto": "HTTPS"}
    assert seen_by_upstream(port, "/", upper)["x-forwarded-proto"] == "https"
    for odd in ("https, http", "ftp", "https-ish"):
        odd_header = {"X-Forwarded-Proto": odd}
        assert seen_by_upstream(port, "/", odd_header)["x-forwarded-proto"] == "http"


def test_facing_the_clients_nginx_reports_the_scheme_it_saw(nginx_in_front_of_echo):
    port = nginx_in_front_of_echo("off")
    https = {"X-Forwarded-Proto": "https"}
    assert seen_by_upstream(port, "/", https)["x-forwarded-proto"] == "http"
    assert seen_by_upstream(port, "/ws/x", https)["x-forwarded-proto"] == "http"


def test_the_ws_location_forwards_the_upgrade(nginx_in_front_of_echo):
    port = nginx_in_front_of_echo("on")
    seen = seen_by_upstream(
        port, "/ws/x", {"Upgrade": "websocket", "Connection": "Upgrade"}
    )
    assert seen["upgrade"] == "websocket"
    assert seen["connection"] == "upgrade"
    assert seen["host"] == f"127.0.0.1:{port}"
    plain = seen_by_upstream(port, "/reports/", {"Upgrade": "websocket"})
    assert "upgrade" not in plain
