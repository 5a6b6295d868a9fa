"""Celery finds an app's tasks in `<app>.tasks`: this imports each room's tasks."""

from .homecare import tasks as homecare_tasks

__all__ = ["homecare_tasks"]
