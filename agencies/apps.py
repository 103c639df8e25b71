from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AgenciesConfig(AppConfig):
    name = "agencies"
    verbose_name = _("Wilayah, pusat panggilan dan instansi")

    def ready(self):
        from agencies import checks  # noqa: F401  (registers the deploy check of the database role)
        from agencies import lockout  # noqa: F401  (registers the per-username login throttle's signal receivers)
