import pytest
from django.contrib import messages
from django.contrib.auth.models import AnonymousUser
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.backends.signed_cookies import SessionStore
from django.template.loader import render_to_string
from django.urls import reverse


@pytest.mark.smoke
def test_home_lists_the_five_services_each_with_its_page(client, db):
    response = client.get(reverse("home"))
    assert response.status_code == 200
    text = response.content.decode()
    for title in (
        "Khai báo F0",
        "Chăm sóc F0 tại nhà",
        "Tiêm chủng",
        "Khai báo y tế, khai báo vào tỉnh, quét mã QR",
        "Kết quả xét nghiệm",
    ):
        assert title in text
    # Every service has its pages now: none is marked as not built yet.
    assert text.count("Chưa triển khai") == 0


@pytest.mark.smoke
def test_home_links_the_f0_service_to_its_start_page(client, db):
    text = client.get(reverse("home")).content.decode()
    f0_card = text[
        text.index('id="service-f0"') : text.index("</article>", text.index('id="service-f0"'))
    ]
    assert (
        f'<a class="stretched-link" href="{reverse("declarations:start")}">Khai báo F0</a>'
        in f0_card
    )
    assert "Chưa triển khai" not in f0_card


@pytest.mark.smoke
def test_home_links_home_care_to_its_page(client, db):
    text = client.get(reverse("home")).content.decode()
    start = text.index('id="service-home-care"')
    card = text[start : text.index("</article>", start)]
    assert f'href="{reverse("declarations:homecare-home")}">Chăm sóc F0 tại nhà</a>' in card
    assert "Chưa triển khai" not in card


@pytest.mark.smoke
def test_home_links_vaccination_to_its_page(client, db):
    text = client.get(reverse("home")).content.decode()
    start = text.index('id="service-vaccination"')
    card = text[start : text.index("</article>", start)]
    assert f'href="{reverse("vaccination:home")}">Tiêm chủng</a>' in card
    assert "Chưa triển khai" not in card


@pytest.mark.smoke
def test_home_shows_the_hotline_and_the_staff_sign_in(client, db, settings):
    settings.KHAIBAO_HOTLINE = "1900 9095"
    text = client.get(reverse("home")).content.decode()
    # Tapping the number on a phone calls it: the tel: link has no spaces.
    assert '<a class="kb-hotline" href="tel:19009095">' in text
    assert '<span class="kb-hotline-number">1900 9095</span>' in text
    assert f'href="{reverse("admin:index")}">Cán bộ y tế đăng nhập</a>' in text


@pytest.mark.smoke
def test_language_switcher_is_a_plain_post_form_back_to_this_page(client, db):
    text = client.get(reverse("home")).content.decode()
    assert f'action="{reverse("set_language")}" method="post"' in text
    assert 'name="csrfmiddlewaretoken"' in text
    assert '<input type="hidden" name="next" value="/">' in text
    assert 'name="language" value="vi"' in text
    assert 'name="language" value="en"' in text
    assert ">Tiếng Việt</button>" in text
    assert ">English</button>" in text


@pytest.mark.smoke
def test_pages_use_the_purged_bootstrap_from_static_and_none_of_its_javascript(client, db):
    text = client.get(reverse("home")).content.decode()
    assert 'href="/static/vendor/bootstrap/bootstrap.purged.min.css"' in text
    # Neither the whole CSS nor the JS bundle: no page uses a Bootstrap script.
    assert "bootstrap.min.css" not in text
    assert "bootstrap.bundle" not in text
    assert "cdn" not in text.lower()


@pytest.mark.smoke
def test_messages_after_a_redirect_are_shown_and_errors_are_announced(rf, db):
    request = rf.get("/")
    request.session, request.user = SessionStore(), AnonymousUser()
    request._messages = FallbackStorage(request)
    messages.success(request, "Đã gửi khai báo.")
    messages.error(request, "Ảnh quá lớn.")
    text = render_to_string("core/home.html", {"services": []}, request=request)
    assert '<div class="alert alert-success" role="status">Đã gửi khai báo.</div>' in text
    assert '<div class="alert alert-danger" role="alert">Ảnh quá lớn.</div>' in text


@pytest.mark.smoke
def test_home_links_test_results_to_the_citizens_results(client, db):
    text = client.get(reverse("home")).content.decode()
    start = text.index('id="service-test-results"')
    card = text[start : text.index("</article>", start)]
    assert f'href="{reverse("declarations:labresults-home")}">Kết quả xét nghiệm</a>' in card
    assert "Chưa triển khai" not in card
