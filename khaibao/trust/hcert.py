"""EU Digital COVID Certificate (DCC) payloads, which Vietnam's vaccine passport follows.

An hcert is a map {ver, nam {fn, fnt, gn, gnt}, dob, and exactly one of v / t / r};
`v`, `t` and `r` are lists with one entry each carrying the certificate id `ci`.
Field names and value sets: the eHealth Network "Value Sets for Digital Green
Certificates" and the DCC JSON schema 1.3.0.
"""

import datetime
import re
import secrets
import unicodedata

from django.conf import settings

DCC_SCHEMA_VERSION = "1.3.0"
UVCI_PREFIX = "URN:UVCI:01:"
TARGET_COVID19 = "840539006"
TEST_NOT_DETECTED = "260415000"
TEST_DETECTED = "260373001"

# Which entry key means which certificate, with the fields each entry must have.
ENTRY_KINDS = {"v": "vaccination", "t": "test", "r": "recovery"}
REQUIRED_FIELDS = {
    "v": ("tg", "vp", "mp", "ma", "dn", "sd", "dt", "co", "is", "ci"),
    "t": ("tg", "tt", "sc", "tr", "co", "is", "ci"),
    "r": ("tg", "fr", "co", "is", "df", "du", "ci"),
}
OPTIONAL_FIELDS = {"v": (), "t": ("nm", "ma", "tc"), "r": ()}
_INTEGER_FIELDS = {"dn", "sd"}
_MAX_TRANSLITERATED = 80
# ICAO 9303 part 3 (machine readable zone) for letters outside A-Z that are not
# handled by stripping accents.
_ICAO_SPECIAL = {"Đ": "D", "Ð": "D", "Æ": "AE", "Œ": "OE", "Ø": "OE", "ß": "SS", "Þ": "TH"}
_ICAO_FILLER = re.compile(r"[\s\-]+")
_DOB = re.compile(r"^(\d{4})(-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?)?$")


def icao_transliterate(name: str) -> str:
    """ "Nguyễn Văn An" → "NGUYEN<VAN<AN": upper-case ASCII, spaces and hyphens → "<"."""
    text = unicodedata.normalize("NFC", name or "").strip().upper()
    text = "".join(_ICAO_SPECIAL.get(char, char) for char in text)
    decomposed = unicodedata.normalize("NFD", text)
    letters = "".join(char for char in decomposed if not unicodedata.combining(char))
    letters = _ICAO_FILLER.sub("<", letters)
    # Apostrophes and other punctuation are omitted, as in passports.
    return re.sub(r"[^A-Z<]", "", letters).strip("<")[:_MAX_TRANSLITERATED]


def uvci_new() -> str:
    """A fresh certificate id: URN:UVCI:01:VN:<26 random letters and digits>."""
    random_part = secrets.token_bytes(16).hex().upper()[:26]
    return f"{UVCI_PREFIX}{settings.QR_ISSUER}:{random_part}"


def hcert_name(*, family_name: str, given_name: str) -> dict:
    """`nam` for a Vietnamese name: family name (họ) first, the rest is the given name."""
    return {
        "fn": family_name,
        "fnt": icao_transliterate(family_name),
        "gn": given_name,
        "gnt": icao_transliterate(given_name),
    }


def split_vietnamese_name(full_name: str) -> tuple[str, str]:
    """ "Nguyễn Văn An" → ("Nguyễn", "Văn An"): the family name is the first word."""
    parts = (full_name or "").split()
    if not parts:
        return "", ""
    return parts[0], " ".join(parts[1:])


def hcert_build(
    *,
    family_name: str,
    given_name: str,
    date_of_birth: datetime.date | str,
    kind: str,
    entry: dict,
) -> dict:
    """An hcert with one entry; `kind` is "v", "t" or "r". `ci` is set at issue."""
    if kind not in ENTRY_KINDS:
        raise ValueError(f"kind must be one of {', '.join(ENTRY_KINDS)}")
    dob = date_of_birth.isoformat() if isinstance(date_of_birth, datetime.date) else date_of_birth
    base = {"tg": TARGET_COVID19, "co": settings.QR_ISSUER}
    return {
        "ver": DCC_SCHEMA_VERSION,
        "nam": hcert_name(family_name=family_name, given_name=given_name),
        "dob": dob,
        kind: [{**base, **entry}],
    }


def entry_kind(hcert: dict) -> str | None:
    """ "v", "t" or "r" when the hcert has exactly one of them, else None."""
    present = [key for key in ENTRY_KINDS if key in hcert]
    return present[0] if len(present) == 1 else None


def hcert_problems(hcert: dict) -> list[str]:
    """What makes `hcert` not a DCC this portal issues or accepts; empty when fine."""
    if not isinstance(hcert, dict):
        return ["hcert is not a map"]
    problems = []
    if not isinstance(hcert.get("ver"), str):
        problems.append("ver")
    name = hcert.get("nam")
    if not isinstance(name, dict) or not isinstance(name.get("fnt"), str):
        problems.append("nam.fnt")
    elif not all(isinstance(name.get(field, ""), str) for field in ("fn", "gn", "gnt")):
        problems.append("nam")
    dob = hcert.get("dob")
    # The schema allows an empty dob (birth date unknown) and a year or year-month only.
    if not isinstance(dob, str) or (dob and not _DOB.match(dob)):
        problems.append("dob")
    kind = entry_kind(hcert)
    if kind is None:
        problems.append("exactly one of v, t, r")
        return problems
    entries = hcert[kind]
    if not isinstance(entries, list) or len(entries) != 1 or not isinstance(entries[0], dict):
        problems.append(f"{kind} is a list of one entry")
        return problems
    entry = entries[0]
    for field in REQUIRED_FIELDS[kind]:
        expected = int if field in _INTEGER_FIELDS else str
        value = entry.get(field)
        if not isinstance(value, expected) or isinstance(value, bool) or value == "":
            problems.append(f"{kind}[0].{field}")
    for field in OPTIONAL_FIELDS[kind]:
        if field in entry and not isinstance(entry[field], str):
            problems.append(f"{kind}[0].{field}")
    return problems


def hcert_cert_id(hcert: dict) -> str:
    kind = entry_kind(hcert)
    return hcert[kind][0]["ci"]
