"""The area admin: villages are added and renamed by staff, within their ward."""

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from khaibao.areas.models import Area, AreaLevel
from khaibao.audit.models import AuditAction, AuditEvent

from .admin_urls import admin_url

IMPORT_URL = reverse("admin:areas_area_import_villages")


def _csv(text: str) -> SimpleUploadedFile:
    return SimpleUploadedFile("thon.csv", text.encode("utf-8"), content_type="text/csv")


def test_renaming_a_village_updates_its_search_key(client, ward1_staff, village1):
    client.force_login(ward1_staff)

    response = client.post(
        admin_url(Area, "change", village1),
        {"name": "Khu phố Bến Nghé", "division_type": "khu phố"},
    )

    assert response.status_code == 302
    village1.refresh_from_db()
    assert village1.name == "Khu phố Bến Nghé"
    assert village1.name_key == "khu pho ben nghe"
    found = client.get(admin_url(Area, "changelist"), {"q": "ben nghe"})
    assert list(found.context["cl"].result_list) == [village1]
    event = AuditEvent.objects.get(actor=ward1_staff)
    assert (event.action, event.area) == (AuditAction.CHANGE, village1)


def test_a_village_cannot_be_moved_to_another_ward(client, province_admin, village1, ward1, ward2):
    client.force_login(province_admin)

    response = client.post(
        admin_url(Area, "change", village1),
        {"parent": ward2.pk, "name": village1.name, "division_type": "khu phố"},
    )

    assert response.status_code == 302
    village1.refresh_from_db()
    assert village1.parent == ward1
    assert village1.path == f"{ward1.path}{village1.code}/"


def test_wards_are_read_only_in_the_admin(client, province_admin, ward1):
    client.force_login(province_admin)

    page = client.get(admin_url(Area, "change", ward1))
    response = client.post(
        admin_url(Area, "change", ward1), {"name": "Đổi tên", "division_type": "phường"}
    )

    assert page.status_code == 200
    assert not page.context["has_change_permission"]
    assert response.status_code == 403
    ward1.refresh_from_db()
    assert ward1.name == "Phường Sài Gòn"


def test_a_ward_station_adds_a_village_only_under_its_own_ward(client, ward1_staff, ward1, ward2):
    client.force_login(ward1_staff)
    url = admin_url(Area, "add")

    refused = client.post(
        url, {"parent": ward2.pk, "name": "Khu phố 9", "division_type": "khu phố"}
    )
    created = client.post(
        url, {"parent": ward1.pk, "name": "Khu phố 9", "division_type": "khu phố"}
    )

    assert refused.status_code == 200
    assert "parent" in refused.context["adminform"].form.errors
    assert created.status_code == 302
    village = Area.objects.get(name="Khu phố 9")
    assert (village.parent, village.level) == (ward1, AreaLevel.VILLAGE)
    event = AuditEvent.objects.get(actor=ward1_staff)
    assert (event.action, event.area) == (AuditAction.CREATE, village)


def test_village_import_refuses_a_row_for_another_ward_and_creates_nothing(
    client, ward1_staff, ward1, ward2
):
    client.force_login(ward1_staff)
    text = f"ward_code,name,division_type\n{ward1.code},Tổ 7,tổ dân phố\n{ward2.code},Tổ 8,tổ dân phố\n"

    response = client.post(IMPORT_URL, {"file": _csv(text)})

    assert response.status_code == 400
    assert "ngoài địa bàn bạn phụ trách" in response.content.decode()
    assert not Area.objects.filter(name__in=["Tổ 7", "Tổ 8"]).exists()


def test_village_import_into_the_own_ward_creates_and_audits_each_village(
    client, ward1_staff, ward1
):
    client.force_login(ward1_staff)
    text = f"ward_code,name,division_type\n{ward1.code},Tổ 7,tổ dân phố\n{ward1.code},Tổ 8,tổ dân phố\n"

    response = client.post(IMPORT_URL, {"file": _csv(text)})

    assert response.status_code == 302
    assert response["Location"] == admin_url(Area, "changelist")
    villages = Area.objects.filter(parent=ward1, name__in=["Tổ 7", "Tổ 8"])
    assert villages.count() == 2
    events = AuditEvent.objects.filter(actor=ward1_staff, action=AuditAction.CREATE)
    assert {event.area_id for event in events} == {village.pk for village in villages}
