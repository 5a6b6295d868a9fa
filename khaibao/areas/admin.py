from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from khaibao.access.admin import ScopedModelAdmin
from khaibao.lib.clientip import client_ip

from .forms import VillageCsvForm, VillageForm
from .models import Area, AreaLevel
from .services import point_create, village_create, village_update, villages_import_csv

#: The levels staff add and rename here; provinces and wards come from the official list.
EDITABLE_LEVELS = (AreaLevel.VILLAGE, AreaLevel.POINT)


@admin.register(Area)
class AreaAdmin(ScopedModelAdmin):
    scope_path = "path"
    list_display = ("name", "code", "division_type", "level", "parent")
    list_filter = ("level",)
    search_fields = ("name", "code")
    list_select_related = ("parent",)
    export_fields = ("code", "name", "division_type", "level", "parent")
    ordering = ("path",)
    form = VillageForm
    change_list_template = "admin/areas/area/change_list.html"

    def audit_area(self, obj):
        return obj

    def get_search_results(self, request, queryset, search_term):
        # Accent-free search: "ha noi" and "Hà Nội" both find Hà Nội.
        queryset, may_have_duplicates = super().get_search_results(request, queryset, "")
        if search_term:
            queryset = queryset.search(search_term) | queryset.filter(code=search_term.strip())
        return queryset, may_have_duplicates

    def get_readonly_fields(self, request, obj=None):
        # Provinces and wards come from the official list: only villages and points are
        # edited here.
        if obj is not None and obj.level not in EDITABLE_LEVELS:
            return ("code", "name", "division_type", "parent", "level")
        # A village stays under its ward: its path, and so who sees its residents, was
        # built from the parent when it was created.
        return ("code", "parent", "level") if obj is not None else ()

    def get_fields(self, request, obj=None):
        fields = super().get_fields(request, obj)
        return fields if obj is None else [name for name in fields if name != "level"]

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.level not in EDITABLE_LEVELS:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "parent":
            kwargs["queryset"] = self.get_queryset(request).filter(
                level__in=(AreaLevel.WARD, AreaLevel.VILLAGE)
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        if change:
            village_update(
                village=obj,
                name=form.cleaned_data["name"],
                division_type=form.cleaned_data["division_type"],
            )
        else:
            create = (
                point_create
                if form.cleaned_data["level"] == AreaLevel.POINT
                else lambda parent, **fields: village_create(ward=parent, **fields)
            )
            created = create(
                parent=form.cleaned_data["parent"],
                name=form.cleaned_data["name"],
                division_type=form.cleaned_data["division_type"],
            )
            obj.pk, obj.code, obj.path = created.pk, created.code, created.path

    def get_urls(self):
        return [
            path(
                "import-villages/",
                self.admin_site.admin_view(self.import_villages_view),
                name="areas_area_import_villages",
            ),
            *super().get_urls(),
        ]

    def import_villages_view(self, request):
        if not self.has_add_permission(request):
            return render(request, "admin/areas/area/import_villages.html", status=403)
        wards = self.get_queryset(request).filter(level=AreaLevel.WARD)
        form = VillageCsvForm(request.POST or None, request.FILES or None)
        status = 200
        if request.method == "POST":
            if form.is_valid():
                try:
                    created = villages_import_csv(
                        rows=form.cleaned_data["rows"],
                        allowed_wards=wards,
                        by=request.user,
                        ip=client_ip(request),
                    )
                except ValidationError as exc:
                    form.add_error(None, exc)
                else:
                    messages.success(
                        request,
                        ngettext(
                            "Đã thêm %(count)d thôn / tổ dân phố.",
                            "Đã thêm %(count)d thôn / tổ dân phố.",
                            len(created),
                        )
                        % {"count": len(created)},
                    )
                    return redirect("admin:areas_area_changelist")
            status = 400
        context = {
            **self.admin_site.each_context(request),
            "form": form,
            "opts": self.opts,
            "title": _("Nhập thôn / tổ dân phố từ tệp CSV"),
        }
        return render(request, "admin/areas/area/import_villages.html", context, status=status)
