"""What the declarations app registers with the platform, for all its rooms (see apps.py)."""

from django.utils.translation import gettext_lazy as _

from khaibao.accounts.roles import Role, crud
from khaibao.lib.registry import PortalService

#: The photo kind of a test result (F0 declaration, isolation completion).
TEST_RESULT_PHOTO = "test_result"
PHOTO_KINDS = ((TEST_RESULT_PHOTO, _("Kết quả xét nghiệm")),)

# "change" is the right to decide (accept, reject, confirm completion): the review page
# itself is read-only and declarations are never added or deleted. The province admin
# decides the declarations escalated to it when a station is overdue.
_HOMECARE_STAFF = [
    # "change" on a patient: accept or reject a registration, call notes, end of care;
    # "change" on an alert: acknowledge it. Patients come from F0 and registrations,
    # so nobody adds them by hand; nothing is deleted.
    *crud("declarations.homecarepatient", "view", "change"),
    *crud("declarations.alert", "view", "change"),
]

# Lab staff enter results ("add": the form, the CSV upload; "change": a correction)
# and manage their lab's API keys ("change" on a key: revoke it). The ward station and
# the province read results (the station follows its ward's positive cases).
_LAB_STAFF = [
    *crud("declarations.labresult", "view", "add", "change"),
    *crud("declarations.labimport", "view", "add"),
    *crud("declarations.labtoken", "view", "add", "change"),
]

PERMISSIONS = {
    Role.LAB: _LAB_STAFF,
    Role.WARD_STATION: [
        *crud("declarations.f0declaration", "view", "change"),
        *_HOMECARE_STAFF,
        *crud("declarations.labresult", "view"),
    ],
    Role.TREATMENT_FACILITY: [
        *crud("declarations.f0declaration", "view", "change"),
        *_HOMECARE_STAFF,
    ],
    Role.PROVINCE_ADMIN: [
        *crud("declarations.f0declaration", "view", "change"),
        *_HOMECARE_STAFF,
        # The province's own guidance pages for patients.
        *crud("declarations.guidancedocument", "view", "add", "change", "delete"),
        # Every lab of the province: results, timeliness, and its keys (to revoke one).
        *crud("declarations.labresult", "view"),
        *crud("declarations.labtoken", "view", "change"),
    ],
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
        url_name="declarations:homecare-home",
        order=20,
    ),
    PortalService(
        "test-results",
        _("Kết quả xét nghiệm"),
        _("Tra cứu kết quả xét nghiệm; mã QR có chữ ký có giá trị như bản giấy."),
        url_name="declarations:labresults-home",
        order=50,
    ),
)
