"""What an acting user may see. Every selector and consumer starts from `scope_for(user)`.

A call-taker, centre supervisor or centre official sees their centre; a provincial supervisor or
official sees every centre of the province; a dispatcher sees their agency's work; a volunteer their
community's call-outs; a crew its own unit and the incident that unit is on now; an admin sees everything.
"""
from dataclasses import dataclass, field

from dispatch.errors import PermissionDenied
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Scope:
    is_global: bool = False
    centre_ids: frozenset = field(default_factory=frozenset)
    agency_ids: frozenset = field(default_factory=frozenset)
    community_ids: frozenset = field(default_factory=frozenset)
    # A crew's unit: not its agency (a crew never sees the agency's other offers, incidents or units).
    unit_ids: frozenset = field(default_factory=frozenset)

    @property
    def is_empty(self):
        return not (self.is_global or self.centre_ids or self.agency_ids or self.community_ids or self.unit_ids)

    def group_names(self):
        """Channels groups a console of this scope listens to."""
        if self.is_global:
            return ["all"]
        return (
            [f"centre.{i}" for i in sorted(self.centre_ids)]
            + [f"agency.{i}" for i in sorted(self.agency_ids)]
            + [f"community.{i}" for i in sorted(self.community_ids)]
            + [f"unit.{i}" for i in sorted(self.unit_ids)]
        )


def scope_for(user) -> Scope:
    from agencies.models import CommandCentre, User

    if user is None or not user.is_authenticated or not user.is_active:
        return Scope()
    if user.is_superuser or user.role == User.Role.ADMIN:
        return Scope(is_global=True)
    if user.role in (User.Role.SUPERVISOR, User.Role.OFFICIAL) and user.province_id:
        ids = CommandCentre.objects.filter(province_id=user.province_id).values_list("id", flat=True)
        return Scope(centre_ids=frozenset(ids))
    if user.role in (User.Role.CALL_TAKER, User.Role.SUPERVISOR, User.Role.OFFICIAL) and user.command_centre_id:
        return Scope(centre_ids=frozenset({user.command_centre_id}))
    if user.role == User.Role.DISPATCHER and user.agency_id:
        return Scope(agency_ids=frozenset({user.agency_id}))
    if user.role == User.Role.VOLUNTEER and user.community_id:
        return Scope(community_ids=frozenset({user.community_id}))
    if user.role == User.Role.CREW and user.unit_id:
        return Scope(unit_ids=frozenset({user.unit_id}))
    return Scope()


def require_role(user, *roles):
    """Refuse an action to anyone whose role is not listed (admins may always act)."""
    from agencies.models import User

    if user.is_superuser or user.role == User.Role.ADMIN or user.role in roles:
        return
    raise PermissionDenied(_("Peran Anda tidak diizinkan melakukan tindakan ini."))
