"""Demo data for `make run`: one staff account per role and a few citizens.

Idempotent: a second run finds what the first made. The staff password is generated
once and kept in var/demo_password, so it stays the same across runs.
"""

import datetime
import secrets

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from khaibao.accounts.models import StaffProfile, User
from khaibao.accounts.roles import Role
from khaibao.accounts.services import staff_create
from khaibao.areas.models import Area, AreaLevel
from khaibao.areas.services import village_create
from khaibao.people.ids import IdType, Sex, cccd_century_sex_digit
from khaibao.people.models import Person, Relationship
from khaibao.people.services import person_create, person_link_to_account
from khaibao.rules.defaults import rule_defaults_ensure
from khaibao.rules.kinds import all_kinds
from khaibao.rules.models import RuleVersion
from khaibao.rules.selectors import rules_in_force
from khaibao.rules.services import rule_version_schedule

#: The entry declarations' policy kind (checkpoints.quarantine.policy), named by its slug:
#: the platform never imports a domain app.
QUARANTINE_POLICY_SLUG = "quarantine_policy"
DEMO_PROVINCE_CODE = "79"  # Thành phố Hồ Chí Minh
DEMO_WARD_NAMES = ("Phường Sài Gòn", "Phường Tân Định")

# username, role, "ward" (first demo ward), "ward2" or "province", unit name
DEMO_STAFF = (
    ("demo-tramyte", Role.WARD_STATION, "ward", "Trạm Y tế phường Sài Gòn"),
    ("demo-tramyte2", Role.WARD_STATION, "ward2", "Trạm Y tế phường Tân Định"),
    ("demo-dieutri", Role.TREATMENT_FACILITY, "ward", "Bệnh viện dã chiến số 1"),
    ("demo-tiemchung", Role.VACCINATION_UNIT, "province", "Trung tâm Kiểm soát bệnh tật"),
    ("demo-xetnghiem", Role.LAB, "province", "Phòng xét nghiệm khu vực 1"),
    ("demo-chot", Role.CHECKPOINT, "province", "Chốt ga Sài Gòn"),
    ("demo-diadiem", Role.VENUE_MANAGER, "ward", "Chợ Bến Thành"),
    ("demo-soyte", Role.PROVINCE_ADMIN, "province", "Sở Y tế"),
)

# full name, birth date, sex, phone
DEMO_CITIZENS = (
    ("Nguyễn Văn An", datetime.date(1985, 4, 12), Sex.MALE, "+84912000001"),
    ("Trần Thị Bích Ngọc", datetime.date(1992, 8, 30), Sex.FEMALE, "+84912000002"),
    ("Lê Hoàng Phúc", datetime.date(2001, 1, 5), Sex.MALE, "+84912000003"),
)


class Command(BaseCommand):
    help = "Create demo staff accounts (one per role) and a few citizens. Development only."

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="Run even with DEBUG off.")

    def handle(self, *args, force=False, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "seed_demo creates accounts with a known password: DEBUG only (or --force)."
            )
        try:
            province = Area.objects.get(code=DEMO_PROVINCE_CODE, level=AreaLevel.PROVINCE)
        except Area.DoesNotExist:
            raise CommandError("Run `manage.py load_areas` first.") from None
        wards = sorted(
            Area.objects.filter(parent=province, name__in=DEMO_WARD_NAMES),
            key=lambda ward: DEMO_WARD_NAMES.index(ward.name),
        )
        if len(wards) < 2:
            wards = list(Area.objects.filter(parent=province).order_by("code")[:2])
        password = self._password()
        with transaction.atomic():
            # Every rule kind's defaults as national version 1, named after their source.
            for kind in all_kinds():
                if rule_defaults_ensure(kind=kind.slug):
                    self.stdout.write(f"Rules: {kind.slug} v1 ({kind.default_document})")
            root = self._system_user()
            places = {"ward": wards[0], "ward2": wards[1], "province": province}
            for username, role, place, unit in DEMO_STAFF:
                if not User.objects.filter(username=username).exists():
                    staff_create(
                        by=root,
                        username=username,
                        password=password,
                        full_name=unit,
                        role=role,
                        area=places[place],
                        unit_name=unit,
                    )
            village = self._village(wards[0])
            self._citizens(village)
            self._quarantine_policy(province)
        self._print(password, wards[0])

    def _password(self) -> str:
        path = settings.VAR_DIR / "demo_password"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(f"KhaiBao-{secrets.token_urlsafe(9)}")
            path.chmod(0o600)
        return path.read_text().strip()

    def _system_user(self) -> User:
        user, _created = User.objects.get_or_create(
            username="demo-root",
            defaults={"is_staff": True, "is_superuser": True, "full_name": "Demo"},
        )
        if _created:
            user.set_unusable_password()
            user.save()
        return user

    def _village(self, ward: Area) -> Area:
        existing = Area.objects.filter(parent=ward, level=AreaLevel.VILLAGE).first()
        if existing:
            return existing
        village_create(ward=ward, name="Khu phố 2", division_type="khu phố")
        return village_create(ward=ward, name="Khu phố 1", division_type="khu phố")

    def _citizens(self, village: Area) -> None:
        for index, (name, born, sex, phone) in enumerate(DEMO_CITIZENS, start=1):
            number = f"079{cccd_century_sex_digit(born, sex)}{born.year % 100:02d}{index:06d}"
            person = Person.objects.filter(
                id_type=IdType.CCCD, id_number=number
            ).first() or person_create(
                full_name=name,
                date_of_birth=born,
                sex=sex,
                id_type=IdType.CCCD,
                id_number=number,
                phone=phone,
                area=village,
                street_address=f"{10 + index} Lê Lợi",
            )
            account, _created = User.objects.get_or_create(
                username=phone, defaults={"phone": phone}
            )
            if _created:
                account.set_unusable_password()
                account.save()
            person_link_to_account(account=account, person=person, relationship=Relationship.SELF)
        parent = User.objects.get(username=DEMO_CITIZENS[0][3])
        if not parent.managed_links.filter(relationship=Relationship.CHILD).exists():
            child = person_create(
                full_name="Nguyễn Minh Khang",
                date_of_birth=datetime.date(2017, 6, 1),
                sex=Sex.MALE,
                id_type=IdType.NONE,
                id_number="000000000",
                area=village,
                street_address="11 Lê Lợi",
            )
            person_link_to_account(account=parent, person=child, relationship=Relationship.CHILD)

    def _quarantine_policy(self, province: Area) -> None:
        """A village outside the province under a 14-day policy (7 days of self-monitoring
        when fully vaccinated), so an entry declaration from it shows a policy at once."""
        if QUARANTINE_POLICY_SLUG not in {kind.slug for kind in all_kinds()} or (
            RuleVersion.objects.filter(kind=QUARANTINE_POLICY_SLUG, province=province).exists()
        ):
            return
        ward = (
            Area.objects.filter(level=AreaLevel.WARD)
            .exclude(path__startswith=province.path)
            .order_by("code")
            .first()
        )
        if ward is None:
            return
        origin = Area.objects.filter(parent=ward, name="Tổ dân phố Đông").first() or (
            village_create(ward=ward, name="Tổ dân phố Đông", division_type="tổ dân phố")
        )
        values = dict(rules_in_force(QUARANTINE_POLICY_SLUG, province).values)
        values["policies"] = [
            {
                "area": origin.code,
                "measure": "central_quarantine",
                "days": 14,
                "vaccinated": {"measure": "self_monitor", "days": 7},
            }
        ]
        rule_version_schedule(
            kind=QUARANTINE_POLICY_SLUG,
            province=province,
            values=values,
            effective_from=timezone.now(),
            document="Dữ liệu mẫu (demo)",
            by=User.objects.get(username="demo-soyte"),
        )
        self.stdout.write(f"Quarantine policy: 14 days for arrivals from {origin}")

    def _print(self, password: str, ward: Area) -> None:
        self.stdout.write("")
        self.stdout.write("Demo staff accounts (log in at /admin/ on the address below):")
        for profile in (
            StaffProfile.objects.filter(user__username__startswith="demo-")
            .select_related("user", "area")
            .order_by("user__username")
        ):
            self.stdout.write(
                f"  {profile.user.username:<16} {profile.get_role_display():<28} {profile.area}"
            )
        self.stdout.write(f"  password for all of them: {password}")
        self.stdout.write(
            f"Demo citizens' phones: {', '.join(c[3] for c in DEMO_CITIZENS)} ({ward.name})"
        )
        self.stdout.write("")
