"""Issue 12's flow on a phone (390×844): a parent declares a trip into the province for
self and a child, from a village under a 14-day policy → each sees the policy and a QR →
the province admin publishes a 7-day policy for that village, from today → the recompute
task runs → the citizen's page and text say 7 days."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from checkpoints.declaring.models import EntryDeclaration
from checkpoints.quarantine.policy import QUARANTINE_POLICY
from khaibao.rules.models import RuleVersion
from khaibao.rules.selectors import rules_in_force
from khaibao.rules.services import rule_version_schedule
from tests.conftest import STAFF_PASSWORD
from tests.e2e.conftest import dev_inbox, new_phone_page, sign_in, texts_on_phone  # noqa: F401 (dev_inbox: a fixture)
from tests.factories import AreaLevel, make_area
from tests.trust.conftest import eager_tasks  # noqa: F401 (recomputes and QR images in-process)

pytestmark = pytest.mark.e2e

PHONE = "+84912345678"


def day(value: datetime.date) -> str:
    return value.strftime("%d/%m/%Y")


@pytest.fixture
def origin_village(other_ward):
    return make_area(
        code="00070-001", name="Tổ dân phố Đông", level=AreaLevel.VILLAGE, parent=other_ward
    )


@pytest.fixture
def fourteen_days(province, province_admin, origin_village):
    values = dict(rules_in_force(QUARANTINE_POLICY, province).values)
    values["policies"] = [
        {"area": origin_village.code, "measure": "central_quarantine", "days": 14}
    ]
    return rule_version_schedule(
        kind=QUARANTINE_POLICY,
        province=province,
        values=values,
        effective_from=timezone.now(),
        document="Quyết định 1/QĐ-UBND",
        by=province_admin,
    )


def declare_trip(page, *, relative, other_ward, origin_village, ward1, village1, arrival):
    page.goto("/")
    page.get_by_role("link", name="Khai báo y tế, khai báo vào tỉnh, quét mã QR").click()
    page.get_by_role("link", name="Khai báo vào tỉnh", exact=True).click()
    # The pickers' script runs once the page has loaded (deferred).
    page.wait_for_load_state("load")
    page.locator(f"#person-{relative.public_id}").check()
    page.get_by_label("Nơi đi: tỉnh / thành phố").select_option(str(other_ward.parent_id))
    page.locator("select[name='origin-ward']").select_option(str(other_ward.pk))
    page.locator("select[name='origin-village']").select_option(str(origin_village.pk))
    page.get_by_label("Ngày khởi hành").fill(day(arrival - datetime.timedelta(days=1)))
    page.get_by_label("Ngày đến").fill(day(arrival))
    page.get_by_label("Phương tiện").select_option("coach")
    page.get_by_label("Số hiệu chuyến bay, chuyến tàu hoặc biển số xe").fill("29B-123.45")
    page.get_by_label("Nơi đến: tỉnh / thành phố").select_option(str(ward1.parent_id))
    page.locator("select[name='dest-ward']").select_option(str(ward1.pk))
    page.locator("select[name='dest-village']").select_option(str(village1.pk))
    page.get_by_role("button", name="Gửi khai báo").click()


def test_an_entry_for_self_and_child_follows_a_new_policy_to_the_phone(
    browser,
    live_server,
    transactional_db,
    dev_inbox,  # noqa: F811 (texts kept in the dev inbox, read on the phone)
    citizen,
    citizen_person,
    relative,
    ward1,
    village1,
    other_ward,
    origin_village,
    fourteen_days,
    province_admin,
):
    arrival = timezone.localdate() + datetime.timedelta(days=1)
    context, page = new_phone_page(browser, live_server)
    sign_in(page, citizen, live_server)

    declare_trip(
        page,
        relative=relative,
        other_ward=other_ward,
        origin_village=origin_village,
        ward1=ward1,
        village1=village1,
        arrival=arrival,
    )

    expect(page.get_by_role("heading", name="Đã khai báo vào tỉnh")).to_be_visible()
    cards = page.locator("article[data-entry]")
    expect(cards).to_have_count(2)
    for name in (citizen_person.full_name, relative.full_name):
        card = cards.filter(has_text=name)
        expect(card.locator("[data-policy]")).to_contain_text("Cách ly tập trung 14 ngày")
        expect(card.locator("[data-policy]")).to_contain_text(
            f"từ ngày đến {day(arrival)} đến hết ngày {day(arrival + datetime.timedelta(days=13))}"
        )
        expect(card.locator("img.kb-qr-image")).to_be_visible()
    # The tasks (run in the server's process here) have drawn the real codes.
    page.wait_for_function(
        "[...document.querySelectorAll('img.kb-qr-image')].every(i => i.naturalWidth > 64)",
        timeout=15_000,
    )
    assert page.locator("textarea").first.input_value().startswith("KB1:")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert EntryDeclaration.objects.filter(policy_days=14).count() == 2

    publish_seven_days(browser, live_server, province_admin, origin_village)

    seven = RuleVersion.objects.filter(kind=QUARANTINE_POLICY).latest("number")
    assert EntryDeclaration.objects.filter(policy_version=seven, policy_days=7).count() == 2
    page.goto("/khai-bao-y-te/")
    entry = page.locator(f"[data-person='{citizen_person.public_id}'] [data-entry]")
    expect(entry).to_contain_text("Tự theo dõi sức khoẻ tại nhà 7 ngày")
    expect(entry.locator("[data-policy-changed]")).to_contain_text(
        "Trước đó: Cách ly tập trung 14 ngày."
    )
    entry.get_by_role("link", name="Xem QR").click()
    expect(page.locator("[data-policy]")).to_contain_text(
        f"đến hết ngày {day(arrival + datetime.timedelta(days=6))}"
    )
    texts = [text for text in texts_on_phone(page, PHONE) if "chinh sach" in text]
    assert len(texts) == 2  # one per traveller, both to the parent's phone
    assert all("7 ngay" in text for text in texts)
    context.close()


def publish_seven_days(browser, live_server, province_admin, origin_village):
    """The province admin, in the admin, sets the village's policy to 7 days from now."""
    context, page = new_phone_page(browser, live_server)
    page.goto("/admin/login/")
    page.get_by_label("Tên đăng nhập").fill(province_admin.username)
    page.get_by_label("Mật khẩu").fill(STAFF_PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.goto("/admin/checkpoints/entrydeclaration/")
    page.get_by_role("link", name="Chính sách cách ly theo vùng").click()
    table = page.locator("#kb-policies")
    expect(table).to_contain_text("Tổ dân phố Đông")
    expect(table).to_contain_text("Cách ly tập trung 14 ngày")
    table.get_by_role("link", name="Sửa").click()

    page.get_by_label("Biện pháp:", exact=True).select_option("self_monitor")
    page.get_by_label("Số ngày:", exact=True).fill("7")
    page.get_by_label("Văn bản căn cứ:").fill("Quyết định 2/QĐ-UBND")
    page.get_by_role("button", name="Xem trước").click()
    expect(page.locator("#kb-preview")).to_contain_text(
        "Tổ dân phố Đông: cách ly tập trung 14 ngày → tự theo dõi sức khoẻ tại nhà 7 ngày"
    )
    page.get_by_role("button", name="Lưu và lên lịch phiên bản mới").click()

    expect(page.locator("#kb-policies")).to_contain_text("Tự theo dõi sức khoẻ tại nhà 7 ngày")
    context.close()
