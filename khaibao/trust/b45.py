"""Base45 (RFC 9285), the text layer of QR codes: a fast decoder, the library's encoder.

Decoding is on the verification hot path (DESIGN.md §7: 3,000 codes per second per
core). The `base45` package decodes one character at a time in Python, about 60 µs for
a vaccination certificate: a quarter of the whole verification. No faster well-kept
package exists on PyPI (`b45` is a beta that pulls in numpy), so decoding is done here
with whole-string operations in C: one `bytes.translate` maps characters to digits, and
three big integers add up every triplet at once (about 10 µs). The encoder runs once per
issued code and stays the library's. tests/trust/test_b45.py checks this decoder against
the library on random data and on every kind of invalid input.
"""

import base45

ALPHABET = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
_INVALID = 0xFF
_DIGITS = bytes(ALPHABET.index(byte) if byte in ALPHABET else _INVALID for byte in range(256))
# A triplet c + 45 d + 2025 e must fit in 16 bits: e <= 32, and for e == 32, c + 45 d <= 735.
_MAX_HIGH_DIGIT = 32
_MAX_LOW_PART_AT_32 = 0xFFFF - 32 * 45 * 45


def encode(data: bytes) -> str:
    return base45.b45encode(data).decode("ascii")


def decode(text: str) -> bytes:
    """The bytes of a Base45 text; ValueError for any text that is not canonical Base45."""
    try:
        raw = text.encode("ascii")
    except UnicodeEncodeError:
        raise ValueError("not base45: non-ASCII character") from None
    digits = raw.translate(_DIGITS)
    if _INVALID in digits:
        raise ValueError("not base45: character outside the alphabet")
    triplets, rest = divmod(len(digits), 3)
    if rest == 1:
        raise ValueError("not base45: a single character left over")
    end = 3 * triplets
    out = b""
    if triplets:
        highs = digits[2:end:3]
        if max(highs) > _MAX_HIGH_DIGIT:
            raise ValueError("not base45: a triplet above 65535")
        position = highs.find(_MAX_HIGH_DIGIT)
        while position != -1:
            start = 3 * position
            if digits[start] + 45 * digits[start + 1] > _MAX_LOW_PART_AT_32:
                raise ValueError("not base45: a triplet above 65535")
            position = highs.find(_MAX_HIGH_DIGIT, position + 1)
        # Each triplet's value fits in its own 16-bit word (checked above), so adding the
        # three digit planes as big-endian integers never carries from one word into the
        # next: the sum's bytes are the decoded bytes.
        words = bytearray(2 * triplets)
        words[1::2] = digits[0:end:3]
        low = int.from_bytes(words, "big")
        words[1::2] = digits[1:end:3]
        middle = int.from_bytes(words, "big")
        words[1::2] = highs
        high = int.from_bytes(words, "big")
        out = (low + 45 * middle + 2025 * high).to_bytes(2 * triplets, "big")
    if rest == 2:
        last = digits[end] + 45 * digits[end + 1]
        if last > 0xFF:
            raise ValueError("not base45: a final pair above 255")
        out += bytes((last,))
    return out
