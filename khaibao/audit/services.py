"""log_action(): the one way to write an audit event."""

from django.db import models

from .models import AuditAction, AuditEvent

__all__ = ["AuditAction", "log_action", "client_ip"]


def client_ip(request) -> str | None:
    """The client address as the web server saw it.

    Behind a proxy, run gunicorn with --forwarded-allow-ips so REMOTE_ADDR is the
    client's: X-Forwarded-For is never read here, since anyone can forge it.
    """
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def log_action(
    *,
    actor,
    action: str,
    obj: models.Model | None = None,
    object_type: str = "",
    person=None,
    area=None,
    request=None,
    detail: dict | None = None,
) -> AuditEvent:
    profile = getattr(actor, "staff_profile", None) if actor is not None else None
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
    return AuditEvent.objects.create(
        actor=actor,
        actor_role=(
            profile.role
            if profile
            else ("superuser" if getattr(actor, "is_superuser", False) else "")
        ),
        action=action,
        object_type=object_type,
        object_id=str(obj.pk) if obj is not None and obj.pk is not None else "",
        object_repr=str(obj)[:200] if obj is not None else "",
        person=person,
        area=area,
        ip_address=client_ip(request),
        detail=detail or {},
    )
