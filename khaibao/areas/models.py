from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from khaibao.lib.normalize import name_key


class AreaLevel(models.TextChoices):
    PROVINCE = "province", _("Tỉnh / thành phố")
    WARD = "ward", _("Phường / xã / đặc khu")
    VILLAGE = "village", _("Thôn / tổ dân phố")
    #: A place smaller than a village that a policy may name: a building, a market, a
    #: street section under lockdown. It sits under a village or directly under a ward.
    POINT = "point", _("Điểm (khu vực nhỏ)")


# Which level may sit directly under which: the database enforces it too.
PARENT_LEVEL = {
    AreaLevel.WARD: (AreaLevel.PROVINCE,),
    AreaLevel.VILLAGE: (AreaLevel.WARD,),
    AreaLevel.POINT: (AreaLevel.VILLAGE, AreaLevel.WARD),
}


class AreaQuerySet(models.QuerySet):
    def within(self, area: "Area") -> "AreaQuerySet":
        """The area itself and everything under it."""
        return self.filter(path__startswith=area.path)

    def search(self, text: str) -> "AreaQuerySet":
        return self.filter(name_key__contains=name_key(text))


class Area(models.Model):
    """An administrative unit: province → ward/commune → village/residential group.

    Provinces and wards carry their official codes (from `vietnam-provinces`); villages
    get a code under their ward. `path` is the materialised path of codes, so "this area
    and everything under it" is one indexed prefix query (`Area.objects.within(area)`).
    """

    code = models.CharField(_("mã"), max_length=32, unique=True)
    name = models.CharField(_("tên"), max_length=200)
    name_key = models.CharField(max_length=200, editable=False)
    level = models.CharField(_("cấp"), max_length=10, choices=AreaLevel.choices)
    division_type = models.CharField(
        _("loại đơn vị"), max_length=40, help_text=_("Ví dụ: phường, xã, thôn, tổ dân phố")
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("thuộc"),
    )
    path = models.CharField(max_length=255, unique=True, editable=False)

    objects = AreaQuerySet.as_manager()

    class Meta:
        verbose_name = _("đơn vị hành chính")
        verbose_name_plural = pgettext_lazy("plural", "đơn vị hành chính")
        ordering = ["path"]
        constraints = [
            models.CheckConstraint(
                name="area_parent_matches_level",
                condition=(
                    Q(level=AreaLevel.PROVINCE, parent__isnull=True)
                    | Q(
                        level__in=[AreaLevel.WARD, AreaLevel.VILLAGE, AreaLevel.POINT],
                        parent__isnull=False,
                    )
                ),
            ),
        ]
        indexes = [
            # Area.objects.within(area): path LIKE 'prefix%' needs a pattern-ops index on
            # PostgreSQL (the unique index uses the collation and cannot serve LIKE).
            models.Index(
                fields=["path"], name="area_path_prefix_idx", opclasses=["varchar_pattern_ops"]
            ),
            # Ward pickers and autocomplete: children of one parent, searched by name.
            models.Index(fields=["parent", "name_key"], name="area_parent_name_idx"),
        ]

    def __str__(self):
        if self.level == AreaLevel.PROVINCE or self.parent is None:
            return self.name
        return f"{self.name}, {self.parent.name}"

    def is_within(self, other: "Area") -> bool:
        return self.path.startswith(other.path)

    @property
    def province_code(self) -> str:
        return self.path.split("/", 1)[0]


def build_path(*, parent: Area | None, code: str) -> str:
    return f"{parent.path if parent else ''}{code}/"


def ward_of(area: Area) -> Area:
    """The ward of a ward, village or point (the unit a health station covers)."""
    while area.level in (AreaLevel.VILLAGE, AreaLevel.POINT):
        area = area.parent
    return area
