"""UVCIs: the Luhn mod N checksum of the eHN guidelines (annex 2), checked against the
reference implementation's examples and an independent validator, and the new ids."""

import random
import re

import pytest

from khaibao.trust.hcert import uvci_checksum, uvci_is_valid, uvci_new

#: The code points of eu-dcc-schema's reference implementation (examples/Luhn-Mod-N).
CODE_POINTS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/:"
NEW_UVCI = re.compile(r"^URN:UVCI:01:VN:(?:[A-Z0-9]+/)?[0-9A-HJKMNP-TV-Z]{24}#[A-Z0-9/:]$")


def luhn_mod_n_validates(text: str) -> bool:
    """Wikipedia's Luhn mod N validation, written here: the sum over the text with its
    check character, from the right with factor 1, is 0 mod N."""
    total, factor = 0, 1
    for character in reversed(text):
        addend = factor * CODE_POINTS.index(character)
        total += addend // len(CODE_POINTS) + addend % len(CODE_POINTS)
        factor = 2 if factor == 1 else 1
    return total % len(CODE_POINTS) == 0


@pytest.mark.parametrize(
    ("body", "check"),
    [
        # examples/Luhn-Mod-N/usage.py's input. The reference code gives "Z".
        ("URN:UVCI:01:NL:187/37512422923", "Z"),
        # The docstring of luhn_mod_n.py says "S" for this input, but its own code (and
        # its validate_check_character) gives "H": the comment is wrong, the code counts.
        ("URN:UVCI:01:NL:MY/INPUT/STRING", "H"),
    ],
)
def test_the_checksum_matches_the_reference_implementation(body, check):
    assert uvci_checksum(body) == check
    assert luhn_mod_n_validates(body + check)
    assert uvci_is_valid(f"{body}#{check}")


def test_random_identifiers_get_the_check_character_the_independent_validator_accepts():
    generator = random.Random(20211)
    for _ in range(200):
        body = "URN:UVCI:01:VN:" + "".join(generator.choices(CODE_POINTS, k=30))
        check = uvci_checksum(body)
        assert luhn_mod_n_validates(body + check)
        assert sum(luhn_mod_n_validates(body + other) for other in CODE_POINTS) == 1


def test_a_new_uvci_is_vietnamese_opaque_checksummed_and_unique():
    uvcis = {uvci_new() for _ in range(50)}

    assert len(uvcis) == 50
    for uvci in uvcis:
        assert NEW_UVCI.match(uvci), uvci
        assert uvci_is_valid(uvci)
        body, check = uvci.split("#")
        assert luhn_mod_n_validates(body + check)


def test_a_new_uvci_may_name_the_issuing_entity():
    uvci = uvci_new("HCM")

    assert uvci.startswith("URN:UVCI:01:VN:HCM/")
    assert NEW_UVCI.match(uvci) and uvci_is_valid(uvci)


def test_changing_any_one_character_makes_it_invalid():
    uvci = uvci_new()
    start = len("URN:UVCI:01:VN:")
    for position in range(start, len(uvci)):
        if uvci[position] == "#":
            continue
        for replacement in CODE_POINTS:
            if replacement != uvci[position]:
                changed = uvci[:position] + replacement + uvci[position + 1 :]
                assert not uvci_is_valid(changed), changed


@pytest.mark.parametrize(
    "text",
    [
        "",
        "URN:UVCI:01:VN:ABC",  # no checksum
        "URN:UVCI:01:VN:ABC#",
        "URN:UVCI:01:VN:ABC#XY",
        "urn:uvci:01:vn:abc#A",  # lower case is outside the alphabet
        "URN:X:01:VN:ABC#A",  # not a UVCI
    ],
)
def test_malformed_identifiers_are_invalid(text):
    assert not uvci_is_valid(text)


def test_the_checksum_refuses_characters_outside_its_alphabet():
    with pytest.raises(ValueError):
        uvci_checksum("URN:UVCI:01:VN:abc")
    with pytest.raises(ValueError):
        uvci_checksum("URN:UVCI:01:VN:ABC#D")
