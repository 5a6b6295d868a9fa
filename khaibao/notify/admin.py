from django.contrib import admin

from .models import SmsMessage


@admin.register(SmsMessage)
class SmsMessageAdmin(admin.ModelAdmin):
    """Superusers only (no role has its permissions): texts carry OTPs and health news."""

    list_display = ("created_at", "to", "purpose", "status", "attempts", "backend", "sent_at")
    list_filter = ("status", "purpose", "backend")
    # "=reference": the gateway's support quotes the idempotency key.
    search_fields = ("to", "=reference")
    readonly_fields = [field.name for field in SmsMessage._meta.fields]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
