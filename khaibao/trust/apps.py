from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TrustConfig(AppConfig):
    name = "khaibao.trust"
    label = "trust"
    verbose_name = _("Mã QR có chữ ký")

    def ready(self):
        from . import checks  # noqa: F401  (registers the system checks)
