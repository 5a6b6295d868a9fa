"""The Celery app. Configuration lives in settings.py under the CELERY_ prefix."""

import os

from celery import Celery, bootsteps

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "khaibao.settings")

app = Celery("khaibao", task_cls="celery.contrib.django.task:DjangoTask")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


class WorkerHeartbeat(bootsteps.StartStopStep):
    """Writes a heartbeat key to Redis every WORKER_HEARTBEAT_SECONDS.

    /healthz reads these keys: a worker that died or lost Redis stops renewing its key,
    which then expires, and the portal reports the worker down.
    """

    requires = {"celery.worker.components:Timer"}

    def __init__(self, worker, **kwargs):
        super().__init__(worker, **kwargs)
        self.timer_entry = None

    def start(self, worker):
        from django.conf import settings

        from khaibao.core.health import record_worker_heartbeat

        record_worker_heartbeat(worker.hostname)
        self.timer_entry = worker.timer.call_repeatedly(
            settings.WORKER_HEARTBEAT_SECONDS, record_worker_heartbeat, (worker.hostname,)
        )

    def stop(self, worker):
        if self.timer_entry is not None:
            self.timer_entry.cancel()


app.steps["worker"].add(WorkerHeartbeat)
