"""The admin's URLs as the tests see them, and small helpers to open them."""

import csv
import io

from django.contrib import admin
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

#: Staff decisions on an F0 declaration: GET shows the decision's page, POST decides.
F0_DECISION_KINDS = frozenset({"accept", "reject", "completion_confirm", "completion_refuse"})
#: Staff actions on a home-care patient: GET shows the action's page, POST acts.
#: "alert_acknowledge" is the page of one of the patient's alerts.
HOMECARE_ACTION_KINDS = frozenset({"accept", "reject", "end", "call_note", "alert_acknowledge"})
#: A vaccination unit's decisions on a correction request: GET shows the decision's page,
#: POST decides.
VACCINATION_DECISION_KINDS = frozenset({"approve", "reject"})
#: The ward's decisions on a venue's registration: GET shows the decision's page, POST
#: decides.
VENUE_DECISION_KINDS = frozenset({"approve", "reject"})
#: Model-admin URL kinds that take an object id.
OBJECT_KINDS = frozenset(
    {
        "change",
        "delete",
        "history",
        "password_change",
        "photo",
        "diff",
        "withdraw",
        *F0_DECISION_KINDS,
        *HOMECARE_ACTION_KINDS,
        *VACCINATION_DECISION_KINDS,
        *VENUE_DECISION_KINDS,
        # A correction request's photo of the paper certificate.
        "request_photo",
        # An arrival's "Đánh dấu đã theo dõi" page (GET the form, POST marks it).
        "follow_up",
    }
)
#: Model-admin URL kinds without one; "export" is the CSV action posted to the changelist,
#: "export_range" the CSV of a date range (F0 declarations, home-care reports; GET shows
#: its form); "timeliness" a lab's (or the province's) lateness page; "paper_filed" the
#: paper declarations a staff member filed in the session; "policies" the province's
#: quarantine policy table, "policy_set" / "policy_remove" its one-area changes (GET
#: shows the form).
LIST_KINDS = frozenset(
    {
        "changelist",
        "add",
        "import_villages",
        "export",
        "export_range",
        "schedule",
        "import",
        "timeliness",
        "paper_filed",
        "policies",
        "policy_set",
        "policy_remove",
        # The F0 cases an account may trace, and (?case=) one case's exposure list.
        "cases",
    }
)

LOGIN_URL = reverse("admin:login")


def registered_models() -> list:
    return sorted(admin.site._registry, key=lambda model: model._meta.label_lower)


def url_names(model) -> dict[str, str]:
    """Kind → URL name for every named URL of the model's admin.

    Names are "<app>_<model>_<kind>", except Django's UserAdmin password page, which is
    always "auth_user_password_change" whatever the user model's app.
    """
    opts = model._meta
    prefix = f"{opts.app_label}_{opts.model_name}_"
    names = {}
    for pattern in admin.site._registry[model].urls:
        if pattern.name:
            kind = pattern.name.removeprefix(prefix).removeprefix("auth_user_")
            names[kind] = pattern.name
    return names


def url_kinds(model) -> list[str]:
    """Every URL kind of the model's admin ("change", "password_change", …), and
    "export" where the admin offers the CSV export action."""
    model_admin = admin.site._registry[model]
    exports = "export_csv" in (model_admin.actions or ())
    return [*url_names(model), *(["export"] if exports else [])]


def admin_url(model, kind: str, obj=None) -> str:
    args = [obj.pk] if kind in OBJECT_KINDS else []
    if kind == "photo":  # an F0 declaration's photo: which one is part of the URL
        args.append("test")
    if kind == "diff":  # a rule version compared with another (here: itself)
        args.append(obj.pk)
    if kind == "alert_acknowledge":  # a home-care patient's alert: its first one
        args.append(obj.alerts.order_by("pk").values_list("pk", flat=True).first())
    if kind == "schedule":  # a new version of one rule kind
        args = ["f0_timing"]
    return reverse(f"admin:{url_names(model)[kind]}", args=args)


def open_admin_url(client, model, kind: str, obj=None):
    """GET the URL of this kind, or post the CSV export of `obj` for "export"."""
    if kind == "export":
        return post_action(client, model, [obj])
    return client.get(admin_url(model, kind, obj))


def post_action(client, model, objects, *, action="export_csv", select_across=False):
    data = {"action": action, "index": "0", ACTION_CHECKBOX_NAME: [str(obj.pk) for obj in objects]}
    if select_across:
        data["select_across"] = "1"
    return client.post(admin_url(model, "changelist"), data)


def csv_rows(response) -> list[list[str]]:
    """The rows of a CSV download, after checking it starts with the UTF-8 BOM."""
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff"), "the CSV must start with a BOM so Excel reads UTF-8"
    return list(csv.reader(io.StringIO(text[1:])))


def assert_login_redirect(response):
    assert response.status_code == 302
    assert response["Location"].startswith(f"{LOGIN_URL}?next=")


def grant_model_permissions(user, model):
    """Give `user` every permission on `model`, whatever its role holds."""
    content_type = ContentType.objects.get_for_model(model)
    user.user_permissions.add(*Permission.objects.filter(content_type=content_type))
    return user
