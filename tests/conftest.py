"""Named personas shared by the whole suite.

The area tree: province 79 with wards 26734 ("ward 1") and 26737 ("ward 2"), each with
a residential group; province 01 with ward 00070 ("other province").
"""

import datetime
import os

import pytest

from khaibao.accounts.models import User
from khaibao.accounts.roles import Role
from khaibao.areas.models import AreaLevel
from khaibao.people.ids import Sex
from khaibao.people.models import Relationship
from khaibao.people.services import person_link_to_account
from tests.factories import make_area, make_citizen, make_person, make_staff

STAFF_PASSWORD = "Mat-khau-kiem-thu-2026"


@pytest.fixture(scope="session", autouse=True)
def _signing_key():
    """One ES256 key for the whole run, as production would have in SIGNING_KEYS_DIR."""
    from django.conf import settings

    from khaibao.trust.keys import generate_key, keyring_reset

    directory = settings.SIGNING_KEYS_DIR
    directory.mkdir(parents=True, exist_ok=True)
    if not any(directory.glob("*.pem")):
        generate_key(directory)
    keyring_reset()


@pytest.fixture(autouse=True)
def _own_rules_cache(monkeypatch):
    """Each test reads rules through cache keys of its own: a flushed test database
    must not meet timelines cached by an earlier test."""
    import uuid

    from khaibao.rules import cache

    monkeypatch.setattr(cache, "NAMESPACE", uuid.uuid4().hex)


@pytest.fixture(autouse=True)
def _empty_sms_outbox():
    """The locmem SMS backend keeps texts in a class list: start each test empty."""
    from khaibao.notify.backends import LocmemBackend

    LocmemBackend.outbox.clear()
    yield
    LocmemBackend.outbox.clear()


@pytest.fixture
def province(db):
    return make_area(
        code="79", name="Thành phố Hồ Chí Minh", level=AreaLevel.PROVINCE, division_type="thành phố"
    )


@pytest.fixture
def ward1(province):
    return make_area(code="26734", name="Phường Sài Gòn", level=AreaLevel.WARD, parent=province)


@pytest.fixture
def ward2(province):
    return make_area(code="26737", name="Phường Tân Định", level=AreaLevel.WARD, parent=province)


@pytest.fixture
def village1(ward1):
    return make_area(code="26734-001", name="Khu phố 1", level=AreaLevel.VILLAGE, parent=ward1)


@pytest.fixture
def village2(ward2):
    return make_area(code="26737-001", name="Khu phố 3", level=AreaLevel.VILLAGE, parent=ward2)


@pytest.fixture
def other_province(db):
    return make_area(
        code="01", name="Thành phố Hà Nội", level=AreaLevel.PROVINCE, division_type="thành phố"
    )


@pytest.fixture
def other_ward(other_province):
    return make_area(
        code="00070", name="Phường Hoàn Kiếm", level=AreaLevel.WARD, parent=other_province
    )


@pytest.fixture
def superuser(db):
    return User.objects.create_superuser(username="root-admin", password=STAFF_PASSWORD, email="")


@pytest.fixture
def province_admin(superuser, province):
    return make_staff(username="so-y-te", role=Role.PROVINCE_ADMIN, area=province, by=superuser)


@pytest.fixture
def ward1_staff(superuser, ward1):
    return make_staff(username="tram-y-te-1", role=Role.WARD_STATION, area=ward1, by=superuser)


@pytest.fixture
def ward2_staff(superuser, ward2):
    return make_staff(username="tram-y-te-2", role=Role.WARD_STATION, area=ward2, by=superuser)


@pytest.fixture
def checkpoint_officer(superuser, province):
    return make_staff(username="chot-kiem-soat", role=Role.CHECKPOINT, area=province, by=superuser)


@pytest.fixture
def lab_user(superuser, province):
    return make_staff(username="xet-nghiem", role=Role.LAB, area=province, by=superuser)


@pytest.fixture
def citizen_person(village1):
    return make_person(
        area=village1,
        full_name="Nguyễn Văn An",
        date_of_birth=datetime.date(1988, 3, 14),
        sex=Sex.MALE,
        phone="0912345678",
    )


@pytest.fixture
def citizen(citizen_person):
    return make_citizen(phone="+84912345678", person=citizen_person)


@pytest.fixture
def relative(citizen, village1):
    child = make_person(
        area=village1,
        full_name="Nguyễn Thị Bình",
        date_of_birth=datetime.date(2016, 9, 2),
        sex=Sex.FEMALE,
        id_type="none",
        id_number="000000000",
    )
    person_link_to_account(account=citizen, person=child, relationship=Relationship.CHILD)
    return child


@pytest.fixture
def ward2_person(village2):
    return make_person(
        area=village2,
        full_name="Trần Thị Cúc",
        date_of_birth=datetime.date(1975, 11, 30),
        sex=Sex.FEMALE,
        phone="0987654321",
    )


def require(condition: bool, reason: str) -> None:
    """Skip locally when a real service is not configured; fail in CI, never skip there."""
    if condition:
        return
    if os.environ.get("CI"):
        pytest.fail(f"CI needs this: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def postgres_and_redis():
    from django.conf import settings

    require(
        settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql",
        "set DATABASE_URL to a PostgreSQL database",
    )
    require(bool(settings.REDIS_URL), "set REDIS_URL to a Redis server")


@pytest.fixture(scope="session")
def live_server(django_db_setup, live_server):
    """pytest-django's live server, started after the test database exists, so that it
    stops (and its thread lets go of its connection) before the database is dropped."""
    return live_server


@pytest.fixture
def set_rule(db):
    """set_rule("login", captcha_after_per_ip=100): a new version of a rule kind, in
    force from now (national, or for `province`), made through the real service."""
    from django.utils import timezone

    from khaibao.rules.cache import NATIONAL, timeline_clear
    from khaibao.rules.selectors import rules_in_force
    from khaibao.rules.services import rule_version_schedule

    def _set(kind: str, province=None, **changes):
        admin, _created = User.objects.get_or_create(
            username="quy-dinh-kiem-thu", defaults={"is_staff": True, "is_superuser": True}
        )
        values = {**rules_in_force(kind, province).values, **changes}
        version = rule_version_schedule(
            kind=kind,
            province=province,
            values=values,
            effective_from=timezone.now(),
            document="Quy định kiểm thử",
            by=admin,
        )
        # The service clears the cached timeline after commit, which a test
        # transaction never reaches.
        timeline_clear(kind, province.code if province is not None else NATIONAL)
        return version

    return _set
