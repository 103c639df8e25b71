"""`manage.py rebuild_rollups`: throw the report rollups away and build them again from the rows (rollup_rebuild_all).

For an operator after a bulk load or a migration that emptied the rollups: the beat's refresh would replay the
whole timeline 200 k events at a time, rebuilding a day once per chunk that touches it; this builds each day once.
It holds the rollups' lock for the whole build (the beat's refreshes skip meanwhile; the reports keep answering from
the previous rollups until it commits)."""
import time

from django.core.management.base import BaseCommand

from reporting.rollup import rollup_rebuild_all


class Command(BaseCommand):
    help = "Rebuild every report rollup from the incident and call rows (after a bulk load or a rollup migration)."

    def handle(self, *args, **opts):
        t0 = time.monotonic()
        result = rollup_rebuild_all()
        self.stdout.write(
            f"rollups rebuilt: {result['days']} days of {result['centres']} centres, {result['incidents']} incidents, "
            f"up to event {result['last_seq']}, {result['failed']} runs failed, in {time.monotonic() - t0:.1f} s"
        )
        if result["failed"]:
            self.stderr.write("failed runs are kept for the next refresh to retry (RollupState.retry_days, last_error)")
