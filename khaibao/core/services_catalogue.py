"""The five services of the portal, as the home page lists them.

`url_name` is None until a service is built; the home page then says so plainly.
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class PortalService:
    slug: str
    title: str
    summary: str
    url_name: str | None = None


SERVICES = (
    PortalService(
        "f0",
        _("Khai báo F0"),
        _(
            "Khai báo kết quả xét nghiệm dương tính, nhận xác nhận của Trạm Y tế và giấy hoàn thành cách ly."
        ),
        url_name="declarations:start",
    ),
    PortalService(
        "home-care",
        _("Chăm sóc F0 tại nhà"),
        _(
            "Báo cáo sức khoẻ hằng ngày trước 10 giờ; dấu hiệu nguy hiểm được báo ngay cho Trạm Y tế."
        ),
    ),
    PortalService(
        "vaccination",
        _("Tiêm chủng"),
        _("Xem mũi tiêm, chứng nhận tiêm chủng có mã QR và gửi phản ánh khi thiếu mũi."),
    ),
    PortalService(
        "declarations",
        _("Khai báo y tế, khai báo vào tỉnh, quét mã QR"),
        _("Khai báo y tế, khai báo đi lại đến thôn / tổ, check-in địa điểm và mã QR cá nhân."),
    ),
    PortalService(
        "test-results",
        _("Kết quả xét nghiệm"),
        _("Tra cứu kết quả xét nghiệm; mã QR có chữ ký có giá trị như bản giấy."),
    ),
)
