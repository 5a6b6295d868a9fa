from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DeclarationsConfig(AppConfig):
    name = "declarations"
    verbose_name = _("Khai báo F0, chăm sóc tại nhà, xét nghiệm")

    def ready(self):
        from khaibao.rules.kinds import register_kind

        from .homecare.rules import HOMECARE_KIND
        from .rules import F0_SMS_KIND, F0_TIMING_KIND

        register_kind(F0_TIMING_KIND)
        register_kind(F0_SMS_KIND)
        register_kind(HOMECARE_KIND)
