"""The COVID-19 vaccines used in Vietnam, their EU DCC codes, and the dose numbering.

Codes from the eHealth Network's vaccine encoding instructions (ehn-dcc-valuesets
2.12.0, `vaccine-encoding-instructions.json`, vendored in khaibao/trust/schemas/): the
medicinal product `mp`, its marketing-authorisation holder or manufacturer `ma`, and the
prophylaxis `vp`, the most specific of the product's SNOMED CT codes.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _


class Vaccine(models.TextChoices):
    ASTRAZENECA = "astrazeneca", _("AstraZeneca (Vaxzevria)")
    PFIZER = "pfizer", _("Pfizer-BioNTech (Comirnaty)")
    MODERNA = "moderna", _("Moderna (Spikevax)")
    VERO_CELL = "vero_cell", _("Vero Cell (Sinopharm)")
    SPUTNIK_V = "sputnik_v", _("Sputnik V")
    ABDALA = "abdala", _("Abdala")
    JANSSEN = "janssen", _("Janssen")
    COVAXIN = "covaxin", _("Covaxin")
    HAYAT_VAX = "hayat_vax", _("Hayat-Vax")


@dataclass(frozen=True)
class DccCodes:
    vp: str
    mp: str
    ma: str


#: vp: 1119349007 mRNA; 29061000087103 non-replicating viral vector; 1157024006
#: inactivated whole virus; 28531000087107 "COVID-19 vaccine" (Abdala, a protein subunit
#: vaccine, has only this one in the instructions).
DCC_CODES: dict[str, DccCodes] = {
    Vaccine.ASTRAZENECA: DccCodes("29061000087103", "EU/1/21/1529", "ORG-100001699"),
    Vaccine.PFIZER: DccCodes("1119349007", "EU/1/20/1528", "ORG-100030215"),
    Vaccine.MODERNA: DccCodes("1119349007", "EU/1/20/1507", "ORG-100031184"),
    # Vietnam's "Vero Cell" is Sinopharm's Beijing (BIBP) vaccine; the instructions
    # retire "Inactivated-SARS-CoV-2-Vero-Cell" for new certificates.
    Vaccine.VERO_CELL: DccCodes("1157024006", "BBIBP-CorV", "ORG-100020693"),
    Vaccine.SPUTNIK_V: DccCodes("29061000087103", "Sputnik-V", "Gamaleya-Research-Institute"),
    Vaccine.ABDALA: DccCodes("28531000087107", "Abdala", "CIGB"),
    Vaccine.JANSSEN: DccCodes("29061000087103", "EU/1/20/1525", "ORG-100001417"),
    Vaccine.COVAXIN: DccCodes("1157024006", "Covaxin", "Bharat-Biotech"),
    Vaccine.HAYAT_VAX: DccCodes("1157024006", "Hayat-Vax", "ORG-100023050"),
}

#: Doses of the primary series (the manufacturers' schedules as used in Vietnam).
PRIMARY_DOSES: dict[str, int] = {
    **{vaccine: 2 for vaccine in Vaccine.values},
    Vaccine.JANSSEN: 1,
    Vaccine.ABDALA: 3,
}

#: The vaccine of an `mp` code (a certificate's entry), for pages that show one.
VACCINE_OF_PRODUCT = {codes.mp: vaccine for vaccine, codes in DCC_CODES.items()}


def vaccine_label(value: str) -> str:
    """The display name of a vaccine code ("" for an unknown one)."""
    return str(Vaccine(value).label) if value in Vaccine.values else ""


@dataclass(frozen=True)
class SeriesDose:
    """What one dose is in the EU DCC's terms: dose number `dn` of `sd` doses."""

    dn: int
    sd: int
    #: Given after the primary series was complete.
    booster: bool = False

    @property
    def completes_primary(self) -> bool:
        return self.dn >= self.sd and not self.booster


@dataclass(frozen=True)
class DoseFacts:
    """What the numbering needs of one dose, in the order the doses were given."""

    vaccine: str
    after_recovery: bool = False


def dose_series(doses: Sequence[DoseFacts]) -> list[SeriesDose]:
    """`dn/sd` of each dose, given in order, as the eHealth Network's guidance on
    booster doses encodes them:

    1. While the primary series runs, a dose is n/N, N the doses of the first vaccine's
       primary series (1/2, then 2/2; Abdala 1/3 to 3/3).
    2. A one-dose vaccine (Janssen), or any dose given after a recovery from COVID-19,
       completes the primary series at once: n/n (1/1 for a first dose).
    3. A booster after a primary series of two or more doses is n/n: 3/3, then 4/4.
    4. A booster after a primary series of one dose (2 above) keeps sd = 1: 2/1, 3/1.
    """
    series: list[SeriesDose] = []
    primary_size: int | None = None  # set when the primary series is complete
    for number, dose in enumerate(doses, start=1):
        if primary_size is None:
            planned = PRIMARY_DOSES[doses[0].vaccine]
            if PRIMARY_DOSES[dose.vaccine] == 1 or dose.after_recovery or number >= planned:
                primary_size = number
                series.append(SeriesDose(number, number))
            else:
                series.append(SeriesDose(number, planned))
        else:
            series.append(SeriesDose(number, 1 if primary_size == 1 else number, booster=True))
    return series


def series_label(dose: SeriesDose) -> str:
    return f"{dose.dn}/{dose.sd}"


def latest_series(doses: Iterable[DoseFacts]) -> SeriesDose | None:
    numbered = dose_series(list(doses))
    return numbered[-1] if numbered else None
