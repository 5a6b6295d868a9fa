"""The QR code printed on the chip-based citizen ID card (CCCD), read from a photo.

The card's QR holds seven fields separated by "|":

    id number | old (CMND) number | full name | birth date ddmmyyyy | sex | address | issue date ddmmyyyy

e.g. "079088001234|123456789|Nguyễn Văn An|14031988|Nam|12 Lê Lợi, …|01012021". The old
number is empty on cards of people who never had a CMND. The QR is not signed: what it
says prefills a form and cross-checks what the citizen typed, it proves nothing.
"""

import datetime
import logging
import re
from dataclasses import dataclass

import zxingcpp
from PIL import Image

from khaibao.lib.normalize import clean_text, name_key
from khaibao.people.ids import Sex

logger = logging.getLogger(__name__)

_ID_NUMBER = re.compile(r"\d{12}")
_OLD_ID_NUMBER = re.compile(r"(\d{9}|\d{12})?")
_SEXES = {"nam": Sex.MALE, "nữ": Sex.FEMALE}
# zxing finds a card's QR in a photo of this size; larger ones only cost time.
_SCAN_SIDE = 2000


@dataclass(frozen=True)
class CccdQr:
    id_number: str
    old_id_number: str
    full_name: str
    date_of_birth: datetime.date
    sex: str
    address: str
    issue_date: datetime.date

    @classmethod
    def from_dict(cls, data: dict) -> "CccdQr":
        return cls(
            **{
                **data,
                "date_of_birth": datetime.date.fromisoformat(data["date_of_birth"]),
                "issue_date": datetime.date.fromisoformat(data["issue_date"]),
            }
        )

    def as_dict(self) -> dict:
        return {
            "id_number": self.id_number,
            "old_id_number": self.old_id_number,
            "full_name": self.full_name,
            "date_of_birth": self.date_of_birth.isoformat(),
            "sex": self.sex,
            "address": self.address,
            "issue_date": self.issue_date.isoformat(),
        }


def _date(value: str) -> datetime.date | None:
    if not re.fullmatch(r"\d{8}", value):
        return None
    try:
        return datetime.date(int(value[4:]), int(value[2:4]), int(value[:2]))
    except ValueError:
        return None


def parse_cccd_qr(text: str) -> CccdQr | None:
    """The card's fields, or None when the text is not a CCCD QR."""
    fields = [clean_text(field) for field in clean_text(text).split("|")]
    if len(fields) != 7:
        return None
    id_number, old_id_number, full_name, dob, sex, address, issued = fields
    date_of_birth, issue_date = _date(dob), _date(issued)
    sex_code = _SEXES.get(sex.casefold())
    if (
        not _ID_NUMBER.fullmatch(id_number)
        or not _OLD_ID_NUMBER.fullmatch(old_id_number)
        or not full_name
        or date_of_birth is None
        or issue_date is None
        or sex_code is None
    ):
        return None
    return CccdQr(
        id_number=id_number,
        old_id_number=old_id_number,
        full_name=full_name,
        date_of_birth=date_of_birth,
        sex=str(sex_code),
        address=address,
        issue_date=issue_date,
    )


def read_cccd_qr(image: Image.Image) -> CccdQr | None:
    """Find a CCCD QR in a decoded photo; None when there is none or it is not one."""
    grey = image.convert("L")
    if max(grey.size) > _SCAN_SIDE:
        grey.thumbnail((_SCAN_SIDE, _SCAN_SIDE))
    try:
        barcodes = zxingcpp.read_barcodes(grey, formats=zxingcpp.BarcodeFormat.QRCode)
    except (ValueError, RuntimeError):
        logger.exception("The QR reader failed on a photo")
        return None
    for barcode in barcodes:
        parsed = parse_cccd_qr(barcode.text)
        if parsed is not None:
            return parsed
    return None


def cccd_mismatches(
    qr: CccdQr, *, id_number: str, full_name: str, date_of_birth: datetime.date | None
) -> list[str]:
    """Which of id_number, full_name, date_of_birth disagree with the card's QR."""
    mismatches = []
    if re.sub(r"\s", "", id_number or "") not in (qr.id_number, qr.old_id_number or None):
        mismatches.append("id_number")
    if name_key(full_name) != name_key(qr.full_name):
        mismatches.append("full_name")
    if date_of_birth != qr.date_of_birth:
        mismatches.append("date_of_birth")
    return mismatches
