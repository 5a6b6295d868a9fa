from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CheckpointsConfig(AppConfig):
    name = "checkpoints"
    verbose_name = _("Khai báo y tế, chốt kiểm soát")
