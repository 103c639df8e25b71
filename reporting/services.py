"""Writes of the reporting app (report targets per centre, scheduled report deliveries), built by the reports
issue. Reports are computed from the timeline and the calls, never from hand tallies."""
