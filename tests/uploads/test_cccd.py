"""The chip-card (CCCD) QR: read from a photo, parsed, and compared with what was typed."""

import datetime
import unicodedata

import pytest

from khaibao.uploads.cccd import CccdQr, cccd_mismatches, parse_cccd_qr, read_cccd_qr
from khaibao.uploads.images import prepare_photo
from tests.uploads.images import CCCD_TEXT, cccd_card_jpeg, jpeg_bytes, uploaded

EXPECTED = CccdQr(
    id_number="079088001234",
    old_id_number="123456789",
    full_name="Nguyễn Văn An",
    date_of_birth=datetime.date(1988, 3, 14),
    sex="M",
    address="12 Lê Lợi, Phường Sài Gòn, TP Hồ Chí Minh",
    issue_date=datetime.date(2021, 1, 1),
)


def prepared(content: bytes):
    return prepare_photo(uploaded(content), len(content))


def test_it_reads_the_qr_of_a_card_photo():
    qr = read_cccd_qr(prepared(cccd_card_jpeg()).image)

    assert qr == EXPECTED
    assert qr.as_dict()["date_of_birth"] == "1988-03-14"


def test_a_photo_without_a_qr_gives_none():
    assert read_cccd_qr(prepared(jpeg_bytes((1200, 800))).image) is None


def test_a_qr_that_is_not_a_card_gives_none():
    assert read_cccd_qr(prepared(cccd_card_jpeg("https://example.vn/khai-bao")).image) is None


def test_the_name_is_nfc_normalised():
    nfd = unicodedata.normalize("NFD", CCCD_TEXT)

    qr = parse_cccd_qr(nfd)

    assert qr.full_name == "Nguyễn Văn An" and unicodedata.is_normalized("NFC", qr.full_name)


def test_a_card_without_an_old_number_is_read():
    qr = parse_cccd_qr("001199004321||Trần Thị Cúc|30111999|Nữ|Hà Nội|15062022")

    assert (qr.old_id_number, qr.sex, qr.date_of_birth) == ("", "F", datetime.date(1999, 11, 30))


@pytest.mark.parametrize(
    "text",
    [
        "079088001234|123456789|Nguyễn Văn An|14031988|Nam|12 Lê Lợi",  # 6 fields
        CCCD_TEXT + "|extra",  # 8 fields
        CCCD_TEXT.replace("14031988", "31021988"),  # 31 February
        CCCD_TEXT.replace("14031988", "1988-03-14"),
        CCCD_TEXT.replace("|Nam|", "|X|"),
        CCCD_TEXT.replace("079088001234", "07908800123"),  # 11 digits
        CCCD_TEXT.replace("Nguyễn Văn An", " "),
    ],
)
def test_text_of_the_wrong_shape_is_not_a_card(text):
    assert parse_cccd_qr(text) is None


def test_matching_entries_have_no_mismatches():
    mismatches = cccd_mismatches(
        EXPECTED,
        id_number="079088001234",
        full_name=unicodedata.normalize("NFD", "NGUYỄN  VĂN AN"),
        date_of_birth=datetime.date(1988, 3, 14),
    )

    assert mismatches == []


def test_mismatches_are_reported_by_field():
    qr = read_cccd_qr(prepared(cccd_card_jpeg()).image)

    assert cccd_mismatches(
        qr,
        id_number="079088009999",
        full_name="Nguyễn Văn Anh",
        date_of_birth=datetime.date(1988, 3, 14),
    ) == ["id_number", "full_name"]
    assert cccd_mismatches(
        qr, id_number="079088001234", full_name="Nguyen Van An", date_of_birth=None
    ) == ["date_of_birth"]


def test_the_old_cmnd_number_on_the_card_also_matches():
    assert "id_number" not in cccd_mismatches(
        EXPECTED, id_number="123456789", full_name="", date_of_birth=None
    )
    assert "id_number" in cccd_mismatches(
        EXPECTED.__class__(**{**EXPECTED.__dict__, "old_id_number": ""}),
        id_number="",
        full_name="",
        date_of_birth=None,
    )
