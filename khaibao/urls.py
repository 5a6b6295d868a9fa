from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from khaibao.core import views as core_views

admin.site.site_header = _("KhaiBao — quản trị")
admin.site.site_title = _("KhaiBao")
admin.site.index_title = _("Bảng điều khiển cán bộ")

# The portal's own Vietnamese error pages, in the site's layout (DEBUG off).
handler400 = "khaibao.core.views.bad_request"
handler403 = "khaibao.core.views.permission_denied"
handler404 = "khaibao.core.views.page_not_found"
handler500 = "khaibao.core.views.server_error"

urlpatterns = [
    path("", core_views.home, name="home"),
    path("healthz", core_views.healthz, name="healthz"),
    path("loi/qua-lon/", core_views.request_too_large, name="request-too-large"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("", include("khaibao.notify.urls")),
    path("", include("khaibao.accounts.urls")),
    path("", include("khaibao.people.urls")),
    path("", include("khaibao.areas.urls")),
    path("captcha/", include("captcha.urls")),
    path("", include("declarations.urls")),
    path("tiem-chung/", include("vaccination.urls")),
    path("", include("checkpoints.urls")),
    path("", include("khaibao.trust.urls")),
    path("", include("khaibao.uploads.urls")),
]
