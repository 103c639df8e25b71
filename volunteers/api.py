"""REST API of the volunteers app (registry and call-outs, built by the volunteer issue): one view per
operation calling volunteers.services, reads through volunteers.selectors, errors in the one shape."""
