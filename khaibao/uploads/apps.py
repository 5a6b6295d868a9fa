from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class UploadsConfig(AppConfig):
    name = "khaibao.uploads"
    label = "uploads"
    verbose_name = _("Ảnh tải lên")
