"""Who gets each F0 status text, and that its link opens for that phone (issue 17).

The rule: every status text goes to the account that filed the declaration, and to the
declaration's contact phone when that is another number. Each text links to the
declaration's status page when the phone's account manages the person, otherwise to
the "find my declaration" lookup, which links the person to that phone's account.
"""

import datetime
from urllib.parse import urlsplit

import pytest
import time_machine
from django.urls import reverse

from declarations.f0.models import RejectReason
from declarations.f0.services import (
    f0_accept,
    f0_completion_confirm,
    f0_completion_refuse,
    f0_completion_request,
    f0_reject,
    f0_resubmit,
)
from khaibao.notify.gsm import is_gsm7
from khaibao.notify.models import SmsMessage
from khaibao.people.models import Relationship
from khaibao.people.services import person_link_to_account
from tests.declarations.f0.test_matching import NOON, TODAY, declare, store_photo
from tests.factories import make_citizen

DECLARER = "+84912345678"  # the `citizen` persona's phone
CONTACT = "+84987000333"
LOOKUP_PATH = "/f0/hoan-thanh/tim/"


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOON, tick=False) as traveller:
        yield traveller


@pytest.fixture
def public_url(settings):
    settings.KHAIBAO_PUBLIC_URL = "https://khaibao.example.gov.vn"
    return settings.KHAIBAO_PUBLIC_URL


def texts(purpose: str) -> dict[str, str]:
    return dict(SmsMessage.objects.filter(purpose=purpose).values_list("to", "body"))


def link_in(body: str) -> str:
    return next(word for word in body.split() if word.startswith("https://"))


def test_the_filing_account_and_another_contact_phone_both_get_the_text(
    citizen, relative, public_url
):
    declaration = declare(citizen, relative, contact_phone=CONTACT, relationship="child")

    sent = texts("f0_submitted")

    assert set(sent) == {DECLARER, CONTACT}
    assert link_in(sent[DECLARER]) == f"{public_url}/f0/{declaration.pk}/"
    # The contact phone's account does not manage the child: its text leads to the lookup.
    assert link_in(sent[CONTACT]) == f"{public_url}{LOOKUP_PATH}"
    assert all(is_gsm7(body) for body in sent.values())


def test_a_contact_phone_whose_account_manages_the_person_gets_the_status_link(
    citizen, relative, public_url
):
    other_parent = make_citizen(phone=CONTACT)
    person_link_to_account(account=other_parent, person=relative, relationship=Relationship.CHILD)

    declaration = declare(citizen, relative, contact_phone=CONTACT, relationship="child")

    sent = texts("f0_submitted")
    assert link_in(sent[CONTACT]) == f"{public_url}/f0/{declaration.pk}/"


def test_one_phone_gets_one_text(citizen, citizen_person):
    declare(citizen, citizen_person, contact_phone=DECLARER)

    assert SmsMessage.objects.filter(purpose="f0_submitted").count() == 1


def _through_every_status(declaration, account, person, staff, clock, set_rule):
    set_rule("f0_timing", isolation_days=1)
    f0_reject(declaration=declaration, by=staff, reason=RejectReason.PHOTO_UNREADABLE)
    f0_resubmit(
        declaration=declaration,
        account=account,
        test_date=declaration.test_date,
        test_type=declaration.test_type,
        test_photo=declaration.test_photo,
        id_photo=declaration.id_photo,
        isolation_area=declaration.isolation_area,
        isolation_street=declaration.isolation_street,
        contact_phone=declaration.contact_phone,
    )
    f0_accept(declaration=declaration, by=staff)
    clock.move_to(NOON + datetime.timedelta(days=1))
    negative = store_photo(person, account, seed=77)
    day = TODAY + datetime.timedelta(days=1)
    f0_completion_request(
        declaration=declaration, account=account, negative_test_date=day, photo=negative
    )
    f0_completion_refuse(declaration=declaration, by=staff, reason="Ảnh mờ, chụp lại")
    f0_completion_request(
        declaration=declaration, account=account, negative_test_date=day, photo=negative
    )
    f0_completion_confirm(declaration=declaration, by=staff)


@pytest.mark.parametrize(
    "purpose",
    [
        "f0_submitted",
        "f0_rejected",
        "f0_accepted",
        "f0_completion_requested",
        "f0_completion_refused",
        "f0_completed",
    ],
)
def test_every_status_text_goes_to_both_phones_with_a_link_that_opens_for_each(
    client, citizen, relative, ward1_staff, public_url, clock, set_rule, purpose
):
    declaration = declare(citizen, relative, contact_phone=CONTACT, relationship="child")
    _through_every_status(declaration, citizen, relative, ward1_staff, clock, set_rule)
    contact_account = make_citizen(phone=CONTACT)

    sent = texts(purpose)

    assert set(sent) == {DECLARER, CONTACT}
    for phone, account in ((DECLARER, citizen), (CONTACT, contact_account)):
        client.force_login(account)
        path = urlsplit(link_in(sent[phone])).path
        response = client.get(path)
        assert response.status_code == 200, (phone, path)
    assert urlsplit(link_in(sent[CONTACT])).path == LOOKUP_PATH


def test_a_rejection_text_has_one_full_stop_after_a_note_that_ends_with_one(
    citizen, citizen_person, ward1_staff
):
    declaration = declare(citizen, citizen_person, contact_phone=DECLARER)

    f0_reject(
        declaration=declaration,
        by=ward1_staff,
        reason=RejectReason.TEST_PHOTO_INVALID,
        note="Khay test ghi ngày 02/12.",
    )

    body = SmsMessage.objects.get(purpose="f0_rejected").body
    assert "02/12. Sua va gui lai" in body
    assert ".." not in body


def test_the_acceptance_text_says_what_the_portal_does_now(
    citizen, citizen_person, ward1_staff, set_rule
):
    set_rule("f0_timing", isolation_days=7)
    declaration = declare(citizen, citizen_person, contact_phone=DECLARER)

    f0_accept(declaration=declaration, by=ward1_staff)

    body = SmsMessage.objects.get(purpose="f0_accepted").body
    # Home care (daily reports) is not built yet: the text must not ask for them.
    assert "hang ngay" not in body and "bao cao" not in body.lower()
    assert "29/11/2026" in body  # the day isolation completion can be declared
    assert "115" in body
    assert f"/f0/{declaration.pk}/" in body
    assert is_gsm7(body)


def test_the_lookup_page_is_linked_from_the_f0_start_page_and_the_faq(client, citizen):
    client.force_login(citizen)

    start = client.get(reverse("declarations:start")).content.decode()
    faq = client.get(reverse("declarations:faq")).content.decode()

    assert f'href="{LOOKUP_PATH}"' in start
    assert f'href="{LOOKUP_PATH}"' in faq
