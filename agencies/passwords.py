"""Password rules beyond Django's own validators (issue 28: volunteer self sign-up and the admin accepted `password`
and `12345678`). settings.AUTH_PASSWORD_VALIDATORS adds Django's CommonPasswordValidator (its list of 20,000
common passwords) and NumericPasswordValidator to the length and similarity checks, and this one: a staff account —
every role but a volunteer, whose phone keyboard and self sign-up keep Django's 8 — needs at least 10 characters.

The demo loader hashes DEMO_PASSWORD with make_password, which (like set_password) runs no validator: the
`demo112` demo logins keep working on a development machine, and production refuses that password
(dispatch/settings/production.py).
"""
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext


class StaffMinimumLengthValidator:
    def __init__(self, staff_min_length: int = 10):
        self.staff_min_length = staff_min_length

    @staticmethod
    def _is_volunteer(user) -> bool:
        from agencies.models import User  # noqa: PLC0415 — validators are loaded by settings, before the app registry

        return user is not None and getattr(user, "role", None) == User.Role.VOLUNTEER

    def validate(self, password, user=None):
        # no user (a bare form): held to the staff length, the stricter rule
        if self._is_volunteer(user) or len(password) >= self.staff_min_length:
            return
        raise ValidationError(
            ngettext(
                "Kata sandi petugas harus paling sedikit %(min_length)d karakter.",
                "Kata sandi petugas harus paling sedikit %(min_length)d karakter.",
                self.staff_min_length,
            ),
            code="password_too_short",
            params={"min_length": self.staff_min_length},
        )

    def get_help_text(self):
        return _("Akun petugas (selain relawan): paling sedikit %(min_length)d karakter.") % {"min_length": self.staff_min_length}
