"""SMS texts: rendered as plain text, the OTP in one GSM-7 segment."""

import pytest
from django.utils import translation

from khaibao.notify.gsm import is_gsm7, sms_length, sms_segments
from khaibao.notify.services import sms_render


def test_the_otp_text_fits_one_gsm7_segment():
    text = sms_render(template="otp", context={"code": "048213", "minutes": 5})

    assert text == ("Ma xac thuc KhaiBao: 048213. Hieu luc 5 phut. Khong dua ma nay cho bat ky ai.")
    assert is_gsm7(text)
    assert len(text) <= 160
    assert sms_segments(text) == 1


def test_the_otp_text_says_5_minutes_when_not_told():
    text = sms_render(template="otp", context={"code": "048213"})

    assert "Hieu luc 5 phut." in text


def test_texts_are_not_html_escaped_and_whitespace_collapses():
    text = sms_render(template="test_message", context={"text": 'O\'Neil & <Co>\n  "A"'})

    assert text == 'KhaiBao thu nghiem: O\'Neil & <Co> "A"'


def test_texts_render_in_vietnamese_whatever_the_page_language():
    with translation.override("en"):
        assert sms_render(template="test_language", context={}) == "vi"
        assert translation.get_language() == "en"


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
