"""Writes to volunteer communities, members and call-outs: one module per workflow.

Every state change of a call-out takes the incident row lock, then the call-out's, and writes a timeline event
(incidents.timeline.record_event, kinds in incidents.events) like the incident workflows.
"""
from volunteers.services.callouts import (
    callout_accept,
    callout_cancel,
    callout_create,
    callout_decline,
    callout_expire,
    callout_report_status,
    callout_withdraw,
    callouts_end_with_incident,
)
from volunteers.services.registry import (
    community_approve,
    invite_lookup,
    invite_redeem,
    member_invite_create,
    member_leave,
    member_set_availability,
    member_set_position,
    member_suspend,
)
from volunteers.services.sms import sms_reply_receive

__all__ = [
    "callout_accept", "callout_cancel", "callout_create", "callout_decline", "callout_expire", "callout_report_status",
    "callout_withdraw", "callouts_end_with_incident", "community_approve", "invite_lookup", "invite_redeem", "member_invite_create", "member_leave",
    "member_set_availability", "member_set_position", "member_suspend", "sms_reply_receive",
]
