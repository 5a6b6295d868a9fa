"""The rules admin: a province admin schedules, previews, compares and withdraws versions
of its own province's rules; other provinces' are a 404; other staff only read."""

import datetime

import pytest
import time_machine
from django.urls import reverse

from declarations.f0.services import f0_accept
from khaibao.accounts.roles import Role
from khaibao.audit.models import AuditAction, AuditEvent
from khaibao.rules.models import RuleVersion
from khaibao.rules.selectors import rules_in_force
from khaibao.rules.services import rule_version_schedule
from tests.declarations.factories import make_declaration
from tests.factories import make_staff

NOW = datetime.datetime(2026, 12, 2, 2, 0, tzinfo=datetime.UTC)  # 09:00 in Vietnam
SCHEDULE = reverse("admin:rules_ruleversion_schedule", args=["f0_timing"])


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def hanoi_admin(superuser, other_province):
    return make_staff(
        username="so-y-te-ha-noi", role=Role.PROVINCE_ADMIN, area=other_province, by=superuser
    )


def form(province, **changes):
    data = {
        "province": str(province.pk),
        "effective_date": "03/12/2026",
        "effective_time": "00:00",
        "document": "QĐ 123/QĐ-SYT ngày 01/12/2026",
        "note": "",
        "value__test_date_window_days": "2",
        "value__decision_hours": "24",
        "value__isolation_days": "7",
        "value__certificate_valid_days": "180",
    }
    data.update({f"value__{name}": value for name, value in changes.items()})
    return data


def hcm_version(by, province, days=10, at=NOW + datetime.timedelta(days=1)):
    return rule_version_schedule(
        kind="f0_timing",
        province=province,
        values={**rules_in_force("f0_timing", province).values, "isolation_days": days},
        effective_from=at,
        document=f"QĐ {days}/QĐ-SYT",
        by=by,
    )


def test_a_province_admin_previews_then_schedules_a_new_version(
    client,
    province_admin,
    ward1_staff,
    province,
    citizen,
    citizen_person,
    django_capture_on_commit_callbacks,
):
    f0_accept(declaration=make_declaration(person=citizen_person, account=citizen), by=ward1_staff)
    client.force_login(province_admin)

    page = client.get(SCHEDULE)
    assert page.status_code == 200
    assert 'value="7"' in page.content.decode()  # prefilled with the values in force
    preview = client.post(SCHEDULE, {**form(province, isolation_days="10"), "_preview": "1"})

    text = preview.content.decode()
    assert preview.status_code == 200
    assert "<del>7 ngày</del> → <strong>10 ngày</strong>" in text
    assert "1 người đang cách ly sẽ có ngày được khai báo hoàn thành mới (7 → 10 ngày)" in text
    assert not RuleVersion.objects.filter(province=province).exists()  # a preview saves nothing

    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(SCHEDULE, {**form(province, isolation_days="10"), "_confirm": "1"})

    version = RuleVersion.objects.get(province=province)
    assert done.status_code == 302
    assert done["Location"] == reverse("admin:rules_ruleversion_change", args=[version.pk])
    assert (version.number, version.values["isolation_days"]) == (1, 10)
    assert version.effective_from == datetime.datetime(2026, 12, 2, 17, 0, tzinfo=datetime.UTC)
    event = AuditEvent.objects.get(action=AuditAction.CREATE, object_type="rules.ruleversion")
    assert event.actor == province_admin and event.area == province
    assert event.detail["changes"] == {"isolation_days": [7, 10]}
    shown = client.get(done["Location"], follow=True).content.decode()
    assert "Đã lên lịch phiên bản 1, có hiệu lực từ 00:00 03/12/2026." in shown
    assert "Đã lên lịch" in shown


def test_bad_values_get_vietnamese_errors_and_nothing_is_saved(client, province_admin, province):
    client.force_login(province_admin)

    response = client.post(
        SCHEDULE,
        {
            **form(province, isolation_days="-2", decision_hours="abc"),
            "effective_date": "31/02/2026",
            "_confirm": "1",
        },
    )

    text = response.content.decode()
    assert response.status_code == 400
    assert "Giá trị phải từ 1 đến 30." in text
    assert "Nhập một số nguyên." in text
    assert "Nhập ngày theo dạng dd/mm/yyyy." in text
    assert not RuleVersion.objects.filter(province=province).exists()


def test_a_date_in_the_past_is_refused(client, province_admin, province):
    client.force_login(province_admin)
    response = client.post(
        SCHEDULE,
        {**form(province, isolation_days="10"), "effective_date": "01/12/2026", "_confirm": "1"},
    )
    assert response.status_code == 400
    assert "Không thể đặt hiệu lực trong quá khứ" in response.content.decode()
    assert not RuleVersion.objects.filter(province=province).exists()


def test_a_province_admin_cannot_pick_another_province(client, province_admin, other_province):
    client.force_login(province_admin)
    response = client.post(SCHEDULE, {**form(other_province), "_confirm": "1"})
    assert response.status_code == 400
    assert not RuleVersion.objects.filter(province=other_province).exists()


def test_another_provinces_versions_are_404(client, province_admin, hanoi_admin, other_province):
    hanoi = hcm_version(hanoi_admin, other_province)
    client.force_login(province_admin)

    for url in (
        reverse("admin:rules_ruleversion_change", args=[hanoi.pk]),
        reverse("admin:rules_ruleversion_diff", args=[hanoi.pk, hanoi.pk]),
    ):
        assert client.get(url).status_code == 404
    response = client.post(reverse("admin:rules_ruleversion_withdraw", args=[hanoi.pk]))
    assert response.status_code == 404
    hanoi.refresh_from_db()
    assert not hanoi.is_withdrawn
    listed = client.get(reverse("admin:rules_ruleversion_changelist")).context["cl"].result_list
    assert hanoi not in listed


def test_ward_staff_read_the_rules_in_force_and_change_nothing(
    client, ward1_staff, province_admin, province
):
    version = hcm_version(province_admin, province)
    client.force_login(ward1_staff)

    assert client.get(reverse("admin:rules_ruleversion_changelist")).status_code == 200
    assert (
        client.get(reverse("admin:rules_ruleversion_change", args=[version.pk])).status_code == 200
    )
    assert client.get(SCHEDULE).status_code == 403
    assert client.post(SCHEDULE, {**form(province), "_confirm": "1"}).status_code == 403
    assert (
        client.post(reverse("admin:rules_ruleversion_withdraw", args=[version.pk])).status_code
        == 403
    )
    version.refresh_from_db()
    assert not version.is_withdrawn
    assert RuleVersion.objects.filter(province=province).count() == 1


def test_two_versions_are_compared_field_by_field(client, province_admin, province):
    first = hcm_version(province_admin, province, days=10)
    second = hcm_version(province_admin, province, days=14, at=NOW + datetime.timedelta(days=2))
    client.force_login(province_admin)

    page = client.get(reverse("admin:rules_ruleversion_change", args=[second.pk]))
    diff_url = reverse("admin:rules_ruleversion_diff", args=[second.pk, first.pk])
    assert diff_url in page.content.decode()
    diff = client.get(diff_url)

    text = diff.content.decode()
    assert diff.status_code == 200
    assert text.count('class="kb-changed"') == 1
    assert "10 ngày" in text and "14 ngày" in text


def test_a_scheduled_version_is_withdrawn_from_its_page(
    client, province_admin, province, django_capture_on_commit_callbacks
):
    version = hcm_version(province_admin, province)
    client.force_login(province_admin)
    page = client.get(reverse("admin:rules_ruleversion_change", args=[version.pk]))
    assert "Rút lại phiên bản này" in page.content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:rules_ruleversion_withdraw", args=[version.pk]), follow=True
        )

    assert "Đã rút lại phiên bản 1." in response.content.decode()
    version.refresh_from_db()
    assert version.is_withdrawn and version.withdrawn_by == province_admin
    assert (
        rules_in_force("f0_timing", province, at=NOW + datetime.timedelta(days=2))["isolation_days"]
        == 7
    )


def test_the_national_admin_sets_the_defaults(client, superuser, province, ward1):
    client.force_login(superuser)
    response = client.post(
        SCHEDULE, {**form(province, isolation_days="5"), "province": "", "_confirm": "1"}
    )
    assert response.status_code == 302
    version = RuleVersion.objects.get(province__isnull=True, number=2)
    assert version.values["isolation_days"] == 5


def test_versions_of_a_kind_no_app_registers_any_more_stay_readable(client, superuser, province):
    old = RuleVersion.objects.create(
        kind="retired_kind",
        province=province,
        number=1,
        effective_from=NOW - datetime.timedelta(days=30),
        document="QĐ cũ",
        values={"days": 14},
    )
    client.force_login(superuser)

    listed = client.get(reverse("admin:rules_ruleversion_changelist"))
    page = client.get(reverse("admin:rules_ruleversion_change", args=[old.pk]))

    assert listed.status_code == page.status_code == 200
    assert "retired_kind" in listed.content.decode()
    assert "Đã được thay thế" in listed.content.decode()
