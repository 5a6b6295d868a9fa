"""SMS texts with named placeholders: parsing, rendering and segment counting.

A text is written with placeholders in braces, `{ten}`, each named by its kind. The
length that matters is the number of SMS segments the phone network bills: GSM-7
(160 characters, 153 per part of a long text; the extension characters count twice)
when every character is in the GSM 03.38 alphabet, otherwise UCS-2 (70, 67 per part,
counted in UTF-16 code units), as any Vietnamese letter with a tone mark needs.
"""

import string
from dataclasses import dataclass

from khaibao.notify.gsm import is_gsm7, sms_length, sms_segments


@dataclass(frozen=True)
class SegmentCount:
    encoding: str  # "GSM-7" or "UCS-2"
    units: int  # septets (GSM-7) or UTF-16 code units (UCS-2)
    segments: int


def segment_count(text: str) -> SegmentCount:
    return SegmentCount(
        encoding="GSM-7" if is_gsm7(text) else "UCS-2",
        units=sms_length(text),
        segments=sms_segments(text),
    )


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
