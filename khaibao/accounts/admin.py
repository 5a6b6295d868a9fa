from django.contrib import admin
from django.contrib.admin.widgets import AutocompleteSelect
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from khaibao.areas.models import Area

from .admin_mixins import ScopedModelAdmin
from .forms import StaffChangeForm, StaffCreationForm
from .models import StaffProfile, User
from .services import staff_create, staff_update

# Roles are groups managed in code (khaibao.accounts.roles); editing them by hand
# would drift from the permission matrix the tests check.
admin.site.unregister(Group)


@admin.register(User)
class StaffUserAdmin(ScopedModelAdmin, UserAdmin):
    """Staff accounts. A province admin creates and edits staff within the province."""

    scope_path = "staff_profile__area__path"
    changes_audited_by_service = True
    form = StaffChangeForm
    add_form = StaffCreationForm
    list_display = ("username", "full_name", "role", "area", "is_active", "last_login")
    list_filter = ("staff_profile__role", "is_active")
    list_select_related = ("staff_profile", "staff_profile__area", "staff_profile__area__parent")
    search_fields = ("username", "full_name")
    ordering = ("username",)
    export_fields = ("username", "full_name", "role", "area", "is_active", "last_login")
    readonly_fields = ("username", "password_link", "last_login", "date_joined")
    filter_horizontal = ()
    fieldsets = (
        (None, {"fields": ("username", "password_link", "full_name", "is_active")}),
        (_("Vai trò và địa bàn"), {"fields": ("role", "area", "unit_name")}),
        (_("Hoạt động"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"fields": ("username", "full_name", "password1", "password2")}),
        (_("Vai trò và địa bàn"), {"fields": ("role", "area", "unit_name")}),
    )

    def get_queryset(self, request):
        return super().get_queryset(request).filter(staff_profile__isnull=False)

    def audit_area(self, obj):
        profile = getattr(obj, "staff_profile", None)
        return profile.area if profile else None

    @admin.display(description=_("Vai trò"), ordering="staff_profile__role")
    def role(self, obj):
        return obj.staff_profile.get_role_display()

    @admin.display(description=_("Địa bàn"), ordering="staff_profile__area__path")
    def area(self, obj):
        return obj.staff_profile.area

    @admin.display(description=_("Mật khẩu"))
    def password_link(self, obj):
        url = reverse("admin:accounts_user_password_change", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, _("Đặt lại mật khẩu"))

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        form.acting_user = request.user
        area_field = form.base_fields["area"]
        area_field.queryset = admin.site._registry[Area].get_queryset(request)
        area_field.widget = AutocompleteSelect(
            StaffProfile._meta.get_field("area"), self.admin_site
        )
        if obj is not None:
            profile = obj.staff_profile
            form.base_fields["role"].initial = profile.role
            area_field.initial = profile.area_id
            form.base_fields["unit_name"].initial = profile.unit_name
        return form

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        common = {
            "full_name": data["full_name"],
            "role": data["role"],
            "area": data["area"],
            "unit_name": data.get("unit_name", ""),
            "request": request,
        }
        if change:
            staff_update(by=request.user, user=obj, is_active=data["is_active"], **common)
        else:
            created = staff_create(
                by=request.user, username=data["username"], password=data["password1"], **common
            )
            obj.pk = created.pk

    def save_related(self, request, form, formsets, change):
        # Groups are set by the service from the role; nothing else to save.
        pass
