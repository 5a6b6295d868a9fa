"""What the declarations room registers with the platform (see apps.py)."""

from django.utils.translation import gettext_lazy as _

from khaibao.accounts.roles import Role, crud
from khaibao.lib.registry import PortalService
from khaibao.uploads.models import PhotoKind

#: The photo kind of a test result (F0 declaration, isolation completion).
TEST_RESULT_PHOTO = "test_result"
PHOTO_KINDS = ((TEST_RESULT_PHOTO, _("Kết quả xét nghiệm")),)
#: The F0 form's photo fields and the kind each stores.
FORM_PHOTOS = {"test_photo": TEST_RESULT_PHOTO, "id_photo": PhotoKind.ID_DOCUMENT}

# "change" is the right to decide (accept, reject, confirm completion): the review page
# itself is read-only and declarations are never added or deleted. The province admin
# decides the declarations escalated to it when a station is overdue.
PERMISSIONS = {
    Role.WARD_STATION: crud("declarations.f0declaration", "view", "change"),
    Role.TREATMENT_FACILITY: crud("declarations.f0declaration", "view", "change"),
    Role.PROVINCE_ADMIN: crud("declarations.f0declaration", "view", "change"),
}

SERVICES = (
    PortalService(
        "f0",
        _("Khai báo F0"),
        _(
            "Khai báo kết quả xét nghiệm dương tính, nhận xác nhận của Trạm Y tế và giấy hoàn thành cách ly."
        ),
        url_name="declarations:start",
        order=10,
    ),
    PortalService(
        "home-care",
        _("Chăm sóc F0 tại nhà"),
        _(
            "Báo cáo sức khoẻ hằng ngày trước 10 giờ; dấu hiệu nguy hiểm được báo ngay cho Trạm Y tế."
        ),
        order=20,
    ),
    PortalService(
        "test-results",
        _("Kết quả xét nghiệm"),
        _("Tra cứu kết quả xét nghiệm; mã QR có chữ ký có giá trị như bản giấy."),
        order=50,
    ),
)
