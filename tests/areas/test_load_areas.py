"""load_areas: the official 34 provinces and 3,321 wards, loaded idempotently."""

from io import StringIO

import pytest
from django.core.management import call_command

from khaibao.areas.models import Area, AreaLevel
from khaibao.areas.services import village_create

pytestmark = pytest.mark.django_db

HANOI_WARDS = 126  # Hà Nội since 1 July 2025


def load_areas() -> str:
    out = StringIO()
    call_command("load_areas", stdout=out)
    return out.getvalue()


@pytest.fixture
def loaded():
    load_areas()


@pytest.mark.smoke
def test_it_loads_34_provinces_and_3321_wards_under_their_official_codes():
    output = load_areas()
    assert Area.objects.filter(level=AreaLevel.PROVINCE).count() == 34
    assert Area.objects.filter(level=AreaLevel.WARD).count() == 3321
    assert "3355 created, 0 updated" in output

    hanoi = Area.objects.get(code="01")
    assert (hanoi.name, hanoi.level, hanoi.parent, hanoi.path) == (
        "Thành phố Hà Nội",
        AreaLevel.PROVINCE,
        None,
        "01/",
    )
    hoan_kiem = Area.objects.get(code="00070")
    assert (hoan_kiem.name, hoan_kiem.parent, hoan_kiem.path) == (
        "Phường Hoàn Kiếm",
        hanoi,
        "01/00070/",
    )
    assert hoan_kiem.name_key == "phuong hoan kiem"
    assert Area.objects.get(code="79").name == "Thành phố Hồ Chí Minh"


def test_every_ward_sits_under_its_province_path(loaded):
    wards = Area.objects.filter(level=AreaLevel.WARD).select_related("parent")
    misplaced = [
        ward.code
        for ward in wards
        if ward.parent.level != AreaLevel.PROVINCE or ward.path != f"{ward.parent.path}{ward.code}/"
    ]
    assert misplaced == []
    assert all(len(ward.code) == 5 and ward.code.isdigit() for ward in wards)


def test_a_second_run_creates_and_updates_nothing(loaded):
    hoan_kiem_pk = Area.objects.get(code="00070").pk
    count = Area.objects.count()

    output = load_areas()

    assert "0 created, 0 updated" in output
    assert "34 provinces, 3321 wards" in output
    assert Area.objects.count() == count
    assert Area.objects.get(code="00070").pk == hoan_kiem_pk


def test_a_re_run_repairs_a_changed_ward_and_keeps_its_villages_under_it(loaded):
    hoan_kiem = Area.objects.get(code="00070")
    village = village_create(ward=hoan_kiem, name="Tổ dân phố 1", division_type="tổ dân phố")
    # As if an older data version had put the ward, renamed, in another province.
    Area.objects.filter(pk=hoan_kiem.pk).update(
        name="Phường Cũ", parent=Area.objects.get(code="79"), path="79/00070/"
    )
    Area.objects.filter(pk=village.pk).update(path="79/00070/00070-001/")

    output = load_areas()

    assert "0 created, 1 updated" in output
    hoan_kiem.refresh_from_db()
    village.refresh_from_db()
    assert (hoan_kiem.name, hoan_kiem.parent.code, hoan_kiem.path) == (
        "Phường Hoàn Kiếm",
        "01",
        "01/00070/",
    )
    assert village.path == "01/00070/00070-001/"


def test_within_a_province_is_the_province_its_wards_and_villages_in_one_query(
    loaded, django_assert_num_queries
):
    hanoi = Area.objects.get(code="01")
    hoan_kiem_village = village_create(
        ward=Area.objects.get(code="00070"), name="Tổ dân phố 1", division_type="tổ dân phố"
    )
    vung_tau_village = village_create(
        ward=Area.objects.get(code="26506"), name="Khu phố 1", division_type="khu phố"
    )

    with django_assert_num_queries(1):
        areas = list(Area.objects.within(hanoi))

    assert len(areas) == 1 + HANOI_WARDS + 1
    assert hanoi in areas and hoan_kiem_village in areas
    assert vung_tau_village not in areas
    assert {area.province_code for area in areas} == {"01"}


def test_within_a_ward_is_the_ward_and_its_villages_only(loaded):
    hoan_kiem = Area.objects.get(code="00070")
    village = village_create(ward=hoan_kiem, name="Tổ dân phố 1", division_type="tổ dân phố")
    village_create(
        ward=Area.objects.get(code="00073"), name="Tổ dân phố 1", division_type="tổ dân phố"
    )
    assert list(Area.objects.within(hoan_kiem)) == [hoan_kiem, village]
