from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RulesConfig(AppConfig):
    name = "khaibao.rules"
    label = "rules"
    verbose_name = _("Quy định")
