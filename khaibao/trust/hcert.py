"""EU Digital COVID Certificate (DCC) payloads, which Vietnam's vaccine passport follows.

An hcert is a map {ver, nam {fn, fnt, gn, gnt}, dob, and exactly one of v / t / r};
`v`, `t` and `r` are lists of entries carrying the certificate id `ci`.

Judged by the official JSON schemas (khaibao/trust/schemas/, vendored from the eHealth
Network's eu-dcc-schema): a verified payload by the schema of its own `ver`, so a code
issued abroad in 2021 under 1.0.0 is read by the rules it was made under; a payload the
portal issues by the 1.3.0 schema with its formats and value sets, before it is signed.
"""

import datetime
import functools
import json
import re
import secrets
import unicodedata
from pathlib import Path

import jsonschema_rs
from django.conf import settings

DCC_SCHEMA_VERSION = "1.3.0"
UVCI_PREFIX = "URN:UVCI:01:"
TARGET_COVID19 = "840539006"
TEST_NOT_DETECTED = "260415000"
TEST_DETECTED = "260373001"

# Which entry key means which certificate.
ENTRY_KINDS = {"v": "vaccination", "t": "test", "r": "recovery"}
# Fields holding a date (the decoder turns a CBOR-tagged date or date-time into one).
DATE_FIELDS = {"dob", "dt", "fr", "df", "du"}
SCHEMA_DIR = Path(__file__).resolve().parent / "schemas"
#: The value sets the issuer checks against, newest release first: the eHealth Network's
#: ehn-dcc-valuesets 2.12.0 (the last, with Abdala and Hayat-Vax), then those shipped with
#: schema 1.3.0 for a set the later releases left to the gateway (test-manf).
VALUE_SET_DIRS = (SCHEMA_DIR / "valuesets-2.12.0", SCHEMA_DIR / f"valuesets-{DCC_SCHEMA_VERSION}")
#: Every released version of the schema, oldest first.
SCHEMA_VERSIONS = (
    "1.0.0",
    "1.0.1",
    "1.1.0",
    "1.2.0",
    "1.2.1",
    "1.3.0",
    "1.3.1",
    "1.3.2",
    "1.3.3",
)
_VERSION = re.compile(r"^(\d+)\.(\d+)\.(\d+)$")
_MAX_TRANSLITERATED = 80
# ICAO 9303 part 3 (machine readable zone) for letters outside A-Z that are not
# handled by stripping accents.
_ICAO_SPECIAL = {"Đ": "D", "Ð": "D", "Æ": "AE", "Œ": "OE", "Ø": "OE", "ß": "SS", "Þ": "TH"}
_ICAO_FILLER = re.compile(r"[\s\-]+")


def icao_transliterate(name: str) -> str:
    """ "Nguyễn Văn An" → "NGUYEN<VAN<AN": upper-case ASCII, spaces and hyphens → "<"."""
    text = unicodedata.normalize("NFC", name or "").strip().upper()
    text = "".join(_ICAO_SPECIAL.get(char, char) for char in text)
    decomposed = unicodedata.normalize("NFD", text)
    letters = "".join(char for char in decomposed if not unicodedata.combining(char))
    letters = _ICAO_FILLER.sub("<", letters)
    # Apostrophes and other punctuation are omitted, as in passports.
    return re.sub(r"[^A-Z<]", "", letters).strip("<")[:_MAX_TRANSLITERATED]


#: The code points of the UVCI checksum, in the order of eu-dcc-schema's reference
#: implementation (examples/Luhn-Mod-N): "#" is only the checksum's separator.
UVCI_CHECKSUM_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/:"
_UVCI_RANDOM_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base 32


def _luhn_mod_n_sum(text: str, factor: int) -> int:
    base = len(UVCI_CHECKSUM_ALPHABET)
    total = 0
    for character in reversed(text):
        addend = factor * UVCI_CHECKSUM_ALPHABET.index(character)
        factor = 1 if factor == 2 else 2
        total += addend // base + addend % base
    return total % base


def uvci_checksum(uvci: str) -> str:
    """The Luhn mod N check character of a UVCI (eHN guidelines, annex 2), computed over
    the whole identifier with its "URN:UVCI:" prefix. ValueError for a character the
    checksum's alphabet lacks (lower case, "#")."""
    if any(character not in UVCI_CHECKSUM_ALPHABET for character in uvci):
        raise ValueError("a UVCI holds only A-Z, 0-9, '/' and ':'")
    base = len(UVCI_CHECKSUM_ALPHABET)
    return UVCI_CHECKSUM_ALPHABET[(base - _luhn_mod_n_sum(uvci, 2)) % base]


def uvci_is_valid(text: str) -> bool:
    """Whether `text` is a UVCI whose "#" checksum is right (one without a checksum,
    which the guidelines allow, is not checked here: False)."""
    body, separator, check = (text or "").rpartition("#")
    if not separator or len(check) != 1 or not body.startswith(UVCI_PREFIX):
        return False
    try:
        return uvci_checksum(body) == check
    except ValueError:
        return False


def uvci_new(issuing_entity: str = "") -> str:
    """A fresh certificate id: URN:UVCI:01:VN:[<issuer>/]<24 random>#<checksum>.

    Option 3 of the guidelines' annex 2 (an opaque unique string); 24 characters of
    Crockford base 32 carry 120 random bits.
    """
    random_part = "".join(secrets.choice(_UVCI_RANDOM_ALPHABET) for _ in range(24))
    entity = f"{issuing_entity}/" if issuing_entity else ""
    body = f"{UVCI_PREFIX}{settings.QR_ISSUER}:{entity}{random_part}"
    return f"{body}#{uvci_checksum(body)}"


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


# --- Schemas --------------------------------------------------------------------------------


def schema_version_for(ver) -> str | None:
    """The released schema that judges a payload of version `ver`, None if none does.

    The version itself when it was released. Otherwise (semantic versioning: patches and
    minor versions only add) the newest release of the same major.minor, or for a minor
    newer than any release the newest release of the same major. Another major version
    is another format: None.
    """
    if ver in SCHEMA_VERSIONS:
        return ver
    match = _VERSION.match(ver) if isinstance(ver, str) else None
    if match is None:
        return None
    major, minor, _ = (int(part) for part in match.groups())
    known = [tuple(map(int, version.split("."))) for version in SCHEMA_VERSIONS]
    same_major = [version for version in known if version[0] == major]
    if not same_major:
        return None
    same_minor = [version for version in same_major if version[1] == minor]
    if same_minor:
        chosen = max(same_minor)
    elif minor > max(same_major)[1]:
        chosen = max(same_major)
    else:
        return None
    return ".".join(map(str, chosen))


@functools.cache
def _schema(version: str) -> dict:
    return json.loads((SCHEMA_DIR / f"dcc-{version}.schema.json").read_text(encoding="utf-8"))


@functools.cache
def _validator(version: str, formats: bool = False):
    # Draft 2020-12 treats "format" as an annotation unless asked: verification leaves it
    # so, as the official schemas were written for (1.0.0's dob "format": "date" came with
    # a pattern that lets a time part through, and issuers used it).
    return jsonschema_rs.validator_for(_schema(version), validate_formats=formats)


def _path(error) -> str:
    text = ""
    for part in error.instance_path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    if isinstance(error.kind, jsonschema_rs.ValidationErrorKind.Required):
        name = error.kind.property
        text += f".{name}" if text else name
    return text or "hcert"


def _schema_problems(hcert, version: str, *, formats: bool = False) -> list[str]:
    problems = []
    for error in _validator(version, formats).iter_errors(hcert):
        if isinstance(
            error.kind,
            jsonschema_rs.ValidationErrorKind.OneOfNotValid
            | jsonschema_rs.ValidationErrorKind.OneOfMultipleValid,
        ):
            problems.append("hcert: exactly one of v, t, r")
        else:
            problems.append(f"{_path(error)}: {error.message}")
    return problems


def _structure_problems(hcert: dict) -> list[str]:
    # Before 1.3.0 the schema allowed several groups; a DCC still certifies one thing,
    # and the kind decides which signing certificates may have signed it (A.4).
    kind = entry_kind(hcert)
    if kind is None:
        return ["hcert: exactly one of v, t, r"]
    entries = hcert[kind]
    if not isinstance(entries, list) or not entries:
        return [f"{kind}: a list of entries"]
    if not all(isinstance(entry, dict) and isinstance(entry.get("ci"), str) for entry in entries):
        return [f"{kind}: every entry has its certificate id ci"]
    return []


def hcert_problems(hcert) -> list[str]:
    """Why a decoded hcert is not a DCC by the schema of its own `ver`; empty when it is."""
    if not isinstance(hcert, dict):
        return ["hcert: not a map"]
    version = schema_version_for(hcert.get("ver"))
    if version is None:
        return [f"ver: {hcert.get('ver')!r} is no released version of the DCC schema"]
    problems = _schema_problems(hcert, version)
    return problems or _structure_problems(hcert)


# --- What the portal issues -----------------------------------------------------------------


@functools.cache
def _value_sets() -> dict[tuple[str, str], tuple[str, frozenset[str]]]:
    """(entry kind, field) → (value set id, active codes), as the 1.3.0 schema links them,
    from the newest value-set release that has the set (VALUE_SET_DIRS)."""
    definitions = _schema(DCC_SCHEMA_VERSION)["$defs"]
    entry_definitions = {"v": "vaccination_entry", "t": "test_entry", "r": "recovery_entry"}
    value_sets = {}
    for kind, name in entry_definitions.items():
        for field, spec in definitions[name]["properties"].items():
            target = definitions.get(spec.get("$ref", "").removeprefix("#/$defs/"), {})
            uri = target.get("valueset-uri")
            if uri:
                document = json.loads(_value_set_path(Path(uri).stem).read_text(encoding="utf-8"))
                codes = frozenset(
                    code
                    for code, value in document["valueSetValues"].items()
                    if value.get("active", True)
                )
                value_sets[kind, field] = (document["valueSetId"], codes)
    return value_sets


def _value_set_path(name: str) -> Path:
    for directory in VALUE_SET_DIRS:
        path = directory / f"{name}.json"
        if path.exists():
            return path
    raise FileNotFoundError(name)


def value_set_display(value_set: str, code: str) -> str:
    """The English display name of a code of a value set ("" when unknown)."""
    return _displays(_value_set_path(value_set)).get(code, "")


@functools.cache
def _displays(path: Path) -> dict[str, str]:
    values = json.loads(path.read_text(encoding="utf-8"))["valueSetValues"]
    return {code: value.get("display", "") for code, value in values.items()}


def hcert_issue_problems(hcert) -> list[str]:
    """Why the portal must not sign `hcert`: the 1.3.0 schema, its formats and value sets."""
    if not isinstance(hcert, dict):
        return ["hcert: not a map"]
    if hcert.get("ver") != DCC_SCHEMA_VERSION:
        return [f"ver: the portal issues version {DCC_SCHEMA_VERSION}, not {hcert.get('ver')!r}"]
    problems = _schema_problems(hcert, DCC_SCHEMA_VERSION, formats=True)
    if problems:
        return problems
    kind = entry_kind(hcert)
    for number, entry in enumerate(hcert[kind]):
        for (entry_key, field), (set_id, codes) in _value_sets().items():
            if entry_key == kind and field in entry and entry[field] not in codes:
                problems.append(
                    f"{kind}[{number}].{field}: {entry[field]!r} is not in the value set {set_id}"
                )
    return problems
