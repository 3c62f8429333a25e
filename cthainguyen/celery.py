"""The Celery app: `celery -A cthainguyen worker` and `celery -A cthainguyen beat`.

Its settings are the CELERY_* names in cthainguyen/settings.py (the beat schedule is
at their end); with REDIS_URL unset every task runs in-process, eagerly, which is
all `make run` needs.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cthainguyen.settings")

app = Celery("cthainguyen")
app.config_from_object("django.conf:settings", namespace="CELERY")
# Each app's tasks.py, and reports/photo_tasks.py.
app.autodiscover_tasks()
app.autodiscover_tasks(related_name="photo_tasks")
