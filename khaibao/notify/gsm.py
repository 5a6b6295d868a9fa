"""GSM 03.38: which texts fit the 7-bit alphabet, and how many segments a text takes.

A text with one character outside it (any Vietnamese letter with a diacritic but a few)
is sent as UCS-2: 70 characters a segment instead of 160, and several segments cost
several SMS. Texts meant to stay in one segment are written without diacritics.
"""

GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
# Reached through the escape character: each counts as two septets.
GSM7_EXTENSION = frozenset("^{}\\[~]|€\f")


def is_gsm7(text: str) -> bool:
    return all(char in GSM7_BASIC or char in GSM7_EXTENSION for char in text)


def sms_length(text: str) -> int:
    """Septets for a GSM-7 text, UTF-16 code units otherwise."""
    if is_gsm7(text):
        return len(text) + sum(char in GSM7_EXTENSION for char in text)
    return len(text.encode("utf-16-le")) // 2


def sms_segments(text: str) -> int:
    """How many SMS the text is split into (concatenated parts carry a header)."""
    single, part = (160, 153) if is_gsm7(text) else (70, 67)
    length = sms_length(text)
    if length <= single:
        return 1
    return -(-length // part)


def gsm_fold(text: str) -> str:
    """Vietnamese written without diacritics ("Nguyễn Đức" → "Nguyen Duc"), the way
    health SMS are sent so that a text stays in one 160-character segment."""
    import unicodedata

    decomposed = unicodedata.normalize("NFD", str(text).replace("đ", "d").replace("Đ", "D"))
    plain = "".join(char for char in decomposed if not unicodedata.combining(char))
    return "".join(char if char in GSM7_BASIC or char in GSM7_EXTENSION else "?" for char in plain)
