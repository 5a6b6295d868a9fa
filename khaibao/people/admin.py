from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from khaibao.access.admin import ScopedModelAdmin
from khaibao.lib.clientip import client_ip
from khaibao.lib.normalize import name_key, phone_or_none
from khaibao.trust.admin import revoke_personal_qr

from .forms import PersonAdminForm
from .models import ManagedPerson, Person
from .services import person_create, person_update


class ManagedPersonInline(admin.TabularInline):
    model = ManagedPerson
    fields = ("account", "relationship", "created_at")
    readonly_fields = fields
    extra = 0
    can_delete = False
    verbose_name_plural = _("Tài khoản quản lý người này")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Person)
class PersonAdmin(ScopedModelAdmin):
    form = PersonAdminForm
    list_display = ("full_name", "date_of_birth", "sex", "id_type", "id_number", "phone", "area")
    list_filter = ("sex", "id_type")
    list_select_related = ("area", "area__parent")
    search_fields = ("id_number", "phone")
    autocomplete_fields = ("area",)
    changes_audited_by_service = True
    export_fields = (
        "full_name",
        "date_of_birth",
        "sex",
        "id_type",
        "id_number",
        "phone",
        "area",
        "street_address",
    )
    list_per_page = 50
    # Revoking the person's QR: every My QR issued to them so far stops verifying.
    actions = [*ScopedModelAdmin.actions, revoke_personal_qr]
    inlines = [ManagedPersonInline]
    fieldsets = (
        (None, {"fields": ("full_name", "date_of_birth", "sex", "nationality")}),
        (_("Giấy tờ tuỳ thân"), {"fields": ("id_type", "id_number", "health_insurance_number")}),
        (_("Liên hệ và nơi ở"), {"fields": ("phone", "area", "street_address")}),
    )

    def audit_person(self, obj):
        return obj

    def get_search_results(self, request, queryset, search_term):
        # Name search uses the accent-free key, so "nguyen van an" finds "Nguyễn Văn An";
        # ID numbers and phones match exactly as typed (0912… or +84…).
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        if search_term:
            key = name_key(search_term)
            results = results | queryset.filter(name_key__startswith=key)
            phone = phone_or_none(search_term)
            if phone:
                results = results | queryset.filter(phone=phone)
        return results, may_have_duplicates

    def save_model(self, request, obj, form, change):
        data = {name: form.cleaned_data[name] for name in PersonAdminForm.SERVICE_FIELDS}
        if change:
            person_update(person=obj, by=request.user, ip=client_ip(request), **data)
        else:
            saved = person_create(by=request.user, ip=client_ip(request), **data)
            obj.pk = saved.pk
