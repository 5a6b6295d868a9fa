"""Guidance pages for patients, in the admin.

1. The portal's own pages (no province) are written by superusers; province admins read
   them, and may copy one to their province (an action) to adapt it there.
2. A province admin writes their province's pages only; another province's are a 404.
   A published province page replaces the portal's page of the same slug for that
   province's patients.
3. Every change is audited (ScopedModelAdmin); the copy writes its own audit event.

The scope is the one of rule versions (khaibao/rules/admin.py), rows of the same shape:
the portal's pages and the user's own province's, by the province's code. Who may
change a page is guidance.guidance_may_change.
"""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from khaibao.access.admin import ScopedModelAdmin
from khaibao.accounts.scope import scope_for
from khaibao.areas.models import Area, AreaLevel
from khaibao.lib.clientip import client_ip
from khaibao.lib.dates import datetime_text

from .guidance import (
    guidance_document_copy,
    guidance_document_save,
    guidance_html,
    guidance_may_change,
    guidance_province_of,
)
from .models import GuidanceDocument


@admin.register(GuidanceDocument)
class GuidanceDocumentAdmin(ScopedModelAdmin):
    scope_path = "province__path"
    list_display = ("title", "where", "slug", "order", "is_published", "updated_shown")
    list_display_links = ("title",)
    list_filter = ("is_published",)
    list_select_related = ("province",)
    search_fields = ("title", "slug")
    ordering = ("province__code", "order", "title")
    fields = (
        "province",
        "slug",
        "title",
        "summary",
        "body",
        "order",
        "is_published",
        "preview",
        "updated_shown",
        "updated_by",
    )
    readonly_fields = ("preview", "updated_shown", "updated_by")
    export_fields = ("title", "where", "slug", "order", "is_published", "updated_shown")
    actions = ["copy_to_province", "export_csv"]
    # The public URL shows the reader's province's version, not necessarily this row.
    view_on_site = False

    # -- scope -----------------------------------------------------------------------

    def get_queryset(self, request):
        queryset = admin.ModelAdmin.get_queryset(self, request)
        scope = scope_for(request.user)
        if scope.unrestricted:
            return queryset
        if scope.area is None:
            return queryset.none()
        return queryset.filter(
            Q(province__isnull=True) | Q(province__code=scope.area.province_code)
        )

    def audit_area(self, obj):
        return obj.province

    # -- what each user may do ---------------------------------------------------------

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        if obj is None:
            return allowed
        return allowed and guidance_may_change(user=request.user, province=obj.province)

    def has_delete_permission(self, request, obj=None):
        allowed = super().has_delete_permission(request, obj)
        if obj is None:
            return allowed
        # The portal's pages come back at the next migrate: unpublish one instead.
        return (
            allowed
            and obj.province_id is not None
            and guidance_may_change(user=request.user, province=obj.province)
        )

    def has_copy_permission(self, request) -> bool:
        return self.has_add_permission(request) and guidance_province_of(request.user) is not None

    def get_readonly_fields(self, request, obj=None):
        if obj is not None:
            # A page stays where it was written; a province adapts a copy.
            return ("province", *self.readonly_fields)
        return self.readonly_fields

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "province":
            provinces = Area.objects.filter(level=AreaLevel.PROVINCE).order_by("name_key")
            if not request.user.is_superuser:
                own = guidance_province_of(request.user)
                kwargs["queryset"] = provinces.filter(pk=own.pk if own else None)
                kwargs["initial"] = own
                kwargs["required"] = True
                kwargs["empty_label"] = None
            else:
                kwargs["queryset"] = provinces
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        try:
            guidance_document_save(document=obj, by=request.user)
        except ValidationError as exc:
            # The form offers only the user's own province: a refusal here is a forged
            # post (or a role changed since the form was shown).
            raise PermissionDenied(exc.messages[0]) from exc

    # -- columns ---------------------------------------------------------------------

    @admin.display(description=gettext_lazy("Áp dụng cho"), ordering="province__code")
    def where(self, obj):
        return obj.province.name if obj.province else _("Tài liệu chung của cổng")

    @admin.display(description=gettext_lazy("cập nhật lúc"), ordering="updated_at")
    def updated_shown(self, obj):
        return datetime_text(obj.updated_at) if obj.updated_at else "—"

    @admin.display(description=gettext_lazy("Xem trước"))
    def preview(self, obj):
        return guidance_html(obj.body) if obj.body else "—"

    # -- copying a portal page -------------------------------------------------------

    @admin.action(
        description=gettext_lazy("Chép tài liệu chung sang tỉnh của tôi để sửa"),
        permissions=["copy"],
    )
    def copy_to_province(self, request, queryset):
        province = guidance_province_of(request.user)
        copied = 0
        for document in queryset.select_related("province"):
            try:
                guidance_document_copy(
                    document=document, province=province, by=request.user, ip=client_ip(request)
                )
            except ValidationError as exc:
                messages.warning(request, exc.messages[0])
            else:
                copied += 1
        if copied:
            messages.success(
                request,
                ngettext(
                    "Đã chép %(count)d tài liệu sang %(province)s, chưa đăng: sửa cho phù hợp "
                    "rồi đánh dấu “Đã đăng” để thay tài liệu chung.",
                    "Đã chép %(count)d tài liệu sang %(province)s, chưa đăng: sửa cho phù hợp "
                    "rồi đánh dấu “Đã đăng” để thay tài liệu chung.",
                    copied,
                )
                % {"count": copied, "province": province.name},
            )
