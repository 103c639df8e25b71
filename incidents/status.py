"""Incident status is derived, never set by hand: one pure function of assignments and dispatched units."""
from incidents.models import Assignment, Incident

S = Incident.Status
A = Assignment.Status

_UNIT_STAGE = {
    "dispatched": S.DISPATCHED,
    "en_route": S.EN_ROUTE,
    "on_scene": S.ON_SCENE,
    "transporting": S.ON_SCENE,
    "at_hospital": S.ON_SCENE,
}
_RANK = {S.DISPATCHED: 1, S.EN_ROUTE: 2, S.ON_SCENE: 3}


def derive_incident_status(*, assignment_statuses, unit_statuses=(), closed=False, cancelled=False) -> str:
    """The most advanced stage the response has reached.

    - closed/cancelled by the centre are final;
    - a unit in the field sets the stage (on scene > en route > dispatched);
    - else an accepted assignment → accepted; an offered one → routed;
    - every assignment finished and at least one completed → resolved;
    - nothing live and nothing completed (never routed, or all declined/expired) → new: it needs routing.
    """
    if cancelled:
        return S.CANCELLED
    if closed:
        return S.CLOSED
    stages = [_UNIT_STAGE[u] for u in unit_statuses if u in _UNIT_STAGE]
    statuses = set(assignment_statuses)
    if stages and A.ACCEPTED in statuses:
        return max(stages, key=_RANK.__getitem__)
    if A.ACCEPTED in statuses:
        return S.ACCEPTED
    if A.OFFERED in statuses:
        return S.ROUTED
    if A.COMPLETED in statuses:
        return S.RESOLVED
    return S.NEW
