"""Health and entry declarations in the Django admin (seed 003, issue 12).

1. Arrivals (EntryDeclarationAdmin): the destination ward's station lists the people
   arriving in its ward, with the policy that applies and whether it changed, filters
   by arrival day, policy, follow-up and source; each declaration's page is read-only
   and reading it is audited. "Đánh dấu đã theo dõi" (a page with a note, or an action
   on the list) calls entry_follow_up_mark. The province's policy table pages are on
   this admin too (checkpoints/quarantine/admin.py).
2. Health declarations (HealthDeclarationAdmin): the list of the area's declarations,
   read-only, reads audited.
3. Paper declarations: each admin's add page is the paper form. Checkpoint and ward
   staff type one in for a person of any place in their province (the record belongs to
   its destination's ward); then a page shows what was filed this session: the policy,
   and where the QR's link was sent.

Another ward's declaration is a 404 on its page and on every action (ScopedModelAdmin).
"""

import datetime

from django.contrib import admin, messages
from django.contrib.admin.templatetags.admin_urls import add_preserved_filters
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from khaibao.access.admin import DecisionsOnlyMixin, ScopedModelAdmin
from khaibao.accounts.models import Unit
from khaibao.accounts.roles import Role
from khaibao.accounts.scope import scope_for
from khaibao.areas.models import Area, AreaLevel
from khaibao.audit.models import AuditAction
from khaibao.lib.clientip import client_ip
from khaibao.lib.dates import date_text, datetime_text
from khaibao.lib.normalize import name_key, phone_for_display, phone_or_none

from ..quarantine.admin import PolicyPagesMixin
from ..quarantine.services import policy_summary
from .admin_forms import FollowUpForm, PaperEntryForm, PaperHealthForm
from .forms import posted_initial
from .links import access_url
from .models import EntryDeclaration, HealthDeclaration, Source, Symptom
from .paper import paper_entry_file, paper_health_file
from .selectors import arrivals_for_staff, health_declarations_for_staff
from .services import entry_follow_up_mark

TEMPLATES = "checkpoints/admin"
#: The declarations filed on paper in this session, shown on the "filed" page.
FILED_SESSION_KEY = "checkpoints_paper_filed"
FILED_KEPT = 10


def _date(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, datetime.datetime):
        return datetime_text(value)
    return date_text(value)


def _shown_date(name: str, label):
    @admin.display(description=label, ordering=name)
    def display(self, obj):
        return _date(getattr(obj, name))

    return display


def staff_province(user) -> Area | None:
    """The province a staff member files papers for; None for a superuser (any)."""
    scope = scope_for(user)
    if scope.unrestricted:
        return None
    if scope.area is None:
        raise PermissionDenied
    if scope.area.level == AreaLevel.PROVINCE:
        return scope.area
    return Area.objects.get(code=scope.area.province_code)


def checkpoint_of(user) -> Unit | None:
    """The active checkpoint a checkpoint officer works at, or None."""
    scope = scope_for(user)
    if scope.role != Role.CHECKPOINT or scope.unit_id is None:
        return None
    return Unit.objects.filter(pk=scope.unit_id, role=Role.CHECKPOINT, is_active=True).first()


def _name_search(queryset, search_term):
    """Names on the accent-free key at the start of any word; phones as 0912… or +84…."""
    key = name_key(search_term)
    if not key:
        return queryset.none()
    found = Q(person__name_key__startswith=key) | Q(person__name_key__contains=f" {key}")
    phone = phone_or_none(search_term)
    if phone:
        found |= Q(contact_phone=phone) | Q(person__phone=phone)
    return queryset.filter(found)


# -- filters --------------------------------------------------------------------------


class ArrivalDateFilter(admin.DateFieldListFilter):
    """Arrivals of today, tomorrow, the next 7 days or the past; any range with
    ?arrival_on__gte=2026-11-01&arrival_on__lte=2026-11-07 (the form under the links)."""

    template = f"{TEMPLATES}/entrydeclaration/arrival_filter.html"

    def __init__(self, field, request, params, model, model_admin, field_path):
        self.lookup_kwarg_to = f"{field_path}__lte"
        super().__init__(field, request, params, model, model_admin, field_path)
        today = timezone.localdate()
        day = datetime.timedelta(days=1)
        since, until = self.lookup_kwarg_since, self.lookup_kwarg_until
        self.links = (
            (_("Mọi ngày"), {}),
            (_("Hôm nay"), {since: today, until: today + day}),
            (_("Ngày mai"), {since: today + day, until: today + 2 * day}),
            (_("7 ngày tới"), {since: today, until: today + 7 * day}),
            (_("Đã đến (trước hôm nay)"), {until: today}),
        )

    def expected_parameters(self):
        return [*super().expected_parameters(), self.lookup_kwarg_to]

    def choices(self, changelist):
        # The range form keeps the list's other parameters as hidden fields.
        self.range_values = {
            "from": self.date_params.get(self.lookup_kwarg_since, ""),
            "to": self.date_params.get(self.lookup_kwarg_to, ""),
        }
        self.other_params = [
            (name, value)
            for name, value in changelist.params.items()
            if not name.startswith(self.field_generic)
        ]
        yield from super().choices(changelist)


class FollowUpFilter(admin.SimpleListFilter):
    title = _("theo dõi")
    parameter_name = "theo_doi"

    def lookups(self, request, model_admin):
        return [("chua", _("Chưa theo dõi")), ("roi", _("Đã theo dõi"))]

    def queryset(self, request, queryset):
        if self.value() == "chua":
            return queryset.filter(follow_up_done_at__isnull=True)
        if self.value() == "roi":
            return queryset.filter(follow_up_done_at__isnull=False)
        return queryset


class PolicyChangedFilter(admin.SimpleListFilter):
    title = _("chính sách đã đổi")
    parameter_name = "doi_chinh_sach"

    def lookups(self, request, model_admin):
        return [("co", _("Đã đổi sau khi khai"))]

    def queryset(self, request, queryset):
        if self.value() == "co":
            return queryset.filter(policy_changed_at__isnull=False)
        return queryset


class SymptomsFilter(admin.SimpleListFilter):
    title = _("triệu chứng")
    parameter_name = "trieu_chung"

    def lookups(self, request, model_admin):
        return [("co", _("Có triệu chứng")), ("khong", _("Không có triệu chứng"))]

    def queryset(self, request, queryset):
        without = Q(symptoms=[]) & Q(other_symptoms="")
        if self.value() == "co":
            return queryset.exclude(without)
        if self.value() == "khong":
            return queryset.filter(without)
        return queryset


# -- what both admins share -------------------------------------------------------------


class _DeclarationAdmin(DecisionsOnlyMixin, ScopedModelAdmin):
    """Read-only pages of a person's declaration, audited reads, paper add pages."""

    # Staff file paper declarations through the add page.
    added_by_hand = True
    # The services write the audit events of what staff file or decide.
    changes_audited_by_service = True
    empty_value_display = "—"
    # The public page of a declaration is the citizen's, not for staff.
    view_on_site = False
    list_per_page = 100
    search_fields = ("=person__id_number",)
    search_help_text = _("Tìm theo họ tên (gõ không dấu cũng được), số giấy tờ hoặc số điện thoại.")
    #: The list's title ("select … to change" would say staff edit these).
    list_title = ""
    #: The declaration kind in the session's list of filed papers, and what its page reads.
    paper_kind = ""
    filed_related: tuple[str, ...] = ("person",)

    created_at_shown = _shown_date("created_at", _("khai lúc"))

    def changelist_view(self, request, extra_context=None):
        context = {"title": self.list_title, **(extra_context or {})}
        return super().changelist_view(request, context)

    def get_search_results(self, request, queryset, search_term):
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        return results | _name_search(queryset, search_term), may_have_duplicates

    def audit_person(self, obj):
        return obj.person

    @admin.display(description=_("họ và tên"), ordering="person__name_key")
    def person_name(self, obj):
        return obj.person.full_name

    @admin.display(description=_("năm sinh"), ordering="person__date_of_birth")
    def birth_year(self, obj):
        return obj.person.date_of_birth.year

    @admin.display(description=_("ngày sinh"))
    def person_date_of_birth(self, obj):
        return _date(obj.person.date_of_birth)

    @admin.display(description=_("giới tính"))
    def person_sex(self, obj):
        return obj.person.get_sex_display()

    @admin.display(description=_("giấy tờ"))
    def person_document(self, obj):
        person = obj.person
        if not person.id_number:  # a child without a document ("000000000")
            return person.get_id_type_display()
        return f"{person.get_id_type_display()}: {person.id_number}"

    @admin.display(description=_("số giấy tờ"))
    def person_id_number(self, obj):
        return obj.person.id_number

    @admin.display(description=_("số điện thoại liên hệ"))
    def phone_shown(self, obj):
        return phone_for_display(obj.contact_phone)

    @admin.display(description=_("nguồn"), ordering="entered_by_staff")
    def source_shown(self, obj):
        return gettext("Tờ khai giấy") if obj.entered_by_staff else gettext("Trực tuyến")

    # -- pages of this module ------------------------------------------------------------

    def page(self, request, template: str, context: dict, status: int = 200):
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "changelist_url": reverse(f"admin:{self._url_name('changelist')}"),
            **context,
        }
        return render(request, f"{TEMPLATES}/{template}", context, status=status)

    def get_urls(self):
        return [
            path(
                "paper/filed/",
                self.admin_site.admin_view(self.paper_filed_view),
                name=self._url_name("paper_filed"),
            ),
            *super().get_urls(),
        ]

    def _paper_filed(self, request, declaration):
        """Remember what this session filed, then show it (POST/redirect/GET)."""
        filed = request.session.get(FILED_SESSION_KEY, {})
        pks = [pk for pk in filed.get(self.paper_kind, []) if pk != declaration.pk]
        filed[self.paper_kind] = [declaration.pk, *pks][:FILED_KEPT]
        request.session[FILED_SESSION_KEY] = filed
        messages.success(
            request,
            gettext("Đã nhập tờ khai của %(name)s.") % {"name": declaration.person.full_name},
        )
        return redirect(reverse(f"admin:{self._url_name('paper_filed')}"))

    def paper_filed_view(self, request):
        """The paper declarations this staff member filed in this session, newest first:
        who, the policy (entry declarations), where the link was sent, the QR page."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        pks = request.session.get(FILED_SESSION_KEY, {}).get(self.paper_kind, [])
        filed = list(
            self.model.objects.filter(pk__in=pks, declared_by=request.user, entered_by_staff=True)
            .select_related(*self.filed_related)
            .order_by("-created_at", "-pk")
        )
        visible = set()
        if self.has_view_permission(request):
            visible = set(
                self.get_queryset(request).filter(pk__in=pks).values_list("pk", flat=True)
            )
        rows = [
            {
                "declaration": declaration,
                "link": access_url(declaration),
                "change_url": reverse(f"admin:{self._url_name('change')}", args=[declaration.pk])
                if declaration.pk in visible
                else "",
                "policy": policy_summary(declaration)
                if isinstance(declaration, EntryDeclaration)
                else "",
            }
            for declaration in filed
        ]
        context = {
            "title": _("Tờ khai giấy vừa nhập"),
            "rows": rows,
            "add_url": reverse(f"admin:{self._url_name('add')}"),
        }
        return self.page(request, "paper_filed.html", context)

    def _paper_form_page(self, request, make_form, *, title, template: str, file):
        """GET the form; POST "_refresh" shows it again with the lists of what is picked;
        POST files it (file(form) calls the service) → the "filed" page. Bad input is a
        400 and saves nothing."""
        form = make_form(request.POST if request.method == "POST" else None)
        status = 200
        if form.is_bound and "_refresh" in form.data:
            form = make_form(initial=posted_initial(form))
        elif form.is_bound:
            if form.is_valid():
                try:
                    declaration = file(form)
                except ValidationError as exc:
                    form.add_service_errors(exc)
                else:
                    return self._paper_filed(request, declaration)
            status = 400
        context = {"title": title, "form": form, "province": form.province}
        return self.page(request, template, context, status=status)


# -- arrivals -------------------------------------------------------------------------


#: Who the declaration is about and who filed it: the first part of both declaration pages.
PERSON_FIELDSET = (
    _("Người khai báo"),
    {
        "fields": (
            "person_name",
            "person_date_of_birth",
            "person_sex",
            "person_document",
            "phone_shown",
            "relationship",
            "source_shown",
            "declared_by",
            "created_at_shown",
        )
    },
)


@admin.register(EntryDeclaration)
class EntryDeclarationAdmin(PolicyPagesMixin, _DeclarationAdmin):
    # The destination ward's station sees its arrivals; another ward's are a 404.
    scope_path = "destination_ward__path"
    paper_kind = "entry"
    list_title = _("Người đến địa bàn (khai báo vào tỉnh)")
    change_list_template = f"{TEMPLATES}/entrydeclaration/change_list.html"
    change_form_template = f"{TEMPLATES}/entrydeclaration/change_form.html"
    list_display = (
        "person_name",
        "birth_year",
        "origin_short",
        "arrival_shown",
        "travel",
        "policy",
        "follow_up_state",
        "source_shown",
    )
    list_display_links = ("person_name",)
    list_filter = (
        ("arrival_on", ArrivalDateFilter),
        "policy_measure",
        FollowUpFilter,
        PolicyChangedFilter,
        "entered_by_staff",
    )
    list_select_related = (
        "person",
        "origin_area__parent",
        "destination_area__parent",
        "checkpoint",
        "follow_up_by",
    )
    search_fields = ("=person__id_number", "=vehicle_number")
    search_help_text = _(
        "Tìm theo họ tên (gõ không dấu cũng được), số giấy tờ, số điện thoại hoặc số hiệu "
        "chuyến bay, tàu, biển số xe."
    )
    actions = ["follow_up_selected", "export_csv"]
    export_fields = (
        "person_name",
        "person_date_of_birth",
        "person_id_number",
        "phone_shown",
        "origin_short",
        "origin_street",
        "departed_on",
        "arrival_on",
        "means",
        "vehicle_number",
        "checkpoint",
        "destination_area",
        "destination_street",
        "policy_summary_text",
        "policy_ends_on",
        "previous_policy_summary",
        "follow_up_done_at",
        "follow_up_note",
        "entered_by_staff",
    )
    review_related = (
        "person",
        "origin_area__parent",
        "destination_area__parent",
        "destination_ward",
        "checkpoint",
        "policy_version__province",
        "follow_up_by",
        "declared_by",
    )
    filed_related = ("person", "destination_area__parent", "policy_version")
    fieldsets = (
        PERSON_FIELDSET,
        (
            _("Chuyến đi"),
            {
                "fields": (
                    "origin_full",
                    "origin_street",
                    "departed_on_shown",
                    "arrival_shown",
                    "travel",
                    "checkpoint",
                    "destination_area",
                    "destination_street",
                )
            },
        ),
        (_("Tiêm chủng và xét nghiệm"), {"fields": ("vaccination_shown", "test_shown")}),
        (
            _("Chính sách áp dụng"),
            {
                "fields": (
                    "policy",
                    "policy_text",
                    "policy_area_shown",
                    "policy_exception",
                    "policy_ends_on_shown",
                    "policy_version_shown",
                    "policy_computed_at_shown",
                )
            },
        ),
        (_("Theo dõi của Trạm Y tế"), {"fields": ("follow_up_state", "follow_up_note")}),
    )

    arrival_shown = _shown_date("arrival_on", _("ngày đến"))
    departed_on_shown = _shown_date("departed_on", _("ngày khởi hành"))
    policy_ends_on_shown = _shown_date("policy_ends_on", _("kết thúc biện pháp"))
    policy_computed_at_shown = _shown_date("policy_computed_at", _("tính lúc"))

    def get_queryset(self, request):
        # The changelist adds list_select_related only to a queryset without any.
        return arrivals_for_staff(request.user).select_related(*self.list_select_related)

    def get_object(self, request, object_id, from_field=None):
        # As ModelAdmin.get_object, with what the page shows in the same query.
        queryset = self.get_queryset(request).select_related(*self.review_related)
        field = self.opts.pk if from_field is None else self.opts.get_field(from_field)
        try:
            return queryset.get(**{field.name: field.to_python(object_id)})
        except (self.model.DoesNotExist, ValidationError, ValueError):
            return None

    def audit_area(self, obj):
        return obj.destination_ward

    # -- columns -----------------------------------------------------------------------

    @admin.display(description=_("nơi đi"), ordering="origin_area__name")
    def origin_short(self, obj):
        """ "Thôn Đông, Xã Yên Bài": the typed village or the area, then its parent."""
        area = obj.origin_area
        parts = [obj.origin_village_text] if obj.origin_village_text else []
        parts.append(area.name)
        if area.parent is not None and not obj.origin_village_text:
            parts.append(area.parent.name)
        return ", ".join(parts)

    @admin.display(description=_("nơi đi"))
    def origin_full(self, obj):
        return obj.origin_text

    @admin.display(description=_("phương tiện"), ordering="means")
    def travel(self, obj):
        means = obj.get_means_display()
        return f"{means} {obj.vehicle_number}" if obj.vehicle_number else means

    @admin.display(description=_("chính sách"), ordering="policy_measure")
    def policy(self, obj):
        summary = policy_summary(obj)
        if obj.policy_changed_at is None:
            return summary
        return format_html(
            '{} <span class="kb-policy-changed" title="{}">⚠ {}</span>'
            '<br><small class="kb-policy-before">{}</small>',
            summary,
            gettext("Đổi lúc %(when)s") % {"when": datetime_text(obj.policy_changed_at)},
            gettext("chính sách đã đổi"),
            gettext("Trước: %(before)s") % {"before": obj.previous_policy_summary or "—"},
        )

    @admin.display(description=_("chính sách"))
    def policy_summary_text(self, obj):
        return policy_summary(obj)

    @admin.display(description=_("theo dõi"), ordering="follow_up_done_at")
    def follow_up_state(self, obj):
        if obj.follow_up_done_at is None:
            return format_html(
                '<span class="kb-follow-up-todo">{}</span>', gettext("Chưa theo dõi")
            )
        by = obj.follow_up_by.get_full_name() or obj.follow_up_by.username
        return format_html(
            '<span class="kb-follow-up-done">✓ {}</span>',
            gettext("Đã theo dõi %(when)s (%(by)s)")
            % {"when": datetime_text(obj.follow_up_done_at), "by": by},
        )

    @admin.display(description=_("tiêm chủng"))
    def vaccination_shown(self, obj):
        if obj.vaccine_doses:
            text = gettext("%(doses)d mũi, mũi cuối %(day)s") % {
                "doses": obj.vaccine_doses,
                "day": _date(obj.last_dose_on),
            }
        else:
            text = gettext("Chưa tiêm")
        return _with_source(text, obj.vaccination_source)

    @admin.display(description=_("xét nghiệm gần nhất"))
    def test_shown(self, obj):
        if obj.test_outcome:
            text = gettext("%(outcome)s, lấy mẫu %(day)s") % {
                "outcome": obj.get_test_outcome_display(),
                "day": _date(obj.test_sampled_on),
            }
        else:
            text = obj.get_test_outcome_display()
        return _with_source(text, obj.test_source)

    @admin.display(description=_("vùng áp dụng"))
    def policy_area_shown(self, obj):
        if not obj.policy_area_code:
            return gettext("Không có vùng nào trong bảng chính sách")
        area = Area.objects.filter(code=obj.policy_area_code).select_related("parent").first()
        return f"{area} ({area.code})" if area else obj.policy_area_code

    @admin.display(description=_("phiên bản chính sách"))
    def policy_version_shown(self, obj):
        version = obj.policy_version
        where = version.province.name if version.province else gettext("Toàn quốc (mặc định)")
        return format_html(
            '<a href="{}">{}</a>',
            reverse("admin:rules_ruleversion_change", args=[version.pk]),
            gettext("Phiên bản %(number)d (%(where)s), %(document)s, hiệu lực từ %(when)s")
            % {
                "number": version.number,
                "where": where,
                "document": version.document,
                "when": datetime_text(version.effective_from),
            },
        )

    # -- the page and its follow-up -------------------------------------------------------

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            may_follow_up = self.has_decision_permission(request) and not obj.follow_up_done_at
            context.update(
                follow_up_form=FollowUpForm() if may_follow_up else None,
                follow_up_url=self._follow_up_url(request, obj),
            )
        return super().render_change_form(request, context, add, change, form_url, obj)

    def get_urls(self):
        return [
            *self.policy_urls(),
            path(
                "<path:object_id>/follow_up/",
                self.admin_site.admin_view(self.follow_up_view),
                name=self._url_name("follow_up"),
            ),
            *super().get_urls(),
        ]

    def _follow_up_url(self, request, obj) -> str:
        url = reverse(f"admin:{self._url_name('follow_up')}", args=[obj.pk])
        return add_preserved_filters(
            {"preserved_filters": self.get_preserved_filters(request), "opts": self.opts}, url
        )

    def _changelist_url(self, request) -> str:
        url = reverse(f"admin:{self._url_name('changelist')}")
        return add_preserved_filters(
            {"preserved_filters": self.get_preserved_filters(request), "opts": self.opts}, url
        )

    def _get_arrival_for_decision(self, request, object_id) -> EntryDeclaration:
        """The declaration, if the user may decide and it is inside their scope: the
        permission first (403 whatever the object), then another ward's is a 404."""
        if not self.has_decision_permission(request):
            raise PermissionDenied
        declaration = self.get_object(request, object_id)
        if declaration is None:
            raise Http404(_("Không tìm thấy hồ sơ."))
        return declaration

    def follow_up_view(self, request, object_id):
        """GET: the form with an optional note (or when and by whom it was done).
        POST: entry_follow_up_mark → message → back to the list."""
        if request.method not in ("GET", "HEAD", "POST"):
            return HttpResponseNotAllowed(["GET", "POST"])
        declaration = self._get_arrival_for_decision(request, object_id)
        form = FollowUpForm(request.POST if request.method == "POST" else None)
        status = 200
        if request.method != "POST":
            # The page shows the person: a staff read, like their declaration's page.
            self._audit(request, declaration, AuditAction.VIEW, detail={"page": "follow_up"})
        if request.method == "POST" and declaration.follow_up_done_at is None:
            if form.is_valid():
                try:
                    entry_follow_up_mark(
                        declaration=declaration,
                        by=request.user,
                        note=form.cleaned_data["note"],
                        ip=client_ip(request),
                    )
                except ValidationError as exc:  # marked by a colleague meanwhile
                    messages.error(request, " ".join(exc.messages))
                    return redirect(
                        reverse(f"admin:{self._url_name('change')}", args=[declaration.pk])
                    )
                messages.success(
                    request,
                    gettext("Đã đánh dấu %(name)s đã được theo dõi.")
                    % {"name": declaration.person.full_name},
                )
                return redirect(self._changelist_url(request))
            status = 400
        context = {
            "title": _("Đánh dấu đã theo dõi"),
            "declaration": declaration,
            "form": form,
            "change_url": reverse(f"admin:{self._url_name('change')}", args=[declaration.pk]),
            "preserved_filters": self.get_preserved_filters(request),
        }
        return self.page(request, "entrydeclaration/follow_up.html", context, status=status)

    @admin.action(description=_("Đánh dấu đã theo dõi các người đã chọn"), permissions=["change"])
    def follow_up_selected(self, request, queryset):
        marked = skipped = 0
        for declaration in queryset:
            if declaration.follow_up_done_at is not None:
                skipped += 1
                continue
            try:
                entry_follow_up_mark(
                    declaration=declaration, by=request.user, ip=client_ip(request)
                )
            except ValidationError:  # marked by a colleague since the list was shown
                skipped += 1
            else:
                marked += 1
        if marked:
            messages.success(
                request,
                ngettext(
                    "Đã đánh dấu %(count)d người đã được theo dõi.",
                    "Đã đánh dấu %(count)d người đã được theo dõi.",
                    marked,
                )
                % {"count": marked},
            )
        if skipped:
            messages.info(
                request,
                ngettext(
                    "Bỏ qua %(count)d người đã được đánh dấu từ trước.",
                    "Bỏ qua %(count)d người đã được đánh dấu từ trước.",
                    skipped,
                )
                % {"count": skipped},
            )

    # -- a paper entry declaration ---------------------------------------------------------

    def add_view(self, request, form_url="", extra_context=None):
        if not self.has_add_permission(request):
            raise PermissionDenied
        if request.method not in ("GET", "HEAD", "POST"):
            return HttpResponseNotAllowed(["GET", "POST"])
        province, checkpoint = staff_province(request.user), checkpoint_of(request.user)

        def make_form(data=None, initial=None):
            return PaperEntryForm(data, initial=initial, province=province, checkpoint=checkpoint)

        def file(form):
            return paper_entry_file(
                by=request.user,
                person=form.paper_person(),
                trip=form.trip(),
                status=form.status(),
                submission_key=form.cleaned_data["submission_key"],
                ip=client_ip(request),
            )

        return self._paper_form_page(
            request,
            make_form,
            title=_("Nhập tờ khai vào tỉnh (tờ khai giấy)"),
            template="entrydeclaration/paper.html",
            file=file,
        )


def _with_source(text: str, source: str) -> str:
    verified = source == Source.VERIFIED
    return format_html(
        '{} <span class="kb-source kb-source-{}">{}</span>',
        text,
        "verified" if verified else "self",
        Source(source).label if source else Source.SELF.label,
    )


# -- health declarations -----------------------------------------------------------------


@admin.register(HealthDeclaration)
class HealthDeclarationAdmin(_DeclarationAdmin):
    scope_path = "area__path"
    paper_kind = "health"
    list_title = _("Khai báo y tế trong tỉnh")
    change_list_template = f"{TEMPLATES}/healthdeclaration/change_list.html"
    list_display = (
        "person_name",
        "birth_year",
        "area_shown",
        "created_at_shown",
        "symptoms_shown",
        "contact_with_case",
        "travelled",
        "source_shown",
    )
    list_display_links = ("person_name",)
    list_filter = (
        ("created_at", admin.DateFieldListFilter),
        SymptomsFilter,
        "contact_with_case",
        "travelled",
        "entered_by_staff",
    )
    list_select_related = ("person", "area__parent")
    export_fields = (
        "person_name",
        "person_date_of_birth",
        "person_id_number",
        "phone_shown",
        "area",
        "street_address",
        "created_at",
        "symptoms_shown",
        "other_symptoms",
        "contact_with_case",
        "travelled",
        "travel_places",
        "entered_by_staff",
    )
    filed_related = ("person", "area__parent")
    fieldsets = (
        PERSON_FIELDSET,
        (_("Nơi ở hiện tại"), {"fields": ("area", "street_address")}),
        (
            _("Sức khoẻ"),
            {
                "fields": (
                    "symptoms_shown",
                    "other_symptoms",
                    "contact_with_case",
                    "travelled",
                    "travel_places",
                )
            },
        ),
    )

    def get_queryset(self, request):
        # The changelist adds list_select_related only to a queryset without any.
        return health_declarations_for_staff(request.user).select_related(*self.list_select_related)

    @admin.display(description=_("nơi ở"), ordering="area__name")
    def area_shown(self, obj):
        return str(obj.area)

    @admin.display(description=_("triệu chứng"))
    def symptoms_shown(self, obj):
        labels = dict(Symptom.choices)
        shown = [str(labels.get(code, code)) for code in obj.symptoms]
        if obj.other_symptoms:
            shown.append(obj.other_symptoms)
        return ", ".join(shown) or gettext("Không")

    def add_view(self, request, form_url="", extra_context=None):
        if not self.has_add_permission(request):
            raise PermissionDenied
        if request.method not in ("GET", "HEAD", "POST"):
            return HttpResponseNotAllowed(["GET", "POST"])
        province = staff_province(request.user)

        def make_form(data=None, initial=None):
            return PaperHealthForm(data, initial=initial, province=province)

        def file(form):
            return paper_health_file(
                by=request.user,
                person=form.paper_person(),
                submission_key=form.cleaned_data["submission_key"],
                ip=client_ip(request),
                **form.declaration_data(),
            )

        return self._paper_form_page(
            request,
            make_form,
            title=_("Nhập tờ khai y tế (tờ khai giấy)"),
            template="healthdeclaration/paper.html",
            file=file,
        )
