"""The province's page "Chính sách cách ly theo vùng", in the admin of entry declarations.

The table of a province (the rule kind "quarantine_policy") is read one row per area:
the version in force, and the versions scheduled for later with what they change. A
province admin sets or removes one area's row; each save is a new version of the whole
table, built from the version in force at the chosen time (policy_area_schedule), after
a preview of what changes. Staff who work with arrivals (read or file them) may read it.

The pages are views of EntryDeclarationAdmin (PolicyPagesMixin), so that they sit with
the arrivals they decide and share their admin URLs: policies/, policies/set/ and
policies/remove/.
"""

import datetime

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseNotAllowed
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from khaibao.accounts.scope import scope_for
from khaibao.areas.models import Area, AreaLevel
from khaibao.lib.clientip import client_ip
from khaibao.lib.dates import date_text, datetime_text
from khaibao.rules.selectors import rules_in_force
from khaibao.rules.services import rule_may_change

from ..declaring.forms import posted_initial
from .forms import EXCEPTIONS, PolicyRemoveForm, PolicySetForm
from .policy import QUARANTINE_POLICY, measure_text, row_text
from .services import area_label, later_versions, policy_area_schedule, policy_change

# -- reading a table ----------------------------------------------------------------------


def _areas(codes) -> dict[str, Area]:
    return {
        area.code: area
        for area in Area.objects.filter(code__in=list(codes)).select_related("parent")
    }


def table_rows(rows) -> list[dict]:
    """The rows of a table with their areas, province → ward → village → point order."""
    areas = _areas(row["area"] for row in rows)
    shown = []
    for row in rows:
        area = areas.get(row["area"])
        shown.append(
            {
                "row": row,
                "area": area,
                "code": row["area"],
                "measure": measure_text(row["measure"], row["days"]),
                "exceptions": [
                    (label, measure_text(row[name]["measure"], row[name]["days"]))
                    for name, label in EXCEPTIONS
                    if row.get(name)
                ],
                "from": date_text(datetime.date.fromisoformat(row["from"])) if row["from"] else "",
                "until": date_text(datetime.date.fromisoformat(row["until"]))
                if row["until"]
                else "",
            }
        )
    return sorted(shown, key=lambda item: item["area"].path if item["area"] else item["code"])


def version_changes(before: list[dict], after: list[dict]) -> list[tuple[str, str, str]]:
    """(area, before, after) for each area whose row differs between two tables."""
    old = {row["area"]: row for row in before}
    new = {row["area"]: row for row in after}
    codes = sorted(code for code in old.keys() | new.keys() if old.get(code) != new.get(code))
    areas = _areas(codes)
    return [
        (
            area_label(areas[code]) if code in areas else code,
            row_text(old[code]) if code in old else "—",
            row_text(new[code]) if code in new else _("bỏ chính sách riêng"),
        )
        for code in codes
    ]


def row_initial(row: dict) -> dict:
    """The set form's initial values for an existing row."""
    initial = {
        "area_code": row["area"],
        "measure": row["measure"],
        "days": row["days"],
        "test_on_arrival": row["test_on_arrival"],
        "valid_from": datetime.date.fromisoformat(row["from"]) if row["from"] else None,
        "valid_until": datetime.date.fromisoformat(row["until"]) if row["until"] else None,
    }
    for name, _label in EXCEPTIONS:
        if row.get(name):
            initial[f"{name}_measure"] = row[name]["measure"]
            initial[f"{name}_days"] = row[name]["days"]
    return initial


# -- the pages ----------------------------------------------------------------------------


class PolicyPagesMixin:
    """The policy pages of a ModelAdmin (EntryDeclarationAdmin, whose page() renders
    them in its frame): reading needs the right to read or file arrivals; changing is
    rule_may_change (the province's admin, or a superuser for any province, chosen with
    ?province=<code>)."""

    def policy_urls(self) -> list:
        return [
            path(
                "policies/",
                self.admin_site.admin_view(self.policies_view),
                name=self._url_name("policies"),
            ),
            path(
                "policies/set/",
                self.admin_site.admin_view(self.policy_set_view),
                name=self._url_name("policy_set"),
            ),
            path(
                "policies/remove/",
                self.admin_site.admin_view(self.policy_remove_view),
                name=self._url_name("policy_remove"),
            ),
        ]

    def _policy_province(self, request) -> Area | None:
        """The province whose table the page shows: the staff member's own; for a
        superuser the one named by ?province= (None until one is chosen).

        Reading needs the right to read or file arrivals (403 otherwise)."""
        if not (self.has_view_permission(request) or self.has_add_permission(request)):
            raise PermissionDenied
        scope = scope_for(request.user)
        if scope.unrestricted:
            code = request.GET.get("province", "")
            return Area.objects.filter(level=AreaLevel.PROVINCE, code=code).first()
        if scope.area is None:
            raise PermissionDenied
        return Area.objects.get(code=scope.area.province_code)

    def _policies_url(self, request, province: Area | None) -> str:
        """The table's page; a superuser's names the province chosen."""
        url = reverse(f"admin:{self._url_name('policies')}")
        if province is not None and scope_for(request.user).unrestricted:
            return f"{url}?province={province.code}"
        return url

    def policies_view(self, request):
        """The table in force, the versions scheduled for later, and (for who may change
        it) the links to set or remove one area's policy."""
        province = self._policy_province(request)
        if province is None:
            provinces = Area.objects.filter(level=AreaLevel.PROVINCE).order_by("name_key")
            context = {"title": _("Chính sách cách ly theo vùng"), "provinces": provinces}
            return self.page(request, "policy/choose_province.html", context)
        now = timezone.now()
        in_force = rules_in_force(QUARANTINE_POLICY, province, at=now)
        later = [
            {
                "version": version,
                "changes": version_changes(
                    in_force["policies"], version.values.get("policies", [])
                ),
            }
            for version in later_versions(province, now)
        ]
        context = {
            "title": _("Chính sách cách ly theo vùng: %(province)s") % {"province": province.name},
            "province": province,
            "in_force": in_force,
            "national": in_force.scope != province.code,
            "rows": table_rows(in_force["policies"]),
            "later": later,
            "may_change": rule_may_change(user=request.user, province=province),
            "province_query": f"?province={province.code}"
            if scope_for(request.user).unrestricted
            else "",
        }
        return self.page(request, "policy/list.html", context)

    def _policy_change_page(self, request, *, remove: bool):
        """GET the form; POST "_refresh" shows it again with the lists of what is picked;
        POST "_preview" shows what would change; POST "_confirm" schedules the version
        (policy_area_schedule) → the table's page. Bad input is a 400."""
        if request.method not in ("GET", "HEAD", "POST"):
            return HttpResponseNotAllowed(["GET", "POST"])
        province = self._policy_province(request)
        if province is None:
            return redirect(self._policies_url(request, None))
        if not rule_may_change(user=request.user, province=province):
            raise PermissionDenied
        in_force = rules_in_force(QUARANTINE_POLICY, province)
        data = request.POST if request.method == "POST" else None
        form = self._policy_form(request, data, province, in_force, remove=remove)
        preview, status = None, 200
        if form.is_bound and "_refresh" in data:
            form = self._policy_form(
                request, None, province, in_force, remove=remove, initial=posted_initial(form)
            )
        elif form.is_bound:
            if form.is_valid():
                try:
                    if "_confirm" in data:
                        return self._policy_schedule(request, form, province, remove=remove)
                    preview = policy_change(
                        province=province,
                        area=form.cleaned_data["area"],
                        row=None if remove else form.cleaned_data["row"],
                        at=form.cleaned_data["effective_from"],
                    )
                except ValidationError as exc:
                    form.add_service_errors(exc)
            status = 400 if form.errors else 200
        context = {
            "title": _("Bỏ chính sách của một vùng")
            if remove
            else _("Đặt chính sách cho một vùng"),
            "province": province,
            "in_force": in_force,
            "form": form,
            "preview": preview,
            "remove": remove,
            "policies_url": self._policies_url(request, province),
        }
        return self.page(request, "policy/change.html", context, status=status)

    def _policy_schedule(self, request, form, province: Area, *, remove: bool):
        version = policy_area_schedule(
            province=province,
            area=form.cleaned_data["area"],
            row=None if remove else form.cleaned_data["row"],
            effective_from=form.cleaned_data["effective_from"],
            document=form.cleaned_data["document"],
            note=form.cleaned_data["note"],
            by=request.user,
            ip=client_ip(request),
        )
        messages.success(
            request,
            _("Đã lên lịch phiên bản %(number)d của bảng chính sách, có hiệu lực từ %(when)s.")
            % {"number": version.number, "when": datetime_text(version.effective_from)},
        )
        return redirect(self._policies_url(request, province))

    def _policy_form(self, request, data, province, in_force, *, remove: bool, initial=None):
        """The set or remove form; ?area=<code> starts it on that area (its row in force)."""
        code = request.GET.get("area", "")
        if remove:
            codes = {row["area"] for row in in_force["policies"]}
            for version in later_versions(province, timezone.now()):
                codes |= {row["area"] for row in version.values.get("policies", [])}
            return PolicyRemoveForm(
                data, areas=list(_areas(codes).values()), initial=initial or {"area_code": code}
            )
        if initial is None:
            row = next((r for r in in_force["policies"] if r["area"] == code), None)
            initial = row_initial(row) if row else ({"area_code": code} if code else {})
        return PolicySetForm(data, initial=initial)

    def policy_set_view(self, request):
        """GET the form (?area=<code>: that area's row in force); POST previews what
        changes; POST "_confirm" schedules the new version."""
        return self._policy_change_page(request, remove=False)

    def policy_remove_view(self, request):
        """GET the form (?area=<code> chosen); POST previews; POST "_confirm" schedules."""
        return self._policy_change_page(request, remove=True)
