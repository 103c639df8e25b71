"""`manage.py import_aeds FILE.csv --centre pky`: register or update a centre's AEDs from a CSV file (all or nothing;
columns in agencies/aed_import.py and docs/cardiac-arrest.md)."""
from django.core.management.base import BaseCommand, CommandError

from agencies.aed_import import ImportFailed, aeds_import
from agencies.models import CommandCentre


class Command(BaseCommand):
    help = "Import AEDs (defibrillators) for one command centre from a CSV file; nothing is stored if a row is bad."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--centre", required=True, help="The centre's code, e.g. pky")

    def handle(self, *args, file, centre, **options):
        found = CommandCentre.objects.filter(code=centre).first()
        if found is None:
            raise CommandError(f"unknown centre {centre!r}")
        try:
            with open(file, encoding="utf-8-sig") as fh:
                text = fh.read()
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"cannot read {file}: {exc}") from None
        try:
            created, updated = aeds_import(centre=found, text=text)
        except ImportFailed as exc:
            raise CommandError("nothing imported:\n" + "\n".join(exc.errors)) from None
        self.stdout.write(f"{created} AEDs created, {updated} updated for {found.code}")
