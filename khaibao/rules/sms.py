"""SMS texts with named placeholders: parsing, rendering and segment counting.

A text is written with placeholders in braces, `{ten}`, each named by its kind. The
length that matters is the number of SMS segments the phone network bills: GSM-7
(160 characters, 153 per part of a long text; the extension characters count twice)
when every character is in the GSM 03.38 alphabet, otherwise UCS-2 (70, 67 per part,
counted in UTF-16 code units), as any Vietnamese letter with a tone mark needs.
"""

import math
import string
from dataclasses import dataclass

# GSM 03.38 basic character set and its extension table (each extension costs 2 septets).
GSM7_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = set("^{}\\[~]|€\f")


@dataclass(frozen=True)
class SegmentCount:
    encoding: str  # "GSM-7" or "UCS-2"
    units: int  # septets (GSM-7) or UTF-16 code units (UCS-2)
    segments: int


def segment_count(text: str) -> SegmentCount:
    if all(ch in GSM7_BASIC or ch in GSM7_EXTENSION for ch in text):
        units = sum(2 if ch in GSM7_EXTENSION else 1 for ch in text)
        single, part = 160, 153
        encoding = "GSM-7"
    else:
        units = len(text.encode("utf-16-le")) // 2
        single, part = 70, 67
        encoding = "UCS-2"
    segments = 1 if units <= single else math.ceil(units / part)
    return SegmentCount(encoding=encoding, units=units, segments=segments)


class PlaceholderError(ValueError):
    """A text whose braces are not simple named placeholders."""


def placeholders(text: str) -> list[str]:
    """The names used in `text`, in order; PlaceholderError for anything else in braces
    (positional `{}`, attributes `{a.b}`, indexes, format specs, a lone brace)."""
    names = []
    try:
        parsed = list(string.Formatter().parse(text))
    except ValueError as exc:
        raise PlaceholderError(str(exc)) from None
    for _literal, name, spec, conversion in parsed:
        if name is None:
            continue
        if not name.isidentifier() or spec or conversion:
            raise PlaceholderError(name or "{}")
        names.append(name)
    return names


def render(text: str, values: dict[str, object]) -> str:
    """The text with its placeholders filled; whitespace runs collapse to one space."""
    filled = text.format_map({name: values.get(name, "") for name in placeholders(text)})
    return " ".join(filled.split())
