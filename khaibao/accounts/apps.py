from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _sync_role_groups(sender, **kwargs):
    from .services import role_groups_sync

    role_groups_sync(using=kwargs.get("using", "default"))


class AccountsConfig(AppConfig):
    name = "khaibao.accounts"
    label = "accounts"
    verbose_name = _("Tài khoản")

    def ready(self):
        from khaibao.rules.kinds import register_kind

        from .rules import LOGIN_KIND

        register_kind(LOGIN_KIND)
        # post_migrate is sent once per installed app, and this handler runs each time
        # (before django.contrib.auth's, which is connected later). By the last app's
        # signal every earlier app's permissions exist, so the groups end up complete;
        # the sync is idempotent, so the earlier partial runs do no harm.
        post_migrate.connect(_sync_role_groups, dispatch_uid="khaibao.accounts.sync_role_groups")
