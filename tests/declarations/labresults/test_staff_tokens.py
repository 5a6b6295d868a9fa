"""A lab's API keys in the admin: made with a name, shown once, revoked."""

from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse

from declarations.labresults.models import LabToken, token_digest
from declarations.labresults.tokens import token_authenticate, token_create
from khaibao.audit.models import AuditAction, AuditEvent

ADD = "admin:declarations_labtoken_add"
CHANGELIST = "admin:declarations_labtoken_changelist"


def _revoke(client, *tokens):
    return client.post(
        reverse(CHANGELIST),
        {
            "action": "revoke_selected",
            "index": "0",
            ACTION_CHECKBOX_NAME: [str(token.pk) for token in tokens],
        },
        follow=True,
    )


def test_a_new_key_is_shown_once_and_stored_hashed(client, lab_a, lab_a_staff):
    client.force_login(lab_a_staff)

    response = client.post(reverse(ADD), {"name": "Máy chủ LIS 2026"})

    token = LabToken.objects.get()
    secret = response.context["secret"]
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert secret in response.text
    assert "đây là lần duy nhất khoá được hiển thị" in response.text
    assert token.lab == lab_a and token.name == "Máy chủ LIS 2026"
    assert token.digest == token_digest(secret)
    assert token_authenticate(secret) == token
    # Never again: not on the list, not on the key's page.
    listed = client.get(reverse(CHANGELIST))
    page = client.get(reverse("admin:declarations_labtoken_change", args=[token.pk]))
    assert secret not in listed.text and secret not in page.text
    assert f"{token.prefix}…" in listed.text


def test_a_key_needs_a_name(client, lab_a, lab_a_staff):
    client.force_login(lab_a_staff)

    response = client.post(reverse(ADD), {"name": " "})

    assert response.status_code == 400
    assert "Đặt tên cho khoá." in response.text
    assert not LabToken.objects.exists()


def test_several_active_keys_and_revoking_one(client, lab_a, lab_a_staff):
    old, old_secret = token_create(lab=lab_a, name="Khoá cũ", by=lab_a_staff)
    new, new_secret = token_create(lab=lab_a, name="Khoá mới", by=lab_a_staff)
    client.force_login(lab_a_staff)

    response = _revoke(client, old)

    old.refresh_from_db()
    new.refresh_from_db()
    assert "Đã thu hồi 1 khoá." in response.text
    assert old.revoked_at is not None and old.revoked_by == lab_a_staff
    assert new.revoked_at is None
    assert token_authenticate(old_secret) is None
    assert token_authenticate(new_secret) == new
    assert AuditEvent.objects.filter(action=AuditAction.DECIDE, object_id=str(old.pk)).exists()


def test_lab_b_cannot_see_or_revoke_lab_as_key(client, lab_a, lab_a_staff, lab_b_staff):
    token, _secret = token_create(lab=lab_a, name="Khoá A", by=lab_a_staff)
    client.force_login(lab_b_staff)

    page = client.get(reverse("admin:declarations_labtoken_change", args=[token.pk]))
    revoked = client.post(
        reverse(CHANGELIST),
        {"action": "revoke_selected", "index": "0", ACTION_CHECKBOX_NAME: [str(token.pk)]},
    )

    token.refresh_from_db()
    assert page.status_code == 404
    assert revoked.status_code == 404
    assert token.revoked_at is None


def test_province_admin_sees_every_labs_keys_and_revokes_but_cannot_add(
    client, lab_a, lab_b, lab_a_staff, lab_b_staff, province_admin
):
    a, _ = token_create(lab=lab_a, name="Khoá A", by=lab_a_staff)
    b, _ = token_create(lab=lab_b, name="Khoá B", by=lab_b_staff)
    client.force_login(province_admin)

    listed = client.get(reverse(CHANGELIST))
    _revoke(client, b)

    b.refresh_from_db()
    assert {obj.pk for obj in listed.context["cl"].result_list} == {a.pk, b.pk}
    assert b.revoked_by == province_admin
    assert client.get(reverse(ADD)).status_code == 403
