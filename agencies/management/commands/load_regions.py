"""Load the Kemendagri code list (38 provinces … 83,762 villages) into agencies.Region.

Idempotent: rows already present are left alone (INSERT … ON CONFLICT DO NOTHING), and when every
level already holds as many rows as the files, nothing is read beyond the line counts.
The data ships with the project in agencies/data/idn-area/ (idn-area-data 4.0.1, ODbL).
"""
import csv
import time
from pathlib import Path

from django.core.management.base import BaseCommand
from django.db import connection, transaction

from agencies.models import Region, TimeZoneName

DATA_DIR = Path(__file__).resolve().parents[2] / "data" / "idn-area"

# (level, file, parent column); parents come first so every parent row exists before its children.
LEVELS = (
    (Region.Level.PROVINCE, "provinces.csv", None),
    (Region.Level.REGENCY, "regencies.csv", "province_code"),
    (Region.Level.DISTRICT, "districts.csv", "regency_code"),
    (Region.Level.VILLAGE, "villages.csv", "district_code"),
)

# Indonesia's three time zones by province code (Permendagri / Keppres 41/1987 and the Papua splits).
WITA_PROVINCES = frozenset({"51", "52", "53", "63", "64", "65", "71", "72", "73", "74", "75", "76"})
WIT_PROVINCES = frozenset({"81", "82", "91", "92", "93", "94", "95", "96", "97"})

def timezone_for_code(code: str) -> str:
    """'64.72.01' → Asia/Makassar: the time zone follows the province (first two digits)."""
    province = code[:2]
    if province in WIT_PROVINCES:
        return TimeZoneName.WIT
    if province in WITA_PROVINCES:
        return TimeZoneName.WITA
    return TimeZoneName.WIB


def _line_count(path: Path) -> int:
    with path.open("rb") as fh:
        return max(sum(1 for _ in fh) - 1, 0)  # minus the header


def _rows(path: Path, parent_column):
    with path.open(newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            code = row["code"].strip()
            parent = row[parent_column].strip() if parent_column else None
            yield code, row["name"].strip(), parent, timezone_for_code(code)


def _copy_level(cursor, path: Path, level, parent_column) -> None:
    """COPY the file into a temporary table, then insert what is missing in one statement.

    About 20x faster than bulk_create for the 83k villages, and memory stays flat: rows stream.
    """
    cursor.execute(
        "CREATE TEMP TABLE IF NOT EXISTS region_load (code varchar(13), name varchar(120), parent varchar(13), tz varchar(20)) "
        "ON COMMIT DROP"
    )
    cursor.execute("TRUNCATE region_load")
    with cursor.cursor.copy("COPY region_load (code, name, parent, tz) FROM STDIN") as copy:
        for row in _rows(path, parent_column):
            copy.write_row(row)
    table = Region._meta.db_table
    cursor.execute(
        f"INSERT INTO {table} (code, level, name, parent_id, timezone, boundary_is_approximate, boundary_source) "
        "SELECT code, %s, name, parent, tz, false, '' FROM region_load ON CONFLICT (code) DO NOTHING",
        [level],
    )


def load_regions(*, data_dir: Path = DATA_DIR, force: bool = False, log=lambda msg: None) -> dict:
    """Insert missing regions level by level; returns {level: rows in the table afterwards}."""
    started = time.monotonic()
    expected = {level: _line_count(data_dir / name) for level, name, _ in LEVELS}
    present = {level: Region.objects.filter(level=level).count() for level, _, _ in LEVELS}
    if not force and all(present[level] >= expected[level] for level in expected):
        log(f"Regions already loaded ({', '.join(f'{present[lv]} {lv}' for lv in present)}); nothing to do.")
        return present
    with transaction.atomic():
        for level, name, parent_column in LEVELS:
            if not force and present[level] >= expected[level]:
                continue
            with connection.cursor() as cursor:
                _copy_level(cursor, data_dir / name, level, parent_column)
            present[level] = Region.objects.filter(level=level).count()
            log(f"{level}: {present[level]} rows (file: {expected[level]})")
    # Fresh statistics now, not whenever autovacuum gets to it: with the planner still believing the
    # table is empty, "villages ordered by code" joins all 83k rows before sorting (1 s instead of 1 ms).
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {Region._meta.db_table}")
    log(f"Regions loaded in {time.monotonic() - started:.1f} s.")
    return present


class Command(BaseCommand):
    help = "Load the Kemendagri province/regency/district/village code list into agencies.Region (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="Re-read every file even if the counts already match.")

    def handle(self, *args, force=False, **options):
        verbose = options.get("verbosity", 1) >= 1
        load_regions(force=force, log=lambda msg: self.stdout.write(msg) if verbose else None)
