"""The staff admin: a province admin creates and edits staff accounts of the province."""

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.urls import reverse

from khaibao.accounts.models import StaffProfile, User
from khaibao.accounts.roles import ROLE_PERMISSIONS, Role, group_name, role_permissions
from khaibao.accounts.services import staff_create, staff_update
from khaibao.audit.models import AuditAction, AuditEvent
from tests.factories import error_codes, make_staff

NEW_PASSWORD = "Kiem-soat-dich-79-an-toan"
ADD_URL = reverse("admin:accounts_user_add")


def _change_url(user: User) -> str:
    return reverse("admin:accounts_user_change", args=[user.pk])


def _password_url(user: User) -> str:
    return reverse("admin:auth_user_password_change", args=[user.pk])


def _new_staff_data(area, **changes) -> dict:
    data = {
        "username": "tram-y-te-moi",
        "full_name": "Trạm Y tế Phường Sài Gòn",
        "password1": NEW_PASSWORD,
        "password2": NEW_PASSWORD,
        "role": Role.WARD_STATION,
        "area": area.pk,
        "unit_name": "Trạm Y tế phường Sài Gòn",
    }
    return {**data, **changes}


def _edit_data(user: User, **changes) -> dict:
    profile = user.staff_profile
    data = {
        "full_name": user.full_name,
        "is_active": "on" if user.is_active else "",
        "role": profile.role,
        "area": profile.area_id,
        "unit_name": profile.unit_name,
    }
    data.update(changes)
    return {name: value for name, value in data.items() if value != ""}


def _form_errors(response) -> list[str]:
    form = response.context["adminform"].form
    return [message for messages in form.errors.values() for message in messages]


@pytest.fixture
def other_province_admin(superuser, province):
    return make_staff(username="so-y-te-2", role=Role.PROVINCE_ADMIN, area=province, by=superuser)


# -- creating ----------------------------------------------------------------------------


def test_province_admin_creates_a_ward_station_account_that_can_log_in(
    client, province_admin, ward1, citizen_person
):
    client.force_login(province_admin)
    assert client.get(ADD_URL).status_code == 200

    response = client.post(ADD_URL, _new_staff_data(ward1))

    user = User.objects.get(username="tram-y-te-moi")
    assert response.status_code == 302
    assert response["Location"] == _change_url(user)
    assert user.is_staff and user.is_active and not user.is_superuser
    assert user.full_name == "Trạm Y tế Phường Sài Gòn"
    assert user.check_password(NEW_PASSWORD)
    profile = user.staff_profile
    assert (profile.role, profile.area, profile.created_by) == (
        Role.WARD_STATION,
        ward1,
        province_admin,
    )
    assert list(user.groups.values_list("name", flat=True)) == [group_name(Role.WARD_STATION)]
    event = AuditEvent.objects.get(actor=province_admin, action=AuditAction.CREATE)
    assert (event.object_id, event.area, event.detail) == (
        str(user.pk),
        ward1,
        {"role": Role.WARD_STATION},
    )

    client.logout()
    login = client.post(
        reverse("admin:login"), {"username": "tram-y-te-moi", "password": NEW_PASSWORD}
    )
    assert login.status_code == 302
    persons = client.get(reverse("admin:people_person_changelist"))
    assert persons.status_code == 200
    assert list(persons.context["cl"].result_list) == [citizen_person]


def test_staff_in_another_provinces_ward_is_refused_with_a_vietnamese_error(
    client, province_admin, other_ward
):
    client.force_login(province_admin)

    response = client.post(ADD_URL, _new_staff_data(other_ward))

    assert response.status_code == 200
    assert "Chọn một địa bàn trong phạm vi bạn phụ trách." in _form_errors(response)
    assert not User.objects.filter(username="tram-y-te-moi").exists()


def test_staff_create_refuses_an_area_outside_the_creators_province(province_admin, other_ward):
    """The service's own check, for callers that do not go through the admin form."""
    with pytest.raises(ValidationError) as caught:
        staff_create(
            by=province_admin,
            username="tram-y-te-moi",
            password=NEW_PASSWORD,
            full_name="Trạm mới",
            role=Role.WARD_STATION,
            area=other_ward,
        )

    assert caught.value.error_dict["area"][0].code == "area_scope"
    assert not User.objects.filter(username="tram-y-te-moi").exists()


def test_province_admin_cannot_create_a_province_admin(client, province_admin, province):
    client.force_login(province_admin)

    response = client.post(
        ADD_URL, _new_staff_data(province, role=Role.PROVINCE_ADMIN, username="so-y-te-moi")
    )

    assert response.status_code == 200
    assert "Chỉ quản trị hệ thống mới tạo được tài khoản quản trị tỉnh." in _form_errors(response)
    assert not User.objects.filter(username="so-y-te-moi").exists()


def test_superuser_creates_a_province_admin(client, superuser, province):
    client.force_login(superuser)

    response = client.post(
        ADD_URL, _new_staff_data(province, role=Role.PROVINCE_ADMIN, username="so-y-te-moi")
    )

    assert response.status_code == 302
    profile = StaffProfile.objects.get(user__username="so-y-te-moi")
    assert (profile.role, profile.area) == (Role.PROVINCE_ADMIN, province)


def test_a_ward_station_role_must_sit_on_a_ward(client, province_admin, village1):
    client.force_login(province_admin)

    response = client.post(ADD_URL, _new_staff_data(village1))

    assert response.status_code == 200
    assert "Vai trò này phải gắn với một phường / xã / đặc khu." in _form_errors(response)
    assert not User.objects.filter(username="tram-y-te-moi").exists()


def test_mismatched_passwords_are_refused(client, province_admin, ward1):
    client.force_login(province_admin)

    response = client.post(ADD_URL, _new_staff_data(ward1, password2="Khac-mat-khau-2026"))

    assert response.status_code == 200
    assert "Hai mật khẩu không khớp." in _form_errors(response)
    assert not User.objects.filter(username="tram-y-te-moi").exists()


@pytest.mark.parametrize("url", [ADD_URL, reverse("admin:accounts_user_changelist")])
def test_ward_station_cannot_reach_the_staff_admin(client, ward1_staff, url):
    client.force_login(ward1_staff)

    response = client.get(url)
    refused = client.post(ADD_URL, _new_staff_data(ward1_staff.staff_profile.area))

    assert response.status_code == 403
    assert refused.status_code == 403
    assert not User.objects.filter(username="tram-y-te-moi").exists()


# -- editing -------------------------------------------------------------------------------


def test_change_form_shows_the_accounts_role_and_area(client, province_admin, ward2_staff, ward2):
    client.force_login(province_admin)

    response = client.get(_change_url(ward2_staff))

    assert response.status_code == 200
    form = response.context["adminform"].form
    assert form["role"].value() == Role.WARD_STATION
    assert int(form["area"].value()) == ward2.pk
    assert 'name="username"' not in response.content.decode()  # read-only once created


def test_one_accounts_role_does_not_leak_into_the_next_add_form(
    client, province_admin, ward2_staff
):
    client.force_login(province_admin)
    client.get(_change_url(ward2_staff))

    response = client.get(ADD_URL)

    form = response.context["adminform"].form
    assert form["role"].value() in (None, "")
    assert form["area"].value() in (None, "")
    assert 'name="username"' in response.content.decode()


def test_moving_a_station_user_to_another_ward_is_audited_and_moves_their_scope(
    client, province_admin, ward1_staff, ward2, citizen_person, ward2_person
):
    client.force_login(province_admin)

    response = client.post(_change_url(ward1_staff), _edit_data(ward1_staff, area=ward2.pk))

    assert response.status_code == 302
    ward1_staff.refresh_from_db()
    assert ward1_staff.staff_profile.area == ward2
    event = AuditEvent.objects.get(actor=province_admin, action=AuditAction.CHANGE)
    assert event.object_id == str(ward1_staff.pk)
    assert event.area == ward2
    assert event.detail["fields"] == ["area"]

    client.force_login(ward1_staff)
    persons = client.get(reverse("admin:people_person_changelist"))
    assert list(persons.context["cl"].result_list) == [ward2_person]


def test_changing_a_role_swaps_the_role_group(client, province_admin, ward1_staff, province):
    client.force_login(province_admin)

    response = client.post(
        _change_url(ward1_staff),
        _edit_data(ward1_staff, role=Role.CHECKPOINT, area=province.pk, full_name="Chốt 1"),
    )

    assert response.status_code == 302
    ward1_staff.refresh_from_db()
    assert ward1_staff.full_name == "Chốt 1"
    assert ward1_staff.staff_profile.role == Role.CHECKPOINT
    assert list(ward1_staff.groups.values_list("name", flat=True)) == [group_name(Role.CHECKPOINT)]
    event = AuditEvent.objects.get(actor=province_admin, action=AuditAction.CHANGE)
    assert event.detail["fields"] == ["area", "full_name", "role"]


def test_locking_an_account_stops_its_admin_access(client, province_admin, ward1_staff):
    client.force_login(province_admin)

    response = client.post(_change_url(ward1_staff), _edit_data(ward1_staff, is_active=""))

    assert response.status_code == 302
    ward1_staff.refresh_from_db()
    assert not ward1_staff.is_active
    client.force_login(ward1_staff)
    assert client.get(reverse("admin:index")).status_code == 302


def test_province_admin_cannot_edit_another_province_admin(
    client, province_admin, other_province_admin, ward1
):
    client.force_login(province_admin)

    page = client.get(_change_url(other_province_admin))
    response = client.post(
        _change_url(other_province_admin),
        _edit_data(other_province_admin, role=Role.WARD_STATION, area=ward1.pk),
    )

    assert page.status_code == 200  # readable, like every account of the province
    assert not page.context["has_change_permission"]
    assert response.status_code == 403
    other_province_admin.refresh_from_db()
    assert other_province_admin.staff_profile.role == Role.PROVINCE_ADMIN
    with pytest.raises(ValidationError) as refused:
        staff_update(
            by=province_admin,
            user=other_province_admin,
            full_name="Hạ cấp",
            role=Role.WARD_STATION,
            area=ward1,
        )
    assert error_codes(refused.value) == {"role": ["role_forbidden"]}


def test_editing_staff_of_another_province_is_404(client, province_admin, other_ward, superuser):
    hanoi = make_staff(
        username="tram-ha-noi", role=Role.WARD_STATION, area=other_ward, by=superuser
    )
    client.force_login(province_admin)

    response = client.post(_change_url(hanoi), _edit_data(hanoi, full_name="Đổi tên"))

    assert response.status_code == 404
    hanoi.refresh_from_db()
    assert hanoi.full_name == "Tram-Ha-Noi"


# -- passwords ---------------------------------------------------------------------------------


def test_province_admin_resets_a_ward_users_password_and_it_is_audited(
    client, province_admin, ward1_staff
):
    client.force_login(province_admin)
    page = client.get(_password_url(ward1_staff))

    response = client.post(
        _password_url(ward1_staff), {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    )

    assert page.status_code == 200
    assert response.status_code == 302
    assert response["Location"] == _change_url(ward1_staff)
    ward1_staff.refresh_from_db()
    assert ward1_staff.check_password(NEW_PASSWORD)
    event = AuditEvent.objects.get(actor=province_admin, action=AuditAction.CHANGE)
    assert event.object_id == str(ward1_staff.pk)
    assert event.detail == {"fields": ["password"]}


def test_a_refused_password_reset_changes_nothing_and_logs_nothing(
    client, province_admin, ward1_staff
):
    client.force_login(province_admin)

    response = client.post(
        _password_url(ward1_staff), {"password1": NEW_PASSWORD, "password2": "khac"}
    )

    assert response.status_code == 200
    ward1_staff.refresh_from_db()
    assert not ward1_staff.check_password(NEW_PASSWORD)
    assert not AuditEvent.objects.filter(actor=province_admin).exists()


def test_staff_admin_change_page_links_to_the_password_page(client, province_admin, ward1_staff):
    client.force_login(province_admin)

    response = client.get(_change_url(ward1_staff))

    assert response.status_code == 200
    assert f'href="{_password_url(ward1_staff)}"' in response.content.decode()


def test_password_of_staff_outside_the_province_or_of_a_peer_admin_cannot_be_reset(
    client, province_admin, other_province_admin, other_ward, superuser
):
    hanoi = make_staff(
        username="tram-ha-noi", role=Role.WARD_STATION, area=other_ward, by=superuser
    )
    client.force_login(province_admin)
    data = {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD}

    assert client.post(_password_url(hanoi), data).status_code == 404
    assert client.post(_password_url(other_province_admin), data).status_code == 403
    hanoi.refresh_from_db()
    other_province_admin.refresh_from_db()
    assert not hanoi.check_password(NEW_PASSWORD)
    assert not other_province_admin.check_password(NEW_PASSWORD)


# -- role groups -------------------------------------------------------------------------------


@pytest.mark.parametrize("role", list(Role))
def test_each_role_group_holds_exactly_the_roles_permissions(db, role):
    group = Group.objects.get(name=group_name(role))

    held = {
        f"{app_label}.{codename}"
        for app_label, codename in group.permissions.values_list(
            "content_type__app_label", "codename"
        )
    }

    assert held == set(role_permissions(role))


def test_every_role_has_a_permission_list():
    assert set(ROLE_PERMISSIONS) == set(Role)
