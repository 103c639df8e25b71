"""Every write to calls, incidents, assignments and units goes through these functions (house-style.md).

One module per workflow; helpers several workflows need (locks, actor checks, the transition, input checks)
are public in incidents.services.common.
"""
from incidents.notifications import notification_queue
from incidents.services.alerts import alert_acknowledge, alert_raise_for_centre, incident_alerts_acknowledge
from incidents.services.assignments import (
    assignment_accept,
    assignment_complete,
    assignment_decline,
    assignment_expire,
    assignment_handoff,
)
from incidents.services.callerchat import caller_message_receive, caller_message_send, sms_text_receive
from incidents.services.callerlink import (
    caller_data_purge,
    caller_link_revoke,
    caller_link_send,
    caller_links_expire_due,
    caller_photo_receive,
    caller_position_adopt,
    caller_position_receive,
)
from incidents.services.calls import (
    call_claim,
    call_close,
    call_end,
    call_link_duplicate,
    call_register_ringing,
    call_reopen,
    call_start,
    call_start_once,
)
from incidents.services.escalation import incident_alert_unrouted
from incidents.services.incidents import (
    incident_auto_close,
    incident_cancel,
    incident_close,
    incident_create,
    incident_refresh_status,
    incident_route,
    incident_update,
)
from incidents.services.interop import (
    aml_report_receive,
    call_attach_device_location,
    incident_import_eido,
    incident_set_public_alert,
)
from incidents.services.units import (
    unit_change_status,
    unit_dispatch,
    unit_record_position,
    unit_resolve,
)

__all__ = [
    "alert_acknowledge",
    "alert_raise_for_centre",
    "aml_report_receive",
    "assignment_accept",
    "assignment_complete",
    "assignment_decline",
    "assignment_expire",
    "assignment_handoff",
    "call_attach_device_location",
    "caller_data_purge",
    "caller_link_revoke",
    "caller_link_send",
    "caller_links_expire_due",
    "caller_message_receive",
    "caller_message_send",
    "caller_photo_receive",
    "caller_position_adopt",
    "caller_position_receive",
    "call_claim",
    "call_close",
    "call_end",
    "call_link_duplicate",
    "call_register_ringing",
    "call_reopen",
    "call_start",
    "call_start_once",
    "incident_alert_unrouted",
    "incident_alerts_acknowledge",
    "incident_auto_close",
    "incident_cancel",
    "incident_close",
    "incident_create",
    "incident_import_eido",
    "incident_refresh_status",
    "incident_route",
    "incident_set_public_alert",
    "incident_update",
    "notification_queue",
    "sms_text_receive",
    "unit_change_status",
    "unit_dispatch",
    "unit_record_position",
    "unit_resolve",
]
