"""Reads of volunteer communities, members and call-outs, always through the acting user's scope.

The incidents app reaches volunteer data only through this module (docs/architecture.md, "Import directions"):
which incidents a community was called out to (scoping) and which communities follow an incident (the audience
of its events). Both use the model's named status sets, never literals. The supervisor board reads
`callouts_waiting`.
"""
from django.db.models import Count, Q

from volunteers.models import CallOut, CallOutResponse


def incident_ids_called_out_to(community_ids):
    """The ids of incidents any of these communities was called out to (any status), as a subquery: a member of
    the community was alerted, or the whole community was asked."""
    ids = list(community_ids)
    return (
        CallOut.objects.filter(Q(community_id__in=ids) | Q(pk__in=CallOutResponse.objects.filter(community_id__in=ids).values("callout_id")))
        .values("incident_id")
    )


def communities_following_incident_sql(incident_placeholder: str) -> str:
    """An SQL `ARRAY(...)` of the communities whose call-out on the incident still follows it
    (CallOut.FOLLOWING_STATUSES): the communities of every member alerted, and a community asked as a whole.
    Returned as SQL, not run here, so the incident's event audience stays one round trip on the hot path
    (incidents.timeline). The statuses are code constants, not input."""
    statuses = ", ".join(f"'{status}'" for status in sorted(CallOut.FOLLOWING_STATUSES))
    callouts = CallOut._meta.db_table
    responses = CallOutResponse._meta.db_table
    return (
        f"ARRAY(SELECT r.community_id FROM {responses} r JOIN {callouts} c ON c.id = r.callout_id "
        f"WHERE r.incident_id = {incident_placeholder} AND c.status IN ({statuses}) "
        f"UNION SELECT c.community_id FROM {callouts} c "
        f"WHERE c.incident_id = {incident_placeholder} AND c.community_id IS NOT NULL AND c.status IN ({statuses}))"
    )


def callout_counts():
    """Annotations every call-out list carries: accepted (counted toward N), declined, pending, recipients."""
    counted = sorted(CallOutResponse.COUNTED_STATUSES)
    return {
        "n_accepted": Count("responses", filter=Q(responses__status__in=counted)),
        "n_declined": Count("responses", filter=Q(responses__status=CallOutResponse.Status.DECLINED)),
        "n_pending": Count("responses", filter=Q(responses__status=CallOutResponse.Status.PENDING)),
        "n_recipients": Count("responses"),
    }


def callouts_waiting(*, centre_ids) -> list[dict]:
    """Open call-outs of these centres still short of volunteers (the supervisor board), oldest deadline first:
    `id`, `incident`, `reference`, `community` (name or null), `needed`, `accepted`, `declined`, `pending`,
    `sent_at`, `ack_deadline`, plus `status` and `expired` (the deadline passed: supervisors were alerted)."""
    rows = (
        CallOut.objects.filter(incident__command_centre_id__in=list(centre_ids), status__in=sorted(CallOut.ACCEPTING_STATUSES))
        .annotate(**callout_counts())
        .values("id", "incident_id", "incident__reference", "community__name", "needed", "status", "sent_at", "ack_deadline",
                "expired_at", "n_accepted", "n_declined", "n_pending")
        .order_by("sent_at", "id")
    )
    return [
        {
            "id": r["id"],
            "incident": r["incident_id"],
            "reference": r["incident__reference"],
            "community": r["community__name"],
            "needed": r["needed"],
            "accepted": r["n_accepted"],
            "declined": r["n_declined"],
            "pending": r["n_pending"],
            "sent_at": r["sent_at"],
            "ack_deadline": r["ack_deadline"],
            "status": r["status"],
            "expired": r["status"] == CallOut.Status.EXPIRED,
        }
        for r in rows
        if r["n_accepted"] < r["needed"]
    ]
