"""Reads of volunteer communities and call-outs.

The incidents app reaches volunteer data only through this module (docs/architecture.md, "Import directions"):
which incidents a community was called out to (scoping) and which communities follow an incident (the audience
of its events). Both use the model's named status sets, never literals.
"""
from volunteers.models import CallOut


def incident_ids_called_out_to(community_ids):
    """The ids of incidents any of these communities was called out to (any status), as a subquery."""
    return CallOut.objects.filter(community_id__in=list(community_ids)).values("incident_id")


def communities_following_incident_sql(incident_placeholder: str) -> str:
    """An SQL `ARRAY(...)` of the communities whose call-out on the incident still follows it
    (CallOut.FOLLOWING_STATUSES). Returned as SQL, not run here, so the incident's event audience stays one
    round trip on the hot path (incidents.timeline). The statuses are code constants, not input."""
    statuses = ", ".join(f"'{status}'" for status in sorted(CallOut.FOLLOWING_STATUSES))
    return (
        f"ARRAY(SELECT DISTINCT c.community_id FROM {CallOut._meta.db_table} c "
        f"WHERE c.incident_id = {incident_placeholder} AND c.status IN ({statuses}))"
    )
