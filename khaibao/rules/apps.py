from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _seed_defaults(sender, **kwargs):
    from .defaults import rule_defaults_ensure
    from .kinds import all_kinds

    for kind in all_kinds():
        rule_defaults_ensure(kind=kind.slug, using=kwargs.get("using", "default"))


class RulesConfig(AppConfig):
    name = "khaibao.rules"
    label = "rules"
    verbose_name = _("Quy định")

    def ready(self):
        # Every registered kind's defaults become national version 1 after migrate (and
        # after a test flush), so a request never has to seed them inside its own
        # transaction; rules_in_force() still seeds a kind it finds without a version.
        post_migrate.connect(_seed_defaults, sender=self, dispatch_uid="khaibao.rules.seed")
