"""ScopedModelAdmin: the base of every model admin that shows area-bound records.

What it guarantees, so that each admin does not have to remember it:
1. Changelist, change/delete/history views, actions, autocomplete and CSV export see
   only rows inside the staff member's area (`scope_path`).
2. Another area's object is a 404 (Django's admin would redirect with a message).
3. An action posted with any id outside the scope is a 404 for the whole batch.
4. Foreign-key choices are limited to what the user may see.
5. Every staff read of a person's record, every search and export, and every change is
   written to the audit log.
"""

import csv
import datetime

from django.contrib import admin
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.exceptions import FieldDoesNotExist, PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.urls import path
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from khaibao.accounts.scope import filter_to_scope, scope_for
from khaibao.audit.models import AuditAction
from khaibao.audit.services import actor_role, audit_event_build, log_action, log_actions
from khaibao.lib.clientip import client_ip


class DecisionsOnlyMixin:
    """For records staff never edit, add by hand or delete (declarations, patients,
    results, keys): the record's page is read-only, and "change" is the right to the
    decisions on it (accept, correct, revoke...), checked with has_decision_permission.
    Put it before ScopedModelAdmin in the bases."""

    #: True where staff make records through the admin's add page (a lab's result
    #: form, an API key): then the add permission applies as usual.
    added_by_hand = False

    def has_add_permission(self, request):
        return self.added_by_hand and super().has_add_permission(request)

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        if obj is not None:
            return False
        return super().has_change_permission(request)

    def has_decision_permission(self, request) -> bool:
        return super().has_change_permission(request)


class ScopedModelAdmin(admin.ModelAdmin):
    #: ORM path from this model to the Area.path that decides visibility.
    scope_path: str = "area__path"
    #: Where a row names the unit it belongs to (e.g. "facility_id"): staff of a
    #: unit-bound role see only their own unit's rows (filter_to_scope).
    scope_unit_lookup: str | None = None
    #: Fields written by the CSV export, in order.
    export_fields: tuple[str, ...] = ()
    #: True where save_model calls a service that writes its own audit event.
    changes_audited_by_service: bool = False
    actions = ["export_csv"]

    # -- URLs of the admin's own views ----------------------------------------------

    def _url_name(self, kind: str) -> str:
        """admin:<app>_<model>_<kind>, the name of one of this admin's own views."""
        return f"{self.opts.app_label}_{self.opts.model_name}_{kind}"

    def object_action_paths(self, view, actions, *, keyword: str) -> list:
        """One URL per action on an object, `<id>/<action.route>/`, each calling `view`
        with the action as the keyword argument `keyword` (named after `action.kind`)."""
        return [
            path(
                f"<path:object_id>/{action.route}/",
                self.admin_site.admin_view(view),
                {keyword: action},
                name=self._url_name(action.kind),
            )
            for action in actions
        ]

    # -- scope ----------------------------------------------------------------------

    def get_queryset(self, request):
        return filter_to_scope(
            super().get_queryset(request), request.user, self.scope_path, self.scope_unit_lookup
        )

    def _get_obj_does_not_exist_redirect(self, request, opts, object_id):
        # Outside the scope and non-existent look the same, and both are a 404.
        raise Http404(_("Không tìm thấy hồ sơ."))

    def response_action(self, request, queryset):
        # With select_across the posted ids are ignored and the (scoped) changelist
        # queryset is used; otherwise every posted id must be visible.
        selected = set(request.POST.getlist(ACTION_CHECKBOX_NAME))
        if selected and request.POST.get("select_across") != "1":
            try:
                visible = self.get_queryset(request).filter(pk__in=selected).count()
            except (ValueError, ValidationError):  # an id that is not a primary key
                visible = -1
            if visible != len(selected):
                raise Http404(_("Không tìm thấy hồ sơ."))
        return super().response_action(request, queryset)

    def history_view(self, request, object_id, extra_context=None):
        # Django looks the object up before checking permissions: without this, a role
        # that may not read the model would get 403 inside its area and 404 outside.
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        return super().history_view(request, object_id, extra_context)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        related_admin = self.admin_site._registry.get(db_field.remote_field.model)
        if "queryset" not in kwargs and isinstance(related_admin, ScopedModelAdmin):
            kwargs["queryset"] = related_admin.get_queryset(request)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    # -- audit ----------------------------------------------------------------------

    def audit_person(self, obj):
        """The person a row is about, if any: reads of it are audited."""
        return None

    def audit_area(self, obj):
        return getattr(obj, "area", None)

    def _audit(self, request, obj, action, detail=None):
        log_action(
            actor=request.user,
            action=action,
            obj=obj,
            person=self.audit_person(obj),
            area=self.audit_area(obj),
            ip=client_ip(request),
            detail=detail,
        )

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        if request.method == "GET" and response.status_code == 200:
            obj = (
                response.context_data.get("original") if hasattr(response, "context_data") else None
            )
            if obj is not None and self.audit_person(obj) is not None:
                self._audit(request, obj, AuditAction.VIEW)
        return response

    def get_search_results(self, request, queryset, search_term):
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        # The changelist can search more than once per request (an action posted from a
        # filtered list, facet counts): one search is one event.
        if (
            search_term
            and self.person_model_admin
            and not getattr(request, "_search_logged", False)
        ):
            request._search_logged = True
            log_action(
                actor=request.user,
                action=AuditAction.SEARCH,
                object_type=self.opts.label_lower,
                area=scope_for(request.user).area,
                ip=client_ip(request),
                detail={"term": search_term[:100]},
            )
        return results, may_have_duplicates

    @property
    def person_model_admin(self) -> bool:
        """Whether rows hold personal data (searches on them are audited)."""
        return type(self).audit_person is not ScopedModelAdmin.audit_person

    def log_addition(self, request, obj, message):
        if not self.changes_audited_by_service:
            self._audit(request, obj, AuditAction.CREATE)
        return super().log_addition(request, obj, message)

    def log_change(self, request, obj, message):
        if not self.changes_audited_by_service:
            self._audit(request, obj, AuditAction.CHANGE, detail={"message": str(message)[:500]})
        return super().log_change(request, obj, message)

    def log_deletions(self, request, queryset):
        for obj in queryset:
            self._audit(request, obj, AuditAction.DELETE)
        return super().log_deletions(request, queryset)

    # -- export ---------------------------------------------------------------------

    @admin.action(description=_("Xuất các dòng đã chọn ra tệp CSV"), permissions=["view"])
    def export_csv(self, request, queryset):
        fields = self.export_fields or tuple(self.list_display)
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        response["Content-Disposition"] = (
            f'attachment; filename="{self.opts.model_name}-{stamp}.csv"'
        )
        response["Cache-Control"] = "no-store"
        response.write("\ufeff")  # BOM: Excel then opens Vietnamese text as UTF-8
        writer = csv.writer(response)
        writer.writerow([capfirst(str(self._export_label(name))) for name in fields])
        events = []
        role = actor_role(request.user)
        for obj in queryset.iterator(chunk_size=1000):
            writer.writerow([self._export_value(obj, name) for name in fields])
            events.append(
                audit_event_build(
                    actor=request.user,
                    action=AuditAction.EXPORT,
                    obj=obj,
                    person=self.audit_person(obj),
                    area=self.audit_area(obj),
                    ip=client_ip(request),
                    role=role,
                )
            )
        log_actions(events)
        return response

    def _export_label(self, name):
        try:
            return self.opts.get_field(name).verbose_name
        except FieldDoesNotExist:  # a method or property: use its description
            attr = getattr(self, name, None) or getattr(self.model, name, None)
            return getattr(attr, "short_description", name)

    def _export_value(self, obj, name) -> str:
        return _spreadsheet_safe(self._raw_export_value(obj, name))

    def _raw_export_value(self, obj, name) -> str:
        display = getattr(obj, f"get_{name}_display", None)
        attr = getattr(self, name, None)
        if callable(display):
            value = display()
        elif callable(attr):  # a column computed by the admin (it may return a model)
            value = attr(obj)
        else:
            value = getattr(obj, name, "")
            if callable(value):
                value = value()
        return _export_text(value)


def _export_text(value) -> str:
    """One cell: dates as dd/mm/yyyy, yes/no in Vietnamese, models by their name.

    A file format, not a page: the same in every language, so spreadsheets built on an
    export keep working (pages use khaibao.lib.dates)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(_("Có") if value else _("Không"))
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).strftime("%d/%m/%Y %H:%M")
    if isinstance(value, datetime.date):
        return value.strftime("%d/%m/%Y")
    return str(value)


def _spreadsheet_safe(text: str) -> str:
    """Stop a cell such as "=HYPERLINK(…)" typed by a citizen running as a formula."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
