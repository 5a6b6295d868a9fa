"""log_action(): the one way to write an audit event (log_actions() for many at once)."""

from django.db import models

from .models import AuditAction, AuditEvent

__all__ = [
    "AuditAction",
    "actor_role",
    "audit_event_build",
    "log_action",
    "log_actions",
]


def actor_role(actor) -> str:
    """The role written with an event: the staff role, "superuser", or "" for others."""
    profile = getattr(actor, "staff_profile", None) if actor is not None else None
    if profile is not None:
        return profile.role
    return "superuser" if getattr(actor, "is_superuser", False) else ""


def audit_event_build(
    *,
    actor,
    action: str,
    obj: models.Model | None = None,
    object_type: str = "",
    person=None,
    area=None,
    ip: str | None = None,
    detail: dict | None = None,
    role: str | None = None,
) -> AuditEvent:
    """An unsaved event. `role` saves a query per row when one actor logs many events."""
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
    return AuditEvent(
        actor=actor,
        actor_role=actor_role(actor) if role is None else role,
        action=action,
        object_type=object_type,
        object_id=str(obj.pk) if obj is not None and obj.pk is not None else "",
        object_repr=str(obj)[:200] if obj is not None else "",
        person=person,
        area=area,
        ip_address=ip,
        detail=detail or {},
    )


def log_action(
    *,
    actor,
    action: str,
    obj: models.Model | None = None,
    object_type: str = "",
    person=None,
    area=None,
    ip: str | None = None,
    detail: dict | None = None,
) -> AuditEvent:
    event = audit_event_build(
        actor=actor,
        action=action,
        obj=obj,
        object_type=object_type,
        person=person,
        area=area,
        ip=ip,
        detail=detail,
    )
    event.save()
    return event


def log_actions(events: list[AuditEvent]) -> list[AuditEvent]:
    """Write events built by audit_event_build() in batches (a CSV export of many rows)."""
    return AuditEvent.objects.bulk_create(events, batch_size=1000)
