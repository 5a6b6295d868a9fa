"""The portal's own 400 / 403 / 404 / 500 pages, as production (DEBUG off) shows them:
Vietnamese, in the site's layout, with the hotline and a way on (issue 17)."""

import pytest
from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.urls import include, path, reverse

from khaibao import urls as site_urls


def _raise(exception):
    def view(request):
        raise exception

    return view


# This module is the URLconf of its tests: the site's URLs and handlers, plus views that fail.
urlpatterns = [
    path("hong/400/", _raise(SuspiciousOperation("bad input"))),
    path("hong/403/", _raise(PermissionDenied)),
    path("hong/500/", _raise(RuntimeError("boom"))),
    path("", include(site_urls.urlpatterns)),
]
handler400 = getattr(site_urls, "handler400", "django.views.defaults.bad_request")
handler403 = getattr(site_urls, "handler403", "django.views.defaults.permission_denied")
handler404 = getattr(site_urls, "handler404", "django.views.defaults.page_not_found")
handler500 = getattr(site_urls, "handler500", "django.views.defaults.server_error")


@pytest.fixture(autouse=True)
def production(settings):
    settings.DEBUG = False
    settings.ROOT_URLCONF = __name__
    settings.KHAIBAO_HOTLINE = "1022"


@pytest.fixture
def browser_client(client):
    client.raise_request_exception = False
    return client


def assert_portal_page(response, status: int, heading: str) -> str:
    assert response.status_code == status
    page = response.content.decode()
    assert '<html lang="vi">' in page
    assert 'class="kb-header"' in page and 'class="kb-footer' in page  # the site's layout
    assert f'<h1 class="h3">{heading}</h1>' in page
    assert 'href="tel:1022"' in page and "Gọi tổng đài 1022" in page
    assert f'href="{reverse("home")}"' in page
    for english in ("Not Found", "Server Error", "Bad Request", "Forbidden"):
        assert english not in page
    return page


def test_an_unknown_address_shows_the_portals_404(browser_client, db):
    response = browser_client.get("/khong-co-trang-nay/")

    page = assert_portal_page(response, 404, "Không tìm thấy trang")
    assert "Kiểm tra lại địa chỉ" in page


def test_a_404_under_f0_leads_to_the_declaration_lookup(browser_client, citizen):
    # An old SMS link to /f0/<id>/ opened on a phone whose account does not manage
    # the person: the page says how to find the declaration.
    browser_client.force_login(citizen)

    response = browser_client.get("/f0/999999/")

    page = assert_portal_page(response, 404, "Không tìm thấy trang")
    assert f'href="{reverse("declarations:completion-find")}"' in page


def test_a_server_error_shows_the_portals_500(browser_client, db):
    response = browser_client.get("/hong/500/")

    page = assert_portal_page(response, 500, "Hệ thống đang gặp sự cố")
    assert "Những gì bạn đã gửi" in page


def broken_context(request):
    raise RuntimeError("the database is down")


def test_the_500_page_still_renders_when_the_request_context_cannot(browser_client, settings):
    # The handler runs when something is broken already (the database, say): a page that
    # needs the session or the user must not turn into a bare error.
    template = settings.TEMPLATES[0]
    processors = [*template["OPTIONS"]["context_processors"], f"{__name__}.broken_context"]
    settings.TEMPLATES = [
        {**template, "OPTIONS": {**template["OPTIONS"], "context_processors": processors}}
    ]

    response = browser_client.get("/hong/500/")

    assert response.status_code == 500
    page = response.content.decode()
    assert '<h1 class="h3">Hệ thống đang gặp sự cố</h1>' in page
    assert 'href="tel:1022"' in page


def test_a_refused_page_shows_the_portals_403(browser_client, db):
    response = browser_client.get("/hong/403/")

    page = assert_portal_page(response, 403, "Bạn không có quyền xem trang này")
    assert f'href="{reverse("accounts:login")}"' in page


def test_a_malformed_request_shows_the_portals_400(browser_client, db):
    response = browser_client.get("/hong/400/")

    assert_portal_page(response, 400, "Yêu cầu không hợp lệ")


def test_an_unknown_host_gets_the_400_page_too(browser_client, db, settings):
    settings.ALLOWED_HOSTS = ["khaibao.example.gov.vn"]

    response = browser_client.get("/", HTTP_HOST="evil.example")

    assert_portal_page(response, 400, "Yêu cầu không hợp lệ")


def test_error_pages_are_english_for_an_english_reader(browser_client, db, settings):
    browser_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    response = browser_client.get("/khong-co-trang-nay/")

    assert response.status_code == 404
    assert '<html lang="en">' in response.content.decode()
