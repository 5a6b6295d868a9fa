from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DeclarationsConfig(AppConfig):
    name = "declarations"
    verbose_name = _("Khai báo F0, chăm sóc tại nhà, xét nghiệm")
