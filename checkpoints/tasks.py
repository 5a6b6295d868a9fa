"""Celery finds an app's tasks in `<app>.tasks`: this imports each room's tasks."""

from .quarantine import tasks as quarantine_tasks
from .venues import tasks as venues_tasks

__all__ = ["quarantine_tasks", "venues_tasks"]
