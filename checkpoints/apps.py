from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CheckpointsConfig(AppConfig):
    name = "checkpoints"
    verbose_name = _("Khai báo y tế, chốt kiểm soát")

    def ready(self):
        from khaibao.accounts.roles import Role, crud
        from khaibao.lib import registry
        from khaibao.rules.kinds import register_kind

        from .declaring.rules import DECLARING_KIND, DECLARING_SMS_KIND
        from .officer.rules import OFFICER_KIND
        from .quarantine.tasks import QUARANTINE_POLICY_KIND_WITH_RECOMPUTE
        from .venues.rules import VENUES_KIND, VENUES_SMS_KIND

        register_kind(DECLARING_KIND)
        register_kind(DECLARING_SMS_KIND)
        register_kind(VENUES_KIND)
        register_kind(VENUES_SMS_KIND)
        register_kind(OFFICER_KIND)
        # A new or withdrawn policy version enqueues the recompute of the declarations.
        register_kind(QUARANTINE_POLICY_KIND_WITH_RECOMPUTE)
        # The destination ward's station reads its arrivals and marks each one followed
        # up ("change"); checkpoint and ward staff type in paper declarations ("add").
        # The province reads every arrival and sets the policies (rules.ruleversion).
        registry.grant(
            Role.WARD_STATION,
            *crud("checkpoints.entrydeclaration", "view", "add", "change"),
            *crud("checkpoints.healthdeclaration", "view", "add"),
            # The ward's venues: approve or reject a registration ("change").
            *crud("checkpoints.venue", "view", "change"),
            # The exposure list of the ward's F0 cases; "add": send the texts.
            *crud("checkpoints.exposurenotice", "view", "add"),
        )
        registry.grant(
            Role.CHECKPOINT,
            *crud("checkpoints.entrydeclaration", "add"),
            *crud("checkpoints.healthdeclaration", "add"),
        )
        registry.grant(
            Role.PROVINCE_ADMIN,
            *crud("checkpoints.entrydeclaration", "view"),
            *crud("checkpoints.healthdeclaration", "view"),
            *crud("checkpoints.venue", "view"),
            *crud("checkpoints.exposurenotice", "view", "add"),
        )
        registry.register_service(
            registry.PortalService(
                "health-declarations",
                _("Khai báo y tế, khai báo vào tỉnh, quét mã QR"),
                _(
                    "Khai báo y tế trong tỉnh, khai báo vào tỉnh đến thôn / tổ, cho bản thân "
                    "và người thân; xem mã QR và chính sách cách ly áp dụng."
                ),
                url_name="checkpoints:home",
                order=40,
            )
        )
