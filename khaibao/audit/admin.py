from django.contrib import admin

from khaibao.access.admin import ScopedModelAdmin

from .models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(ScopedModelAdmin):
    """Read-only: the log is append-only, nobody edits or deletes it here."""

    list_display = (
        "created_at",
        "actor",
        "actor_role",
        "action",
        "object_type",
        "object_repr",
        "area",
        "ip_address",
    )
    list_filter = ("action", "actor_role", "object_type")
    list_select_related = ("actor", "area", "area__parent")
    search_fields = ("object_repr", "actor__username")
    date_hierarchy = "created_at"
    export_fields = (
        "created_at",
        "actor",
        "actor_role",
        "action",
        "object_type",
        "object_id",
        "object_repr",
        "area",
        "ip_address",
    )
    list_per_page = 100
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
