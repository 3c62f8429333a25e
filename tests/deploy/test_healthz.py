"""/healthz names what is down, with the right status code."""

import pytest

from tests.services import redis_url

pytestmark = pytest.mark.django_db


def test_the_embedded_default_is_healthy_with_an_in_process_worker(client, settings):
    settings.REDIS_URL = ""
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "failed": [],
        "database": "ok",
        "worker": "in-process",
    }


def test_a_redis_that_does_not_answer_is_named(client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["failed"] == ["redis", "worker"]
    assert response.json()["database"] == "ok"


def test_a_missing_worker_is_named_when_redis_answers(client, settings):
    # A database number of its own, where no worker of any other test listens.
    settings.REDIS_URL = redis_url().rsplit("/", 1)[0] + "/14"
    from cthainguyen.celery import app

    app.conf.broker_url = settings.REDIS_URL
    try:
        response = client.get("/healthz")
    finally:
        app.conf.broker_url = settings.CELERY_BROKER_URL
    body = response.json()
    assert body["redis"] == "ok"
    # No worker listens on this broker during the unit tests.
    assert body["worker"] == "failed"
    assert response.status_code == 503
