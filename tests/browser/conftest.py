"""Real Chromium through Playwright, against pytest-django's live server.

Nothing leaves the machine: map tiles come from a tiny local tile server, and every
request to a host other than the loopback is aborted and recorded.
"""

import io
import os
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "browser"
TILE_PATH = re.compile(r"^/\d+/\d+/\d+\.png$")


def _tile_png():
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (256, 256), (232, 236, 228))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, 255, 255), outline=(190, 196, 186))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


@pytest.fixture(scope="session")
def tile_server():
    """Serve one generated 256x256 PNG for any /{z}/{x}/{y}.png; yield the URL."""
    png = _tile_png()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (the standard library's name)
            if TILE_PATH.match(urlsplit(self.path).path):
                self.send_response(200)
                self.send_header("Content-Type", "image/png")
                self.send_header("Content-Length", str(len(png)))
                self.send_header("Cache-Control", "max-age=3600")
                self.end_headers()
                self.wfile.write(png)
            else:
                self.send_error(404)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    host, port = server.server_address[:2]
    yield f"http://{host}:{port}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def local_tiles(settings, tile_server):
    """Point the maps at the local tile server, and let the CSP allow it.

    The policy's img-src is computed from MAP_TILES_URL when settings are imported;
    django-csp 4 reads settings.CONTENT_SECURITY_POLICY on every response, so the
    patched copy takes effect at once.
    """
    settings.MAP_TILES_URL = tile_server + "/{z}/{x}/{y}.png"
    settings.MAP_TILES_ATTRIBUTION = "Local test tiles"
    policy = settings.CONTENT_SECURITY_POLICY
    directives = dict(policy["DIRECTIVES"])
    directives["img-src"] = [*directives["img-src"], tile_server]
    settings.CONTENT_SECURITY_POLICY = {**policy, "DIRECTIVES": directives}
    return tile_server


@pytest.fixture
def chromium(monkeypatch):
    """Launch Debian's Chromium; skip without it, except on CI where that fails."""
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} is absent: install Debian's chromium to run browser tests"
        if os.environ.get("CI") == "true":
            pytest.fail(reason + " (CI=true, so this is a failure, not a skip)")
        print(f"\nSKIP: {reason}")
        pytest.skip(reason)
    sync_api = pytest.importorskip("playwright.sync_api")
    # Playwright's sync API keeps an event loop running in this thread; the test
    # still talks to the database synchronously, which Django then refuses unless
    # told it is deliberate.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def artifacts():
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for old in ARTIFACTS.glob("*.png"):
        old.unlink()
    return ARTIFACTS


class Watcher:
    """Collects what must not happen: outside requests, JS errors, CSP refusals."""

    def __init__(self):
        self.outside_requests = []
        self.errors = []

    def route(self, route):
        host = urlsplit(route.request.url).hostname or ""
        if host in LOOPBACK_HOSTS:
            route.continue_()
        else:
            self.outside_requests.append(route.request.url)
            route.abort("blockedbyclient")

    def attach(self, page, label):
        def on_console(message):
            if message.type == "error":
                self.errors.append(f"[{label}] console: {message.text} ({page.url})")

        def on_page_error(error):
            self.errors.append(f"[{label}] page error: {error} ({page.url})")

        page.on("console", on_console)
        page.on("pageerror", on_page_error)

    def new_page(self, browser, label, **options):
        """Open a page in a new context whose traffic and console are watched."""
        context = browser.new_context(**options)
        context.route("**/*", self.route)
        context.set_default_timeout(10_000)
        context.set_default_navigation_timeout(15_000)
        page = context.new_page()
        self.attach(page, label)
        return page


@pytest.fixture
def watcher():
    return Watcher()


@pytest.fixture(autouse=True)
def _no_live_sockets_on_wsgi(request):
    """pytest-django's live_server speaks WSGI only: its pages open no WebSocket.

    A refused handshake is a console error, which the watcher counts. Live pages
    are tested against a real ASGI server process in tests/live/.
    """
    if "live_server" in request.fixturenames:
        request.getfixturevalue("settings").LIVE_UPDATES = False
