"""Load the official provinces and wards from `vietnam-provinces`, idempotently."""

import json

import vietnam_provinces
from django.core.management.base import BaseCommand
from django.db import transaction

from khaibao.areas.models import Area, AreaLevel, build_path
from khaibao.lib.normalize import name_key


class Command(BaseCommand):
    help = "Load or update the 34 provinces and 3,321 wards/communes (effective 1 July 2025)."

    def handle(self, *args, **options):
        data = json.loads(vietnam_provinces.NESTED_DIVISIONS_JSON_PATH.read_text(encoding="utf-8"))
        with transaction.atomic():
            created, updated = self._load(data)
        total_provinces = Area.objects.filter(level=AreaLevel.PROVINCE).count()
        total_wards = Area.objects.filter(level=AreaLevel.WARD).count()
        self.stdout.write(
            f"Areas: {created} created, {updated} updated; "
            f"{total_provinces} provinces, {total_wards} wards (data {vietnam_provinces.__data_version__})."
        )

    def _load(self, data) -> tuple[int, int]:
        existing = {
            area.code: area
            for area in Area.objects.filter(level__in=[AreaLevel.PROVINCE, AreaLevel.WARD])
        }
        created = updated = 0
        to_create, to_update = [], []

        def upsert(code, name, division_type, level, parent):
            nonlocal created, updated
            # parent_id, not parent: comparing the related object would load each
            # ward's province with one query per ward on every re-run.
            wanted = {
                "name": name,
                "name_key": name_key(name),
                "division_type": division_type,
                "level": level,
                "parent_id": parent.pk if parent else None,
                "path": build_path(parent=parent, code=code),
            }
            area = existing.get(code)
            if area is None:
                area = Area(code=code, **wanted)
                to_create.append(area)
                created += 1
            elif any(getattr(area, field) != value for field, value in wanted.items()):
                for field, value in wanted.items():
                    setattr(area, field, value)
                to_update.append(area)
                updated += 1
            return area

        provinces = []
        for province in data:
            area = upsert(
                f"{province['code']:02d}",
                province["name"],
                province["division_type"],
                AreaLevel.PROVINCE,
                None,
            )
            provinces.append((area, province["wards"]))
        Area.objects.bulk_create(to_create, batch_size=1000)
        Area.objects.bulk_update(
            to_update, ["name", "name_key", "division_type", "level", "parent", "path"]
        )
        to_create.clear()
        to_update.clear()
        if created:
            # bulk_create sets primary keys on PostgreSQL and SQLite; reload to be sure.
            existing.update({a.code: a for a in Area.objects.filter(level=AreaLevel.PROVINCE)})
            provinces = [(existing[area.code], wards) for area, wards in provinces]
        for province_area, wards in provinces:
            for ward in wards:
                upsert(
                    f"{ward['code']:05d}",
                    ward["name"],
                    ward["division_type"],
                    AreaLevel.WARD,
                    province_area,
                )
        Area.objects.bulk_create(to_create, batch_size=1000)
        Area.objects.bulk_update(
            to_update,
            ["name", "name_key", "division_type", "level", "parent", "path"],
            batch_size=500,
        )
        self._repath_villages()
        return created, updated

    def _repath_villages(self) -> None:
        """A ward that moved to another province takes its villages along."""
        stale = [
            village
            for village in Area.objects.filter(level=AreaLevel.VILLAGE).select_related("parent")
            if village.path != build_path(parent=village.parent, code=village.code)
        ]
        for village in stale:
            village.path = build_path(parent=village.parent, code=village.code)
        Area.objects.bulk_update(stale, ["path"], batch_size=500)
