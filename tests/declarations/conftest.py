"""F0 declarations in ward 1 and ward 2, filed through the real services."""

import pytest

from tests.declarations.factories import make_declaration


@pytest.fixture
def ward1_declaration(citizen, citizen_person):
    return make_declaration(person=citizen_person, account=citizen)


@pytest.fixture
def ward2_declaration(ward2_person):
    return make_declaration(person=ward2_person)
