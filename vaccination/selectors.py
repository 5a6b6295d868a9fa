"""Reads of vaccination data, for its own pages and for the other systems (the entry
declaration, the checkpoint): they read vaccination only through this module."""

import datetime
from dataclasses import dataclass

from django.db.models import Prefetch, QuerySet
from django.shortcuts import get_object_or_404

from khaibao.people.models import ManagedPerson, Person

from .models import (
    CertificateStatus,
    CorrectionRequest,
    DoseRecord,
    VaccinationCertificate,
)
from .vaccines import DoseFacts, SeriesDose, dose_series


@dataclass(frozen=True)
class PersonVaccination:
    """A person's doses (in order, each with its dn/sd) and current certificate."""

    person: Person
    relationship: str
    doses: list[tuple[DoseRecord, SeriesDose]]
    certificate: VaccinationCertificate | None

    @property
    def latest(self) -> tuple[DoseRecord, SeriesDose] | None:
        return self.doses[-1] if self.doses else None


def _numbered(doses: list[DoseRecord]) -> list[tuple[DoseRecord, SeriesDose]]:
    series = dose_series([DoseFacts(dose.vaccine, dose.after_recovery) for dose in doses])
    return list(zip(doses, series, strict=True))


def vaccinations_for_citizen(account) -> list[PersonVaccination]:
    """Each person the account manages, own record first, with doses and certificate:
    three queries whatever the number of persons and doses."""
    links = (
        ManagedPerson.objects.filter(account=account)
        .select_related("person")
        .prefetch_related(
            Prefetch(
                "person__dose_records",
                queryset=DoseRecord.objects.select_related("unit").order_by("number"),
            ),
            Prefetch(
                "person__vaccination_certificates",
                queryset=VaccinationCertificate.objects.filter(
                    status=CertificateStatus.CURRENT
                ).select_related("dose"),
                to_attr="current_certificates",
            ),
        )
        .order_by("relationship", "person__full_name")
    )
    result = []
    for link in sorted(links, key=lambda link: link.relationship != "self"):
        person = link.person
        current = person.current_certificates
        result.append(
            PersonVaccination(
                person=person,
                relationship=link.relationship,
                doses=_numbered(list(person.dose_records.all())),
                certificate=current[0] if current else None,
            )
        )
    return result


def certificate_for_citizen_or_404(account, pk) -> VaccinationCertificate:
    """A current certificate of a person the account manages; anyone else's is a 404."""
    managed = ManagedPerson.objects.filter(account=account).values("person_id")
    return get_object_or_404(
        VaccinationCertificate.objects.filter(
            person_id__in=managed, status=CertificateStatus.CURRENT
        ).select_related("person", "dose__unit"),
        pk=pk,
    )


def person_vaccination(person: Person) -> PersonVaccination:
    doses = list(DoseRecord.objects.filter(person=person).select_related("unit").order_by("number"))
    certificate = VaccinationCertificate.objects.filter(
        person=person, status=CertificateStatus.CURRENT
    ).first()
    return PersonVaccination(
        person=person, relationship="", doses=_numbered(doses), certificate=certificate
    )


@dataclass(frozen=True)
class VaccinationStatus:
    """What another system may know of a person's vaccination (verified records)."""

    doses: int
    last_dose_on: datetime.date | None
    primary_complete: bool
    series: str


def vaccination_status(person: Person) -> VaccinationStatus:
    """The person's recorded doses in brief (for the entry declaration and checkpoints)."""
    numbered = person_vaccination(person).doses
    if not numbered:
        return VaccinationStatus(0, None, False, "")
    last, series = numbered[-1]
    complete = any(item.completes_primary or item.booster for _dose, item in numbered)
    return VaccinationStatus(len(numbered), last.given_on, complete, f"{series.dn}/{series.sd}")


def correction_by_code(
    tracking_code: str, date_of_birth: datetime.date
) -> CorrectionRequest | None:
    """The request with this tracking code and birth date (the status page's look-up)."""
    code = (tracking_code or "").strip().upper().replace(" ", "")
    if code and not code.startswith("PA-") and len(code) == 8:
        code = f"PA-{code[:4]}-{code[4:]}"
    return (
        CorrectionRequest.objects.filter(tracking_code=code, date_of_birth=date_of_birth)
        .select_related("unit", "duplicate_of", "certificate")
        .prefetch_related("doses")
        .first()
    )


def corrections_for_staff(user) -> QuerySet[CorrectionRequest]:
    """The requests a staff account may see: its unit's, or its province's units'."""
    from khaibao.accounts.scope import filter_to_scope

    return filter_to_scope(
        CorrectionRequest.objects.all(), user, "unit__area__path", unit_lookup="unit_id"
    )
