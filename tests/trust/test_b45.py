"""The fast Base45 decoder against the reference library (RFC 9285)."""

import itertools
import random

import base45
import pytest

from khaibao.trust import b45


def _reference(text: str):
    try:
        return base45.b45decode(text)
    except ValueError:
        return None


def _ours(text: str):
    try:
        return b45.decode(text)
    except ValueError:
        return None


def test_it_decodes_what_the_library_encodes_at_every_length():
    rng = random.Random(9285)
    for size in [*range(0, 64), 255, 256, 511, 1200, 3000]:
        for _ in range(20):
            data = rng.randbytes(size)
            assert b45.decode(b45.encode(data)) == data
            assert b45.encode(data) == base45.b45encode(data).decode()


def test_it_agrees_with_the_library_on_every_two_and_many_three_character_texts():
    alphabet = base45.BASE45_CHARSET
    for pair in itertools.product(alphabet, repeat=2):
        text = "".join(pair)
        assert _ours(text) == _reference(text), text
    rng = random.Random(45)
    for _ in range(20000):
        text = "".join(rng.choice(alphabet) for _ in range(3 * rng.randint(1, 4)))
        assert _ours(text) == _reference(text), text


@pytest.mark.parametrize(
    "text",
    ["A", "ABCD", "GGW", "GGW00", "00GGW", "ZZZ", ":::", "ab", "AB!", "É0", "\x00\x00\x00"],
)
def test_invalid_texts_are_refused(text):
    with pytest.raises(ValueError):
        b45.decode(text)


def test_the_rfc_examples():
    assert b45.decode("BB8") == b"AB"
    assert b45.decode("%69 VD92EX0") == b"Hello!!"
    assert b45.decode("UJCLQE7W581") == b"base-45"
    assert b45.decode("QED8WEX0") == b"ietf!"
    assert b45.decode("") == b""
