from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class DeclarationsConfig(AppConfig):
    name = "declarations"
    verbose_name = _("Khai báo F0, chăm sóc tại nhà, xét nghiệm")

    def ready(self):
        from khaibao.lib import registry
        from khaibao.rules.kinds import register_kind

        from .f0.rules import F0_SMS_KIND, F0_TIMING_KIND
        from .homecare.guidance_defaults import guidance_defaults_on_migrate
        from .homecare.rules import HOMECARE_KIND, HOMECARE_SMS_KIND
        from .kinds import PERMISSIONS, PHOTO_KINDS, SERVICES
        from .labresults.rules import LABRESULTS_KIND, LABRESULTS_SMS_KIND

        register_kind(F0_TIMING_KIND)
        register_kind(F0_SMS_KIND)
        register_kind(HOMECARE_KIND)
        register_kind(HOMECARE_SMS_KIND)
        register_kind(LABRESULTS_KIND)
        register_kind(LABRESULTS_SMS_KIND)
        for role, permissions in PERMISSIONS.items():
            registry.grant(role, *permissions)
        for service in SERVICES:
            registry.register_service(service)
        for value, label in PHOTO_KINDS:
            registry.register_photo_kind(value, label)
        # The portal's own guidance pages for a fresh database (and after a test flush).
        post_migrate.connect(
            guidance_defaults_on_migrate, sender=self, dispatch_uid="declarations.homecare.guidance"
        )
        registry.register_not_found_help("declarations:start", "declarations/_not_found_help.html")
