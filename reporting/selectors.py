"""Reads of the reporting app: call funnels, intervals and compliance computed from the incidents' timeline
and the calls, always through the acting user's scope (built by the reports issue)."""
