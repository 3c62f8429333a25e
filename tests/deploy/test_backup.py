"""The backups of docs/operations.md restore: the database dump and the media copy.

The database: a fresh PostgreSQL database gets the schema and the demo reports, is
dumped with `pg_dump --format=custom`, restored with `pg_restore` into an empty
database, and the reports are all there, with the same codes and states. The media:
a bucket on moto's S3 server is copied out with `aws s3 sync` and back into an empty
bucket, object for object.
"""

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from deploy import prod_local
from tests.services import postgres_server, require_binary

pytestmark = pytest.mark.services

ROOT = Path(__file__).resolve().parents[2]


class Databases:
    """Fresh databases on the server, each dropped at the end."""

    def __init__(self, server):
        self.server = server
        self.names = []

    def admin(self):
        import psycopg

        return psycopg.connect(dbname="postgres", autocommit=True, **self.server)

    def create(self, prefix):
        name = f"{prefix}_{uuid.uuid4().hex[:12]}"
        with self.admin() as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        self.names.append(name)
        return name

    def url(self, name):
        server = self.server
        password = f":{server['password']}" if server["password"] else ""
        return (
            f"postgres://{server['user']}{password}@{server['host']}:"
            f"{server['port']}/{name}"
        )

    def query(self, name, sql):
        import psycopg

        with psycopg.connect(dbname=name, **self.server) as connection:
            return connection.execute(sql).fetchall()

    def drop_all(self):
        with self.admin() as connection:
            for name in self.names:
                connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def databases():
    created = Databases(postgres_server())
    yield created
    created.drop_all()


def manage(url, tmp_path, *args):
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("REDIS_URL", "CELERY_BROKER_URL", "S3_BUCKET", "PORTAL_ENV")
    }
    env.update(DATABASE_URL=url, VAR_DIR=str(tmp_path / "var"))
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    return result.stdout


REPORTS = "SELECT code, state, is_hidden, rating FROM reports_report ORDER BY code"
COUNTS = """
    SELECT (SELECT count(*) FROM reports_report),
           (SELECT count(*) FROM cthainguyen_user),
           (SELECT count(*) FROM django_migrations),
           (SELECT count(*) FROM pg_extension WHERE extname = 'pg_trgm')
"""


def test_a_custom_format_dump_restores_into_an_empty_database(databases, tmp_path):
    pg_dump = require_binary("pg_dump", "apt-get install postgresql-client")
    pg_restore = require_binary("pg_restore", "apt-get install postgresql-client")
    source = databases.create("ctn_backup_source")
    manage(databases.url(source), tmp_path, "migrate", "--noinput")
    manage(databases.url(source), tmp_path, "seed_demo", "--as-of", "2026-03-17")

    dump = tmp_path / "cthainguyen.dump"
    subprocess.run(
        [pg_dump, "--format=custom", "--no-owner", "--dbname", databases.url(source),
         "--file", str(dump)],
        check=True,
    )  # fmt: skip
    target = databases.create("ctn_backup_restored")
    subprocess.run(
        [pg_restore, "--no-owner", "--exit-on-error", "--dbname",
         databases.url(target), str(dump)],
        check=True,
    )  # fmt: skip

    reports = databases.query(source, REPORTS)
    assert len(reports) >= 5479  # the province's figure, reproduced by seed_demo
    assert databases.query(target, REPORTS) == reports
    assert databases.query(target, COUNTS) == databases.query(source, COUNTS)
    # The restored database is at the code's schema: nothing left to migrate.
    manage(databases.url(target), tmp_path, "migrate", "--check")


def test_the_media_bucket_copied_out_and_back_is_the_same(tmp_path):
    aws = require_binary("aws", "pip install awscli, or use `mc mirror`")
    import boto3

    port = prod_local.free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 20
        while not prod_local.answers(port):
            assert server.poll() is None and time.monotonic() < deadline
            time.sleep(0.1)
        endpoint = f"http://127.0.0.1:{port}"
        credentials = {
            "AWS_ACCESS_KEY_ID": "backup",
            "AWS_SECRET_ACCESS_KEY": "backup-secret",
            "AWS_DEFAULT_REGION": "us-east-1",
        }
        s3 = boto3.client(
            "s3",
            endpoint_url=endpoint,
            aws_access_key_id="backup",
            aws_secret_access_key="backup-secret",
            region_name="us-east-1",
        )
        s3.create_bucket(Bucket="cthainguyen-media")
        objects = {
            "reports/2026/03/ổ-gà.jpg": os.urandom(200_000),
            "reports/2026/03/thumbnails/ổ-gà.jpg": os.urandom(9_000),
            "originals/9f2c/image.jpg": os.urandom(50_000),
        }
        for key, data in objects.items():
            s3.put_object(Bucket="cthainguyen-media", Key=key, Body=data)

        env = {**os.environ, **credentials}
        copy = tmp_path / "media"

        def sync(source, destination):
            subprocess.run(
                [aws, "--endpoint-url", endpoint, "s3", "sync", "--only-show-errors",
                 source, destination],
                env=env,
                check=True,
            )  # fmt: skip

        sync("s3://cthainguyen-media", str(copy))
        s3.create_bucket(Bucket="cthainguyen-media-restored")
        sync(str(copy), "s3://cthainguyen-media-restored")

        listed = s3.list_objects_v2(Bucket="cthainguyen-media-restored")["Contents"]
        assert sorted(item["Key"] for item in listed) == sorted(objects)
        for key, data in objects.items():
            body = s3.get_object(Bucket="cthainguyen-media-restored", Key=key)["Body"]
            assert body.read() == data
    finally:
        server.terminate()
        server.wait(timeout=10)
