"""The Celery app that runs the quarterly reporting cycle.

Tasks stay thin (ids in, a service call, a log line). Each task's id is put in the audit
context before it runs so every audit record it writes can be traced back to it.
"""

import os

from celery import Celery
from celery.signals import task_postrun, task_prerun

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pmf.settings")

app = Celery("pmf")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@task_prerun.connect
def _bind_task_id(task_id=None, **_kwargs):
    from audit.context import bind_correlation_id

    bind_correlation_id(f"task:{task_id}")


@task_postrun.connect
def _unbind_task_id(**_kwargs):
    from audit.context import bind_correlation_id

    bind_correlation_id(None)
