import pytest

from khaibao.accounts.models import Unit
from khaibao.accounts.roles import Role
from khaibao.accounts.services import unit_save
from tests.trust.conftest import csca_dir, signing_keys  # noqa: F401 (HC1 certificates)

from .factories import make_lab, make_lab_staff


@pytest.fixture
def lab_a(superuser, province):
    return make_lab(by=superuser, area=province, code="XN-CR", name="Phòng xét nghiệm BV Chợ Rẫy")


@pytest.fixture
def lab_b(superuser, province):
    return make_lab(
        by=superuser, area=province, code="XN-ND", name="Phòng xét nghiệm BV Nhiệt đới", phone=""
    )


@pytest.fixture
def lab_a_staff(superuser, lab_a):
    return make_lab_staff(by=superuser, lab=lab_a, username="xet-nghiem-cho-ray")


@pytest.fixture
def lab_b_staff(superuser, lab_b):
    return make_lab_staff(by=superuser, lab=lab_b, username="xet-nghiem-nhiet-doi")


@pytest.fixture
def ward1_station(superuser, ward1):
    """Ward 1's health station, with the duty phone a new case is texted to."""
    return unit_save(
        by=superuser,
        unit=Unit(),
        role=Role.WARD_STATION,
        code="TYT-26734",
        name="Trạm Y tế Phường Sài Gòn",
        area=ward1,
        phone="+84283822111",
    )
