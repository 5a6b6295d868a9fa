"""The permission matrix: every admin URL × anonymous, citizen, each role and each place.

URLs come from `admin.site._registry` and each model admin's own URL list, so a newly
registered model, or a new URL on a model admin, is opened here automatically. A model
missing from OBJECTS or ALLOWED, or a URL kind this module does not know, fails the run
until the tables below say what is expected of it.

Expectations (DESIGN.md §5 "Staff scope"):
- anonymous and citizen accounts are sent to the admin login page;
- a role without a permission gets 403, whatever the object;
- another area's object is a 404 on every object URL and for an action posted with its
  id; its rows are absent from changelists, autocomplete results and CSV exports;
- the same user opens its own area's objects (200), so each 404 here can fail.
"""

import datetime
import json
import uuid

import pytest
from django.contrib import admin
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils import timezone

from checkpoints.declaring.models import TravelMeans
from checkpoints.declaring.services import (
    Traveller,
    Trip,
    entry_declarations_submit,
    health_declaration_submit,
)
from checkpoints.exposure.models import ExposureNotice
from checkpoints.venues.models import VenueKind
from checkpoints.venues.services import venue_register
from declarations.labresults.models import LabImport
from declarations.labresults.tokens import token_create
from khaibao.access.admin import ScopedModelAdmin
from khaibao.accounts.models import StaffProfile, User
from khaibao.accounts.roles import Role
from khaibao.audit.models import AuditAction, AuditEvent
from khaibao.people.models import Relationship
from tests.declarations.labresults.factories import make_lab, record
from tests.factories import make_staff
from tests.vaccination.factories import give_dose, make_unit, make_unit_staff, submit_correction
from vaccination.models import DoseImport, VaccinationCertificate, WardDefaultUnit

from .admin_urls import (
    F0_DECISION_KINDS,
    HOMECARE_ACTION_KINDS,
    LIST_KINDS,
    OBJECT_KINDS,
    VACCINATION_DECISION_KINDS,
    VENUE_DECISION_KINDS,
    admin_url,
    assert_login_redirect,
    csv_rows,
    grant_model_permissions,
    open_admin_url,
    post_action,
    registered_models,
    url_kinds,
)

PLACES = ("ward1", "ward2", "other_province")

#: Fixtures giving, for each registered model, one object in ward 1, one in ward 2 and
#: one in the other province (in PLACES order).
OBJECTS = {
    "people.person": ("citizen_person", "ward2_person", "other_province_person"),
    "areas.area": ("village1", "village2", "other_village"),
    "accounts.user": ("ward1_staff", "ward2_staff", "other_province_staff"),
    "audit.auditevent": ("ward1_event", "ward2_event", "other_province_event"),
    "declarations.f0declaration": (
        "ward1_declaration",
        "ward2_declaration",
        "other_province_declaration",
    ),
    "rules.ruleversion": ("province_rule", "province_rule_2", "other_province_rule"),
    "accounts.unit": ("ward1_unit", "ward2_unit", "other_province_unit"),
    "declarations.homecarepatient": (
        "ward1_homecare_patient",
        "ward2_homecare_patient",
        "other_province_homecare_patient",
    ),
    "declarations.guidancedocument": (
        "province_guidance",
        "province_guidance_2",
        "other_province_guidance",
    ),
    # Results by where the person lives; keys and uploads by where their lab is.
    "declarations.labresult": ("ward1_lab_result", "ward2_lab_result", "other_province_lab_result"),
    "declarations.labtoken": ("ward1_lab_token", "ward2_lab_token", "other_province_lab_token"),
    "declarations.labimport": ("ward1_lab_import", "ward2_lab_import", "other_province_lab_import"),
    # Vaccination rows by the unit they belong to (a certificate: its dose's unit); a
    # ward's default unit by the ward.
    "vaccination.doserecord": ("ward1_dose", "ward2_dose", "other_province_dose"),
    "vaccination.doseimport": (
        "ward1_dose_import",
        "ward2_dose_import",
        "other_province_dose_import",
    ),
    "vaccination.correctionrequest": (
        "ward1_correction",
        "ward2_correction",
        "other_province_correction",
    ),
    "vaccination.vaccinationcertificate": (
        "ward1_vaccination_certificate",
        "ward2_vaccination_certificate",
        "other_province_vaccination_certificate",
    ),
    "vaccination.warddefaultunit": (
        "ward1_default_unit",
        "ward2_default_unit",
        "other_province_default_unit",
    ),
    # Arrivals by the ward they go to; health declarations by where the person lives.
    "checkpoints.entrydeclaration": ("ward1_arrival", "ward2_arrival", "other_province_arrival"),
    "checkpoints.healthdeclaration": (
        "ward1_health_declaration",
        "ward2_health_declaration",
        "other_province_health_declaration",
    ),
    # Venues by their ward (the station that decides on them).
    "checkpoints.venue": ("ward1_venue", "ward2_venue", "other_province_venue"),
    # Exposure notices by where their F0 case isolates.
    "checkpoints.exposurenotice": ("ward1_exposure", "ward2_exposure", "other_province_exposure"),
}

#: Models whose rows belong to a whole province (rule versions): both "ward" objects are
#: the ward-1 user's own province's, so only the other province's is out of its sight.
PROVINCE_WIDE = frozenset({"rules.ruleversion", "declarations.guidancedocument"})

#: Models that belong to no area, with a fixture giving one object. Only superusers open
#: them, or a role granted their permissions (the province admin: the trust list); they
#: have no ward objects and no scope to test.
UNSCOPED = {
    "notify.smsmessage": "sms_message",
    "accounts.phoneloginguard": "phone_login_guard",
    # The national trust list; the province admin is granted its permissions.
    "trust.trustedcertificate": "trusted_certificate",
}

#: What identifies an object in its CSV export, per model.
CSV_KEY = {
    "people.person": lambda person: person.id_number,
    "areas.area": lambda area: area.code,
    "accounts.user": lambda user: user.username,
    "audit.auditevent": lambda event: event.object_repr,
    "declarations.f0declaration": lambda declaration: declaration.person.id_number,
    "rules.ruleversion": lambda version: version.document,
    "accounts.unit": lambda unit: unit.code,
    "declarations.homecarepatient": lambda patient: f"CS-{patient.pk:06d}",
    "declarations.guidancedocument": lambda document: document.title,
    "declarations.labresult": lambda result: result.sample_id,
    "declarations.labtoken": lambda token: token.name,
    "declarations.labimport": lambda upload: upload.file_name,
    "vaccination.doserecord": lambda dose: dose.lot,
    "vaccination.doseimport": lambda upload: upload.file_name,
    "vaccination.correctionrequest": lambda correction: correction.tracking_code,
    "vaccination.vaccinationcertificate": lambda certificate: certificate.uvci,
    "vaccination.warddefaultunit": lambda default: str(default.ward),
    "checkpoints.entrydeclaration": lambda declaration: declaration.person.id_number,
    "checkpoints.healthdeclaration": lambda declaration: declaration.person.id_number,
    "checkpoints.venue": lambda venue: venue.name,
    "checkpoints.exposurenotice": lambda notice: str(notice.person),
}

READ = frozenset({"changelist", "change", "history", "export"})
NOTHING = frozenset()
#: Reading F0 declarations (and their photos), exporting a date range, and deciding.
F0_DECIDE = READ | {"photo", "export_range"} | F0_DECISION_KINDS
#: Reading rule versions and comparing two; scheduling is the province admin's.
RULES_READ = READ | {"diff"}
#: Home care: the board, the patient page, the report export and every action on a
#: patient (accept, reject, end care, a call note, acknowledge an alert).
HOMECARE_STAFF = READ | {"export_range"} | HOMECARE_ACTION_KINDS
#: Lab results: reading them and the timeliness page; the lab also types results in and
#: uploads CSV files ("change" on a result is its correction, a form on its page).
LAB_RESULTS_READ = READ | {"timeliness"}
LAB_RESULTS_LAB = LAB_RESULTS_READ | {"add", "import"}
#: A correction request: reading it and its photo, and the decisions (the province's
#: only once the request is escalated; the page says so otherwise).
CORRECTIONS_DECIDE = READ | {"request_photo"} | VACCINATION_DECISION_KINDS
#: Arrivals: the destination ward's station reads them, marks each one followed up, types
#: paper declarations in and reads the policy table; a checkpoint only types papers in
#: and reads the table; the province reads them and changes the table.
ARRIVALS_STATION = READ | {"add", "follow_up", "paper_filed", "policies"}
ARRIVALS_CHECKPOINT = frozenset({"add", "paper_filed", "policies"})
ARRIVALS_PROVINCE = READ | {"policies", "policy_set", "policy_remove"}
#: Health declarations: read (the station, the province) and typed in from paper.
HEALTH_STATION = READ | {"add", "paper_filed"}
PAPER_ONLY = frozenset({"add", "paper_filed"})
#: Venues: the ward's station reads them and approves or rejects each registration.
VENUES_STATION = READ | VENUE_DECISION_KINDS
#: The texts sent, and the page to trace a case and send them.
EXPOSURE = READ | {"cases"}
#: What a role without any checkpoints permission opens of it: nothing.
NO_CHECKPOINTS = {
    "checkpoints.entrydeclaration": NOTHING,
    "checkpoints.healthdeclaration": NOTHING,
    "checkpoints.venue": NOTHING,
    "checkpoints.exposurenotice": NOTHING,
}
#: What a role without any vaccination permission opens of vaccination: nothing.
NO_VACCINATION = {
    "vaccination.doserecord": NOTHING,
    "vaccination.doseimport": NOTHING,
    "vaccination.correctionrequest": NOTHING,
    "vaccination.vaccinationcertificate": NOTHING,
    "vaccination.warddefaultunit": NOTHING,
}

#: What each persona may open, per model. Every other URL of the model is a 403.
ALLOWED = {
    "ward1_staff": {
        "people.person": READ | {"add"},
        "areas.area": READ | {"add", "import_villages"},
        "accounts.user": NOTHING,
        "audit.auditevent": NOTHING,
        "declarations.f0declaration": F0_DECIDE,
        "notify.smsmessage": NOTHING,
        "accounts.phoneloginguard": NOTHING,
        "rules.ruleversion": RULES_READ,
        "trust.trustedcertificate": NOTHING,
        "accounts.unit": NOTHING,
        "declarations.homecarepatient": HOMECARE_STAFF,
        "declarations.guidancedocument": NOTHING,
        "declarations.labresult": LAB_RESULTS_READ,
        "declarations.labtoken": NOTHING,
        "declarations.labimport": NOTHING,
        **NO_VACCINATION,
        "checkpoints.entrydeclaration": ARRIVALS_STATION,
        "checkpoints.healthdeclaration": HEALTH_STATION,
        "checkpoints.venue": VENUES_STATION,
        "checkpoints.exposurenotice": EXPOSURE,
    },
    "checkpoint_officer": {
        "people.person": READ,
        "areas.area": READ,
        "accounts.user": NOTHING,
        "audit.auditevent": NOTHING,
        "declarations.f0declaration": NOTHING,
        "notify.smsmessage": NOTHING,
        "accounts.phoneloginguard": NOTHING,
        "rules.ruleversion": RULES_READ,
        "trust.trustedcertificate": NOTHING,
        "accounts.unit": NOTHING,
        "declarations.homecarepatient": NOTHING,
        "declarations.guidancedocument": NOTHING,
        "declarations.labresult": NOTHING,
        "declarations.labtoken": NOTHING,
        "declarations.labimport": NOTHING,
        **NO_VACCINATION,
        "checkpoints.entrydeclaration": ARRIVALS_CHECKPOINT,
        "checkpoints.healthdeclaration": PAPER_ONLY,
        "checkpoints.venue": NOTHING,
        "checkpoints.exposurenotice": NOTHING,
    },
    "lab_user": {
        "people.person": READ | {"add"},
        "areas.area": READ,
        "accounts.user": NOTHING,
        "audit.auditevent": NOTHING,
        "declarations.f0declaration": NOTHING,
        "notify.smsmessage": NOTHING,
        "accounts.phoneloginguard": NOTHING,
        "rules.ruleversion": RULES_READ,
        "trust.trustedcertificate": NOTHING,
        "accounts.unit": NOTHING,
        "declarations.homecarepatient": NOTHING,
        "declarations.guidancedocument": NOTHING,
        "declarations.labresult": LAB_RESULTS_LAB,
        "declarations.labtoken": READ | {"add"},
        "declarations.labimport": READ,
        **NO_VACCINATION,
        **NO_CHECKPOINTS,
    },
    "province_admin": {
        "people.person": READ | {"add"},
        "areas.area": READ | {"add", "import_villages"},
        "accounts.user": READ | {"add", "password_change"},
        "audit.auditevent": READ,
        "declarations.f0declaration": F0_DECIDE,
        "notify.smsmessage": NOTHING,
        "accounts.phoneloginguard": NOTHING,
        "rules.ruleversion": RULES_READ | {"add", "schedule"},
        # Imports foreign signing certificates; withdrawing them is an action on the list.
        "trust.trustedcertificate": READ | {"import"},
        # The province's units: stations, facilities, labs (closed ones made inactive).
        "accounts.unit": READ | {"add"},
        "declarations.homecarepatient": HOMECARE_STAFF,
        "declarations.guidancedocument": READ | {"add", "delete"},
        "declarations.labresult": LAB_RESULTS_READ,
        "declarations.labtoken": READ,
        "declarations.labimport": NOTHING,
        # Reads every unit's doses and uploads; names each ward's default unit.
        "vaccination.doserecord": READ,
        "vaccination.doseimport": READ,
        "vaccination.correctionrequest": CORRECTIONS_DECIDE,
        "vaccination.vaccinationcertificate": READ,
        "vaccination.warddefaultunit": READ | {"add", "delete"},
        "checkpoints.entrydeclaration": ARRIVALS_PROVINCE,
        "checkpoints.healthdeclaration": READ,
        "checkpoints.venue": READ,
        "checkpoints.exposurenotice": EXPOSURE,
    },
    "vaccination_unit_staff": {
        "people.person": READ | {"add"},
        "areas.area": READ,
        "accounts.user": NOTHING,
        "audit.auditevent": NOTHING,
        "declarations.f0declaration": NOTHING,
        "notify.smsmessage": NOTHING,
        "accounts.phoneloginguard": NOTHING,
        "rules.ruleversion": RULES_READ,
        "trust.trustedcertificate": NOTHING,
        "accounts.unit": NOTHING,
        "declarations.homecarepatient": NOTHING,
        "declarations.guidancedocument": NOTHING,
        "declarations.labresult": NOTHING,
        "declarations.labtoken": NOTHING,
        "declarations.labimport": NOTHING,
        # Types doses in and uploads CSV files ("change" on a dose is its correction, a
        # form on its page); decides its unit's correction requests.
        "vaccination.doserecord": READ | {"add", "import"},
        "vaccination.doseimport": READ,
        "vaccination.correctionrequest": CORRECTIONS_DECIDE,
        "vaccination.vaccinationcertificate": READ,
        "vaccination.warddefaultunit": NOTHING,
        **NO_CHECKPOINTS,
    },
    "staff_without_role": {
        "people.person": NOTHING,
        "areas.area": NOTHING,
        "accounts.user": NOTHING,
        "audit.auditevent": NOTHING,
        "declarations.f0declaration": NOTHING,
        "notify.smsmessage": NOTHING,
        "accounts.phoneloginguard": NOTHING,
        "rules.ruleversion": NOTHING,
        "trust.trustedcertificate": NOTHING,
        "accounts.unit": NOTHING,
        "declarations.homecarepatient": NOTHING,
        "declarations.guidancedocument": NOTHING,
        "declarations.labresult": NOTHING,
        "declarations.labtoken": NOTHING,
        "declarations.labimport": NOTHING,
        **NO_VACCINATION,
        **NO_CHECKPOINTS,
    },
}

#: URLs nobody opens, whatever permissions they hold: the audit log is append-only and
#: areas come from the official list (villages are never deleted, residents point there).
NEVER = frozenset(
    {
        ("areas.area", "delete"),
        ("audit.auditevent", "add"),
        ("audit.auditevent", "delete"),
        # Citizens declare and declarations are kept: the station only decides on them.
        ("declarations.f0declaration", "add"),
        ("declarations.f0declaration", "delete"),
        # A rule version is never edited or deleted: a change is a new version. Withdrawing
        # one not yet in force is a POST (GET is refused for everyone): tests/rules.
        ("rules.ruleversion", "delete"),
        ("rules.ruleversion", "withdraw"),
        # Trust-list certificates come from an import and are withdrawn, never edited.
        ("trust.trustedcertificate", "add"),
        ("trust.trustedcertificate", "delete"),
        # Staff and records point at units: a closed unit is made inactive instead.
        ("accounts.unit", "delete"),
        # Patients come from F0 acceptance, lab results and registrations, and are kept.
        ("declarations.homecarepatient", "add"),
        ("declarations.homecarepatient", "delete"),
        # Results are corrected (a new result), never deleted; keys are revoked; uploads
        # are made from the results' import page and kept.
        ("declarations.labresult", "delete"),
        ("declarations.labtoken", "delete"),
        ("declarations.labimport", "add"),
        ("declarations.labimport", "delete"),
        # Doses are corrected, never deleted; uploads come from the doses' import page;
        # requests come from citizens and certificates from the services, all kept.
        ("vaccination.doserecord", "delete"),
        ("vaccination.doseimport", "add"),
        ("vaccination.doseimport", "delete"),
        ("vaccination.correctionrequest", "add"),
        ("vaccination.correctionrequest", "delete"),
        ("vaccination.vaccinationcertificate", "add"),
        ("vaccination.vaccinationcertificate", "delete"),
        # Declarations are kept: staff file paper ones, and only mark arrivals followed up.
        ("checkpoints.entrydeclaration", "delete"),
        ("checkpoints.healthdeclaration", "delete"),
        # Managers register venues (their own pages) and venues are kept: the station
        # only decides on them.
        ("checkpoints.venue", "add"),
        ("checkpoints.venue", "delete"),
        # Exposure notices are written by the "send" of a case's list, and kept.
        ("checkpoints.exposurenotice", "add"),
        ("checkpoints.exposurenotice", "delete"),
    }
)

#: Source fields whose form widget asks /admin/autocomplete/ for choices.
AUTOCOMPLETE_SOURCES = (
    ("people", "person", "area"),
    ("accounts", "staffprofile", "area"),
    ("accounts", "unit", "area"),
)

#: The admin site's own URLs (not a model's) and whether they need a staff login.
SITE_URLS = {
    "index": True,
    "app_list": True,
    "password_change": True,
    "password_change_done": True,
    "jsi18n": True,
    "autocomplete": True,
    "view_on_site": True,
    "login": False,
    "logout": False,
}

MODEL_URLS = [
    pytest.param(model, kind, id=f"{model._meta.label_lower}-{kind}")
    for model in registered_models()
    for kind in url_kinds(model)
]
MODELS = [pytest.param(model, id=model._meta.label_lower) for model in registered_models()]
SCOPED_MODELS = [param for param in MODELS if param.values[0]._meta.label_lower not in UNSCOPED]


# -- helpers --------------------------------------------------------------------------


def _objects(request, model) -> dict:
    label = model._meta.label_lower
    if label in UNSCOPED:
        obj = request.getfixturevalue(UNSCOPED[label])
        return dict.fromkeys(PLACES, obj)
    if label not in OBJECTS:
        pytest.fail(f"{label} is registered in the admin: add its ward objects to OBJECTS")
    return dict(
        zip(PLACES, [request.getfixturevalue(name) for name in OBJECTS[label]], strict=True)
    )


def _allowed(persona: str, model) -> frozenset:
    label = model._meta.label_lower
    if label not in ALLOWED[persona]:
        pytest.fail(f"{label} is registered in the admin: say what {persona} may open")
    return ALLOWED[persona][label]


def _persona(request, name: str) -> User:
    if name == "staff_without_role":
        request.getfixturevalue("db")
        return User.objects.create_user(username="khong-vai-tro", is_staff=True)
    return request.getfixturevalue(name)


def _ward1_user_with_every_permission_on(request, model) -> User:
    """A ward-1 station account that also holds every permission on `model`.

    With permissions out of the way, only the scope can turn a request into a 404.
    """
    user = make_staff(
        username="tram-y-te-1-du-quyen",
        role=Role.WARD_STATION,
        area=request.getfixturevalue("ward1"),
        by=request.getfixturevalue("superuser"),
    )
    return grant_model_permissions(user, model)


def _outside_ward1(model, objects: dict):
    """An object a ward-1 user must not see: ward 2's, or for province-wide rows (both of
    its "ward" objects are its own province's) the other province's."""
    if model._meta.label_lower in PROVINCE_WIDE:
        return objects["other_province"]
    return objects["ward2"]


def _ward1_actor(request, who: str, model) -> User:
    if who == "ward1_staff":
        return request.getfixturevalue("ward1_staff")
    return _ward1_user_with_every_permission_on(request, model)


def _assert_opens(response, kind: str) -> None:
    assert response.status_code == 200
    if kind == "export":
        assert response["Content-Type"].startswith("text/csv")
    if kind == "photo":
        assert response["Content-Type"] == "image/jpeg"


def _changelist_pks(response) -> set:
    assert response.status_code == 200
    return {obj.pk for obj in response.context["cl"].result_list}


def _exported_cells(response) -> set[str]:
    """Every cell of a CSV download below its header row."""
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    return {cell for row in csv_rows(response)[1:] for cell in row}


def _export_event_count() -> int:
    return AuditEvent.objects.filter(action=AuditAction.EXPORT).count()


def _scope_actors():
    """Ward-1 users whose scope is tested: the station role, where it may read the model,
    and on every model a ward-1 account holding all of the model's permissions."""
    params = []
    for model in registered_models():
        label = model._meta.label_lower
        if label in UNSCOPED:
            continue
        if "changelist" in ALLOWED["ward1_staff"].get(label, NOTHING):
            params.append(pytest.param("ward1_staff", model, id=f"ward1_staff-{label}"))
        params.append(pytest.param("ward1_all_permissions", model, id=f"all_perms-{label}"))
    return params


SCOPE_ACTORS = _scope_actors()


# -- the tables are complete ---------------------------------------------------------


@pytest.mark.parametrize("model", MODELS)
def test_every_registered_model_has_ward_objects_and_role_expectations(model):
    label = model._meta.label_lower
    if label in UNSCOPED:
        assert not isinstance(admin.site._registry[model], ScopedModelAdmin)
    else:
        assert label in OBJECTS, f"add {label}'s ward-1 / ward-2 / other-province fixtures"
        assert label in CSV_KEY, f"say what identifies a {label} in its CSV export"
    for persona, table in ALLOWED.items():
        assert label in table, f"say what {persona} may open on {label}"


@pytest.mark.parametrize("model", MODELS)
def test_every_url_of_a_model_admin_is_a_kind_the_matrix_knows(model):
    unknown = set(url_kinds(model)) - OBJECT_KINDS - LIST_KINDS
    assert not unknown, f"new admin URL(s) {unknown}: add them to the matrix"


def test_every_admin_site_url_is_in_the_matrix():
    names = {pattern.name for pattern in admin.site.get_urls() if getattr(pattern, "name", None)}
    assert names <= set(SITE_URLS), f"new admin site URL(s): {names - set(SITE_URLS)}"


def test_every_autocomplete_widget_is_in_the_matrix(client, superuser):
    """Open each add form as the superuser and collect the autocomplete widgets it shows."""
    client.force_login(superuser)
    found = set()
    for model in registered_models():
        response = client.get(admin_url(model, "add"))
        if response.status_code != 200:
            continue
        adminform = response.context.get("adminform")
        if adminform is None:  # an add page of its own (rules: choose the kind first)
            continue
        for field in adminform.form.fields.values():
            widget = getattr(field.widget, "widget", field.widget)
            if hasattr(widget, "field") and hasattr(widget, "url_name"):
                opts = widget.field.model._meta
                found.add((opts.app_label, opts.model_name, widget.field.name))
    assert found == set(AUTOCOMPLETE_SOURCES)


# -- anonymous and citizen -----------------------------------------------------------


@pytest.mark.parametrize(("model", "kind"), MODEL_URLS)
def test_anonymous_visitor_is_sent_to_the_admin_login(client, request, model, kind):
    obj = _objects(request, model)["ward1"]
    assert_login_redirect(open_admin_url(client, model, kind, obj))


@pytest.mark.parametrize(("model", "kind"), MODEL_URLS)
def test_citizen_is_sent_to_the_admin_login(client, request, citizen, model, kind):
    obj = _objects(request, model)["ward1"]
    client.force_login(citizen)
    response = open_admin_url(client, model, kind, obj)
    assert_login_redirect(response)
    assert not response.get("Content-Disposition")


def _site_url(request, name: str) -> str:
    if name == "app_list":
        return reverse("admin:app_list", args=["people"])
    if name == "view_on_site":
        person = request.getfixturevalue("citizen_person")
        content_type = ContentType.objects.get_for_model(person)
        return reverse("admin:view_on_site", args=[content_type.pk, person.pk])
    if name == "autocomplete":
        return reverse("admin:autocomplete") + "?app_label=people&model_name=person&field_name=area"
    return reverse(f"admin:{name}")


@pytest.mark.parametrize("name", [name for name, staff in SITE_URLS.items() if staff])
@pytest.mark.parametrize("visitor", ["anonymous", "citizen"])
def test_admin_site_pages_need_a_staff_login(client, request, visitor, name):
    if visitor == "citizen":
        client.force_login(request.getfixturevalue("citizen"))
    assert_login_redirect(client.get(_site_url(request, name)))


def test_ward1_station_opens_the_admin_index_with_its_models_only(client, ward1_staff):
    client.force_login(ward1_staff)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 200
    shown = {
        model["object_name"] for app in response.context["app_list"] for model in app["models"]
    }
    assert shown == {
        "Person",
        "Area",
        "F0Declaration",
        "HomeCarePatient",
        "RuleVersion",
        "LabResult",
        "EntryDeclaration",
        "HealthDeclaration",
        "Venue",
        "ExposureNotice",
    }


def test_view_on_site_is_404_for_another_wards_person(client, ward1_staff, ward2_person):
    client.force_login(ward1_staff)
    content_type = ContentType.objects.get_for_model(ward2_person)
    response = client.get(reverse("admin:view_on_site", args=[content_type.pk, ward2_person.pk]))
    assert response.status_code == 404


# -- roles -----------------------------------------------------------------------------


@pytest.mark.parametrize("persona", list(ALLOWED))
@pytest.mark.parametrize(("model", "kind"), MODEL_URLS)
def test_each_role_opens_exactly_the_urls_its_permissions_allow(
    client, request, persona, model, kind
):
    allowed = kind in _allowed(persona, model) and (model._meta.label_lower, kind) not in NEVER
    obj = _objects(request, model)["ward1"]
    client.force_login(_persona(request, persona))
    response = open_admin_url(client, model, kind, obj)
    if allowed:
        _assert_opens(response, kind)
    else:
        assert response.status_code == 403


def _roles_without_view():
    return [
        pytest.param(persona, model, kind, id=f"{persona}-{model._meta.label_lower}-{kind}")
        for persona, table in ALLOWED.items()
        for model in registered_models()
        if not table.get(model._meta.label_lower)
        for kind in sorted(OBJECT_KINDS & set(url_kinds(model)))
    ]


@pytest.mark.parametrize(("persona", "model", "kind"), _roles_without_view())
def test_role_without_view_permission_gets_403_for_any_object(
    client, request, persona, model, kind
):
    """403 in and out of the scope alike: the answer says nothing about the object."""
    client.force_login(_persona(request, persona))
    for place, obj in _objects(request, model).items():
        response = open_admin_url(client, model, kind, obj)
        assert response.status_code == 403, place


@pytest.mark.parametrize(
    "source", [pytest.param(source, id=".".join(source)) for source in AUTOCOMPLETE_SOURCES]
)
def test_autocomplete_is_403_without_view_permission_on_the_target(client, request, source):
    client.force_login(_persona(request, "staff_without_role"))
    assert client.get(_autocomplete_url(source, "")).status_code == 403


# -- scope: ward 1 against ward 2 ------------------------------------------------------


def _scope_object_urls():
    return [
        pytest.param(who, model, kind, id=f"{param.id}-{kind}")
        for param in SCOPE_ACTORS
        for who, model in [param.values]
        for kind in sorted(OBJECT_KINDS & set(url_kinds(model)))
        if (model._meta.label_lower, kind) not in NEVER
        and (who != "ward1_staff" or kind in ALLOWED["ward1_staff"][model._meta.label_lower])
    ]


@pytest.mark.parametrize(("who", "model", "kind"), _scope_object_urls())
def test_ward1_user_opens_ward1_objects_and_gets_404_for_ward2(client, request, who, model, kind):
    objects = _objects(request, model)
    client.force_login(_ward1_actor(request, who, model))

    assert open_admin_url(client, model, kind, objects["ward1"]).status_code == 200
    ward2 = 200 if model._meta.label_lower in PROVINCE_WIDE else 404
    assert open_admin_url(client, model, kind, objects["ward2"]).status_code == ward2
    assert open_admin_url(client, model, kind, objects["other_province"]).status_code == 404


@pytest.mark.parametrize(("who", "model"), SCOPE_ACTORS)
def test_action_posted_with_a_ward2_id_is_404_even_beside_a_ward1_id(client, request, who, model):
    objects = _objects(request, model)
    outside = _outside_ward1(model, objects)
    client.force_login(_ward1_actor(request, who, model))
    before = _export_event_count()

    assert post_action(client, model, [outside]).status_code == 404
    assert post_action(client, model, [objects["ward1"], outside]).status_code == 404
    assert _export_event_count() == before, "a refused export must not log an export"

    response = post_action(client, model, [objects["ward1"]])
    keys = _exported_cells(response)
    assert CSV_KEY[model._meta.label_lower](objects["ward1"]) in keys


@pytest.mark.parametrize(("who", "model"), SCOPE_ACTORS)
def test_action_posted_with_a_malformed_id_is_404(client, request, who, model):
    client.force_login(_ward1_actor(request, who, model))

    response = client.post(
        admin_url(model, "changelist"),
        {"action": "export_csv", "index": "0", ACTION_CHECKBOX_NAME: ["khong-phai-so"]},
    )

    assert response.status_code == 404


@pytest.mark.parametrize(("who", "model"), SCOPE_ACTORS)
def test_changelist_lists_ward1_rows_and_not_ward2_rows(client, request, who, model):
    objects = _objects(request, model)
    client.force_login(_ward1_actor(request, who, model))

    shown = _changelist_pks(client.get(admin_url(model, "changelist")))

    assert objects["ward1"].pk in shown
    assert (objects["ward2"].pk in shown) is (model._meta.label_lower in PROVINCE_WIDE)
    assert objects["other_province"].pk not in shown


@pytest.mark.parametrize(("who", "model"), SCOPE_ACTORS)
def test_csv_export_of_every_row_holds_ward1_and_not_ward2(client, request, who, model):
    objects = _objects(request, model)
    key = CSV_KEY[model._meta.label_lower]
    client.force_login(_ward1_actor(request, who, model))

    # "Select all N rows": the JavaScript posts the page's ids and select_across=1.
    response = post_action(client, model, [objects["ward1"]], select_across=True)

    keys = _exported_cells(response)
    assert key(objects["ward1"]) in keys
    assert (key(objects["ward2"]) in keys) is (model._meta.label_lower in PROVINCE_WIDE)
    assert key(objects["other_province"]) not in keys


def _autocomplete_url(source, term: str) -> str:
    app_label, model_name, field_name = source
    query = f"app_label={app_label}&model_name={model_name}&field_name={field_name}&term={term}"
    return f"{reverse('admin:autocomplete')}?{query}"


def _autocomplete_ids(response) -> set[int]:
    assert response.status_code == 200
    return {int(result["id"]) for result in json.loads(response.content)["results"]}


@pytest.mark.parametrize(
    "source", [pytest.param(source, id=".".join(source)) for source in AUTOCOMPLETE_SOURCES]
)
@pytest.mark.parametrize("visitor", ["anonymous", "citizen"])
def test_autocomplete_needs_a_staff_login(client, request, visitor, source):
    if visitor == "citizen":
        client.force_login(request.getfixturevalue("citizen"))
    assert_login_redirect(client.get(_autocomplete_url(source, "")))


@pytest.mark.parametrize(
    "source", [pytest.param(source, id=".".join(source)) for source in AUTOCOMPLETE_SOURCES]
)
@pytest.mark.parametrize("term", ["", "khu pho", "Phường"])
def test_autocomplete_offers_ward1_areas_and_never_ward2(
    client, ward1_staff, ward1, ward2, village1, village2, other_village, source, term
):
    client.force_login(ward1_staff)

    ids = _autocomplete_ids(client.get(_autocomplete_url(source, term)))

    assert ids & {ward1.pk, village1.pk}, "ward 1's own areas must be offered"
    assert not ids & {ward2.pk, village2.pk, other_village.pk, ward1.parent_id}


@pytest.mark.parametrize(
    "source", [pytest.param(source, id=".".join(source)) for source in AUTOCOMPLETE_SOURCES]
)
def test_autocomplete_for_province_admin_offers_both_wards_not_other_province(
    client, province_admin, village1, village2, other_village, source
):
    client.force_login(province_admin)

    ids = _autocomplete_ids(client.get(_autocomplete_url(source, "khu")))

    assert {village1.pk, village2.pk} <= ids
    assert other_village.pk not in ids


# -- the province admin --------------------------------------------------------------


def _province_admin_object_urls():
    return [
        pytest.param(model, kind, id=f"{model._meta.label_lower}-{kind}")
        for model in registered_models()
        for kind in sorted(OBJECT_KINDS & set(url_kinds(model)))
        if model._meta.label_lower not in UNSCOPED
        and kind in ALLOWED["province_admin"].get(model._meta.label_lower, NOTHING)
        and (model._meta.label_lower, kind) not in NEVER
    ]


@pytest.mark.parametrize(("model", "kind"), _province_admin_object_urls())
def test_province_admin_opens_both_wards_and_gets_404_for_other_province(
    client, request, province_admin, model, kind
):
    objects = _objects(request, model)
    client.force_login(province_admin)

    assert open_admin_url(client, model, kind, objects["ward1"]).status_code == 200
    assert open_admin_url(client, model, kind, objects["ward2"]).status_code == 200
    assert open_admin_url(client, model, kind, objects["other_province"]).status_code == 404


PROVINCE_READ_MODELS = [
    param
    for param in SCOPED_MODELS
    if "changelist" in ALLOWED["province_admin"].get(param.values[0]._meta.label_lower, NOTHING)
]


@pytest.mark.parametrize("model", PROVINCE_READ_MODELS)
def test_province_admin_lists_and_exports_both_wards_but_not_other_province(
    client, request, province_admin, model
):
    objects = _objects(request, model)
    key = CSV_KEY[model._meta.label_lower]
    client.force_login(province_admin)

    shown = _changelist_pks(client.get(admin_url(model, "changelist")))
    exported = _exported_cells(post_action(client, model, [objects["ward1"]], select_across=True))
    refused = post_action(client, model, [objects["ward2"], objects["other_province"]])

    assert {objects["ward1"].pk, objects["ward2"].pk} <= shown
    assert objects["other_province"].pk not in shown
    assert {key(objects["ward1"]), key(objects["ward2"])} <= exported
    assert key(objects["other_province"]) not in exported
    assert refused.status_code == 404


@pytest.mark.parametrize("label", [pytest.param(label, id=label) for label in UNSCOPED])
def test_superuser_opens_the_models_no_role_may_open(client, request, superuser, label):
    model = next(m for m in registered_models() if m._meta.label_lower == label)
    obj = request.getfixturevalue(UNSCOPED[label])
    client.force_login(superuser)

    assert obj.pk in _changelist_pks(client.get(admin_url(model, "changelist")))
    assert client.get(admin_url(model, "change", obj)).status_code == 200


# -- lab fixtures -------------------------------------------------------------------------
# One lab in each place; the lab user persona works for the ward-1 lab, whose results,
# keys and uploads are the "ward 1" objects. A lab's results are scoped by where the
# person lives (ward 1, ward 2, the other province); keys and uploads by where the lab is.


@pytest.fixture
def ward1_lab(superuser, ward1):
    return make_lab(by=superuser, area=ward1, code="XN-P1", name="Phòng xét nghiệm phường 1")


@pytest.fixture
def ward2_lab(superuser, ward2):
    return make_lab(by=superuser, area=ward2, code="XN-P2", name="Phòng xét nghiệm phường 2")


@pytest.fixture
def other_province_lab(superuser, other_ward):
    return make_lab(by=superuser, area=other_ward, code="XN-HN", name="Phòng xét nghiệm Hà Nội")


@pytest.fixture
def lab_user(lab_user, ward1_lab):
    """The lab persona of tests/conftest.py, working for the ward-1 lab."""
    StaffProfile.objects.filter(user=lab_user).update(unit=ward1_lab)
    lab_user.refresh_from_db()
    return lab_user


@pytest.fixture
def ward1_lab_result(ward1_lab, village1):
    return record(ward1_lab, area=village1, sample_id="XN-PHUONG-1").result


@pytest.fixture
def ward2_lab_result(ward2_lab, village2):
    return record(
        ward2_lab,
        area=village2,
        sample_id="XN-PHUONG-2",
        full_name="Trần Thị Cúc",
        sex="F",
        date_of_birth=datetime.date(1975, 11, 30),
        id_number="079175001111",
        phone="0987654321",
    ).result


@pytest.fixture
def other_province_lab_result(other_province_lab, other_village):
    return record(
        other_province_lab,
        area=other_village,
        sample_id="XN-HA-NOI",
        full_name="Lê Văn Dũng",
        date_of_birth=datetime.date(1969, 1, 8),
        id_number="001069002222",
        phone="0903111222",
    ).result


def _token(lab, superuser, name):
    return token_create(lab=lab, name=name, by=superuser)[0]


@pytest.fixture
def ward1_lab_token(ward1_lab, superuser):
    return _token(ward1_lab, superuser, "khoa-phuong-1")


@pytest.fixture
def ward2_lab_token(ward2_lab, superuser):
    return _token(ward2_lab, superuser, "khoa-phuong-2")


@pytest.fixture
def other_province_lab_token(other_province_lab, superuser):
    return _token(other_province_lab, superuser, "khoa-ha-noi")


def _import(lab, superuser, name):
    return LabImport.objects.create(
        lab=lab, file_name=name, file_sha256="0" * 64, rows=[], created_by=superuser
    )


@pytest.fixture
def ward1_lab_import(ward1_lab, superuser):
    return _import(ward1_lab, superuser, "tep-phuong-1.csv")


@pytest.fixture
def ward2_lab_import(ward2_lab, superuser):
    return _import(ward2_lab, superuser, "tep-phuong-2.csv")


@pytest.fixture
def other_province_lab_import(other_province_lab, superuser):
    return _import(other_province_lab, superuser, "tep-ha-noi.csv")


# -- vaccination fixtures -------------------------------------------------------------
# One vaccination unit in each place; the unit staff persona works for the ward-1 unit.
# Doses, uploads and requests belong to their unit, a certificate to its dose's unit, a
# ward's default unit to the ward.


@pytest.fixture
def vaccination_unit1(superuser, ward1):
    return make_unit(by=superuser, area=ward1, code="TC-P1", name="Điểm tiêm phường 1")


@pytest.fixture
def vaccination_unit2(superuser, ward2):
    return make_unit(by=superuser, area=ward2, code="TC-P2", name="Điểm tiêm phường 2")


@pytest.fixture
def other_province_vaccination_unit(superuser, other_ward):
    return make_unit(by=superuser, area=other_ward, code="TC-HN", name="Điểm tiêm Hà Nội")


@pytest.fixture
def vaccination_unit_staff(superuser, vaccination_unit1):
    return make_unit_staff(by=superuser, unit=vaccination_unit1, username="diem-tiem-phuong-1")


@pytest.fixture
def ward1_dose(citizen_person, vaccination_unit1):
    return give_dose(citizen_person, vaccination_unit1, lot="LO-PHUONG-1")


@pytest.fixture
def ward2_dose(ward2_person, vaccination_unit2):
    return give_dose(ward2_person, vaccination_unit2, lot="LO-PHUONG-2")


@pytest.fixture
def other_province_dose(other_province_person, other_province_vaccination_unit):
    return give_dose(other_province_person, other_province_vaccination_unit, lot="LO-HA-NOI")


@pytest.fixture
def ward1_vaccination_certificate(ward1_dose):
    return VaccinationCertificate.objects.get(dose=ward1_dose)


@pytest.fixture
def ward2_vaccination_certificate(ward2_dose):
    return VaccinationCertificate.objects.get(dose=ward2_dose)


@pytest.fixture
def other_province_vaccination_certificate(other_province_dose):
    return VaccinationCertificate.objects.get(dose=other_province_dose)


def _dose_import(unit, superuser, name):
    return DoseImport.objects.create(
        unit=unit, file_name=name, sha256="0" * 64, imported_by=superuser
    )


@pytest.fixture
def ward1_dose_import(vaccination_unit1, superuser):
    return _dose_import(vaccination_unit1, superuser, "mui-tiem-phuong-1.csv")


@pytest.fixture
def ward2_dose_import(vaccination_unit2, superuser):
    return _dose_import(vaccination_unit2, superuser, "mui-tiem-phuong-2.csv")


@pytest.fixture
def other_province_dose_import(other_province_vaccination_unit, superuser):
    return _dose_import(other_province_vaccination_unit, superuser, "mui-tiem-ha-noi.csv")


# Requests sent from phones of their own (not the citizen persona's, which another
# fixture may create later).


@pytest.fixture
def ward1_correction(ward1, vaccination_unit1):
    return submit_correction(area=ward1, unit=vaccination_unit1, phone="+84911000111")


@pytest.fixture
def ward2_correction(ward2, vaccination_unit2):
    return submit_correction(
        area=ward2,
        unit=vaccination_unit2,
        kind="dose1",
        full_name="Trần Thị Cúc",
        date_of_birth=datetime.date(1975, 11, 30),
        sex="F",
        id_number="079175003333",
        phone="+84987000111",
    )


@pytest.fixture
def other_province_correction(other_ward, other_province_vaccination_unit):
    return submit_correction(
        area=other_ward,
        unit=other_province_vaccination_unit,
        kind="dose1",
        full_name="Lê Văn Dũng",
        date_of_birth=datetime.date(1969, 1, 8),
        id_number="001069003333",
        phone="+84903000111",
    )


@pytest.fixture
def ward1_default_unit(ward1, vaccination_unit1):
    return WardDefaultUnit.objects.create(ward=ward1, unit=vaccination_unit1)


@pytest.fixture
def ward2_default_unit(ward2, vaccination_unit2):
    return WardDefaultUnit.objects.create(ward=ward2, unit=vaccination_unit2)


@pytest.fixture
def other_province_default_unit(other_ward, other_province_vaccination_unit):
    return WardDefaultUnit.objects.create(ward=other_ward, unit=other_province_vaccination_unit)


# -- checkpoints fixtures -------------------------------------------------------------
# An arrival in each place, filed by its person's account (here the superuser) from the
# province that is not its destination's; a health declaration where each person lives.


def _arrive(person, *, origin, destination, by):
    today = timezone.localdate()
    [declaration] = entry_declarations_submit(
        declared_by=by,
        travellers=[Traveller(person=person, relationship=Relationship.SELF)],
        trip=Trip(
            origin_area=origin,
            departed_on=today,
            arrival_on=today,
            means=TravelMeans.CAR,
            destination_area=destination,
        ),
        submission_key=uuid.uuid4(),
    )
    return declaration


@pytest.fixture
def ward1_arrival(superuser, citizen_person, other_village, village1):
    return _arrive(citizen_person, origin=other_village, destination=village1, by=superuser)


@pytest.fixture
def ward2_arrival(superuser, ward2_person, other_village, village2):
    return _arrive(ward2_person, origin=other_village, destination=village2, by=superuser)


@pytest.fixture
def other_province_arrival(superuser, other_province_person, village1, other_village):
    return _arrive(other_province_person, origin=village1, destination=other_village, by=superuser)


def _declare_health(person, *, by):
    return health_declaration_submit(
        declared_by=by,
        person=person,
        relationship=Relationship.SELF,
        submission_key=uuid.uuid4(),
        area=person.area,
    )


@pytest.fixture
def ward1_health_declaration(superuser, citizen_person):
    return _declare_health(citizen_person, by=superuser)


@pytest.fixture
def ward2_health_declaration(superuser, ward2_person):
    return _declare_health(ward2_person, by=superuser)


@pytest.fixture
def other_province_health_declaration(superuser, other_province_person):
    return _declare_health(other_province_person, by=superuser)


# A pending venue in each place, registered by one manager's account (here the superuser).


def _venue(area, *, by, name):
    return venue_register(
        manager=by,
        name=name,
        kind=VenueKind.SHOP,
        area=area,
        street_address="1 Lê Lợi",
        contact_phone="+84912000111",
        submission_key=uuid.uuid4(),
    )


def _exposure(case, venue, person, by):
    """A text already sent to `person` about `case` (what exposure_notices_send saves)."""
    now = timezone.now()
    return ExposureNotice.objects.create(
        case=case,
        person=person,
        venue=venue,
        met_from=now - datetime.timedelta(hours=2),
        met_until=now - datetime.timedelta(hours=1),
        phone=person.phone or "+84912000222",
        sent_by=by,
    )


@pytest.fixture
def ward1_exposure(superuser, ward1_declaration, ward1_venue, citizen_person):
    return _exposure(ward1_declaration, ward1_venue, citizen_person, superuser)


@pytest.fixture
def ward2_exposure(superuser, ward2_declaration, ward2_venue, ward2_person):
    return _exposure(ward2_declaration, ward2_venue, ward2_person, superuser)


@pytest.fixture
def other_province_exposure(
    superuser, other_province_declaration, other_province_venue, other_province_person
):
    return _exposure(
        other_province_declaration, other_province_venue, other_province_person, superuser
    )


@pytest.fixture
def ward1_venue(superuser, village1):
    return _venue(village1, by=superuser, name="Chợ Bến Thành")


@pytest.fixture
def ward2_venue(superuser, village2):
    return _venue(village2, by=superuser, name="Chợ Tân Định")


@pytest.fixture
def other_province_venue(superuser, other_ward):
    return _venue(other_ward, by=superuser, name="Chợ Đồng Xuân")
