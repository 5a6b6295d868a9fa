"""Rule kinds and their registry.

A kind is declared by the app whose rules they are, in one small module, and registered
in that app's AppConfig.ready():

    F0_TIMING = RuleKind(
        slug="f0_timing",
        label=_("Thời hạn khai báo F0"),
        fields=(IntegerRule("isolation_days", _("Số ngày cách ly"), min_value=1, max_value=30),),
        defaults={"isolation_days": 7},
        default_document="QĐ 261/QĐ-BYT ngày 31/01/2022",
    )
    register_kind(F0_TIMING)

`clean()` checks each field and then the kind's own cross-field rules (`check()`);
`effect()` may say what a new version would change ("12 open declarations get a new
deadline") for the preview before it is scheduled.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field

from django.core.exceptions import ImproperlyConfigured, ValidationError

from .fields import RuleField


@dataclass(frozen=True)
class RuleKind:
    slug: str
    label: str
    fields: tuple[RuleField, ...]
    defaults: dict
    #: The official document the defaults follow, e.g. "QĐ 261/QĐ-BYT ngày 31/01/2022".
    default_document: str
    description: str = ""
    #: Cross-field rules: (values) -> {field name: ValidationError}.
    check: Callable[[dict], dict[str, ValidationError]] | None = None
    #: What a new version would change: (province Area | None, old values, new values,
    #: effective_from) -> sentences for the preview.
    effect: Callable | None = field(default=None, compare=False)
    #: What to do once a version is scheduled or withdrawn, after commit: (province Area
    #: | None) -> None, e.g. enqueue the recompute of the records the kind decided.
    on_change: Callable | None = field(default=None, compare=False)

    def field(self, name: str) -> RuleField:
        for rule_field in self.fields:
            if rule_field.name == name:
                return rule_field
        raise KeyError(name)

    def clean(self, values: dict) -> dict:
        """Typed values for every field, or ValidationError({field: [error]}) naming
        each bad field with its code. Unknown fields are refused."""
        errors: dict[str, list[ValidationError]] = {}
        cleaned = {}
        unknown = set(values) - {f.name for f in self.fields}
        for name in sorted(unknown):
            errors[name] = [ValidationError("Unknown field.", code="unknown_field")]
        for rule_field in self.fields:
            if rule_field.name not in values:
                errors[rule_field.name] = [
                    ValidationError("Trường này là bắt buộc.", code="required")
                ]
                continue
            try:
                cleaned[rule_field.name] = rule_field.clean(values[rule_field.name])
            except ValidationError as exc:
                errors[rule_field.name] = [exc]
        if not errors and self.check is not None:
            for name, error in self.check(cleaned).items():
                errors.setdefault(name, []).append(error)
        if errors:
            raise ValidationError(errors)
        return cleaned

    def changes(self, old: dict, new: dict) -> list[tuple[RuleField, object, object]]:
        """The fields whose value differs, with the old and new value."""
        return [
            (f, old.get(f.name), new.get(f.name))
            for f in self.fields
            if old.get(f.name) != new.get(f.name)
        ]

    def preview(
        self, *, province, old: dict, new: dict, effective_from: datetime.datetime
    ) -> list[str]:
        if self.effect is None:
            return []
        return list(self.effect(province, old, new, effective_from))


_KINDS: dict[str, RuleKind] = {}


def register_kind(kind: RuleKind) -> RuleKind:
    """Add a kind; its defaults must pass its own validation (checked at start-up)."""
    existing = _KINDS.get(kind.slug)
    if existing is not None and existing is not kind:
        raise ImproperlyConfigured(f"Rule kind {kind.slug!r} is registered twice.")
    try:
        kind.clean(dict(kind.defaults))
    except ValidationError as exc:
        raise ImproperlyConfigured(f"Defaults of rule kind {kind.slug!r}: {exc}") from None
    _KINDS[kind.slug] = kind
    return kind


def unregister_kind(slug: str) -> None:
    """For tests that register a throw-away kind."""
    _KINDS.pop(slug, None)


def get_kind(slug: str) -> RuleKind:
    try:
        return _KINDS[slug]
    except KeyError:
        raise LookupError(f"No rule kind {slug!r} is registered.") from None


def all_kinds() -> list[RuleKind]:
    return sorted(_KINDS.values(), key=lambda kind: str(kind.label))
