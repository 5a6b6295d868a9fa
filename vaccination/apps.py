from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VaccinationConfig(AppConfig):
    name = "vaccination"
    verbose_name = _("Tiêm chủng")

    def ready(self):
        from khaibao.accounts.roles import Role, crud
        from khaibao.lib import registry
        from khaibao.rules.kinds import register_kind

        from .rules import VACCINATION_KIND, VACCINATION_SMS_KIND

        register_kind(VACCINATION_KIND)
        register_kind(VACCINATION_SMS_KIND)
        # Unit staff record doses (the form, the CSV upload; "change": a correction of a
        # dose) and decide their unit's requests ("change" on a request). The province
        # reads every unit's records, decides requests escalated to it, and names each
        # ward's default unit.
        registry.grant(
            Role.VACCINATION_UNIT,
            *crud("vaccination.doserecord", "view", "add", "change"),
            *crud("vaccination.doseimport", "view", "add"),
            *crud("vaccination.correctionrequest", "view", "change"),
            *crud("vaccination.vaccinationcertificate", "view"),
        )
        registry.grant(
            Role.PROVINCE_ADMIN,
            *crud("vaccination.doserecord", "view"),
            *crud("vaccination.doseimport", "view"),
            *crud("vaccination.correctionrequest", "view", "change"),
            *crud("vaccination.vaccinationcertificate", "view"),
            *crud("vaccination.warddefaultunit", "view", "add", "change", "delete"),
        )
        registry.register_service(
            registry.PortalService(
                "vaccination",
                _("Tiêm chủng"),
                _("Xem mũi tiêm, chứng nhận tiêm chủng có mã QR và gửi phản ánh khi thiếu mũi."),
                url_name="vaccination:home",
                order=30,
            )
        )
        registry.register_photo_kind("vaccination_certificate", _("Giấy chứng nhận tiêm chủng"))
