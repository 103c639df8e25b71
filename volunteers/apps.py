from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VolunteersConfig(AppConfig):
    name = "volunteers"
    verbose_name = _("Relawan")

    def ready(self):
        # The automatic call-out on a suspected cardiac arrest (issue 30): incidents runs its recognition hooks after
        # commit and never imports volunteers (docs/architecture.md, "Import directions").
        from incidents.cardiac import on_recognised
        from volunteers.cardiac import on_arrest_recognised

        on_recognised(on_arrest_recognised)
