"""Every write to calls, incidents and assignments goes through these functions (house-style.md)."""
from incidents.services.assignments import (  # noqa: F401
    assignment_accept,
    assignment_complete,
    assignment_decline,
    assignment_expire,
    assignment_handoff,
)
from incidents.services.calls import (  # noqa: F401
    call_claim,
    call_close,
    call_end,
    call_link_duplicate,
    call_register_ringing,
    call_start,
)
from incidents.services.incidents import (  # noqa: F401
    incident_cancel,
    incident_close,
    incident_create,
    incident_refresh_status,
    incident_route,
    incident_update,
)
from incidents.services.alerts import alert_acknowledge  # noqa: F401,E402
from incidents.services.units import (  # noqa: F401
    unit_change_status,
    unit_dispatch,
    unit_record_position,
    unit_resolve,
)
from incidents.services.alerts import alert_acknowledge  # noqa: F401,E402
from incidents.services.interop import (  # noqa: F401,E402
    aml_report_receive,
    call_attach_device_location,
    incident_import_eido,
    incident_set_public_alert,
)
from incidents.notifier import notification_queue  # noqa: F401,E402
