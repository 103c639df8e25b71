"""Writes to volunteer communities, volunteers and call-outs (the volunteer issue builds them here).

Every state change will go through a service function of this module, with the same locked transition and
timeline event as the incident workflows (incidents.services.common.transition, incidents.events).
"""
