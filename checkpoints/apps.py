from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CheckpointsConfig(AppConfig):
    name = "checkpoints"
    verbose_name = _("Khai báo y tế, chốt kiểm soát")

    def ready(self):
        from khaibao.lib import registry

        registry.register_service(
            registry.PortalService(
                "health-declarations",
                _("Khai báo y tế, khai báo vào tỉnh, quét mã QR"),
                _(
                    "Khai báo y tế, khai báo đi lại đến thôn / tổ, check-in địa điểm và mã QR cá nhân."
                ),
                order=40,
            )
        )
