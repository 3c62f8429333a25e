"""/healthz: is each service the portal depends on answering?"""

import logging

from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

logger = logging.getLogger(__name__)


def _database():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def _redis():
    import redis

    client = redis.Redis.from_url(
        settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1
    )
    try:
        client.ping()
    finally:
        client.close()


def _worker():
    from cthainguyen.celery import app

    replies = app.control.ping(timeout=1.0)
    if not replies:
        raise RuntimeError("no Celery worker answered")


@never_cache
@require_safe
def healthz(request):
    """Answer 200 when every service answers, 503 naming those that do not."""
    results = {"database": _run("database", _database)}
    if settings.REDIS_URL:
        results["redis"] = _run("redis", _redis)
        # A worker is only reachable through the broker.
        results["worker"] = (
            _run("worker", _worker) if results["redis"] == "ok" else "failed"
        )
    else:
        results["worker"] = "in-process"
    failed = [name for name, result in results.items() if result == "failed"]
    return JsonResponse(
        {"status": "failed" if failed else "ok", "failed": failed, **results},
        status=503 if failed else 200,
    )


def _run(name, check):
    try:
        check()
    except Exception as error:  # any failure is the answer, not a crash
        logger.warning("health check %s failed: %s", name, error)
        return "failed"
    return "ok"
