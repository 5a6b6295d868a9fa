from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import Group
from django.db import transaction
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from khaibao.access.admin import ScopedModelAdmin
from khaibao.areas.models import Area
from khaibao.audit.services import AuditAction
from khaibao.lib.clientip import client_ip
from khaibao.lib.normalize import phone_or_none

from .forms import StaffChangeForm, StaffCreationForm, UnitForm
from .models import PhoneLoginGuard, Unit, User
from .otp import phone_login_unlock
from .roles import Role
from .scope import filter_to_scope
from .services import staff_create, staff_update, unit_save

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
        (_("Vai trò và địa bàn"), {"fields": ("role", "area", "unit", "unit_name")}),
        (_("Hoạt động"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"fields": ("username", "full_name", "password1", "password2")}),
        (_("Vai trò và địa bàn"), {"fields": ("role", "area", "unit", "unit_name")}),
    )

    def get_queryset(self, request):
        return super().get_queryset(request).filter(staff_profile__isnull=False)

    def get_readonly_fields(self, request, obj=None):
        # The username is typed once, on the add form, and never changes afterwards.
        return () if obj is None else self.readonly_fields

    def has_change_permission(self, request, obj=None):
        # Province admins are managed by a superuser: a peer may read their account but
        # not change it or reset its password (staff_update refuses it as well).
        if (
            obj is not None
            and not request.user.is_superuser
            and getattr(getattr(obj, "staff_profile", None), "role", None) == Role.PROVINCE_ADMIN
        ):
            return False
        return super().has_change_permission(request, obj)

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
        # Django's UserAdmin names this URL after auth.User whatever the user model is.
        url = reverse(f"{self.admin_site.name}:auth_user_password_change", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, _("Đặt lại mật khẩu"))

    def get_form(self, request, obj=None, **kwargs):
        # get_form() builds a new class on every call, so these belong to this request
        # alone. The declared fields themselves are shared by every such class: the
        # form sets their queryset and initial values on its own copies.
        form = super().get_form(request, obj, **kwargs)
        form.acting_user = request.user
        form.area_queryset = self.admin_site.get_model_admin(Area).get_queryset(request)
        form.unit_queryset = filter_to_scope(Unit.objects.all(), request.user, "area__path")
        return form

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        common = {
            "full_name": data["full_name"],
            "role": data["role"],
            "area": data["area"],
            "unit_name": data.get("unit_name", ""),
            "unit": data.get("unit"),
            "ip": client_ip(request),
        }
        if change:
            # The form has already written the posted values onto `obj`: the service
            # gets the stored account so that it can tell (and audit) what changed.
            stored = User.objects.select_related("staff_profile").get(pk=obj.pk)
            staff_update(by=request.user, user=stored, is_active=data["is_active"], **common)
        else:
            created = staff_create(
                by=request.user, username=data["username"], password=data["password1"], **common
            )
            obj.pk = created.pk

    def user_change_password(self, request, id, form_url=""):
        # Django's view saves the form itself; the audit event joins its transaction.
        with transaction.atomic(using=self.get_queryset(request).db):
            response = super().user_change_password(request, id, form_url)
            if request.method == "POST" and response.status_code == 302:
                user = self.get_object(request, unquote(id))
                # Success goes back to the change page; a refused submit to this page.
                if response.url == reverse(
                    f"{self.admin_site.name}:accounts_user_change", args=[user.pk]
                ):
                    self._audit(request, user, AuditAction.CHANGE, detail={"fields": ["password"]})
        return response

    def save_related(self, request, form, formsets, change):
        # Groups are set by the service from the role; nothing else to save.
        pass


@admin.register(Unit)
class UnitAdmin(ScopedModelAdmin):
    """Stations, facilities, labs, vaccination units and checkpoints of the area."""

    form = UnitForm
    changes_audited_by_service = True
    list_display = ("name", "code", "role", "area", "phone", "is_active")
    list_filter = ("role", "is_active")
    list_select_related = ("area",)
    search_fields = ("name", "code")
    autocomplete_fields = ("area",)
    export_fields = ("code", "name", "role", "area", "phone", "is_active")

    def has_delete_permission(self, request, obj=None):
        # Staff and records point at units: a closed unit is made inactive instead.
        return False

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        stored = Unit.objects.get(pk=obj.pk) if change else Unit()
        saved = unit_save(by=request.user, unit=stored, ip=client_ip(request), **data)
        obj.pk = saved.pk


@admin.register(PhoneLoginGuard)
class PhoneLoginGuardAdmin(admin.ModelAdmin):
    """Numbers whose wrong login codes added up. Superusers only (the hotline): a phone
    belongs to no area, and unlocking one hands its account back to whoever called."""

    list_display = ("phone", "failures", "last_failure_at", "locked_at", "warned_at")
    list_filter = (("locked_at", admin.EmptyFieldListFilter),)
    search_fields = ("=phone",)
    readonly_fields = ("phone", "failures", "last_failure_at", "locked_at", "warned_at")
    ordering = ("-locked_at", "-last_failure_at")
    actions = ["unlock"]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        # Deleting the row would reset the count without an audit event: unlock instead.
        return False

    def get_search_results(self, request, queryset, search_term):
        # The hotline types the number as the caller says it: 0912…, +84912… or spaced.
        phone = phone_or_none(search_term) if search_term else None
        return super().get_search_results(request, queryset, phone or search_term)

    @admin.action(description=_("Mở khoá các số đã chọn (sau khi đã xác minh người gọi)"))
    def unlock(self, request, queryset):
        unlocked = 0
        for guard in queryset.filter(locked_at__isnull=False):
            phone_login_unlock(guard=guard, by=request.user, ip=client_ip(request))
            unlocked += 1
        self.message_user(
            request,
            ngettext("Đã mở khoá %(count)d số.", "Đã mở khoá %(count)d số.", unlocked)
            % {"count": unlocked},
        )
