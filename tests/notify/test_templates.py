"""SMS texts: rule texts rendered as plain text, the OTP in one GSM-7 segment."""

import re

import pytest
from django.urls import reverse

from khaibao.notify.gsm import is_gsm7, sms_length, sms_segments
from khaibao.notify.models import SmsMessage
from khaibao.rules.selectors import sms_text


def test_the_otp_text_fits_one_gsm7_segment(db):
    text = sms_text("login", "otp", ma_otp="048213", so_phut=5)

    assert text == ("Ma xac thuc KhaiBao: 048213. Hieu luc 5 phut. Khong dua ma nay cho bat ky ai.")
    assert is_gsm7(text)
    assert len(text) <= 160
    assert sms_segments(text) == 1


def test_the_otp_sent_is_the_text_in_force(client, db, set_rule):
    set_rule("login", otp="KhaiBao {ma_otp} ({so_phut} phut). Tong dai 1022.")

    client.post(reverse("accounts:login"), {"phone": "0912 345 678"})

    body = SmsMessage.objects.get(to="+84912345678").body
    assert re.fullmatch(r"KhaiBao \d{6} \(5 phut\)\. Tong dai 1022\.", body)


def test_texts_are_not_html_escaped_and_whitespace_collapses(db):
    text = sms_text("login", "otp_warning", so_lan='O\'Neil & <Co>\n  "A"', tong_dai="1022")

    assert 'bi nhap sai O\'Neil & <Co> "A" lan.' in text


@pytest.mark.parametrize(
    ("text", "gsm7", "length", "segments"),
    [
        ("Ma xac thuc: 123456", True, 19, 1),
        ("a" * 160, True, 160, 1),
        ("a" * 161, True, 161, 2),
        ("[a]" + "a" * 155, True, 160, 1),  # brackets take two septets each
        ("Mã xác thực", False, 11, 1),
        ("ệ" * 71, False, 71, 2),
        ("€" * 81, True, 162, 2),
    ],
)
def test_gsm7_length_and_segments(text, gsm7, length, segments):
    assert (is_gsm7(text), sms_length(text), sms_segments(text)) == (gsm7, length, segments)
