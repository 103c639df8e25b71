from django.apps import AppConfig
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.utils.translation import gettext_lazy as _


class IncidentsConfig(AppConfig):
    name = "incidents"
    verbose_name = _("Panggilan dan kejadian")

    def ready(self):
        # Here, not at the top: refdata imports the models, which the app registry loads after this module.
        from incidents import refdata

        # Cache invalidation only (no business rule): the reference data the intake path keeps per process.
        for model in refdata.SIGNALLED_MODELS:
            post_save.connect(refdata.refdata_changed, sender=model, dispatch_uid=f"refdata-save-{model._meta.label}")
            post_delete.connect(refdata.refdata_changed, sender=model, dispatch_uid=f"refdata-delete-{model._meta.label}")
        for through in refdata.SIGNALLED_M2M:
            m2m_changed.connect(refdata.refdata_changed, sender=through, dispatch_uid=f"refdata-m2m-{through._meta.label}")

        # A deactivated account's live sockets close at once in every process (issue 28), after the commit.
        from agencies.models import User
        from incidents.live.revoke import user_saved

        post_save.connect(user_saved, sender=User, dispatch_uid="live-revoke-deactivated-user")
