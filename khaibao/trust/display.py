"""A Verification in human form: the verify page's big result and its rows."""

import datetime

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .hcert import TEST_DETECTED, TEST_NOT_DETECTED, value_set_display
from .models import VerificationStatus

STATUS_STYLE = {
    VerificationStatus.VALID: "success",
    VerificationStatus.EXPIRED: "warning",
    VerificationStatus.NOT_YET_VALID: "warning",
    VerificationStatus.REVOKED: "danger",
    VerificationStatus.BAD_SIGNATURE: "danger",
    VerificationStatus.UNKNOWN_KEY: "danger",
    VerificationStatus.MALFORMED: "secondary",
}
STATUS_EXPLANATION = {
    VerificationStatus.VALID: _("Chữ ký đúng và mã còn hiệu lực."),
    VerificationStatus.EXPIRED: _(
        "Chữ ký đúng nhưng mã (hoặc chứng thư của khoá đã ký mã) đã quá hạn sử dụng."
    ),
    VerificationStatus.NOT_YET_VALID: _(
        "Chữ ký đúng nhưng mã chưa đến thời điểm có hiệu lực (ngày cấp ở tương lai). Kiểm tra "
        "lại ngày giờ của máy; nếu đúng, mã không dùng được."
    ),
    VerificationStatus.REVOKED: _(
        "Chứng nhận này đã bị thu hồi (đã được cấp lại hoặc bị huỷ): không dùng được nữa."
    ),
    VerificationStatus.BAD_SIGNATURE: _(
        "Nội dung mã không khớp với chữ ký, hoặc khoá đã ký không được phép ký loại chứng nhận "
        "này: mã đã bị sửa, bị làm giả hoặc bị ký sai."
    ),
    VerificationStatus.UNKNOWN_KEY: _(
        "Mã được ký bằng một khoá không có trong danh sách khoá tin cậy của cổng."
    ),
    VerificationStatus.MALFORMED: _(
        "Đây không phải mã QR do cổng cấp hoặc chứng nhận COVID theo chuẩn EU DCC, hoặc mã "
        "bị đọc thiếu. Hãy quét lại."
    ),
}
KIND_LABELS = {
    "HC1:vaccination": _("Chứng nhận tiêm chủng COVID-19"),
    "HC1:test": _("Chứng nhận xét nghiệm COVID-19"),
    "HC1:recovery": _("Chứng nhận khỏi bệnh COVID-19"),
    "KB1:person": _("Mã QR cá nhân"),
    "KB1:declaration": _("Tờ khai y tế"),
    "KB1:venue": _("Mã QR địa điểm"),
    "KB1:completion": _("Chứng nhận hoàn thành cách ly"),
}
TEST_RESULTS = {TEST_NOT_DETECTED: _("Âm tính"), TEST_DETECTED: _("Dương tính")}
# EU DCC value set test-type; another code shows as its English display name.
TEST_TYPES = {"LP6464-4": _("RT-PCR"), "LP217198-3": _("Test nhanh kháng nguyên")}


def format_date(value: str) -> str:
    """ "1988-03-14" → "14/03/1988"; a year-month ("1988-03") → "03/1988"."""
    parts = (value or "").split("T")[0].split("-")
    if all(part.isdigit() for part in parts) and 1 <= len(parts) <= 3:
        return "/".join(reversed(parts))
    return value or ""


def format_moment(value: str, *, with_time: bool = False) -> str:
    """An ISO timestamp as local dd/mm/yyyy (and HH:MM)."""
    try:
        moment = datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except (AttributeError, ValueError):
        return value or ""
    if timezone.is_aware(moment):
        moment = timezone.localtime(moment)
    return moment.strftime("%d/%m/%Y %H:%M" if with_time else "%d/%m/%Y")


def _certificate_rows(kind: str, hcert: dict) -> list[tuple[str, str]]:
    entry = next(iter(hcert.get(kind[:1], None) or [{}]))
    if kind == "v":
        # The dose and nothing else of the entry (not its issuer text `is`).
        product = entry.get("mp", "")
        return [
            (_("Vắc xin"), value_set_display("vaccine-medicinal-product", product) or product),
            (_("Mũi tiêm"), f"{entry.get('dn')}/{entry.get('sd')}"),
            (_("Ngày tiêm"), format_date(entry.get("dt", ""))),
        ]
    if kind == "t":
        test_type = entry.get("tt", "")
        rows = [
            (
                _("Loại xét nghiệm"),
                str(TEST_TYPES.get(test_type) or value_set_display("test-type", test_type)),
            ),
            (_("Kết quả"), str(TEST_RESULTS.get(entry.get("tr"), entry.get("tr", "")))),
            (_("Thời điểm lấy mẫu"), format_moment(entry.get("sc", ""), with_time=True)),
        ]
        if entry.get("tc"):
            rows.append((_("Nơi xét nghiệm"), entry["tc"]))
        return rows
    return [
        (_("Có giá trị từ ngày"), format_date(entry.get("df", ""))),
        (_("Đến ngày"), format_date(entry.get("du", ""))),
    ]


def country_display(code: str) -> str:
    """ "DE" → "Germany (DE)", with the name from the EU DCC country value set."""
    name = value_set_display("country-2-codes", code)
    return f"{name} ({code})" if name else code


def verification_display(verification) -> dict:
    """Label, Bootstrap style, explanation and (label, value) rows for the template."""
    claims = verification.claims
    rows = []
    if claims:
        rows.append((_("Loại mã"), KIND_LABELS.get(verification.kind, verification.kind)))
        if verification.country:
            rows.append((_("Nước cấp"), country_display(verification.country)))
        if claims.get("name"):
            rows.append((_("Họ và tên"), claims["name"]))
        if claims.get("birth_date"):
            rows.append((_("Ngày sinh"), format_date(claims["birth_date"])))
        if verification.kind.startswith("HC1:") and isinstance(claims.get("hcert"), dict):
            rows += _certificate_rows(verification.kind[4:5], claims["hcert"])
        if verification.kind == "KB1:completion":
            rows += [
                (_("Mã F0"), str(claims.get("case", ""))),
                (_("Cách ly từ ngày"), format_date(str(claims.get("from", "")))),
                (_("Hoàn thành ngày"), format_date(str(claims.get("to", "")))),
            ]
        rows += [
            (_("Ngày cấp"), format_moment(claims.get("issued_at", ""))),
            (_("Hết hạn ngày"), format_moment(claims.get("expires_at", ""))),
            (_("Mã chứng nhận"), claims.get("cert_id", "")),
        ]
    return {
        "status": verification.status,
        "label": verification.status_label,
        "style": STATUS_STYLE[verification.status],
        "explanation": STATUS_EXPLANATION[verification.status],
        "rows": rows,
    }
