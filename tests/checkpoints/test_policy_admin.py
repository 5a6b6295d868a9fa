"""The province's page "Chính sách cách ly theo vùng": reading the table, setting or
removing one area's policy as a new version (previewed first), who may change it."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from checkpoints.quarantine.policy import QUARANTINE_POLICY
from khaibao.accounts.roles import Role
from khaibao.audit.models import AuditAction, AuditEvent
from khaibao.rules.models import RuleVersion
from tests.checkpoints.conftest import policy_row
from tests.factories import AreaLevel, make_area, make_staff

POLICIES = reverse("admin:checkpoints_entrydeclaration_policies")
SET = reverse("admin:checkpoints_entrydeclaration_policy_set")
REMOVE = reverse("admin:checkpoints_entrydeclaration_policy_remove")
DOCUMENT = "Công văn 1346/UBND-GD ngày 17/02/2021"


def versions(province):
    return RuleVersion.objects.filter(kind=QUARANTINE_POLICY, province=province)


def seven_days(area, **changes):
    return {
        "area_code": area.code,
        "measure": "self_monitor",
        "days": "7",
        "document": DOCUMENT,
        **changes,
    }


@pytest.fixture
def other_province_admin(superuser, other_province):
    return make_staff(
        username="so-y-te-ha-noi", role=Role.PROVINCE_ADMIN, area=other_province, by=superuser
    )


def test_a_province_admin_adds_a_7_day_policy_for_a_village(
    client, province_admin, province, origin_village
):
    client.force_login(province_admin)
    before = versions(province).count()

    form = client.get(SET)
    preview = client.post(SET, seven_days(origin_village, _preview="1"))
    saved = client.post(SET, seven_days(origin_village, _confirm="1"))

    assert form.status_code == preview.status_code == 200
    assert (
        "Tổ dân phố Đông: chưa có chính sách riêng (không áp dụng biện pháp nào) → "
        "tự theo dõi sức khoẻ tại nhà 7 ngày" in preview.content.decode()
    )
    assert versions(province).count() == before + 1, "the preview saves nothing"
    assert saved.status_code == 302
    assert saved["Location"] == POLICIES
    version = versions(province).order_by("-number").first()
    assert version.created_by == province_admin
    assert version.document == DOCUMENT
    assert version.values["policies"] == [
        {
            "area": origin_village.code,
            "measure": "self_monitor",
            "days": 7,
            "test_on_arrival": False,
            "from": None,
            "until": None,
            "vaccinated": None,
            "negative_test": None,
        }
    ]
    assert abs(version.effective_from - timezone.now()) < datetime.timedelta(minutes=1)
    event = AuditEvent.objects.get(action=AuditAction.CREATE, object_type="rules.ruleversion")
    assert (event.actor, event.area) == (province_admin, province)
    assert event.detail["kind"] == QUARANTINE_POLICY


def test_changing_one_area_keeps_the_other_rows_and_previews_before_and_after(
    client, province_admin, province, other_ward, origin_village, publish_policy
):
    publish_policy(
        [
            policy_row(other_ward, "home_quarantine", 10),
            policy_row(origin_village, "central_quarantine", 14),
        ]
    )
    client.force_login(province_admin)

    form = client.get(SET, {"area": origin_village.code})
    preview = client.post(
        SET,
        seven_days(
            origin_village,
            vaccinated_measure="none",
            valid_until=(timezone.localdate() + datetime.timedelta(days=30)).strftime("%d/%m/%Y"),
            _preview="1",
        ),
    )
    client.post(SET, seven_days(origin_village, vaccinated_measure="none", _confirm="1"))

    assert form.context["form"].initial["measure"] == "central_quarantine"
    assert (
        "Tổ dân phố Đông: cách ly tập trung 14 ngày → tự theo dõi sức khoẻ tại nhà 7 ngày, "
        "đã tiêm đủ liều: Không áp dụng biện pháp" in preview.content.decode()
    )
    rows = {
        row["area"]: row for row in versions(province).order_by("-number")[0].values["policies"]
    }
    assert (rows[other_ward.code]["measure"], rows[other_ward.code]["days"]) == (
        "home_quarantine",
        10,
    )
    assert rows[origin_village.code]["measure"] == "self_monitor"
    assert rows[origin_village.code]["vaccinated"] == {"measure": "none", "days": 0}


def test_an_area_may_be_picked_province_ward_village_point(
    client, province_admin, province, other_province, other_ward, origin_village
):
    point = make_area(
        code="00070-001-01", name="Chợ Đồng Xuân", level=AreaLevel.POINT, parent=origin_village
    )
    client.force_login(province_admin)

    client.post(
        SET,
        {
            "area_province": other_province.pk,
            "area_ward": other_ward.pk,
            "area_village": origin_village.pk,
            "area_point": point.pk,
            "measure": "central_quarantine",
            "days": "21",
            "test_on_arrival": "on",
            "document": DOCUMENT,
            "_confirm": "1",
        },
    )

    [row] = versions(province).order_by("-number")[0].values["policies"]
    assert (row["area"], row["measure"], row["days"], row["test_on_arrival"]) == (
        point.code,
        "central_quarantine",
        21,
        True,
    )


def test_removing_an_areas_policy_shows_what_then_applies(
    client, province_admin, province, other_ward, origin_village, publish_policy
):
    publish_policy(
        [
            policy_row(other_ward, "home_quarantine", 10),
            policy_row(origin_village, "central_quarantine", 14),
        ]
    )
    client.force_login(province_admin)
    data = {"area_code": origin_village.code, "document": DOCUMENT}

    preview = client.post(REMOVE, {**data, "_preview": "1"})
    saved = client.post(REMOVE, {**data, "_confirm": "1"})

    assert (
        "Tổ dân phố Đông: cách ly tập trung 14 ngày → bỏ chính sách riêng, người đến từ đây "
        "theo chính sách của Phường Hoàn Kiếm: cách ly tại nhà 10 ngày" in preview.content.decode()
    )
    assert saved.status_code == 302
    rows = versions(province).order_by("-number")[0].values["policies"]
    assert [row["area"] for row in rows] == [other_ward.code]


def test_the_list_shows_the_rows_in_force_and_the_versions_scheduled_later(
    client, ward1_staff, province, other_ward, origin_village, publish_policy
):
    publish_policy([policy_row(origin_village, "central_quarantine", 14)])
    tomorrow = timezone.now() + datetime.timedelta(days=1)
    later = publish_policy([policy_row(other_ward, "self_monitor", 7)], at=tomorrow)
    client.force_login(ward1_staff)

    response = client.get(POLICIES)

    page = response.content.decode()
    assert response.status_code == 200
    assert "Tổ dân phố Đông, Phường Hoàn Kiếm" in page
    assert origin_village.code in page and "Thôn / tổ dân phố" in page
    assert "Cách ly tập trung 14 ngày" in page
    assert f"Phiên bản {later.number}" in page
    assert "<del>Cách ly tập trung 14 ngày</del> → <strong>bỏ chính sách riêng</strong>" in page
    assert "<del>—</del> → <strong>Tự theo dõi sức khoẻ tại nhà 7 ngày</strong>" in page
    # A station reads the table; only the province changes it.
    assert SET not in page


def test_a_change_from_now_warns_of_a_version_scheduled_later(
    client, province_admin, province, origin_village, publish_policy
):
    tomorrow = timezone.now() + datetime.timedelta(days=1)
    later = publish_policy([policy_row(origin_village, "central_quarantine", 21)], at=tomorrow)
    client.force_login(province_admin)

    preview = client.post(SET, seven_days(origin_village, _preview="1"))

    page = preview.content.decode()
    assert f"Phiên bản {later.number}, có hiệu lực từ" in page
    assert "không có thay đổi này" in page
    assert "cách ly tập trung 21 ngày" in page


def test_a_station_reads_the_table_but_may_not_change_it(
    client, ward1_staff, province, origin_village
):
    client.force_login(ward1_staff)
    before = versions(province).count()

    assert client.get(POLICIES).status_code == 200
    assert client.get(SET).status_code == 403
    assert client.post(SET, seven_days(origin_village, _confirm="1")).status_code == 403
    assert (
        client.post(REMOVE, {"area_code": origin_village.code, "_confirm": "1"}).status_code == 403
    )
    assert versions(province).count() == before


def test_another_provinces_admin_sees_and_changes_only_its_own_table(
    client, other_province_admin, province, other_province, origin_village, village1, publish_policy
):
    publish_policy([policy_row(origin_village, "central_quarantine", 14)])
    client.force_login(other_province_admin)
    before = versions(province).count()

    page = client.get(POLICIES, {"province": province.code}).content.decode()
    saved = client.post(f"{SET}?province={province.code}", seven_days(village1, _confirm="1"))

    assert "Thành phố Hà Nội" in page
    assert "Cách ly tập trung 14 ngày" not in page
    assert saved.status_code == 302
    assert versions(province).count() == before
    [own] = versions(other_province)
    assert [row["area"] for row in own.values["policies"]] == [village1.code]


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"document": ""}, "document", "Ghi văn bản căn cứ của thay đổi này."),
        ({"measure": "central_quarantine", "days": ""}, "days", "cần số ngày (ít nhất 1)"),
        ({"days": "61"}, "days", "Nhiều nhất 60 ngày."),
        ({"area_code": "99999"}, "area_code", "Không có đơn vị hành chính mã 99999."),
        ({"area_code": ""}, "area_code", "Ghi mã vùng hoặc chọn vùng áp dụng."),
        (
            {"vaccinated_measure": "central_quarantine", "vaccinated_days": "14"},
            "vaccinated_measure",
            "ngoại lệ không được nặng hơn biện pháp chung",
        ),
        (
            {"valid_from": "10/12/2030", "valid_until": "01/12/2030"},
            "valid_until",
            "ngày bắt đầu sau ngày kết thúc",
        ),
        ({"effective_from": "2020-01-01T08:00"}, "effective_from", "Không thể đặt hiệu lực"),
    ],
)
def test_bad_input_is_a_400_in_vietnamese_and_schedules_nothing(
    client, province_admin, province, origin_village, changes, field, message
):
    client.force_login(province_admin)
    before = versions(province).count()

    response = client.post(SET, seven_days(origin_village, **changes, _confirm="1"))

    assert response.status_code == 400
    errors = response.context["form"].errors
    assert any(message in text for text in errors[field]), errors
    assert versions(province).count() == before


def test_removing_an_area_without_a_policy_is_refused(
    client, province_admin, province, origin_village
):
    client.force_login(province_admin)

    response = client.post(
        REMOVE, {"area_code": origin_village.code, "document": DOCUMENT, "_confirm": "1"}
    )

    assert response.status_code == 400
    assert "Vùng này không có chính sách trong bảng." in response.content.decode()
    assert versions(province).count() == 0


def test_a_superuser_chooses_the_province_first(client, superuser, province, origin_village):
    client.force_login(superuser)

    chooser = client.get(POLICIES)
    saved = client.post(f"{SET}?province={province.code}", seven_days(origin_village, _confirm="1"))

    assert f"?province={province.code}" in chooser.content.decode()
    assert saved.status_code == 302
    assert saved["Location"] == f"{POLICIES}?province={province.code}"
    assert versions(province).count() == 1


def test_the_refresh_button_fills_the_lists_and_schedules_nothing(
    client, province_admin, province, other_province, other_ward
):
    client.force_login(province_admin)

    response = client.post(SET, {"area_province": other_province.pk, "_refresh": "1"})

    assert response.status_code == 200
    assert list(response.context["form"].fields["area_ward"].queryset) == [other_ward]
    assert not response.context["form"].errors
    assert versions(province).count() == 0


def test_a_time_in_the_past_is_refused_at_the_preview_already(
    client, province_admin, province, origin_village
):
    client.force_login(province_admin)

    response = client.post(
        SET, seven_days(origin_village, effective_from="2020-01-01T08:00", _preview="1")
    )

    assert response.status_code == 400
    assert "Không thể đặt hiệu lực trong quá khứ" in response.content.decode()
    assert 'id="kb-preview"' not in response.content.decode()
