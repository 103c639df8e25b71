from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AgenciesConfig(AppConfig):
    name = "agencies"
    verbose_name = _("Wilayah, pusat panggilan dan instansi")

    def ready(self):
        from agencies import checks  # noqa: F401  (registers the deploy check of the database role)
        from agencies import lockout  # noqa: F401  (registers the per-username login throttle's signal receivers)
        from django.db.models.signals import post_save

        from agencies.models import User
        from agencies.tokens import revoke_on_deactivation

        # issue 28: deactivating a user revokes their API token (reactivation must not revive it)
        post_save.connect(revoke_on_deactivation, sender=User, dispatch_uid="revoke-token-on-deactivation")
