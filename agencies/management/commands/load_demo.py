"""python manage.py load_demo — regions, demo centres, agencies, units, categories, communities and users.

Idempotent: a second run finds everything in place and writes nothing. The data lives in agencies/demo/.
"""
import time

from django.conf import settings
from django.core.management.base import BaseCommand

from agencies.demo.loader import load_demo
from agencies.demo.people import USERS
from agencies.tiles import bump_tile_version


class Command(BaseCommand):
    help = "Load the demo data (Palangka Raya, Samarinda, Paser) on top of the Kemendagri region list. Idempotent."

    def handle(self, *args, **options):
        started = time.monotonic()
        verbose = options.get("verbosity", 1) >= 1
        stats = load_demo(log=lambda msg: self.stdout.write(msg) if verbose else None)
        if stats:
            bump_tile_version()  # boundaries, names and landmarks the basemap draws may have changed
        if not verbose:
            return
        if stats:
            for key in sorted(stats):
                self.stdout.write(f"  {key}: {stats[key]}")
        else:
            self.stdout.write("Demo data already in place; nothing changed.")
        self.stdout.write(self.style.SUCCESS(f"Demo data loaded in {time.monotonic() - started:.1f} s."))
        names = ", ".join(u["username"] for u in USERS)
        self.stdout.write(f"Demo logins (password '{settings.DEMO_PASSWORD}' unless changed): {names}")
