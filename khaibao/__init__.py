"""KhaiBao: the shared platform (identity, areas, staff scope, audit, tasks)."""

from .celery import app as celery_app

__all__ = ("celery_app",)
