"""The embedded default, as `make run` serves it: one uvicorn process, no Redis.

The channel layer lives in the server's memory; an officer's action posted to the
admin of that same process reaches a report page's socket. The database is a
SQLite file of the test's own (migrated by the server's `manage.py`), since the
test database of an SQLite run lives in this process's memory.
"""

import json
import os
import socket
import subprocess
import sys

from websockets.sync.client import connect

from tests.live.conftest import ROOT, free_port, receive_until, wait_until, ws_url
from tests.live.test_processes import admin_post, is_event

SETUP = """
import uuid
from decimal import Decimal
from django.contrib.auth.models import Group
from django.test import Client
from cthainguyen import roles
from cthainguyen.models import StaffProfile, User, Ward
from reports import actions
from reports.models import Category

category = Category.objects.get(slug="ha-tang")
citizen = User.objects.create_user(email="an@example.com", password="x")
officer = User.objects.create_user(
    email="officer@example.com", password="x", is_staff=True
)
officer.groups.add(Group.objects.get(name=roles.AGENCY_OFFICER))
StaffProfile.objects.create(user=officer, agency=category.default_agency)
report = actions.submit_report(
    citizen,
    submission_key=uuid.uuid4(),
    category=category,
    title="Ổ gà",
    description="Ổ gà sâu.",
    latitude=Decimal("21.594200"),
    longitude=Decimal("105.848200"),
    ward=Ward.objects.get(name="Phường Phan Đình Phùng"),
)
actions.receive_report(report, officer)
roles.sync_role_permissions()
client = Client()
client.force_login(officer)
print(json.dumps({"code": report.code, "pk": report.pk,
                  "cookie": "sessionid=" + client.cookies["sessionid"].value}))
"""


def test_one_process_on_the_in_memory_layer_updates_its_own_sockets(tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "cthainguyen.settings",
        "VAR_DIR": str(tmp_path),
        "PYTHONPATH": str(ROOT),
        "LOG_LEVEL": "WARNING",
        "STATICFILES_BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
        ),
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
    }
    for name in ("DATABASE_URL", "REDIS_URL", "CHANNELS_REDIS_URL"):
        env.pop(name, None)
    env.pop("CELERY_BROKER_URL", None)

    def manage(*args, **kwargs):
        return subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            check=True,
            **kwargs,
        ).stdout

    manage("migrate", "--noinput", "-v", "0")
    made = json.loads(
        manage("shell", "-c", "import json\n" + SETUP).strip().splitlines()[-1]
    )
    port = free_port()
    log = tmp_path / "uvicorn.log"
    with log.open("wb") as out:
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "cthainguyen.asgi:application",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--no-access-log",
            ],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:

        def listening():
            assert server.poll() is None, log.read_text()
            try:
                with socket.create_connection(("127.0.0.1", port), 0.2):
                    return True
            except OSError:
                return False

        wait_until(listening, 30, "uvicorn to listen")
        path = f"/ws/reports/{made['code']}/"
        with connect(ws_url(base, path), origin=base, open_timeout=10) as page:
            page.send(json.dumps({"type": "ping"}))
            assert json.loads(page.recv(timeout=5)) == {"type": "pong"}
            status = admin_post(
                base,
                f"/admin/reports/report/{made['pk']}/workflow/start/",
                made["cookie"],
                {"start-note": "", "_workflow": "Start"},
            )
            assert status == 302
            message = receive_until(page, is_event("started"))
        assert message["state"] == "in_progress"
    finally:
        server.terminate()
        server.wait(10)
    assert "Traceback" not in log.read_text()
