"""Villages / residential groups: added one at a time by staff or from a CSV file."""

import unicodedata

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from khaibao.areas.forms import VillageCsvForm, VillageForm
from khaibao.areas.models import Area, AreaLevel, ward_of
from khaibao.areas.services import point_create, village_create, villages_import_csv
from khaibao.audit.models import AuditAction, AuditEvent
from tests.factories import error_codes

HEADER = "ward_code,name,division_type\n"


def villages():
    return Area.objects.filter(level=AreaLevel.VILLAGE)


def csv_form(content: str | bytes) -> VillageCsvForm:
    data = content.encode("utf-8") if isinstance(content, str) else content
    return VillageCsvForm(files={"file": SimpleUploadedFile("thon.csv", data, "text/csv")})


def import_text(content: str, allowed_wards, by=None) -> list[Area]:
    form = csv_form(content)
    assert form.is_valid(), form.errors
    return villages_import_csv(rows=form.cleaned_data["rows"], allowed_wards=allowed_wards, by=by)


@pytest.fixture
def province_wards(province, ward1, ward2):
    """The wards a province-79 staff member may import into."""
    return Area.objects.within(province).filter(level=AreaLevel.WARD)


# --- village_create -------------------------------------------------------------------


def test_a_new_village_gets_the_next_code_under_its_ward(ward1, village1, ward1_staff):
    village = village_create(
        ward=ward1, name=" Khu  phố 2 ", division_type="Khu phố", by=ward1_staff
    )
    village.refresh_from_db()
    assert village.code == "26734-002"
    assert village.path == "79/26734/26734-002/"
    assert (village.name, village.name_key, village.division_type) == (
        "Khu phố 2",
        "khu pho 2",
        "khu phố",
    )
    assert village.is_within(ward1)
    event = AuditEvent.objects.get(action=AuditAction.CREATE, object_type="areas.area")
    assert (event.actor, event.area) == (ward1_staff, village)


@pytest.mark.parametrize(
    "typed", ["Khu phố 1", "KHU PHỐ 1", " khu  phố 1 ", unicodedata.normalize("NFD", "Khu Phố 1")]
)
def test_the_same_village_name_twice_in_one_ward_is_refused(ward1, village1, typed):
    with pytest.raises(ValidationError) as caught:
        village_create(ward=ward1, name=typed, division_type="khu phố")
    assert caught.value.error_dict["name"][0].code == "duplicate"
    assert "Phường Sài Gòn đã có" in caught.value.message_dict["name"][0]
    assert villages().count() == 1


def test_the_same_village_name_in_another_ward_is_fine(ward2, village1):
    village = village_create(ward=ward2, name="Khu phố 1", division_type="khu phố")
    assert village.path.startswith(ward2.path)


@pytest.mark.parametrize("parent_fixture", ["province", "village1"])
def test_a_village_must_sit_directly_under_a_ward(request, parent_fixture):
    parent = request.getfixturevalue(parent_fixture)
    before = villages().count()
    with pytest.raises(ValidationError) as caught:
        village_create(ward=parent, name="Thôn Mới", division_type="thôn")
    assert caught.value.error_dict["parent"][0].code == "not_a_ward"
    assert "phải thuộc một phường / xã" in caught.value.message_dict["parent"][0]
    assert villages().count() == before


def test_the_village_form_shows_a_duplicate_name_on_the_name_field(ward1, village1):
    form = VillageForm(data={"parent": ward1.pk, "name": "khu PHỐ 1", "division_type": "khu phố"})
    assert not form.is_valid()
    assert form.has_error("name", code="duplicate")
    renaming_itself = VillageForm(
        data={"parent": ward1.pk, "name": "Khu Phố 1", "division_type": "khu phố"},
        instance=village1,
    )
    assert renaming_itself.is_valid(), renaming_itself.errors


# --- CSV import -----------------------------------------------------------------------


def test_a_good_file_creates_every_row(province_wards, ward1, ward2, ward1_staff):
    created = import_text(
        HEADER
        + "26734,Tổ dân phố 1,tổ dân phố\n"
        + "26734,Tổ dân phố 2,tổ dân phố\n"
        + '26737,"Khu phố 3, ấp Mới",khu phố\n',
        province_wards,
        by=ward1_staff,
    )
    assert [(v.parent, v.name) for v in created] == [
        (ward1, "Tổ dân phố 1"),
        (ward1, "Tổ dân phố 2"),
        (ward2, "Khu phố 3, ấp Mới"),
    ]
    assert villages().count() == 3
    audited = AuditEvent.objects.filter(action=AuditAction.CREATE, object_type="areas.area")
    assert {(event.actor, event.object_repr) for event in audited} == {
        (ward1_staff, str(village)) for village in created
    }


def test_a_file_saved_by_excel_with_bom_and_crlf_is_read(province_wards, ward1):
    data = ("\ufeff" + HEADER + "26734,Tổ dân phố 9,tổ dân phố\n").replace("\n", "\r\n")
    form = csv_form(data.encode("utf-8"))
    assert form.is_valid(), form.errors
    villages_import_csv(rows=form.cleaned_data["rows"], allowed_wards=province_wards)
    assert villages().get().name == "Tổ dân phố 9"


def test_ward_codes_that_lost_their_leading_zeros_in_a_spreadsheet_still_match(
    other_province, other_ward
):
    allowed = Area.objects.within(other_province).filter(level=AreaLevel.WARD)
    created = import_text(HEADER + "70,Tổ dân phố 1,tổ dân phố\n", allowed)
    assert created[0].parent == other_ward


@pytest.mark.parametrize(
    "bad_row, words, code",
    [
        ("99999,Tổ dân phố 3,tổ dân phố", "99999", "ward_unknown"),  # no such ward
        ("00070,Tổ dân phố 3,tổ dân phố", "00070", "ward_unknown"),  # another province's
        ("26734,Tổ Dân Phố 1,tổ dân phố", "đã có", "row_invalid"),  # same name as line 2
    ],
)
def test_one_bad_row_creates_nothing_and_the_error_names_its_line(
    province_wards, other_ward, bad_row, words, code
):
    with pytest.raises(ValidationError) as caught:
        import_text(
            HEADER
            + "26734,Tổ dân phố 1,tổ dân phố\n"
            + "26737,Tổ dân phố 2,tổ dân phố\n"
            + "\n"  # a blank line still counts as a line of the file
            + bad_row
            + "\n",
            province_wards,
        )
    assert error_codes(caught.value) == [code]
    assert caught.value.messages[0].startswith("Dòng 5:")
    assert words in caught.value.messages[0]
    assert not villages().exists()


def test_a_wrong_header_is_refused(db):
    form = csv_form("ma_phuong,ten,loai\n26734,Tổ dân phố 1,tổ dân phố\n")
    assert not form.is_valid()
    assert form.has_error("file", code="header")
    assert "ward_code,name,division_type" in form.errors["file"][0]


def test_a_file_not_saved_as_utf8_is_refused_with_how_to_fix_it(db):
    form = csv_form((HEADER + "26734,Thôn Đông,thôn\n").encode("cp1258"))
    assert not form.is_valid()
    assert form.has_error("file", code="encoding")
    assert "CSV UTF-8" in form.errors["file"][0]


@pytest.mark.parametrize("content", [b"", HEADER.encode()])
def test_a_file_without_data_rows_is_refused(db, content):
    form = csv_form(content)
    assert not form.is_valid()
    assert form.has_error("file", code="empty")
    assert "Tệp" in form.errors["file"][0]


def test_a_row_with_a_missing_value_is_refused_with_its_line(db):
    form = csv_form(HEADER + "26734,Tổ dân phố 1,tổ dân phố\n26734,,tổ dân phố\n")
    assert not form.is_valid()
    assert form.has_error("file", code="row_incomplete")
    assert form.errors["file"][0] == "Dòng 3 thiếu dữ liệu."


def test_no_file_is_refused_in_vietnamese(db):
    form = VillageCsvForm(files={})
    assert not form.is_valid()
    assert form.errors["file"] == ["Chọn tệp CSV để tải lên."]


def test_renaming_a_village_updates_its_search_key_and_refuses_a_taken_name(ward1):
    from khaibao.areas.services import village_update

    first = village_create(ward=ward1, name="Tổ dân phố 1", division_type="tổ dân phố")
    second = village_create(ward=ward1, name="Tổ dân phố 2", division_type="tổ dân phố")
    code, path = second.code, second.path

    village_update(village=second, name="Khu phố Bến Nghé", division_type="khu phố")
    with pytest.raises(ValidationError) as refused:
        village_update(village=first, name="KHU PHỐ BẾN NGHÉ", division_type="khu phố")

    second.refresh_from_db()
    first.refresh_from_db()
    assert second.name_key == "khu pho ben nghe"
    assert Area.objects.search("ben nghe").get() == second
    assert refused.value.error_dict["name"][0].code == "duplicate"
    assert first.name == "Tổ dân phố 1"
    assert (second.code, second.path) == (code, path)


# --- points (a market, a building: what a quarantine policy may name) -------------------


def test_a_point_goes_under_a_village_or_a_ward_with_its_own_code(ward1, village1, ward1_staff):
    market = point_create(parent=village1, name="Chợ Bến Thành", division_type="", by=ward1_staff)
    building = point_create(parent=ward1, name="Chung cư A", division_type="chung cư")

    assert (market.level, market.code, market.path) == (
        AreaLevel.POINT,
        "26734-001-01",
        "79/26734/26734-001/26734-001-01/",
    )
    assert (market.division_type, building.code) == ("điểm", "26734-P01")
    assert ward_of(market) == ward1
    assert AuditEvent.objects.filter(action=AuditAction.CREATE, object_id=str(market.pk)).exists()


def test_a_point_under_a_point_or_a_village_under_a_village_is_refused(village1):
    market = point_create(parent=village1, name="Chợ Bến Thành", division_type="")

    with pytest.raises(ValidationError) as under_point:
        point_create(parent=market, name="Sạp 12", division_type="")
    with pytest.raises(ValidationError) as under_village:
        village_create(ward=village1, name="Tổ 9", division_type="tổ dân phố")

    assert error_codes(under_point.value) == {"parent": ["not_a_ward_or_village"]}
    assert error_codes(under_village.value) == {"parent": ["not_a_ward"]}
    assert not Area.objects.filter(name__in=["Sạp 12", "Tổ 9"]).exists()


def test_the_admin_adds_a_point_under_a_village(client, ward1_staff, village1):
    from django.urls import reverse

    client.force_login(ward1_staff)
    response = client.post(
        reverse("admin:areas_area_add"),
        {"level": "point", "parent": village1.pk, "name": "Chợ Bến Thành", "division_type": "chợ"},
    )

    assert response.status_code == 302
    point = Area.objects.get(name="Chợ Bến Thành")
    assert (point.level, point.parent, point.division_type) == (AreaLevel.POINT, village1, "chợ")
