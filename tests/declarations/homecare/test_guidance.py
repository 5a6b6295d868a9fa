"""Guidance pages for patients: the defaults a database starts with, the markup, which
province's page a reader gets, and who may change which page in the admin."""

import datetime

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from declarations.homecare.guidance import guidance_document_save, guidance_html
from declarations.homecare.guidance_defaults import (
    DEFAULT_PAGES,
    guidance_defaults_ensure,
    guidance_defaults_on_migrate,
)
from declarations.homecare.models import GuidanceDocument
from khaibao.audit.models import AuditAction, AuditEvent
from khaibao.people.ids import Sex
from tests.factories import make_citizen, make_person

SLUG = "dau-hieu-nguy-hiem"


@pytest.fixture(autouse=True)
def _no_pages(db):
    """Each test starts with the pages it makes: the declarations app seeds the defaults
    after migrate (and after a flush)."""
    GuidanceDocument.objects.all().delete()


def page(*, slug=SLUG, province=None, title="Các dấu hiệu nguy hiểm", published=True, **extra):
    return GuidanceDocument.objects.create(
        province=province,
        slug=slug,
        title=title,
        body=extra.pop("body", "Khó thở: gọi 115."),
        is_published=published,
        **extra,
    )


def admin_change_url(document) -> str:
    return reverse("admin:declarations_guidancedocument_change", args=[document.pk])


def change_data(document, **changes) -> dict:
    data = {
        "slug": document.slug,
        "title": document.title,
        "summary": document.summary,
        "body": document.body,
        "order": document.order,
        "is_published": "on" if document.is_published else "",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value != ""}


@pytest.fixture
def other_citizen(other_ward):
    person = make_person(
        area=other_ward,
        full_name="Lê Văn Dũng",
        date_of_birth=datetime.date(1969, 1, 8),
        sex=Sex.MALE,
        phone="0903111222",
    )
    return make_citizen(phone="+84903111222", person=person)


# -- the defaults ---------------------------------------------------------------------------


def test_the_defaults_are_seeded_once_and_an_edited_page_is_never_overwritten(db, superuser):
    added = guidance_defaults_ensure()

    slugs = [document.slug for document in added]
    assert slugs == [
        "theo-doi-suc-khoe-tai-nha",
        "dau-hieu-nguy-hiem",
        "khi-nao-goi-115",
        "dinh-duong-va-sinh-hoat",
        "ket-thuc-cach-ly",
    ]
    stored = GuidanceDocument.objects.filter(province__isnull=True, is_published=True)
    assert set(stored.values_list("slug", flat=True)) == set(slugs)
    assert guidance_defaults_ensure() == []
    assert GuidanceDocument.objects.count() == len(DEFAULT_PAGES)

    edited = GuidanceDocument.objects.get(slug="ket-thuc-cach-ly")
    edited.body = "Nội dung do quản trị sửa."
    guidance_document_save(document=edited, by=superuser)
    GuidanceDocument.objects.filter(slug="khi-nao-goi-115").delete()

    again = guidance_defaults_ensure()

    assert [document.slug for document in again] == ["khi-nao-goi-115"]
    edited.refresh_from_db()
    assert edited.body == "Nội dung do quản trị sửa."
    assert edited.updated_by == superuser


def test_the_post_migrate_receiver_seeds_with_the_migration_states_model(db):
    state = MigrationLoader(connection).project_state()

    guidance_defaults_on_migrate(sender=None, using="default", apps=state.apps)

    assert GuidanceDocument.objects.filter(province__isnull=True).count() == len(DEFAULT_PAGES)


def test_the_post_migrate_receiver_does_nothing_before_the_model_exists(db):
    class NoModels:
        def get_model(self, app_label, model_name):
            raise LookupError(model_name)

    guidance_defaults_on_migrate(sender=None, using="default", apps=NoModels())

    assert not GuidanceDocument.objects.exists()


def test_the_default_pages_say_when_to_report_and_when_to_call(db):
    bodies = {default.slug: default.body for default in DEFAULT_PAGES}

    assert "trước 10 giờ sáng" in bodies["theo-doi-suc-khoe-tai-nha"]
    assert "SpO2 dưới 96%" in bodies["dau-hieu-nguy-hiem"]
    assert "Gọi cấp cứu 115 ngay khi" in bodies["khi-nao-goi-115"]
    assert "đủ 7 ngày" in bodies["ket-thuc-cach-ly"]
    assert "Khai báo hoàn thành cách ly" in bodies["ket-thuc-cach-ly"]


# -- the markup -------------------------------------------------------------------------------


def test_the_markup_makes_paragraphs_bullets_and_subheadings_and_escapes_the_rest():
    text = (
        "## Khi nào <b>gọi</b>\n"
        "Đoạn một <script>alert(1)</script>\n"
        "tiếp đoạn một.\n"
        "\n"
        "- SpO2 < 96% & khó thở\n"
        "  đo lại vẫn thấp\n"
        '- <a href="javascript:x">bấm</a>\n'
        "Đoạn hai."
    )

    html = guidance_html(text)

    assert html == (
        "<h2>Khi nào &lt;b&gt;gọi&lt;/b&gt;</h2>\n"
        "<p>Đoạn một &lt;script&gt;alert(1)&lt;/script&gt; tiếp đoạn một.</p>\n"
        "<ul>\n"
        "<li>SpO2 &lt; 96% &amp; khó thở đo lại vẫn thấp</li>\n"
        "<li>&lt;a href=&quot;javascript:x&quot;&gt;bấm&lt;/a&gt;</li>\n"
        "</ul>\n"
        "<p>Đoạn hai.</p>"
    )


def test_a_page_with_a_script_shows_it_as_text(client, db):
    page(title="<script>alert(1)</script>", body="<script>alert(2)</script>")

    response = client.get(reverse("declarations:homecare-guidance", kwargs={"slug": SLUG}))

    content = response.content.decode()
    assert response.status_code == 200
    assert "<script>alert(" not in content
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in content


# -- which page a reader gets -------------------------------------------------------------------


def test_a_province_page_replaces_the_portal_page_for_that_provinces_citizens_only(
    client, citizen, other_citizen, province
):
    page(title="Dấu hiệu nguy hiểm (chung)")
    page(province=province, title="Dấu hiệu nguy hiểm (TP.HCM)")
    url = reverse("declarations:homecare-guidance", kwargs={"slug": SLUG})
    list_url = reverse("declarations:homecare-guidance-list")

    client.force_login(citizen)
    own = client.get(url).content.decode()
    own_list = client.get(list_url).content.decode()
    client.force_login(other_citizen)
    other = client.get(url).content.decode()
    client.logout()
    anonymous = client.get(url).content.decode()

    assert "(TP.HCM)" in own and "(chung)" not in own
    assert "(TP.HCM)" in own_list and "(chung)" not in own_list
    assert "(chung)" in other and "(TP.HCM)" not in other
    assert "(chung)" in anonymous and "(TP.HCM)" not in anonymous


def test_unpublished_pages_are_404_and_an_unpublished_province_page_leaves_the_portals(
    client, citizen, province
):
    page(slug="bi-an", published=False)
    page(title="Dấu hiệu nguy hiểm (chung)")
    page(province=province, title="Bản nháp TP.HCM", published=False)
    client.force_login(citizen)

    hidden = client.get(reverse("declarations:homecare-guidance", kwargs={"slug": "bi-an"}))
    shown = client.get(reverse("declarations:homecare-guidance", kwargs={"slug": SLUG}))

    assert hidden.status_code == 404
    assert "(chung)" in shown.content.decode()
    assert "Bản nháp TP.HCM" not in shown.content.decode()
    assert (
        "Bản nháp"
        not in client.get(reverse("declarations:homecare-guidance-list")).content.decode()
    )


def _list_queries(client) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("declarations:homecare-guidance-list"))
    assert response.status_code == 200
    return len(captured)


def test_the_list_runs_the_same_queries_however_many_pages_there_are(client, citizen, province):
    client.force_login(citizen)
    _list_queries(client)  # the first request after the login also saves the session
    for number in range(3):
        page(slug=f"trang-{number}", province=province if number % 2 else None)
    few = _list_queries(client)
    for number in range(3, 9):
        page(slug=f"trang-{number}", province=province if number % 2 else None)

    assert _list_queries(client) == few


# -- the admin ----------------------------------------------------------------------------------


def test_a_province_admin_cannot_open_another_provinces_page(
    client, province_admin, other_province
):
    hanoi = page(province=other_province, title="Hướng dẫn Hà Nội")
    client.force_login(province_admin)

    opened = client.get(admin_change_url(hanoi))
    posted = client.post(admin_change_url(hanoi), change_data(hanoi, title="Đã sửa"))
    listed = client.get(reverse("admin:declarations_guidancedocument_changelist"))

    assert opened.status_code == 404
    assert posted.status_code == 404
    assert hanoi.pk not in {obj.pk for obj in listed.context["cl"].result_list}
    hanoi.refresh_from_db()
    assert hanoi.title == "Hướng dẫn Hà Nội"


def test_a_province_admin_reads_a_portal_page_but_cannot_change_it(client, province_admin):
    portal = page(title="Tài liệu chung")
    client.force_login(province_admin)

    opened = client.get(admin_change_url(portal))
    posted = client.post(admin_change_url(portal), change_data(portal, title="Đã sửa"))

    assert opened.status_code == 200
    assert opened.context["has_change_permission"] is False
    assert posted.status_code == 403
    portal.refresh_from_db()
    assert portal.title == "Tài liệu chung"


def test_a_province_admin_changes_their_provinces_page_and_the_change_is_audited(
    client, province_admin, province
):
    own = page(province=province, title="Hướng dẫn TP.HCM")
    client.force_login(province_admin)

    response = client.post(admin_change_url(own), change_data(own, title="Hướng dẫn mới"))

    assert response.status_code == 302
    own.refresh_from_db()
    assert (own.title, own.updated_by) == ("Hướng dẫn mới", province_admin)
    event = AuditEvent.objects.get(action=AuditAction.CHANGE, object_id=str(own.pk))
    assert (event.actor, event.area) == (province_admin, province)


def test_a_superuser_changes_a_portal_page(client, superuser):
    portal = page(title="Tài liệu chung")
    client.force_login(superuser)

    response = client.post(admin_change_url(portal), change_data(portal, title="Bản mới"))

    assert response.status_code == 302
    portal.refresh_from_db()
    assert (portal.title, portal.updated_by) == ("Bản mới", superuser)


def test_a_province_admin_adds_pages_only_for_their_own_province(
    client, province_admin, province, other_province
):
    client.force_login(province_admin)
    url = reverse("admin:declarations_guidancedocument_add")
    data = {"slug": "rieng", "title": "Trang riêng", "body": "Nội dung.", "order": "5"}

    form = client.get(url).context["adminform"].form
    refused = client.post(url, {**data, "province": str(other_province.pk)})
    accepted = client.post(url, {**data, "province": str(province.pk)})

    assert list(form.fields["province"].queryset) == [province]
    assert refused.status_code == 200  # the form again, with the choice refused
    assert accepted.status_code == 302
    assert GuidanceDocument.objects.get(slug="rieng").province == province
    assert not GuidanceDocument.objects.filter(province=other_province).exists()


def test_a_province_admin_copies_a_portal_page_to_adapt_it(client, province_admin, province):
    portal = page(title="Tài liệu chung", summary="Tóm tắt", order=20)
    client.force_login(province_admin)
    changelist = reverse("admin:declarations_guidancedocument_changelist")
    action = {"action": "copy_to_province", "index": "0", ACTION_CHECKBOX_NAME: [portal.pk]}

    first = client.post(changelist, action, follow=True)
    second = client.post(changelist, action, follow=True)

    copy = GuidanceDocument.objects.get(province=province)
    assert (copy.slug, copy.title, copy.body, copy.order) == (
        SLUG,
        "Tài liệu chung",
        portal.body,
        20,
    )
    assert copy.is_published is False
    assert copy.updated_by == province_admin
    assert "Đã chép 1 tài liệu sang Thành phố Hồ Chí Minh" in first.content.decode()
    assert "đã có tài liệu" in second.content.decode()
    assert GuidanceDocument.objects.filter(province=province).count() == 1
    event = AuditEvent.objects.get(action=AuditAction.CREATE, object_id=str(copy.pk))
    assert event.detail == {"copied_from": portal.pk}


def _offered_actions(client) -> set[str]:
    response = client.get(reverse("admin:declarations_guidancedocument_changelist"))
    return {name for name, _label in response.context["action_form"].fields["action"].choices}


def test_the_copy_action_is_offered_to_a_province_admin_and_not_to_a_superuser(
    client, superuser, province_admin
):
    page(title="Tài liệu chung")

    client.force_login(province_admin)
    province_actions = _offered_actions(client)
    client.force_login(superuser)
    superuser_actions = _offered_actions(client)

    assert {"copy_to_province", "export_csv"} <= province_actions
    assert "copy_to_province" not in superuser_actions
    assert "export_csv" in superuser_actions
