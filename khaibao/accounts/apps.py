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
        # Runs after every app's permissions exist (django.contrib.auth connects its
        # own post_migrate handler first), so each role's group gets its permissions.
        post_migrate.connect(_sync_role_groups, dispatch_uid="khaibao.accounts.sync_role_groups")
