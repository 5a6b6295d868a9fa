from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VaccinationConfig(AppConfig):
    name = "vaccination"
    verbose_name = _("Tiêm chủng")

    def ready(self):
        from khaibao.lib import registry

        registry.register_service(
            registry.PortalService(
                "vaccination",
                _("Tiêm chủng"),
                _("Xem mũi tiêm, chứng nhận tiêm chủng có mã QR và gửi phản ánh khi thiếu mũi."),
                order=30,
            )
        )
        registry.register_photo_kind("vaccination_certificate", _("Giấy chứng nhận tiêm chủng"))
