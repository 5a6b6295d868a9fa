import pytest

from tests.trust.conftest import csca_dir, signing_keys  # noqa: F401 (HC1 certificates)

from .factories import make_unit, make_unit_staff


@pytest.fixture
def unit1(superuser, ward1):
    """The vaccination point of ward 1."""
    return make_unit(by=superuser, area=ward1)


@pytest.fixture
def unit2(superuser, ward2):
    return make_unit(by=superuser, area=ward2, code="TC-BN", name="Điểm tiêm Phường Bến Nghé")


@pytest.fixture
def other_province_unit(superuser, other_ward):
    return make_unit(by=superuser, area=other_ward, code="TC-HN", name="Điểm tiêm Phường Hoàn Kiếm")


@pytest.fixture
def unit1_staff(superuser, unit1):
    return make_unit_staff(by=superuser, unit=unit1, username="diem-tiem-sai-gon")


@pytest.fixture
def unit2_staff(superuser, unit2):
    return make_unit_staff(by=superuser, unit=unit2, username="diem-tiem-ben-nghe")


@pytest.fixture
def other_province_staff(superuser, other_province_unit):
    return make_unit_staff(by=superuser, unit=other_province_unit, username="diem-tiem-ha-noi")
